// The floor plan: area tabs, tables drawn where the editor put them (a list on phones), each
// with its state colour AND label, guests, time since seated, whose table it is, and a green
// "ready" mark when the kitchen has food waiting. Tap a free table to seat it; a busy one to
// open its order.

import { get, post, ApiError } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { h, clear, toast, modal } from "/assets/core/ui.js";
import { S, icon, elapsed, explain, isPhone, initials } from "./lib.js";
import { go, setHeader, readyOrders, loadFloor } from "./app.js";

const AREA = "comanda.waiter.area";
const MODE = "comanda.waiter.floor-mode";

// Orders whose "ready" pulse has played: it pulses once, then stays green.
const pulsed = new Set();

export const STATUS_ICON = { free: "free", seated: "person", ordered: "pot", bill_requested: "receipt", ready: "bell" };

export function enterFloor(main) {
  let area = localStorage.getItem(AREA);
  let mode = localStorage.getItem(MODE) || "plan";
  let opening = false;
  const openingTables = new Set();

  const tabs = h("div.area-tabs", { role: "tablist", "aria-label": t("floor.areas") });
  const toggle = h("div.seg.floor-mode", { role: "group", "aria-label": t("floor.view") });
  const mineChip = h("span.floor-count");
  const stage = h("div.floor-stage");
  const legend = h("div.legend", { "aria-label": t("floor.legend") });
  const strip = h("div.flash-strip", { hidden: true });

  setHeader([h("span.tb-restaurant", {}, S.setup?.name || t("app.name")), h("span.tb-sep", {}, "·"), h("span.tb-view", {}, t("floor.title"))]);

  clear(
    main,
    h("div.floor", {}, strip, h("div.floor-bar", {}, tabs, h("div.floor-bar-right", {}, mineChip, toggle)), stage, legend),
  );

  function currentArea() {
    if (!S.areas.find((a) => a.id === area)) area = S.areas[0]?.id || null;
    return area;
  }

  function listMode() {
    return isPhone() || mode === "list";
  }

  function render() {
    currentArea();
    clear(
      tabs,
      S.areas.map((a) => {
        const busy = S.tables.filter((tb) => tb.area_id === a.id && tb.status !== "free").length;
        return h(
          "button.area-tab",
          {
            type: "button",
            role: "tab",
            "aria-selected": a.id === area ? "true" : "false",
            "data-test": `area-${a.name}`,
            onclick: () => {
              area = a.id;
              localStorage.setItem(AREA, area);
              render();
            },
          },
          a.name,
          busy ? h("span.area-busy.num", { "aria-label": t("floor.busy_count", { n: busy }) }, busy) : null,
        );
      }),
    );
    clear(
      toggle,
      isPhone()
        ? []
        : [
            h("button.seg-btn", { type: "button", "aria-pressed": mode === "plan" ? "true" : "false", "aria-label": t("floor.plan"), onclick: () => setMode("plan") }, icon("plan"), h("span", {}, t("floor.plan"))),
            h("button.seg-btn", { type: "button", "aria-pressed": mode === "list" ? "true" : "false", "aria-label": t("floor.list"), onclick: () => setMode("list") }, icon("list"), h("span", {}, t("floor.list"))),
          ],
    );
    const mine = S.tables.filter((tb) => S.orders.get(tb.order_id)?.waiter_id === S.me?.id).length;
    mineChip.textContent = mine ? t("floor.mine_count", { n: mine }) : "";
    renderTables();
    renderLegend();
    renderFlash();
  }

  function setMode(m) {
    mode = m;
    localStorage.setItem(MODE, m);
    render();
  }

  function tablesHere() {
    return S.tables.filter((tb) => tb.area_id === area);
  }

  function info(tb) {
    const order = tb.order_id ? S.orders.get(tb.order_id) : null;
    const ready = !!(tb.order_id && readyOrders().has(tb.order_id));
    const mine = !!(order && S.me && order.waiter_id === S.me.id);
    return { order, ready, mine };
  }

  function statusLabel(tb, ready) {
    if (openingTables.has(tb.id)) return t("floor.opening");
    if (ready) return t("status.ready");
    return t(`status.${tb.status}`);
  }

  function tableContent(tb, { order, ready, mine }) {
    const since = order?.opened_at || tb.status_since;
    return [
      h("span.tb-name", {}, tb.name),
      h(
        "span.tb-state",
        {},
        icon(ready ? STATUS_ICON.ready : STATUS_ICON[tb.status] || "free"),
        h("span", {}, statusLabel(tb, ready)),
      ),
      tb.status === "free"
        ? h("span.tb-meta", {}, icon("person"), h("span.num", {}, t("floor.seats", { n: tb.seats })))
        : h(
            "span.tb-meta",
            {},
            icon("person"),
            h("span.num", {}, order ? order.guests : "–"),
            icon("clock", "i-clock"),
            h("span.num", {}, elapsed(since)),
          ),
      order ? h(`span.tb-waiter${mine ? ".mine" : ""}`, { title: order.waiter_name }, mine ? t("floor.mine") : initials(order.waiter_name)) : null,
      booking(tb),
    ];
  }

  /// The table's next booking within three hours (or up to 30 minutes late): "20:00 · Dupont (4)".
  function booking(tb) {
    const now = Date.now();
    const next = (S.bookings || [])
      .filter((b) => b.table_id === tb.id)
      .map((b) => ({ ...b, at: Date.parse(b.starts_at) }))
      .filter((b) => b.at > now - 30 * 60000 && b.at < now + 3 * 3600000)
      .sort((a, b) => a.at - b.at)[0];
    if (!next) return null;
    const time = new Date(next.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return h("span.tb-booking", { "data-test": `booking-${tb.name}`, title: t("floor.booked_by", { name: next.name, n: next.party_size }) },
      icon("clock", "i-clock"), h("span.num", {}, time), " ", next.name.split(" ").pop(), ` (${next.party_size})`);
  }

  function attrs(tb, inf, extra = {}) {
    const pulse = inf.ready && !pulsed.has(tb.order_id);
    if (pulse) pulsed.add(tb.order_id);
    const cls = [`st-${tb.status}`, inf.ready ? "is-ready" : "", pulse ? "pulse-once" : "", inf.mine ? "is-mine" : "", openingTables.has(tb.id) ? "is-opening" : ""]
      .filter(Boolean)
      .join(" ");
    return {
      type: "button",
      class: cls,
      "data-test": `table-${tb.name}`,
      "data-status": tb.status,
      "data-ready": inf.ready ? "true" : null,
      "aria-label": t("floor.table_aria", { name: tb.name, status: statusLabel(tb, inf.ready) }),
      onclick: () => openTable(tb),
      ...extra,
    };
  }

  function renderTables() {
    const list = tablesHere();
    stage.classList.toggle("as-list", listMode());
    if (!list.length) {
      clear(stage, h("p.empty", {}, t("floor.empty")));
      return;
    }
    if (listMode()) {
      const sorted = [...list].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
      clear(
        stage,
        h(
          "div.table-list",
          { role: "list" },
          sorted.map((tb) => {
            const inf = info(tb);
            const el = h("button", attrs(tb, inf), ...tableContent(tb, inf));
            el.classList.add("table-row");
            if (inf.order?.subtotal) el.append(h("span.tb-total.num", {}, money(inf.order.subtotal)));
            el.append(icon("chevron", "tb-chevron"));
            return el;
          }),
        ),
      );
      return;
    }
    // The plan: fit the area's tables into the stage, keeping their proportions.
    const minX = Math.min(...list.map((tb) => tb.x));
    const minY = Math.min(...list.map((tb) => tb.y));
    const maxX = Math.max(...list.map((tb) => tb.x + tb.width));
    const maxY = Math.max(...list.map((tb) => tb.y + tb.height));
    const pad = Math.max(40, Math.min(minX, minY, 120) * 0.6);
    const worldW = maxX - minX + pad * 2;
    const worldH = maxY - minY + pad * 2;
    const box = stage.getBoundingClientRect();
    const availW = Math.max(200, box.width - 16);
    const availH = Math.max(200, box.height - 16);
    const scale = Math.min(availW / worldW, availH / worldH, 1.7);
    const offX = (box.width - worldW * scale) / 2;
    const offY = Math.max(8, (box.height - worldH * scale) / 2);
    const plan = h("div.plan");
    for (const tb of list) {
      const inf = info(tb);
      const w = tb.width * scale;
      const hgt = tb.height * scale;
      const el = h(
        "button",
        attrs(tb, inf, {
          style: {
            left: `${offX + (tb.x - minX + pad) * scale}px`,
            top: `${offY + (tb.y - minY + pad) * scale}px`,
            width: `${w}px`,
            height: `${hgt}px`,
          },
        }),
        ...tableContent(tb, inf),
      );
      el.classList.add("table", `shape-${tb.shape || "square"}`);
      if (Math.min(w, hgt) < 96) el.classList.add("small");
      // Chairs around the table, one per seat, so size and capacity read at a glance.
      plan.append(chairs(tb, inf, offX + (tb.x - minX + pad) * scale, offY + (tb.y - minY + pad) * scale, w, hgt), el);
    }
    clear(stage, plan);
  }

  function chairs(tb, inf, left, top, w, hgt) {
    const g = h("div.chairs", { "aria-hidden": "true" });
    const n = Math.min(tb.seats || 0, 12);
    const size = Math.max(10, Math.min(18, Math.min(w, hgt) * 0.16));
    const cx = left + w / 2;
    const cy = top + hgt / 2;
    for (let i = 0; i < n; i++) {
      let x;
      let y;
      if (tb.shape === "round") {
        const a = (i / n) * Math.PI * 2 - Math.PI / 2;
        x = cx + Math.cos(a) * (w / 2 + size * 0.55);
        y = cy + Math.sin(a) * (hgt / 2 + size * 0.55);
      } else {
        // Spread over the four sides: top, bottom, then left and right.
        const side = i % 4;
        const k = Math.floor(i / 4);
        const per = Math.ceil((n - side) / 4);
        const f = (k + 1) / (per + 1);
        if (side === 0) [x, y] = [left + w * f, top - size * 0.55];
        else if (side === 1) [x, y] = [left + w * f, top + hgt + size * 0.55];
        else if (side === 2) [x, y] = [left - size * 0.55, top + hgt * f];
        else [x, y] = [left + w + size * 0.55, top + hgt * f];
      }
      g.append(
        h(`span.chair${tb.status !== "free" ? ".chair-busy" : ""}${inf.ready ? ".chair-ready" : ""}`, {
          style: { left: `${x - size / 2}px`, top: `${y - size / 2}px`, width: `${size}px`, height: `${size}px` },
        }),
      );
    }
    return g;
  }

  function renderLegend() {
    const states = ["free", "seated", "ordered", "ready", "bill_requested"];
    clear(
      legend,
      states.map((s) => h(`span.legend-item.lg-${s}`, {}, h("span.legend-swatch", {}, icon(STATUS_ICON[s])), t(`status.${s}`))),
    );
  }

  function renderFlash() {
    const f = S.flash;
    if (!f || Date.now() - f.at > 20000) {
      strip.hidden = true;
      return;
    }
    strip.hidden = false;
    clear(
      strip,
      h("span.flash-icon", {}, icon("check")),
      h("span.flash-text", {}, t("floor.paid", { table: f.table })),
      f.change != null && f.method === "cash"
        ? h("span.flash-change", {}, t("pay.give_change"), " ", h("b.num", { "data-test": "change" }, money(f.change)))
        : null,
      h(
        "button.ghost.flash-close",
        {
          type: "button",
          "aria-label": t("common.close"),
          onclick: () => {
            S.flash = null;
            renderFlash();
          },
        },
        icon("close"),
      ),
    );
  }

  async function openTable(tb) {
    if (opening || openingTables.has(tb.id)) return;
    if (tb.status !== "free" || tb.order_id) {
      if (tb.order_id) return go(`#/order/${tb.order_id}`);
      try {
        const page = await get(`/api/v1/orders?status=open&table_id=${tb.id}`);
        const o = page.items?.[0];
        if (o) return go(`#/order/${o.id}`);
      } catch (e) {
        toast(explain(e), "error");
      }
      return;
    }
    opening = true;
    const guests = await guestsSheet(tb);
    if (!guests) {
      opening = false;
      return;
    }
    openingTables.add(tb.id);
    render();
    try {
      const order = await post("/api/v1/orders", { table_id: tb.id, guests });
      if (order.queued) {
        toast(t("floor.open_queued", { table: tb.name }));
        return;
      }
      S.orders.set(order.id, order);
      Object.assign(tb, { status: "seated", order_id: order.id, status_since: order.opened_at });
      openingTables.delete(tb.id);
      go(`#/order/${order.id}`);
    } catch (e) {
      openingTables.delete(tb.id);
      if (e instanceof ApiError && e.status === 409) {
        toast(t("floor.already_seated", { table: tb.name }), "error");
        await loadFloor().catch(() => {});
        render();
      } else {
        toast(explain(e), "error");
        render();
      }
    } finally {
      opening = false;
    }
  }

  const ro = new ResizeObserver(() => renderTables());
  ro.observe(stage);
  render();

  // Ask the box for the latest once the view is open (another tablet may have moved on).
  loadFloor()
    .then(render)
    .catch(() => {});

  return {
    refresh(what) {
      if (what === "floor") render();
    },
    tick() {
      render();
    },
    onReplayed(item) {
      if (item.path === "/api/v1/orders") {
        openingTables.clear();
        loadFloor()
          .then(render)
          .catch(() => {});
      }
    },
    leave() {
      ro.disconnect();
    },
  };
}

/// How many guests? A big stepper, quick picks, OK.
export function guestsSheet(tb) {
  return modal(t("guests.title", { table: tb.name }), (close) => {
    let n = 2;
    const value = h("output.guests-value.num", { "aria-live": "polite" }, String(n));
    const ok = h("button.primary.wide.big", { type: "button", "data-test": "guests-ok", onclick: () => close(n) });
    const quick = h("div.guests-quick");
    const set = (v) => {
      n = Math.max(1, Math.min(40, v));
      value.textContent = String(n);
      clear(ok, icon("check"), t("guests.ok", { n }));
      minus.disabled = n <= 1;
      for (const b of quick.children) b.setAttribute("aria-pressed", b.dataset.n === String(n) ? "true" : "false");
    };
    const minus = h("button.step", { type: "button", "data-test": "guests-minus", "aria-label": t("guests.minus"), onclick: () => set(n - 1) }, icon("minus"));
    const plus = h("button.step", { type: "button", "data-test": "guests-plus", "aria-label": t("guests.plus"), onclick: () => set(n + 1) }, icon("plus"));
    for (let i = 1; i <= 8; i++) quick.append(h("button.chip", { type: "button", "data-n": String(i), onclick: () => set(i) }, String(i)));
    set(n);
    return h(
      "div.stack.guests",
      {},
      h("p.sheet-lead", {}, t("guests.lead", { seats: tb.seats })),
      h("div.stepper", {}, minus, value, plus),
      quick,
      ok,
    );
  });
}
