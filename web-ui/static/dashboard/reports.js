// Reports: a date range (presets: today, yesterday, this week, last month — or any two days),
// the period's totals, sales by hour, and sortable tables by item, category, staff, payment
// method and tax rate, each exportable as CSV.

import { get } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { clear, h } from "/assets/core/ui.js";
import { renderProfit } from "/dashboard/profit.js";
import {
  addDays, csvMoney, dataTable, dayOf, emptyState, field, fitted, fmtDay, hourChart, kpi, num, pct, problem, rate, sectionHead, weekday, plural,
} from "/dashboard/lib.js";

const PRESETS = ["today", "yesterday", "this_week", "last_month"];

function presetRange(name) {
  const today = dayOf();
  const monday = addDays(today, -((weekday(today) + 6) % 7));
  const [y, m] = today.split("-").map(Number);
  const firstThis = `${y}-${String(m).padStart(2, "0")}-01`;
  const lastPrev = addDays(firstThis, -1);
  switch (name) {
    case "yesterday": return [addDays(today, -1), addDays(today, -1)];
    case "this_week": return [monday, today];
    case "last_week": return [addDays(monday, -7), addDays(monday, -1)];
    case "this_month": return [firstThis, today];
    case "last_month": return [`${lastPrev.slice(0, 7)}-01`, lastPrev];
    default: return [today, today];
  }
}

