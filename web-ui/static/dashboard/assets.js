// Assets: the restaurant's equipment — ovens, the printers and tablets, furniture — with what
// each cost, how long it lasts and what it is worth today (straight-line depreciation, which
// the profit report counts). Add, correct, or record that something left.

import { get, patch, post } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { clear, h, toast } from "/assets/core/ui.js";
import { csvMoney, dataTable, dayOf, emptyState, field, fmtDay, formSheet, moneyInput, parseMoney, problem, queued, sectionHead } from "/dashboard/lib.js";

const KINDS = ["equipment", "printer", "tablet", "furniture", "vehicle"];

export async function mount(root) {
  let assets = [];
  const body = h("div");
  root.append(sectionHead(t("dash.assets.title"),
    h("button.primary", { type: "button", "data-test": "add-asset", onclick: () => edit(null) }, "+ ", t("dash.assets.add"))), body);

  async function load() {
    try {
      assets = await get("/api/v1/assets");
      render();
    } catch (e) {
      clear(body, emptyState(problem(e), h("button.primary", { type: "button", onclick: () => load() }, t("common.retry"))));
    }
  }

  function render() {
    if (!assets.length) {
      clear(body, h("section.card", {}, emptyState(t("dash.assets.empty"))));
      return;
    }
    const total = (k) => assets.reduce((s, a) => s + a[k], 0);
    const table = dataTable([
      { key: "name", label: t("dash.assets.name"), render: (a) => h("button.link", { type: "button", "data-test": `asset-${a.name}`, onclick: () => edit(a) }, a.name) },
      { key: "category", label: t("dash.col.category") },
      { key: "kind", label: t("dash.assets.kind"), value: (a) => t(`dash.assets.kind_${a.kind}`), render: (a) => t(`dash.assets.kind_${a.kind}`) },
      { key: "purchase_date", label: t("dash.assets.purchased"), render: (a) => fmtDay(a.purchase_date, { day: "numeric", month: "short", year: "numeric" }) },
      { key: "cost", label: t("dash.assets.cost"), num: true, render: (a) => money(a.cost), csv: (a) => csvMoney(a.cost) },
      { key: "book_value", label: t("dash.assets.book_value"), num: true, render: (a) => money(a.book_value), csv: (a) => csvMoney(a.book_value) },
      { key: "location", label: t("dash.assets.location"), render: (a) => a.location || "—" },
      { key: "status", label: t("dash.assets.status"), value: (a) => a.disposed_on || "", render: (a) => (a.disposed_on ? t("dash.assets.disposed", { day: fmtDay(a.disposed_on, { day: "numeric", month: "short", year: "numeric" }) }) : t("dash.assets.in_use")) },
    ], assets, { csvName: "assets", initial: { key: "book_value", dir: -1 }, test: "assets-table",
      footer: { cost: money(total("cost")), book_value: money(total("book_value")) } });
    clear(body, h("section.card.table-card", {}, h("header.card-head", {}, h("h2", {}, t("dash.assets.list")), table.exportButton), table.el));
  }

  async function edit(a) {
    const input = (name, value, attrs = {}) => h("input", { name, value: value ?? "", "data-test": `asset-${name}`, ...attrs });
    const kind = h("select", { name: "kind", "data-test": "asset-kind" },
      KINDS.map((k) => h("option", { value: k, selected: (a?.kind || "equipment") === k }, t(`dash.assets.kind_${k}`))));
    const result = await formSheet(a ? a.name : t("dash.assets.add"), () => h("div.stack", {},
      field(t("dash.assets.name"), input("name", a?.name, { required: true, maxlength: 100 })),
      h("div.row", {},
        field(t("dash.col.category"), input("category", a?.category, { required: true, maxlength: 60, placeholder: t("dash.assets.category_hint") })),
        field(t("dash.assets.kind"), kind)),
      h("div.row", {},
        field(t("dash.assets.purchased"), input("purchase_date", a?.purchase_date || dayOf(), { type: "date", required: true })),
        field(t("dash.assets.cost"), input("cost", a ? moneyInput(a.cost) : "", { inputmode: "decimal", required: true }))),
      h("div.row", {},
        field(t("dash.assets.life"), input("useful_life_months", a?.useful_life_months ?? 60, { type: "number", min: 1, max: 600, required: true }), t("dash.assets.life_hint")),
        field(t("dash.assets.salvage"), input("salvage_value", a ? moneyInput(a.salvage_value) : "", { inputmode: "decimal", placeholder: "0" }))),
      h("div.row", {},
        field(t("dash.assets.serial"), input("serial", a?.serial, { maxlength: 100 })),
        field(t("dash.assets.location"), input("location", a?.location, { maxlength: 100 }))),
      a ? field(t("dash.assets.disposed_on"), input("disposed_on", a.disposed_on, { type: "date" }), t("dash.assets.disposed_hint")) : null),
    async (form) => {
      const v = Object.fromEntries(new FormData(form));
      const cost = parseMoney(v.cost);
      const salvage = v.salvage_value ? parseMoney(v.salvage_value) : 0;
      if (cost === null || salvage === null) throw new Error(t("dash.assets.bad_amount"));
      const body = {
        name: v.name.trim(), category: v.category.trim(), kind: v.kind, purchase_date: v.purchase_date, cost,
        salvage_value: salvage, useful_life_months: Number(v.useful_life_months), serial: v.serial.trim() || null, location: v.location.trim() || null,
      };
      if (a) body.disposed_on = v.disposed_on || null;
      return a ? patch(`/api/v1/assets/${a.id}`, body) : post("/api/v1/assets", body);
    });
    if (result && !queued(result)) {
      toast(t("dash.saved"));
      load();
    }
  }

  await load();
  return { onReconnect: load, onEvent: (ev) => ev.type === "asset.changed" && load() };
}
