// Profit (inside Reports, same period): net sales − cost of goods − labour − depreciation, the
// KPIs, profit by day as bars above or below zero, and margins by category.

import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { h } from "/assets/core/ui.js";
import { csvMoney, dataTable, emptyState, fitted, fmtDay, kpi, pct, svg } from "/dashboard/lib.js";

/// Profit (and net sales behind it) per day: green bars up for a profit, red down for a loss.
function dayChart(days, { width = 900, height = 260 } = {}) {
  const W = Math.max(320, Math.round(width));
  const H = height;
  const pad = { l: 12, r: 12, t: 16, b: 32 };
  const top = Math.max(1, ...days.map((d) => Math.max(d.net_sales, d.profit)));
  const bottom = Math.min(0, ...days.map((d) => d.profit));
  const y = (v) => pad.t + (H - pad.t - pad.b) * ((top - v) / (top - bottom));
  const cw = Math.min(96, (W - pad.l - pad.r) / Math.max(1, days.length));
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart hour-chart profit-chart", role: "img", "data-test": "profit-chart", "aria-label": t("dash.profit.by_day") });
  root.append(svg("line", { x1: pad.l, x2: W - pad.r, y1: y(0), y2: y(0), class: "axis" }));
  const step = Math.ceil(days.length / 16);
  days.forEach((d, i) => {
    const x = pad.l + i * cw;
    if (d.net_sales > 0) root.append(svg("rect", { x: x + cw * 0.12, y: y(d.net_sales), width: cw * 0.76, height: Math.max(1, y(0) - y(d.net_sales)), rx: 3, class: "sales" }));
    const up = d.profit >= 0;
    const bar = svg("rect", {
      x: x + cw * 0.3, y: up ? y(d.profit) : y(0), width: cw * 0.4, height: Math.max(1, Math.abs(y(d.profit) - y(0))), rx: 2, class: up ? "gain" : "loss",
    });
    bar.append(svg("title", {}, `${fmtDay(d.date)} — ${t("dash.profit.profit")} ${money(d.profit)} · ${t("dash.profit.net_sales")} ${money(d.net_sales)}`));
    root.append(bar);
    if (i % step === 0) root.append(svg("text", { x: x + cw / 2, y: H - 10, class: "tick", "text-anchor": "middle" }, fmtDay(d.date, { day: "numeric", month: "short" })));
  });
  return root;
}

export function renderProfit(r, { from, to }) {
  const warn = [];
  if (r.lines_without_cost) warn.push(t("dash.profit.lines_without_cost", { n: r.lines_without_cost }));
  if (r.shifts_without_rate) warn.push(t("dash.profit.shifts_without_rate", { n: r.shifts_without_rate }));
  const kpis = h("div.kpis.small-kpis", {},
    kpi(t("dash.profit.profit"), money(r.profit), { test: "profit-total", minor: r.profit, tone: r.profit < 0 ? "warn" : "lead", sub: t("dash.profit.margin_of", { pct: pct(r.profit, r.net_sales, 1) }) }),
    kpi(t("dash.profit.net_sales"), money(r.net_sales), { test: "profit-net-sales", minor: r.net_sales }),
    kpi(t("dash.profit.cost_of_goods"), money(r.cost_of_goods), { minor: r.cost_of_goods, sub: t("dash.profit.gross_margin", { amount: money(r.gross_margin) }) }),
    kpi(t("dash.profit.labour"), money(r.labour), { test: "profit-labour", minor: r.labour, sub: pct(r.labour, r.net_sales, 1) }),
    kpi(t("dash.profit.depreciation"), money(r.depreciation), { minor: r.depreciation }));
  const categories = dataTable([
    { key: "category", label: t("dash.col.category") },
    { key: "net_sales", label: t("dash.profit.net_sales"), num: true, render: (x) => money(x.net_sales), csv: (x) => csvMoney(x.net_sales) },
    { key: "cost_of_goods", label: t("dash.profit.cost_of_goods"), num: true, render: (x) => money(x.cost_of_goods), csv: (x) => csvMoney(x.cost_of_goods) },
    { key: "margin", label: t("dash.profit.margin"), num: true, render: (x) => money(x.margin), csv: (x) => csvMoney(x.margin) },
    { key: "margin_pct", label: "%", num: true, value: (x) => (x.net_sales ? x.margin / x.net_sales : 0), render: (x) => pct(x.margin, x.net_sales, 1), csv: (x) => (x.net_sales ? (x.margin / x.net_sales * 100).toFixed(1) : "") },
  ], r.by_category, { csvName: `profit-categories-${from}-${to}`, initial: { key: "margin", dir: -1 }, test: "profit-categories" });
  const days = dataTable([
    { key: "date", label: t("dash.profit.day"), render: (x) => fmtDay(x.date) },
    ...["net_sales", "cost_of_goods", "labour", "depreciation", "profit"].map((k) => (
      { key: k, label: t(`dash.profit.${k}`), num: true, render: (x) => money(x[k]), csv: (x) => csvMoney(x[k]) })),
  ], r.by_day, { csvName: `profit-${from}-${to}`, initial: { key: "date", dir: 1 }, test: "profit-days" });
  return [
    kpis,
    warn.length ? h("p.warn", { "data-test": "profit-warning" }, warn.join(" ")) : null,
    h("section.card.chart-card", {},
      h("header.card-head", {}, h("h2", {}, t("dash.profit.by_day")),
        h("span.legend", {}, h("span.key.sales-key", {}, t("dash.profit.net_sales")), h("span.key.gain-key", {}, t("dash.profit.profit")))),
      r.by_day.length ? fitted((width) => dayChart(r.by_day, { width })) : emptyState(t("dash.reports.no_sales"))),
    h("div", { style: { height: "16px" } }),
    h("section.card.table-card", {}, h("header.card-head", {}, h("h2", {}, t("dash.profit.by_category")), categories.exportButton), categories.el),
    h("div", { style: { height: "16px" } }),
    h("section.card.table-card", {}, h("header.card-head", {}, h("h2", {}, t("dash.profit.days")), days.exportButton), days.el),
  ];
}