export async function mount(root, ctx) {
  const saved = JSON.parse(sessionStorage.getItem("comanda.dash.range") || "null");
  let preset = saved?.preset ?? "today";
  let [from, to] = saved?.from ? [saved.from, saved.to] : presetRange(preset);
  let tab = saved?.tab || "items";
  // Sales or profit, over the same period.
  let view = saved?.view === "profit" && ctx.me?.role !== "waiter" ? "profit" : "sales";
  let report = null;

  const fromInput = h("input", { type: "date", value: from, "data-test": "report-from", max: dayOf() });
  const toInput = h("input", { type: "date", value: to, "data-test": "report-to", max: dayOf() });
  const presets = h("div.segmented", { role: "group", "aria-label": t("dash.reports.presets") });
  const body = h("div.report-body");
  const apply = h("button.primary", { type: "button", "data-test": "report-apply", onclick: () => {
    if (!fromInput.value || !toInput.value) return;
    from = fromInput.value <= toInput.value ? fromInput.value : toInput.value;
    to = fromInput.value <= toInput.value ? toInput.value : fromInput.value;
    preset = null;
    load();
  } }, t("dash.reports.show"));

  const viewSwitch = h("div.segmented.view-switch", { role: "group", "aria-label": t("dash.reports.view") });
  function drawViews() {
    clear(viewSwitch, ["sales", "profit"].map((v) => h("button", {
      type: "button", "data-test": `report-view-${v}`, "aria-pressed": String(v === view),
      onclick: () => { view = v; load(); },
    }, t(`dash.reports.view_${v}`))));
  }
  drawViews();
  root.append(
    sectionHead(t("dash.reports.title"), viewSwitch),
    h("div.card.range-card", {},
      h("div.range-bar", {},
        presets,
        field(t("dash.reports.from"), fromInput),
        field(t("dash.reports.to"), toInput),
        apply)),
    body);

  function drawPresets() {
    clear(presets, PRESETS.map((p) => h("button", {
      type: "button", "data-test": `preset-${p}`, "aria-pressed": String(p === preset),
      onclick: () => {
        preset = p;
        [from, to] = presetRange(p);
        load();
      },
    }, t(`dash.reports.preset.${p}`))));
  }

  async function load(quiet = false) {
    fromInput.value = from;
    toInput.value = to;
    drawPresets();
    drawViews();
    sessionStorage.setItem("comanda.dash.range", JSON.stringify({ preset, from, to, tab, view }));
    if (!quiet) clear(body, h("div.loading", {}, h("span.spinner"), t("dash.loading")));
    if (view === "profit") {
      try {
        const p = await get(`/api/v1/reports/profit?from=${from}&to=${to}`);
        clear(body, h("p.report-title", {}, rangeTitle()), renderProfit(p, { from, to }));
      } catch (e) {
        clear(body, emptyState(problem(e), h("button.primary", { type: "button", onclick: () => load() }, t("common.retry"))));
      }
      return;
    }
    try {
      const [r, staff] = await Promise.all([get(`/api/v1/reports/sales?from=${from}&to=${to}`), ctx.staffById()]);
      report = r;
      render(staff);
    } catch (e) {
      clear(body, emptyState(problem(e), h("button.primary", { type: "button", onclick: () => load() }, t("common.retry"))));
    }
  }

  function rangeTitle() {
    return from === to ? fmtDay(from, { weekday: "long", day: "numeric", month: "long", year: "numeric" })
      : t("dash.reports.range", { from: fmtDay(from, { day: "numeric", month: "short", year: "numeric" }), to: fmtDay(to, { day: "numeric", month: "short", year: "numeric" }) });
  }

  function render(staff) {
    const r = report;
    const avg = r.orders ? Math.round(r.gross / r.orders) : 0;
    const title = rangeTitle();
    const kpis = h("div.kpis.small-kpis", {},
      kpi(t("dash.reports.gross"), money(r.gross), { test: "report-gross", minor: r.gross, tone: "lead", sub: t("dash.reports.gross_hint") }),
      kpi(t("dash.reports.net"), money(r.net), { test: "report-net", minor: r.net, sub: t("dash.reports.tax_of", { amount: money(r.tax) }) }),
      kpi(t("dash.reports.orders"), num(r.orders), { sub: plural("dash.reports.covers_n", num(r.covers)) }),
      kpi(t("dash.reports.avg"), r.orders ? money(avg) : "—", { sub: r.covers ? t("dash.today.per_cover", { amount: money(Math.round(r.gross / r.covers)) }) : "" }),
      kpi(t("dash.reports.tips"), money(r.tips)),
      kpi(t("dash.reports.discounts"), money(r.discounts), {
        tone: r.refunds ? "warn" : undefined,
        sub: t("dash.reports.refunds_service", { refunds: money(r.refunds), service: money(r.service_charge) }),
      }));

    const staffName = (id) => staff.get(id)?.name || t("dash.unknown_staff");
    const tables = {
      items: () => dataTable([
        { key: "name", label: t("dash.col.item") },
        { key: "quantity", label: t("dash.col.qty"), num: true, render: (x) => num(x.quantity) },
        { key: "gross", label: t("dash.col.gross"), num: true, render: (x) => money(x.gross), csv: (x) => csvMoney(x.gross) },
        { key: "share", label: t("dash.col.share"), num: true, value: (x) => x.gross, render: (x) => pct(x.gross, r.gross, 1), csv: (x) => (r.gross ? (x.gross / r.gross * 100).toFixed(1) : "") },
      ], r.by_item, { csvName: `items-${from}-${to}`, initial: { key: "gross", dir: -1 }, test: "report-items",
        footer: { quantity: num(r.by_item.reduce((s, x) => s + x.quantity, 0)), gross: money(r.by_item.reduce((s, x) => s + x.gross, 0)) } }),
      categories: () => dataTable([
        { key: "category", label: t("dash.col.category") },
        { key: "quantity", label: t("dash.col.qty"), num: true, render: (x) => num(x.quantity) },
        { key: "gross", label: t("dash.col.gross"), num: true, render: (x) => money(x.gross), csv: (x) => csvMoney(x.gross) },
        { key: "share", label: t("dash.col.share"), num: true, value: (x) => x.gross, render: (x) => pct(x.gross, r.gross, 1), csv: (x) => (r.gross ? (x.gross / r.gross * 100).toFixed(1) : "") },
      ], r.by_category, { csvName: `categories-${from}-${to}`, initial: { key: "gross", dir: -1 }, test: "report-categories" }),
      staff: () => dataTable([
        { key: "name", label: t("dash.col.staff"), value: (x) => staffName(x.staff_id), render: (x) => staffName(x.staff_id) },
        { key: "bills", label: t("dash.col.bills"), num: true, render: (x) => num(x.bills) },
        { key: "gross", label: t("dash.col.gross"), num: true, render: (x) => money(x.gross), csv: (x) => csvMoney(x.gross) },
        { key: "avg", label: t("dash.col.avg_bill"), num: true, value: (x) => (x.bills ? x.gross / x.bills : 0), render: (x) => (x.bills ? money(Math.round(x.gross / x.bills)) : "—"), csv: (x) => (x.bills ? csvMoney(Math.round(x.gross / x.bills)) : "") },
        { key: "tips", label: t("dash.col.tips"), num: true, render: (x) => money(x.tips), csv: (x) => csvMoney(x.tips) },
      ], r.by_staff, { csvName: `staff-${from}-${to}`, initial: { key: "gross", dir: -1 }, test: "report-staff" }),
      payments: () => dataTable([
        { key: "method", label: t("dash.col.method"), value: (x) => t(`dash.method.${x.method}`), render: (x) => t(`dash.method.${x.method}`) },
        { key: "payments", label: t("dash.col.payments"), num: true, render: (x) => num(x.payments) },
        { key: "amount", label: t("dash.col.amount"), num: true, render: (x) => money(x.amount), csv: (x) => csvMoney(x.amount) },
        { key: "tips", label: t("dash.col.tips"), num: true, render: (x) => money(x.tips), csv: (x) => csvMoney(x.tips) },
        { key: "refunds", label: t("dash.col.refunds"), num: true, render: (x) => money(x.refunds), csv: (x) => csvMoney(x.refunds) },
      ], r.by_payment_method, { csvName: `payments-${from}-${to}`, initial: { key: "amount", dir: -1 }, test: "report-payments",
        footer: { payments: num(r.by_payment_method.reduce((s, x) => s + x.payments, 0)), amount: money(r.by_payment_method.reduce((s, x) => s + x.amount, 0)), tips: money(r.by_payment_method.reduce((s, x) => s + x.tips, 0)), refunds: money(r.by_payment_method.reduce((s, x) => s + x.refunds, 0)) } }),
      taxes: () => dataTable([
        { key: "rate_bp", label: t("dash.col.rate"), num: true, render: (x) => rate(x.rate_bp), csv: (x) => (x.rate_bp / 100).toFixed(2) },
        { key: "base", label: t("dash.col.base"), num: true, render: (x) => money(x.base), csv: (x) => csvMoney(x.base) },
        { key: "tax", label: t("dash.col.tax"), num: true, render: (x) => money(x.tax), csv: (x) => csvMoney(x.tax) },
      ], r.taxes, { csvName: `taxes-${from}-${to}`, initial: { key: "rate_bp", dir: 1 }, test: "report-taxes",
        footer: { base: money(r.taxes.reduce((s, x) => s + x.base, 0)), tax: money(r.taxes.reduce((s, x) => s + x.tax, 0)) } }),
    };

    const tabBar = h("div.tabs", { role: "tablist" });
    const panel = h("section.card.table-card", { role: "tabpanel" });
    function drawTab() {
      clear(tabBar, Object.keys(tables).map((k) => h("button", {
        type: "button", role: "tab", "data-test": `report-tab-${k}`, "aria-selected": String(k === tab),
        onclick: () => {
          tab = k;
          sessionStorage.setItem("comanda.dash.range", JSON.stringify({ preset, from, to, tab, view }));
          drawTab();
        },
      }, t(`dash.reports.tab.${k}`))));
      const { el, exportButton } = tables[tab]();
      clear(panel, h("header.card-head", {}, h("h2", {}, t(`dash.reports.tab.${tab}`)), exportButton), el);
    }
    drawTab();

    const single = from === to;
    clear(body,
      h("p.report-title", {}, title),
      kpis,
      h("section.card.chart-card", {},
        h("header.card-head", {}, h("h2", {}, single ? t("dash.today.by_hour") : t("dash.reports.by_hour_range")),
          h("span.muted", {}, t("dash.reports.tz", { tz: r.timezone }))),
        r.by_hour.length ? fitted((width) => hourChart(r.by_hour, { width, height: 280, test: "report-hour-chart" })) : emptyState(t("dash.reports.no_sales"))),
      h("div", { style: { height: "16px" } }),
      tabBar,
      panel);
  }

  let timer = null;
  await load();
  return {
    onEvent(ev) {
      if ((ev.type === "bill.paid" || ev.type === "payment.refunded") && to >= dayOf()) {
        clearTimeout(timer);
        timer = setTimeout(() => load(true), 1000);
      }
    },
    unmount: () => clearTimeout(timer),
  };
}
