// Tables: areas (tabs) and a floor-plan editor. Drag a table to move it (saved on release as
// x/y in floor-plan units, 0–10 000), tap it to edit name, seats, shape, size or area; arrow
// keys nudge the selected table. Changes reach the waiters' floor plans live.

import { patch, post } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { clear, h, toast } from "/assets/core/ui.js";
import { confirmAction, emptyState, fail, field, formSheet, getAll, problem, queued, sectionHead, plural } from "/dashboard/lib.js";
import { switchEl } from "/dashboard/menu.js";

const SNAP = 10;
const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));

export async function mount(root) {
  let areas = [];
  let tables = [];
  let areaId = sessionStorage.getItem("comanda.dash.area");
  let selected = null;
  let dragging = false;
  let timer = null;

  const body = h("div");
  root.append(sectionHead(t("dash.tables.title"),
    h("button", { type: "button", "data-test": "add-area", onclick: addArea }, "+ ", t("dash.tables.add_area")),
    h("button.primary", { type: "button", "data-test": "add-table", onclick: addTable }, "+ ", t("dash.tables.add_table"))), body);

  async function load() {
    try {
      [areas, tables] = await Promise.all([getAll("/api/v1/areas?include_inactive=true&limit=200"), getAll("/api/v1/tables?include_inactive=true&limit=200")]);
      areas.sort((a, b) => Number(b.active) - Number(a.active) || a.position - b.position);
      if (!areas.some((a) => a.id === areaId && a.active)) areaId = areas.find((a) => a.active)?.id ?? null;
      render();
    } catch (e) {
      clear(body, emptyState(problem(e), h("button.primary", { type: "button", onclick: () => load() }, t("common.retry"))));
    }
  }

  const area = () => areas.find((a) => a.id === areaId);
  const onFloor = () => tables.filter((tb) => tb.area_id === areaId && tb.active);

  /// The floor's extent in units: at least 1000 wide, everything visible, 16:10.
  function world() {
    const list = onFloor();
    const right = Math.max(1000, ...list.map((tb) => tb.x + tb.width + 100));
    const bottom = Math.max(625, ...list.map((tb) => tb.y + tb.height + 100));
    const w = Math.max(right, bottom * 1.6);
    return { w, h: w / 1.6 };
  }

  function render() {
    if (!areas.length) {
      clear(body, h("section.card", {}, emptyState(t("dash.tables.no_areas"), h("button.primary", { type: "button", onclick: addArea }, "+ ", t("dash.tables.add_area")))));
      return;
    }
    const tabs = h("div.segmented", { role: "tablist" }, areas.filter((a) => a.active).map((a) => h("button", {
      type: "button", role: "tab", "aria-pressed": String(a.id === areaId), "data-test": "area-tab",
      onclick: () => {
        areaId = a.id;
        sessionStorage.setItem("comanda.dash.area", a.id);
        selected = null;
        render();
      },
    }, a.name, h("small.muted", {}, ` ${tables.filter((tb) => tb.area_id === a.id && tb.active).length}`))));
    const cur = area();
    const floor = h("div.floor", { "data-test": "floor", role: "application", "aria-label": t("dash.tables.floor_label", { area: cur?.name || "" }) });
    const W = world();
    for (const tb of onFloor()) floor.append(tableEl(tb, W, floor));
    floor.addEventListener("pointerdown", (e) => {
      if (e.target === floor) {
        selected = null;
        render();
      }
    });

    const removed = tables.filter((tb) => tb.area_id === areaId && !tb.active);
    const detail = h("section.card.detail", {}, selected ? tableForm(tables.find((tb) => tb.id === selected)) : h("div.stack", {},
      h("h2", {}, cur?.name || ""),
      h("p.muted", {}, t("dash.tables.hint")),
      h("p", {}, t("dash.tables.count", { n: onFloor().length, seats: onFloor().reduce((s, tb) => s + tb.seats, 0) })),
      removed.length ? h("div.stack", {}, h("h3", {}, t("dash.tables.removed")), removed.map((tb) => h("div.spread", {},
        h("span", {}, tb.name, h("span.muted", {}, ` · ${plural("dash.tables.seats_n", tb.seats)}`)),
        h("button.small", { type: "button", onclick: () => save(tb, { active: true }) }, t("dash.tables.put_back"))))) : null));

    clear(body,
      h("div.spread.area-bar", {}, tabs, cur ? h("div.row", {},
        h("button.small", { type: "button", onclick: () => editArea(cur) }, t("dash.tables.edit_area"))) : null),
      h("div", { style: { height: "16px" } }),
      h("div.split.two.floor-split", {},
        h("section.card.floor-wrap", {},
          floor,
          h("div.floor-hint.spread", {}, h("span", {}, t("dash.tables.drag_hint")),
            h("span.floor-legend", {}, ["free", "seated", "ordered", "bill_requested"].map((s) => h(`span.lg.st-${s}`, {}, t(`dash.tables.status.${s}`)))))),
        detail));
  }

  function tableEl(tb, W, floor) {
    const el = h(`div.ftable.${tb.shape === "round" ? "round" : "square"}.st-${tb.status}${tb.id === selected ? ".selected" : ""}${tb.status !== "free" ? ".busy" : ""}`, {
      "data-test": "floor-table", "data-name": tb.name, tabindex: "0", role: "button",
      "aria-label": t("dash.tables.table_label", { name: tb.name, n: tb.seats }),
      style: {
        left: `${(tb.x / W.w) * 100}%`, top: `${(tb.y / W.h) * 100}%`,
        width: `${(tb.width / W.w) * 100}%`, height: `${(tb.height / W.h) * 100}%`,
      },
    }, h("span", {}, tb.name), h("small", {}, t("dash.tables.seats_short", { n: tb.seats })));
    let start = null;
    el.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      el.setPointerCapture(e.pointerId);
      const box = floor.getBoundingClientRect();
      start = { px: e.clientX, py: e.clientY, x: tb.x, y: tb.y, sx: W.w / box.width, sy: W.h / box.height, moved: false };
    });
    el.addEventListener("pointermove", (e) => {
      if (!start) return;
      const dx = (e.clientX - start.px) * start.sx;
      const dy = (e.clientY - start.py) * start.sy;
      if (!start.moved && Math.hypot(e.clientX - start.px, e.clientY - start.py) < 5) return;
      start.moved = true;
      dragging = true;
      el.classList.add("dragging");
      const nx = clamp(Math.round((start.x + dx) / SNAP) * SNAP, 0, Math.min(10000, W.w) - tb.width);
      const ny = clamp(Math.round((start.y + dy) / SNAP) * SNAP, 0, Math.min(10000, W.h) - tb.height);
      el.style.left = `${(nx / W.w) * 100}%`;
      el.style.top = `${(ny / W.h) * 100}%`;
      start.nx = nx;
      start.ny = ny;
    });
    const end = async () => {
      if (!start) return;
      const s = start;
      start = null;
      dragging = false;
      el.classList.remove("dragging");
      if (!s.moved) {
        selected = tb.id;
        render();
        body.querySelector(`[data-name="${CSS.escape(tb.name)}"]`)?.focus();
        return;
      }
      if (s.nx === undefined || (s.nx === tb.x && s.ny === tb.y)) return;
      selected = tb.id;
      await save(tb, { x: s.nx, y: s.ny }, { quiet: true });
    };
    el.addEventListener("pointerup", end);
    el.addEventListener("pointercancel", end);
    el.addEventListener("keydown", (e) => {
      const step = e.shiftKey ? 50 : SNAP;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (moves[e.key]) {
        e.preventDefault();
        const [dx, dy] = moves[e.key];
        selected = tb.id;
        save(tb, { x: clamp(tb.x + dx, 0, 10000 - tb.width), y: clamp(tb.y + dy, 0, 10000 - tb.height) }, { quiet: true, refocus: true });
      } else if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        selected = tb.id;
        render();
      }
    });
    return el;
  }

  /// PATCHes a table; optimistic for moves (the floor shows the new place at once).
  async function save(tb, changes, { quiet = false, refocus = false } = {}) {
    const before = { ...tb };
    Object.assign(tb, changes);
    render();
    if (refocus) body.querySelector(`[data-name="${CSS.escape(tb.name)}"]`)?.focus();
    try {
      const r = await patch(`/api/v1/tables/${tb.id}`, changes);
      if (queued(r)) return true;
      Object.assign(tb, r);
      if (!quiet) toast(t("dash.saved"), "ok");
      render();
      if (refocus) body.querySelector(`[data-name="${CSS.escape(tb.name)}"]`)?.focus();
      return true;
    } catch (e) {
      Object.assign(tb, before);
      render();
      fail(e);
      return false;
    }
  }

  function tableForm(tb) {
    if (!tb) return emptyState("");
    const name = h("input", { value: tb.name, required: true, maxlength: "50", "data-test": "table-name" });
    const seats = h("input", { value: String(tb.seats), inputmode: "numeric", "data-test": "table-seats" });
    const shape = h("select", { "data-test": "table-shape" }, ["square", "round", "rectangle"].map((s) => h("option", { value: s }, t(`dash.tables.shape.${s}`))));
    shape.value = tb.shape;
    const width = h("input", { type: "range", min: "60", max: "400", step: "10", value: String(tb.width) });
    const height = h("input", { type: "range", min: "60", max: "400", step: "10", value: String(tb.height) });
    const areaSel = h("select", {}, areas.filter((a) => a.active).map((a) => h("option", { value: a.id }, a.name)));
    areaSel.value = tb.area_id;
    const error = h("p.form-error", { role: "alert", hidden: true });
    const busy = tb.status !== "free";
    return h("form.stack", {
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        const n = Number(seats.value);
        if (!name.value.trim()) {
          error.textContent = t("dash.tables.err_name");
          error.hidden = false;
          return;
        }
        if (!Number.isInteger(n) || n < 1 || n > 50) {
          error.textContent = t("dash.tables.err_seats");
          error.hidden = false;
          return;
        }
        const changes = {};
        if (name.value.trim() !== tb.name) changes.name = name.value.trim();
        if (n !== tb.seats) changes.seats = n;
        if (shape.value !== tb.shape) changes.shape = shape.value;
        if (Number(width.value) !== tb.width) changes.width = Number(width.value);
        if (Number(height.value) !== tb.height) changes.height = Number(height.value);
        if (areaSel.value !== tb.area_id) changes.area_id = areaSel.value;
        if (!Object.keys(changes).length) return;
        await save(tb, changes);
      },
    },
    h("div.spread", {}, h("h2", {}, tb.name), busy ? h("span.badge.warn", {}, t(`dash.tables.status.${tb.status}`)) : h("span.badge", {}, t("dash.tables.status.free"))),
    h("div.form-grid", {}, field(t("dash.tables.name"), name), field(t("dash.tables.seats"), seats),
      field(t("dash.tables.shape"), shape), field(t("dash.tables.area"), areaSel),
      sizeField(t("dash.tables.width"), width), sizeField(t("dash.tables.height"), height)),
    h("p.muted.small", {}, t("dash.tables.position", { x: tb.x, y: tb.y })),
    error,
    h("div.detail-actions", {},
      h("button.danger", { type: "button", disabled: busy, title: busy ? t("dash.tables.busy_hint") : undefined, "data-test": "table-remove", onclick: async () => {
        if (!(await confirmAction(t("dash.tables.remove_title", { name: tb.name }), t("dash.tables.remove_text"), t("dash.tables.remove")))) return;
        if (await save(tb, { active: false })) selected = null;
        render();
      } }, t("dash.tables.remove")),
      h("div.row", {},
        h("button", { type: "button", onclick: () => {
          selected = null;
          render();
        } }, t("dash.close")),
        h("button.primary", { type: "submit", "data-test": "table-save" }, t("common.save")))));
  }

  function sizeField(label, input) {
    const out = h("output.num", {}, input.value);
    input.addEventListener("input", () => (out.textContent = input.value));
    return h("label.field", {}, h("span.spread", {}, label, out), input);
  }

  /// A free spot for a new table: the first grid place no table covers.
  function freeSpot(w, hgt) {
    const list = onFloor();
    for (let y = 50; y < 5000; y += 150) {
      for (let x = 50; x < 950; x += 150) {
        if (!list.some((tb) => x < tb.x + tb.width + 20 && x + w + 20 > tb.x && y < tb.y + tb.height + 20 && y + hgt + 20 > tb.y)) return { x, y };
      }
    }
    return { x: 0, y: 0 };
  }

  function nextName() {
    const nums = tables.map((tb) => /^([A-Za-z]*)(\d+)$/.exec(tb.name)).filter(Boolean);
    if (!nums.length) return "1";
    const prefix = nums[nums.length - 1][1];
    return `${prefix}${Math.max(...nums.filter((m) => m[1] === prefix).map((m) => Number(m[2]))) + 1}`;
  }

  async function addTable() {
    if (!areaId) return addArea();
    const name = h("input", { value: nextName(), required: true, maxlength: "50", "data-test": "new-table-name" });
    const seats = h("input", { value: "4", inputmode: "numeric", "data-test": "new-table-seats" });
    const shape = h("select", {}, ["square", "round", "rectangle"].map((s) => h("option", { value: s }, t(`dash.tables.shape.${s}`))));
    const made = await formSheet(t("dash.tables.add_table_in", { area: area()?.name || "" }), () => h("div.form-grid", {},
      field(t("dash.tables.name"), name), field(t("dash.tables.seats"), seats), field(t("dash.tables.shape"), shape)), async () => {
      const n = Number(seats.value);
      if (!name.value.trim()) throw new Error(t("dash.tables.err_name"));
      if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error(t("dash.tables.err_seats"));
      const w = shape.value === "rectangle" ? 200 : 100;
      const spot = freeSpot(w, 100);
      return post("/api/v1/tables", { name: name.value.trim(), area_id: areaId, seats: n, shape: shape.value, x: spot.x, y: spot.y, width: w, height: 100 });
    }, { submitLabel: t("dash.add") });
    if (made && !made.queued) {
      toast(t("dash.tables.added", { name: made.name }), "ok");
      selected = made.id;
      await load();
    }
  }

  async function addArea() {
    const name = h("input", { required: true, maxlength: "50", "data-test": "area-name" });
    const made = await formSheet(t("dash.tables.add_area"), () => h("div.stack", {}, field(t("dash.tables.area_name"), name)), async () => {
      if (!name.value.trim()) throw new Error(t("dash.tables.err_name"));
      return post("/api/v1/areas", { name: name.value.trim() });
    }, { submitLabel: t("dash.add") });
    if (made && !made.queued) {
      areaId = made.id;
      sessionStorage.setItem("comanda.dash.area", made.id);
      await load();
    }
  }

  async function editArea(a) {
    const name = h("input", { value: a.name, required: true, maxlength: "50" });
    const visible = switchEl(a.active, () => {}, { label: t("dash.tables.area_visible") });
    const done = await formSheet(t("dash.tables.edit_area"), () => h("div.stack", {}, field(t("dash.tables.area_name"), name), visible), async () => {
      if (!name.value.trim()) throw new Error(t("dash.tables.err_name"));
      const active = visible.querySelector("input").checked;
      return patch(`/api/v1/areas/${a.id}`, { name: name.value.trim(), active });
    });
    if (done && !done.queued) {
      toast(t("dash.saved"), "ok");
      await load();
    }
  }

  await load();
  return {
    onEvent(ev) {
      if (!ev.type.startsWith("table.") || dragging) return;
      if (body.querySelector("form")?.contains(document.activeElement)) return; // someone is typing
      clearTimeout(timer);
      timer = setTimeout(load, 400);
    },
    unmount: () => clearTimeout(timer),
  };
}
