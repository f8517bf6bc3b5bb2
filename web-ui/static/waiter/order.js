// The order: categories rail · items grid · the ticket (seats as groups, courses as dividers).
// Each tap adds a line at once (optimistic; the box's answer is the truth); identical new lines
// show as one row with their quantity. Send, Fire course, Bill in the bottom bar.

import { get, post, ApiError } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { h, clear, toast, modal } from "/assets/core/ui.js";
import {
  S,
  icon,
  explain,
  timeOf,
  elapsed,
  seatColour,
  optionIdsFor,
  withApproval,
  confirmSheet,
  savePending,
  fold,
  isPhone,
  debounce,
} from "./lib.js";
import { go, setHeader, loadFloor, loadMenu } from "./app.js";

const CAT = "comanda.waiter.category";
const COURSES = [1, 2, 3];

export function enterOrder(main, orderId) {
  let order = S.orders.get(orderId) || null;
  let cat = localStorage.getItem(CAT);
  let query = "";
  let seat = 1;
  let course = 1;
  let extraSeats = 0;
  let sending = false;
  let sendQueued = 0;
  let lastAdded = null; // line id of the last line this tablet added
  let ticketOpen = false;
  let left = false;
  const inflight = new Set();
  const busyLines = new Set(); // line ids being removed

  // ------------------------------------------------------------ DOM
  const rail = h("nav.rail", { "aria-label": t("order.categories") });
  const search = h("input.search", {
    type: "search",
    placeholder: t("order.search"),
    "aria-label": t("order.search"),
    autocomplete: "off",
    spellcheck: "false",
    "data-test": "search",
  });
  const searchClear = h("button.ghost.search-clear", { type: "button", "aria-label": t("order.search_clear"), hidden: true }, icon("close"));
  const seats = h("div.chips", { role: "group", "aria-label": t("order.seat") });
  const courses = h("div.chips", { role: "group", "aria-label": t("order.course") });
  const grid = h("div.items", { role: "list" });
  const legend = h("div.allergen-legend");
  const lockNote = h("div.lock-note", { hidden: true });
  const ticketHead = h("div.ticket-head");
  const ticketBody = h("div.ticket-body");
  const ticketFoot = h("div.ticket-foot");
  const ticket = h("aside.ticket", { "aria-label": t("order.ticket") }, ticketHead, ticketBody, ticketFoot);
  const bar = h("footer.order-bar");

  const menuCol = h(
    "section.menu-col",
    {},
    h("div.menu-top", {}, h("div.search-wrap", {}, icon("search", "search-icon"), search, searchClear)),
    h(
      "div.target",
      {},
      h("div.target-row", {}, h("span.target-label", {}, t("order.seat")), seats),
      h("div.target-row", {}, h("span.target-label", {}, t("order.course")), courses),
    ),
    lockNote,
    h("div.items-scroll", {}, grid, legend),
  );

  clear(main, h("div.order", {}, rail, menuCol, ticket, bar));

  search.addEventListener("input", () => {
    query = search.value;
    searchClear.hidden = !query;
    renderRail();
    renderItems();
  });
  searchClear.addEventListener("click", () => {
    search.value = "";
    query = "";
    searchClear.hidden = true;
    renderItems();
    search.focus();
  });

  // ------------------------------------------------------------ header
  function renderHeader() {
    const back = h(
      "button.back",
      { type: "button", "data-test": "back-to-floor", "aria-label": t("order.back"), onclick: () => go("#/floor") },
      icon("back"),
      h("span.back-label", {}, t("order.floor")),
    );
    const title = order
      ? [
          h("span.tb-table", {}, order.table_name),
          h(
            "span.tb-meta-line",
            {},
            h("span", {}, t("order.number", { n: order.number })),
            h("span.tb-dot", {}, "·"),
            icon("person"),
            h("span.num", {}, order.guests),
            h("span.tb-dot.hide-phone", {}, "·"),
            h("span.hide-phone", {}, order.waiter_name),
            h("span.tb-dot.hide-phone", {}, "·"),
            h("span.num.hide-phone", {}, elapsed(order.opened_at)),
          ),
        ]
      : [h("span.tb-table", {}, "…")];
    const move =
      order && order.status === "open" && !order.locked
        ? h("button.tb-action", { type: "button", onclick: moveSheet, "aria-label": t("move.title") }, icon("move"), h("span.hide-phone", {}, t("move.button")))
        : null;
    setHeader([back, h("div.tb-order-title", {}, title)], [move]);
  }

  // ------------------------------------------------------------ menu
  function categories() {
    return S.menu.categories.filter((c) => c.active !== false && c.items.some((i) => i.active !== false));
  }

  function renderRail() {
    const cats = categories();
    if (!cats.find((c) => c.id === cat)) cat = cats[0]?.id || null;
    clear(
      rail,
      cats.map((c) =>
        h(
          "button.cat",
          {
            type: "button",
            "data-test": `category-${c.name}`,
            "aria-current": !query && c.id === cat ? "true" : "false",
            onclick: () => {
              cat = c.id;
              localStorage.setItem(CAT, cat);
              if (query) {
                search.value = "";
                query = "";
                searchClear.hidden = true;
              }
              renderRail();
              renderItems();
            },
          },
          c.name,
        ),
      ),
    );
  }

  function visibleItems() {
    if (query.trim()) {
      const q = fold(query.trim());
      const all = categories().flatMap((c) => c.items.filter((i) => i.active !== false));
      const starts = all.filter((i) => fold(i.name).split(/[\s&()-]+/).some((w) => w.startsWith(q)) || fold(i.name).startsWith(q));
      const rest = all.filter((i) => !starts.includes(i) && fold(i.name).includes(q));
      return [...starts, ...rest];
    }
    return categories().find((c) => c.id === cat)?.items.filter((i) => i.active !== false) || [];
  }

  function newQtyOf(itemId) {
    let n = 0;
    for (const l of order?.lines || []) if (l.item_id === itemId && l.status === "unsent") n += l.quantity;
    for (const p of S.pending[orderId] || []) if (p.req.item_id === itemId) n += p.req.quantity;
    return n;
  }

  function renderItems() {
    const items = visibleItems();
    const locked = !order || order.locked || order.status !== "open";
    grid.classList.toggle("locked", locked);
    const seen = new Set();
    clear(
      grid,
      items.length
        ? items.map((item) => {
            for (const a of item.allergens || []) seen.add(a);
            const qty = newQtyOf(item.id);
            const soldOut = item.available === false;
            const hasMods = (item.modifier_group_ids || []).length > 0;
            return h(
              `button.item${soldOut ? ".sold-out" : ""}`,
              {
                type: "button",
                role: "listitem",
                "data-test": `item-${item.name}`,
                "aria-disabled": soldOut ? "true" : null,
                "aria-label": soldOut ? t("order.item_sold_out_aria", { name: item.name }) : `${item.name}, ${money(item.price)}`,
                onclick: () => tapItem(item),
              },
              h("span.item-name", {}, item.name),
              soldOut ? h("span.sold-tag", {}, t("order.sold_out")) : null,
              h(
                "span.item-foot",
                {},
                h("span.item-price.num", {}, money(item.price)),
                hasMods ? h("span.item-mods", { title: t("order.has_options") }, "+", t("order.options")) : null,
                h(
                  "span.allergens",
                  {},
                  (item.allergens || []).map((a) => h("abbr.allergen", { title: t(`allergen.${a}`), "aria-label": t(`allergen.${a}`) }, t(`allergen.short.${a}`))),
                ),
              ),
              qty ? h("span.item-qty.num", { "aria-label": t("order.in_ticket", { n: qty }) }, qty) : null,
            );
          })
        : h("p.empty", {}, query ? t("order.no_match", { q: query }) : t("order.empty_category")),
    );
    clear(
      legend,
      [...seen].sort().map((a) => h("span.legend-allergen", {}, h("abbr.allergen", {}, t(`allergen.short.${a}`)), t(`allergen.${a}`))),
    );
    if (order?.locked) {
      lockNote.hidden = false;
      clear(lockNote, icon("lock"), t("order.locked"));
    } else if (order && order.status !== "open") {
      lockNote.hidden = false;
      clear(lockNote, icon("lock"), t("order.closed"));
    } else lockNote.hidden = true;
  }

  function seatCount() {
    const fromLines = Math.max(0, ...(order?.lines || []).map((l) => l.seat || 0));
    return Math.max(order?.guests || 1, fromLines) + extraSeats;
  }

  function renderTarget() {
    const n = seatCount();
    if (seat !== null && seat > n) seat = 1;
    const seatChip = (s) =>
      h(
        "button.chip.seat-chip",
        {
          type: "button",
          "data-test": s === null ? "seat-shared" : `seat-${s}`,
          "aria-pressed": seat === s ? "true" : "false",
          style: `--seat: ${seatColour(s)}`,
          onclick: () => {
            seat = s;
            renderTarget();
          },
        },
        h("span.seat-dot"),
        s === null ? t("order.shared") : String(s),
      );
    clear(
      seats,
      Array.from({ length: n }, (_, i) => seatChip(i + 1)),
      seatChip(null),
      h(
        "button.chip.add-seat",
        {
          type: "button",
          "aria-label": t("order.add_seat"),
          onclick: () => {
            extraSeats += 1;
            seat = seatCount();
            renderTarget();
          },
        },
        icon("plus"),
      ),
    );
    clear(
      courses,
      COURSES.map((c) =>
        h(
          "button.chip.course-chip",
          {
            type: "button",
            "data-test": `course-${c}`,
            "aria-pressed": course === c ? "true" : "false",
            onclick: () => {
              course = c;
              renderTarget();
            },
          },
          String(c),
        ),
      ),
    );
  }

  // ------------------------------------------------------------ adding
  async function tapItem(item) {
    if (!order || order.status !== "open") return;
    if (order.locked) {
      toast(t("order.locked"), "error");
      return;
    }
    if (item.available === false) {
      toast(t("order.item_sold_out", { name: item.name }), "error");
      return;
    }
    const groups = (item.modifier_group_ids || []).map((id) => S.menu.groups.get(id)).filter(Boolean);
    if (groups.length) {
      const choice = await modifiersSheet(item, groups, { seat, course });
      if (!choice) return;
      addLines([{ item, quantity: choice.quantity, modifier_option_ids: choice.options, note: choice.note, seat, course }]);
    } else {
      addLines([{ item, quantity: 1, modifier_option_ids: [], note: null, seat, course }]);
    }
  }

  function request(spec) {
    const req = { item_id: spec.item.id, quantity: spec.quantity, seat: spec.seat, course: spec.course };
    if (spec.modifier_option_ids?.length) req.modifier_option_ids = spec.modifier_option_ids;
    if (spec.note) req.note = spec.note;
    return req;
  }

  function optionsOf(item, ids) {
    const names = [];
    let delta = 0;
    for (const gid of item.modifier_group_ids || []) {
      for (const o of S.menu.groups.get(gid)?.options || []) {
        if (ids.includes(o.id)) {
          names.push(o.name);
          delta += o.price_delta;
        }
      }
    }
    return { names, delta };
  }

  /// Adds lines (one request), showing them at once as pending; the answer replaces them.
  function addLines(specs) {
    const body = { lines: specs.map(request) };
    const bodyKey = JSON.stringify(body);
    const g = `${Date.now()}-${Math.random().toString(16).slice(2)}`;
    const list = (S.pending[orderId] ||= []);
    const mine = specs.map((spec, i) => {
      const { names, delta } = optionsOf(spec.item, spec.modifier_option_ids || []);
      return {
        g,
        bodyKey,
        req: body.lines[i],
        name: spec.item.name,
        unit: spec.item.price + delta,
        modifiers: names,
        state: "flight",
      };
    });
    list.push(...mine);
    const before = new Set((order?.lines || []).map((l) => l.id));
    renderTicket();
    renderItems();
    renderBar();
    pulseToggle();
    const job = (async () => {
      try {
        const r = await post(`/api/v1/orders/${orderId}/lines`, body);
        if (r.queued) {
          for (const p of mine) p.state = "queued";
          savePending();
        } else {
          dropPending(g);
          applyOrder(r);
          const added = r.lines.filter((l) => !before.has(l.id));
          if (added.length) lastAdded = added[added.length - 1].id;
        }
      } catch (e) {
        dropPending(g);
        if (e instanceof ApiError && e.status === 409) {
          toast(explain(e), "error");
          loadMenu().then(() => renderItems()).catch(() => {});
          refetch();
        } else toast(explain(e), "error");
      }
      if (!left) {
        renderTicket();
        renderItems();
        renderBar();
      }
    })();
    inflight.add(job);
    job.finally(() => inflight.delete(job));
    return job;
  }

  function dropPending(g) {
    const list = S.pending[orderId] || [];
    S.pending[orderId] = list.filter((p) => p.g !== g);
    if (!S.pending[orderId].length) delete S.pending[orderId];
    savePending();
  }

  function applyOrder(o) {
    if (!o || !o.id) return;
    if (order && o.id === order.id && o.version < order.version) return;
    order = o;
    S.orders.set(o.id, o);
  }

  // ------------------------------------------------------------ the ticket
  function keyOf(itemId, modifiers, note, seatN, courseN) {
    return [itemId, (modifiers || []).join("+"), note || "", seatN ?? "s", courseN].join("|");
  }

  /// Rows to show: identical new lines merge; sent and voided lines stay one per line.
  function rows() {
    const out = [];
    const merged = new Map();
    for (const l of order?.lines || []) {
      if (l.status === "voided" && !l.sent_at) continue; // removed before the kitchen saw it
      if (busyLines.has(l.id)) continue;
      if (l.status === "unsent" || (l.status === "sent" && !l.comped)) {
        // New lines merge; sent ones too when they went in the same send.
        const k = `${keyOf(l.item_id, l.modifiers, l.note, l.seat, l.course)}|${l.status}|${l.sent_at || ""}`;
        let row = merged.get(k);
        if (!row) {
          row = { key: k, item_id: l.item_id, status: l.status, name: l.name, qty: 0, total: 0, modifiers: l.modifiers, note: l.note, seat: l.seat ?? null, course: l.course, sent_at: l.sent_at, lines: [], pend: [] };
          merged.set(k, row);
          out.push(row);
        }
        row.qty += l.quantity;
        row.total += l.total;
        row.lines.push(l);
      } else {
        out.push({ key: l.id, item_id: l.item_id, status: l.status, name: l.name, qty: l.quantity, total: l.total, unit: l.unit_price, modifiers: l.modifiers, note: l.note, seat: l.seat ?? null, course: l.course, sent_at: l.sent_at, comped: l.comped, lines: [l], pend: [] });
      }
    }
    for (const p of S.pending[orderId] || []) {
      const k = `${keyOf(p.req.item_id, p.modifiers, p.req.note, p.req.seat, p.req.course)}|unsent|`;
      let row = merged.get(k);
      if (!row) {
        row = { key: k, item_id: p.req.item_id, status: "pending", name: p.name, qty: 0, total: 0, modifiers: p.modifiers, note: p.req.note, seat: p.req.seat ?? null, course: p.req.course || 1, lines: [], pend: [] };
        merged.set(k, row);
        out.push(row);
      }
      row.status = "pending";
      row.qty += p.req.quantity;
      row.total += p.unit * p.req.quantity;
      row.pend.push(p);
    }
    return out;
  }

  function counts() {
    let fresh = 0;
    const fire = new Set();
    for (const l of order?.lines || []) {
      if (l.status === "unsent") {
        fresh += l.quantity;
        fire.add(l.course);
      }
    }
    for (const p of S.pending[orderId] || []) {
      fresh += p.req.quantity;
      fire.add(p.req.course || 1);
    }
    const pendingTotal = (S.pending[orderId] || []).reduce((s, p) => s + p.unit * p.req.quantity, 0);
    return { fresh, fire: [...fire].sort((a, b) => a - b), total: (order?.subtotal || 0) + pendingTotal };
  }

  function renderTicket() {
    const all = rows();
    const bySeat = new Map();
    for (const r of all) {
      const k = r.seat === null ? "shared" : r.seat;
      if (!bySeat.has(k)) bySeat.set(k, []);
      bySeat.get(k).push(r);
    }
    const keys = [...bySeat.keys()].sort((a, b) => (a === "shared" ? -1 : b === "shared" ? 1 : a - b));
    const { total } = counts();
    const queuedLines = (S.pending[orderId] || []).filter((p) => p.state === "queued").length;

    const undoLine = lastAdded && order?.lines.find((l) => l.id === lastAdded && l.status === "unsent");
    const again = sameAgainLines();
    clear(
      ticketHead,
      h("h2.ticket-title", {}, t("order.ticket")),
      h(
        "div.ticket-tools",
        {},
        again.length
          ? h("button.tool", { type: "button", "data-test": "same-again", onclick: sameAgain, title: t("order.same_again_hint"), "aria-label": t("order.same_again_hint") }, icon("repeat"), h("span.tool-label", {}, t("order.same_again")))
          : null,
        undoLine
          ? h("button.tool", { type: "button", "data-test": "undo", onclick: () => undo(undoLine), "aria-label": t("order.undo_aria", { name: undoLine.name }) }, icon("undo"), h("span.tool-label", {}, t("order.undo")))
          : null,
        h("button.ghost.tool.ticket-close", { type: "button", "aria-label": t("order.hide_ticket"), onclick: () => setTicketOpen(false) }, icon("chevron")),
      ),
    );

    if (!all.length) {
      clear(ticketBody, h("div.ticket-empty", {}, icon("note"), h("p", {}, t("order.ticket_empty")), h("p.muted", {}, t("order.ticket_empty_hint"))));
    } else {
      clear(
        ticketBody,
        keys.map((k) => {
          const list = bySeat.get(k);
          const seatN = k === "shared" ? null : k;
          const sub = list.reduce((s, r) => s + (r.status === "voided" ? 0 : r.total), 0);
          const byCourse = new Map();
          for (const r of list) {
            if (!byCourse.has(r.course)) byCourse.set(r.course, []);
            byCourse.get(r.course).push(r);
          }
          return h(
            "section.seat-group",
            { style: `--seat: ${seatColour(seatN)}` },
            h(
              "header.seat-head",
              {},
              h("span.seat-tag", {}, seatN === null ? t("order.shared") : t("order.seat_n", { n: seatN })),
              h("span.seat-sub.num", {}, money(sub)),
            ),
            [...byCourse.keys()]
              .sort((a, b) => a - b)
              .map((c) => [h("div.course-div", {}, h("span", {}, t("order.course_n", { n: c }))), byCourse.get(c).map(lineRow)]),
          );
        }),
      );
    }
    clear(
      ticketFoot,
      sendQueued || queuedLines
        ? h("div.queued-note", {}, icon("wait"), t("order.waiting_note", { n: queuedLines + sendQueued }))
        : null,
      h("div.ticket-total", {}, h("span", {}, t("order.total")), h("span.num", { "data-test": "order-total" }, money(total))),
    );
    renderToggle();
  }

  function lineRow(r) {
    const isNew = r.status === "unsent" || r.status === "pending";
    const waiting = r.status === "pending" && r.pend.some((p) => p.state === "queued");
    const editable = isNew && order?.status === "open" && !order.locked;
    let marker;
    if (r.status === "pending")
      marker = waiting
        ? h("span.mark.mark-wait", {}, icon("wait"), t("line.waiting"))
        : h("span.mark.mark-new", {}, t("line.new"));
    else if (r.status === "unsent") marker = h("span.mark.mark-new", {}, t("line.new"));
    else if (r.status === "sent") marker = h("span.mark.mark-sent", { title: t("line.sent_at", { time: timeOf(r.sent_at) }) }, icon("check"), h("span.num", {}, timeOf(r.sent_at)));
    else marker = h("span.mark.mark-void", {}, t("line.voided"));
    const qty = editable
      ? h(
          "div.qty-ctl",
          {},
          h(
            "button.qty-btn",
            {
              type: "button",
              "data-test": "line-minus",
              "aria-label": t("line.minus", { name: r.name }),
              disabled: r.lines.length === 0 ? true : null,
              onclick: () => minus(r),
            },
            icon("minus"),
          ),
          h("span.qty-n.num", {}, r.qty),
          h("button.qty-btn", { type: "button", "data-test": "line-plus", "aria-label": t("line.plus", { name: r.name }), onclick: () => plus(r) }, icon("plus")),
        )
      : h("span.line-qty.num", {}, `${r.qty}×`);
    const row = h(
      `div.line.line-${r.status}${waiting ? ".is-waiting" : ""}${editable ? ".has-ctl" : ""}`,
      {
        "data-test": "line",
        "data-status": r.status,
        "data-name": r.name,
        role: "button",
        tabindex: "0",
        "aria-label": t("line.aria", { qty: r.qty, name: r.name, status: t(`line.status_${r.status}`) }),
        onclick: (e) => {
          if (e.target.closest(".qty-ctl")) return;
          lineSheet(r);
        },
        onkeydown: (e) => {
          if (e.key === "Enter" && e.target === row) lineSheet(r);
        },
      },
      qty,
      h(
        "div.line-text",
        {},
        h("div.line-title", {}, h("span.line-name", {}, r.name), marker),
        r.modifiers?.length ? h("div.line-mods", {}, r.modifiers.join(" · ")) : null,
        r.note ? h("div.line-note", {}, icon("note"), h("span", {}, r.note)) : null,
      ),
      h("span.line-price.num", {}, r.comped ? t("line.comped") : money(r.total)),
    );
    return row;
  }

  function specOf(r) {
    const item = S.menu.items.get(r.item_id) || { id: r.item_id, name: r.name, price: r.lines[0]?.unit_price ?? 0, modifier_group_ids: [] };
    const fromPending = r.pend[0]?.req;
    return {
      item,
      quantity: 1,
      modifier_option_ids: fromPending?.modifier_option_ids || optionIdsFor(r.item_id, r.modifiers),
      note: r.note || null,
      seat: r.seat,
      course: r.course,
    };
  }

  function plus(r) {
    const spec = specOf(r);
    if (spec.item.available === false) {
      toast(t("order.item_sold_out", { name: r.name }), "error");
      return;
    }
    addLines([spec]);
  }

  async function minus(r) {
    const line = r.lines[r.lines.length - 1];
    if (!line) return;
    const spec = specOf(r);
    await removeLine(line);
    if (line.quantity > 1) addLines([{ ...spec, quantity: line.quantity - 1 }]);
  }

  async function removeLine(line, reason = t("void.reason_removed")) {
    busyLines.add(line.id);
    renderTicket();
    try {
      const r = await post(`/api/v1/orders/${orderId}/lines/${line.id}/void`, { reason });
      if (!r.queued) applyOrder(r);
    } catch (e) {
      toast(explain(e), "error");
      refetch();
    } finally {
      busyLines.delete(line.id);
      if (!left) {
        renderTicket();
        renderItems();
        renderBar();
      }
    }
  }

  async function undo(line) {
    lastAdded = null;
    await removeLine(line, t("void.reason_undo"));
    toast(t("order.undone", { name: line.name }));
  }

  /// The drinks of the last round (lines sent to a bar station), to order again in one tap.
  function sameAgainLines() {
    const bars = new Set([...S.menu.stations.values()].filter((s) => /bar|drink|boisson/i.test(s.name)).map((s) => s.id));
    if (!bars.size || !order) return [];
    const drinks = order.lines.filter((l) => l.status === "sent" && bars.has(l.station_id) && !l.comped);
    if (!drinks.length) return [];
    const last = drinks.reduce((m, l) => (l.sent_at > m ? l.sent_at : m), "");
    return drinks.filter((l) => l.sent_at === last);
  }

  function sameAgain() {
    const lines = sameAgainLines();
    const specs = [];
    for (const l of lines) {
      const item = S.menu.items.get(l.item_id);
      if (!item || item.available === false) continue;
      specs.push({ item, quantity: l.quantity, modifier_option_ids: optionIdsFor(l.item_id, l.modifiers), note: l.note, seat: l.seat, course: l.course });
    }
    if (!specs.length) {
      toast(t("order.same_again_none"), "error");
      return;
    }
    addLines(specs);
    toast(t("order.same_again_done", { n: specs.reduce((s, x) => s + x.quantity, 0) }), "ok");
  }

  // ------------------------------------------------------------ the line sheet
  function lineSheet(r) {
    const isNew = r.status === "unsent" || r.status === "pending";
    modal(`${r.qty}× ${r.name}`, (close) => {
      const where = h(
        "p.sheet-lead",
        {},
        r.seat === null ? t("order.shared") : t("order.seat_n", { n: r.seat }),
        " · ",
        t("order.course_n", { n: r.course }),
        r.status === "sent" ? ` · ${t("line.sent_at", { time: timeOf(r.sent_at) })}` : "",
      );
      const mods = r.modifiers?.length ? h("p.line-sheet-mods", {}, r.modifiers.join(" · ")) : null;
      if (r.status === "voided") {
        return h("div.stack", {}, where, mods, h("p.void-note", {}, t("line.voided_note")));
      }
      if (isNew) {
        const note = h("textarea.note-input", { rows: "2", placeholder: t("line.note_placeholder"), "aria-label": t("line.note"), maxlength: "200", "data-test": "line-note" }, r.note || "");
        const editable = r.lines.length > 0 && r.pend.length === 0 && order?.status === "open" && !order?.locked;
        return h(
          "div.stack",
          {},
          where,
          mods,
          h("label", {}, t("line.note"), note),
          h(
            "div.sheet-actions",
            {},
            h(
              "button.danger-outline",
              {
                type: "button",
                "data-test": "remove-line",
                disabled: !editable ? true : null,
                onclick: async () => {
                  close(null);
                  for (const l of r.lines) await removeLine(l);
                },
              },
              t("line.remove"),
            ),
            h(
              "button.primary",
              {
                type: "button",
                "data-test": "save-note",
                disabled: !editable ? true : null,
                onclick: async () => {
                  const text = note.value.trim() || null;
                  close(null);
                  if (text === (r.note || null)) return;
                  // A line's note is part of what the kitchen gets: replace the (unsent) line.
                  const spec = { ...specOf(r), quantity: r.qty, note: text };
                  for (const l of r.lines) await removeLine(l, t("void.reason_edited"));
                  addLines([spec]);
                },
              },
              t("line.save_note"),
            ),
          ),
        );
      }
      // Sent: a void needs a reason, and a manager's PIN unless a manager is logged in.
      const reasons = ["wrong", "changed", "quality", "other"];
      let reason = "changed";
      const chips = h("div.chips.wrap");
      const renderChips = () =>
        clear(
          chips,
          reasons.map((k) =>
            h("button.chip", { type: "button", "aria-pressed": reason === k ? "true" : "false", onclick: () => { reason = k; renderChips(); } }, t(`void.reason_${k}`)),
          ),
        );
      renderChips();
      return h(
        "div.stack",
        {},
        where,
        mods,
        r.note ? h("p.line-note", {}, icon("note"), r.note) : null,
        h("h3.sheet-sub", {}, t("void.why")),
        chips,
        h("p.muted.small", {}, t("void.manager_hint")),
        h(
          "div.sheet-actions",
          {},
          h(
            "button.danger",
            {
              type: "button",
              "data-test": "void-line",
              disabled: order?.status !== "open" || order?.locked ? true : null,
              onclick: () => {
                close(null);
                voidSent(r.lines[0], t(`void.reason_${reason}`));
              },
            },
            r.lines.length > 1 ? t("void.button_one") : t("void.button"),
          ),
        ),
      );
    });
  }

  async function voidSent(line, reason) {
    try {
      const r = await withApproval(t("void.needs_manager"), (pin) =>
        post(`/api/v1/orders/${orderId}/lines/${line.id}/void`, pin ? { reason, approval_pin: pin } : { reason }),
        { upfront: true },
      );
      if (!r) return;
      if (r.queued) toast(t("order.queued_action"));
      else {
        applyOrder(r);
        toast(t("void.done", { name: line.name }), "ok");
      }
    } catch (e) {
      toast(explain(e), "error");
    }
    if (!left) {
      renderTicket();
      renderBar();
    }
  }

  // ------------------------------------------------------------ modifiers sheet
  function modifiersSheet(item, groups, where) {
    const sorted = [...groups].sort((a, b) => (b.min > 0) - (a.min > 0));
    const picked = new Map(sorted.map((g) => [g.id, []]));
    let quantity = 1;
    return modal(item.name, (close) => {
      const body = h("div.mods");
      const done = h("button.primary.wide.big", { type: "button", "data-test": "modifiers-done" });
      const qtyOut = h("output.num.mods-qty", {}, "1");
      const note = h("input.note-input", { type: "text", placeholder: t("line.note_placeholder"), "aria-label": t("line.note"), maxlength: "200", "data-test": "modifiers-note" });
      const valid = () => sorted.every((g) => picked.get(g.id).length >= g.min && picked.get(g.id).length <= g.max);
      const price = () => {
        let p = item.price;
        for (const g of sorted) for (const id of picked.get(g.id)) p += g.options.find((o) => o.id === id)?.price_delta || 0;
        return p * quantity;
      };
      const rule = (g) => {
        if (g.min === g.max) return t("mod.choose", { n: g.min });
        if (g.min > 0) return t("mod.choose_range", { min: g.min, max: g.max });
        return t("mod.up_to", { n: g.max });
      };
      const render = () => {
        clear(
          body,
          sorted.map((g) => {
            const sel = picked.get(g.id);
            const ok = sel.length >= g.min && sel.length <= g.max;
            return h(
              "section.mod-group",
              { "aria-label": g.name },
              h(
                "header.mod-head",
                {},
                h("h3", {}, g.name),
                h("span.mod-rule", {}, rule(g)),
                g.min > 0 ? h(`span.badge.${ok ? "badge-ok" : "badge-required"}`, {}, ok ? icon("check") : null, ok ? t("mod.done") : t("mod.required")) : null,
              ),
              h(
                "div.mod-options",
                {},
                g.options.map((o) => {
                  const on = sel.includes(o.id);
                  const full = !on && g.max > 1 && sel.length >= g.max;
                  return h(
                    `button.mod-option${g.max === 1 ? ".radio" : ""}`,
                    {
                      type: "button",
                      "data-test": `option-${o.name}`,
                      "aria-pressed": on ? "true" : "false",
                      disabled: full ? true : null,
                      onclick: () => {
                        if (on) picked.set(g.id, sel.filter((x) => x !== o.id));
                        else if (g.max === 1) picked.set(g.id, [o.id]);
                        else picked.set(g.id, [...sel, o.id]);
                        render();
                      },
                    },
                    h("span.mod-check", {}, on ? icon("check") : null),
                    h("span.mod-name", {}, o.name),
                    h("span.mod-delta.num", {}, o.price_delta ? `${o.price_delta > 0 ? "+" : "−"}${money(Math.abs(o.price_delta))}` : ""),
                  );
                }),
              ),
            );
          }),
        );
        const ready = valid();
        done.disabled = !ready;
        qtyOut.textContent = String(quantity);
        clear(done, ready ? t("mod.add", { price: money(price()) }) : t("mod.choose_first"));
      };
      done.addEventListener("click", () => {
        if (!valid()) return;
        close({ options: sorted.flatMap((g) => picked.get(g.id)), quantity, note: note.value.trim() || null });
      });
      render();
      const allergens = (item.allergens || []).map((a) => t(`allergen.${a}`)).join(", ");
      return h(
        "div.stack.mods-sheet",
        {},
        h(
          "p.sheet-lead",
          {},
          money(item.price),
          " · ",
          where.seat === null ? t("order.shared") : t("order.seat_n", { n: where.seat }),
          " · ",
          t("order.course_n", { n: where.course }),
        ),
        allergens ? h("p.allergen-line", {}, h("b", {}, t("order.allergens")), " ", allergens) : null,
        body,
        h(
          "div.mods-extra",
          {},
          h(
            "div.stepper.small",
            {},
            h("button.step", { type: "button", "aria-label": t("line.minus_one"), onclick: () => { quantity = Math.max(1, quantity - 1); render(); } }, icon("minus")),
            qtyOut,
            h("button.step", { type: "button", "aria-label": t("line.plus_one"), onclick: () => { quantity = Math.min(50, quantity + 1); render(); } }, icon("plus")),
          ),
          note,
        ),
        h("div.sheet-foot", {}, done),
      );
    });
  }

  // ------------------------------------------------------------ bottom bar
  function renderBar() {
    const { fresh, fire, total } = counts();
    const open = order && order.status === "open";
    const billable = (order?.lines || []).some((l) => l.status !== "voided" && l.total > 0) || fresh > 0;
    const fireGroup = fire.length
      ? h(
          "div.fire",
          { role: "group", "aria-label": t("order.fire") },
          h("span.fire-label", {}, icon("fire"), t("order.fire"), " ▸"),
          fire.map((c) =>
            h(
              "button.fire-btn",
              { type: "button", "data-test": `fire-course-${c}`, disabled: sending || !open ? true : null, onclick: () => send(c) },
              t("order.course_short", { n: c }),
            ),
          ),
        )
      : h("div.fire.empty");
    clear(
      bar,
      h(
        "button.ticket-toggle",
        { type: "button", "aria-expanded": ticketOpen ? "true" : "false", onclick: () => setTicketOpen(!ticketOpen) },
        icon("up", "toggle-icon"),
        h("span", {}, t("order.ticket")),
        fresh ? h("span.badge.badge-new.num", {}, fresh) : null,
        h("span.num.toggle-total", {}, money(total)),
      ),
      fireGroup,
      h(
        "button.bill-btn",
        { type: "button", "data-test": "bill", disabled: !order ? true : null, onclick: toBill },
        icon("receipt"),
        billable || !open ? t("order.bill") : t("order.close_table"),
      ),
      h(
        "button.primary.send-btn",
        { type: "button", "data-test": "send", disabled: !open || fresh === 0 || sending || sendQueued > 0 || order.locked ? true : null, onclick: () => send() },
        icon("send"),
        sending ? t("order.sending") : t("order.send"),
        fresh ? h("span.send-count.num", {}, fresh) : null,
      ),
    );
  }

  function setTicketOpen(v) {
    ticketOpen = v;
    main.querySelector(".order")?.classList.toggle("ticket-open", v);
    renderToggle();
  }

  function renderToggle() {
    const btn = bar.querySelector(".ticket-toggle");
    if (btn) btn.setAttribute("aria-expanded", ticketOpen ? "true" : "false");
  }

  function pulseToggle() {
    const btn = bar.querySelector(".ticket-toggle");
    if (!btn) return;
    btn.classList.remove("pulse");
    void btn.offsetWidth;
    btn.classList.add("pulse");
  }

  async function send(courseN) {
    if (sending || !order) return;
    sending = true;
    renderBar();
    try {
      await Promise.allSettled([...inflight]);
      const before = new Set(order.lines.filter((l) => l.status === "sent").map((l) => l.id));
      const r = await post(`/api/v1/orders/${orderId}/send`, courseN ? { course: courseN } : {});
      if (r.queued) {
        sendQueued += 1;
        toast(t("order.send_queued"));
      } else {
        applyOrder(r);
        const n = r.lines.filter((l) => l.status === "sent" && !before.has(l.id)).reduce((s, l) => s + l.quantity, 0);
        toast(courseN ? t("order.fired_ok", { n: courseN }) : t("order.sent_ok", { n }), "ok");
        flashSent();
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) toast(t("order.nothing_to_send"), "error");
      else toast(explain(e), "error");
      refetch();
    } finally {
      sending = false;
      if (!left) {
        renderTicket();
        renderItems();
        renderBar();
      }
    }
  }

  function flashSent() {
    ticket.classList.remove("just-sent");
    void ticket.offsetWidth;
    ticket.classList.add("just-sent");
  }

  async function toBill() {
    if (!order) return;
    await Promise.allSettled([...inflight]);
    if (order.status !== "open") return go("#/floor");
    const { fresh } = counts();
    if (fresh > 0 && !order.locked) {
      const ok = await confirmSheet(t("bill.unsent_title"), t("bill.unsent_text", { n: fresh }), t("bill.send_and_bill"), { test: "send-and-bill" });
      if (!ok) return;
      await send();
      if (counts().fresh > 0 || sendQueued) return;
    }
    const billable = order.lines.some((l) => l.status !== "voided" && l.total > 0);
    if (!billable && !order.locked) {
      const ok = await confirmSheet(t("order.close_title", { table: order.table_name }), t("order.close_text"), t("order.close_table"), { test: "close-ok" });
      if (!ok) return;
      try {
        const r = await post(`/api/v1/orders/${orderId}/close`, {});
        toast(r.queued ? t("order.queued_action") : t("order.closed_ok", { table: order.table_name }), "ok");
        go("#/floor");
      } catch (e) {
        toast(explain(e), "error");
      }
      return;
    }
    go(`#/bill/${orderId}`);
  }

  // ------------------------------------------------------------ moving the table
  async function moveSheet() {
    if (!order) return;
    await loadFloor().catch(() => {});
    const target = await modal(t("move.title_from", { table: order.table_name }), (close) =>
      h(
        "div.stack",
        {},
        h("p.sheet-lead", {}, t("move.lead")),
        S.areas.map((a) => {
          const tables = S.tables.filter((tb) => tb.area_id === a.id && tb.id !== order.table_id);
          if (!tables.length) return null;
          return h(
            "section.move-area",
            {},
            h("h3.sheet-sub", {}, a.name),
            h(
              "div.move-grid",
              {},
              tables
                .sort((x, y) => x.name.localeCompare(y.name, undefined, { numeric: true }))
                .map((tb) =>
                  h(
                    `button.move-table.st-${tb.status}`,
                    { type: "button", onclick: () => close(tb) },
                    h("b", {}, tb.name),
                    h("span.small", {}, tb.status === "free" ? t("status.free") : t("move.merge")),
                  ),
                ),
            ),
          );
        }),
      ),
    );
    if (!target) return;
    if (target.status !== "free") {
      const ok = await confirmSheet(t("move.merge_title"), t("move.merge_text", { from: order.table_name, to: target.name }), t("move.merge_ok"));
      if (!ok) return;
    }
    try {
      const r = await post(`/api/v1/orders/${orderId}/move`, { table_id: target.id });
      if (r.queued) return toast(t("order.queued_action"));
      toast(t("move.done", { table: target.name }), "ok");
      if (r.id !== orderId) go(`#/order/${r.id}`);
      else {
        applyOrder(r);
        renderAll();
      }
    } catch (e) {
      toast(explain(e), "error");
    }
  }

  // ------------------------------------------------------------ loading & live updates
  async function refetchNow() {
    try {
      const o = await get(`/api/v1/orders/${orderId}`);
      if (left) return;
      applyOrder(o);
      if (o.status !== "open") {
        toast(t("order.closed_elsewhere", { table: o.table_name }));
        go("#/floor");
        return;
      }
      renderAll();
    } catch (e) {
      if (left) return;
      if (e instanceof ApiError && e.status === 404) {
        toast(t("order.not_found"), "error");
        go("#/floor");
      } else if (!order) {
        clear(grid, h("p.empty", {}, explain(e)));
      }
    }
  }
  const refetch = debounce(refetchNow, 200);

  function renderAll() {
    renderHeader();
    renderRail();
    renderTarget();
    renderItems();
    renderTicket();
    renderBar();
  }

  // Typing anywhere searches the menu (a tablet with a keyboard, or a desk PC).
  const onKey = (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || document.querySelector(".backdrop")) return;
    const tag = document.activeElement?.tagName;
    if (e.key === "Escape" && query) {
      search.value = "";
      query = "";
      searchClear.hidden = true;
      renderItems();
      return;
    }
    if (tag === "INPUT" || tag === "TEXTAREA") return;
    if (e.key.length === 1 && /[\p{L}\p{N}]/u.test(e.key)) search.focus();
  };
  document.addEventListener("keydown", onKey);

  const onResize = () => {
    if (!isPhone() && ticketOpen) setTicketOpen(false);
  };

  renderAll();
  refetchNow();

  return {
    refresh(what) {
      if (what === "menu") {
        renderRail();
        renderItems();
      }
    },
    resize: onResize,
    tick() {
      renderHeader();
    },
    onEvent(ev) {
      const d = ev.data || {};
      if (ev.type === "order.moved" && d.order_id === orderId && d.merged_into && d.merged_into !== orderId) {
        toast(t("move.merged_elsewhere"));
        go(`#/order/${d.merged_into}`);
        return;
      }
      if (d.order_id === orderId && /^(order|bill|payment)\./.test(ev.type)) refetch();
    },
    onReplayed(item, result) {
      if (!item.path.startsWith(`/api/v1/orders/${orderId}`)) return;
      if (item.path.endsWith("/send")) sendQueued = Math.max(0, sendQueued - 1);
      if (result && result.id === orderId) applyOrder(result);
      renderTicket();
      renderItems();
      renderBar();
      refetch();
    },
    leave() {
      left = true;
      document.removeEventListener("keydown", onKey);
    },
  };
}
