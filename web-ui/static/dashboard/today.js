// Today: sales so far, covers, average ticket, open tables, the kitchen right now, sales by hour
// against the same weekday last week, top items, payments. Refreshes itself on payments,
// orders and tickets as they happen.

import { get } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { clear, h } from "/assets/core/ui.js";
import {
  addDays, barList, dayOf, fitted, donut, duration, emptyState, fmtDay, fmtTime, getAll, hourChart, kpi, minutesSince, num, pct, sectionHead, site, plural,
} from "/dashboard/lib.js";

const REFRESH_ON = /^(bill\.paid|payment\.|order\.(opened|closed|moved|sent|lines_added|line_voided)|ticket\.|bill\.created)/;

export async function mount(root, ctx) {
  let timer = null;
  let data = null;
  let updated = null;
  const body = h("div.today");
  const stamp = h("span.muted.updated");
  const refresh = h("button.small", { type: "button", onclick: () => load() }, "↻ ", t("dash.refresh"));
  root.append(sectionHead(t("dash.today.title"), stamp, refresh), body);

  async function load() {
    const today = dayOf();
    const lastWeek = addDays(today, -7);
    const [report, compare, open, kitchen] = await Promise.allSettled([
      get(`/api/v1/reports/sales?from=${today}&to=${today}`),
      get(`/api/v1/reports/sales?from=${lastWeek}&to=${lastWeek}`),
      getAll("/api/v1/orders?status=open&limit=200"),
      getAll("/api/v1/kitchen/tickets?status=active&limit=200"),
    ]);
    if (report.status === "rejected") {
      if (!data) clear(body, emptyState(t("dash.error.load"), h("button.primary", { type: "button", onclick: () => load() }, t("common.retry"))));
      return;
    }
    data = {
      today, lastWeek,
      report: report.value,
      compare: compare.status === "fulfilled" ? compare.value : null,
      open: open.status === "fulfilled" ? open.value : null,
      kitchen: kitchen.status === "fulfilled" ? kitchen.value : null,
    };
    updated = new Date();
    render();
  }

  function currentHour() {
    return Number(new Intl.DateTimeFormat("en-GB", { timeZone: site.timezone, hour: "2-digit", hourCycle: "h23" }).format(new Date()));
  }

  function render() {
    const { report: r, compare: c, open, kitchen, today, lastWeek } = data;
    stamp.textContent = t("dash.updated_at", { time: fmtTime(updated.toISOString()) });
    const hour = currentHour();
    const dayName = fmtDay(lastWeek, { weekday: "long" });

    // Sales against the same weekday last week, up to this hour.
    let salesSub = null;
    if (c) {
      const soFar = c.by_hour.filter((x) => x.hour <= hour).reduce((s, x) => s + x.gross, 0);
      if (soFar > 0) {
        const delta = (r.gross - soFar) / soFar;
        const up = delta >= 0;
        salesSub = h(`span.delta.${up ? "up" : "down"}`, {}, `${up ? "▲" : "▼"} ${pct(Math.abs(delta), 1)} `,
          h("span.muted", {}, t("dash.today.vs", { day: dayName, amount: money(soFar) })));
      } else salesSub = h("span.muted", {}, t("dash.today.vs_none", { day: dayName }));
    }
    const guestsSeated = (open || []).reduce((s, o) => s + (o.guests || 0), 0);
    const openCount = open ? new Set(open.map((o) => o.table_id)).size : null;
    const kitchenTickets = (kitchen || []).filter((k) => k.kind !== "void");
    const oldest = kitchenTickets.reduce((m, k) => Math.max(m, k.age_seconds || 0), 0);
    const avg = r.orders ? Math.round(r.gross / r.orders) : 0;

    const kpis = h("div.kpis",
      {},
      kpi(t("dash.today.sales"), money(r.gross), { test: "today-sales", minor: r.gross, sub: salesSub, tone: "lead" }),
      kpi(t("dash.today.covers"), num(r.covers), { test: "today-covers", count: r.covers, sub: plural("dash.today.orders_paid", num(r.orders)) }),
      kpi(t("dash.today.avg"), r.orders ? money(avg) : "—", { test: "today-avg", sub: r.covers ? t("dash.today.per_cover", { amount: money(Math.round(r.gross / r.covers)) }) : t("dash.today.no_bills") }),
      kpi(t("dash.today.open"), openCount === null ? "—" : num(openCount), {
        test: "today-open", sub: open ? plural("dash.today.guests_seated", num(guestsSeated)) : t("dash.error.part"),
      }),
      kpi(t("dash.today.kitchen"), kitchen ? num(kitchenTickets.length) : "—", {
        test: "today-kitchen",
        tone: oldest >= 15 * 60 ? "alert" : oldest >= 8 * 60 ? "warn" : undefined,
        sub: kitchenTickets.length ? t("dash.today.oldest", { time: duration(Math.floor(oldest / 60)) }) : t("dash.today.kitchen_clear"),
      }));

    const chart = h("section.card.chart-card", {},
      h("header.card-head", {}, h("h2", {}, t("dash.today.by_hour")),
        h("div.legend", {},
          h("span.key.bar-key", {}, t("dash.today.legend_today")),
          c && c.by_hour.some((x) => x.gross > 0) ? h("span.key.cmp-key", {}, t("dash.today.legend_last", { day: dayName })) : null)),
      fitted((width) => hourChart(r.by_hour, { width, height: 340, compare: c?.by_hour, now: hour, compareLabel: t("dash.today.legend_last", { day: dayName }) })));

    const top = r.by_item.slice(0, 8);
    const items = h("section.card", {},
      h("header.card-head", {}, h("h2", {}, t("dash.today.top_items")),
        h("button.link", { type: "button", onclick: () => ctx.go("reports") }, t("dash.today.all_items"))),
      top.length
        ? barList(top.map((x) => ({ label: x.name, value: x.gross, text: `${num(x.quantity)} × · ${money(x.gross)}` })))
        : emptyState(t("dash.today.no_items")));

    const tables = h("section.card", {},
      h("header.card-head", {}, h("h2", {}, t("dash.today.open_tables")), h("span.muted", {}, open ? t("dash.today.open_total", { amount: money(open.reduce((s, o) => s + o.subtotal, 0)) }) : "")),
      open && open.length
        ? h("table.data.compact", {},
          h("thead", {}, h("tr", {}, h("th", {}, t("dash.col.table")), h("th", {}, t("dash.col.waiter")), h("th.n", {}, t("dash.col.guests")), h("th.n", {}, t("dash.col.open_for")), h("th.n", {}, t("dash.col.amount")))),
          h("tbody", {}, [...open].sort((a, b) => Date.parse(a.opened_at) - Date.parse(b.opened_at)).map((o) => {
            const mins = minutesSince(o.opened_at);
            return h("tr", {},
              h("td", {}, h("strong", {}, o.table_name), h("span.muted", {}, ` #${o.number}`)),
              h("td", {}, o.waiter_name),
              h("td.n.num", {}, num(o.guests)),
              h(`td.n.num${mins >= 120 ? ".late" : ""}`, {}, duration(mins)),
              h("td.n.num", {}, money(o.subtotal)));
          })))
        : emptyState(open ? t("dash.today.no_open") : t("dash.error.part")));

    const methods = r.by_payment_method;
    const payTotal = methods.reduce((s, m) => s + m.amount, 0);
    const payments = h("section.card", {},
      h("header.card-head", {}, h("h2", {}, t("dash.today.payments"))),
      methods.length
        ? h("div.pay", {},
          donut(methods.map((m) => ({ label: t(`dash.method.${m.method}`), value: m.amount, cls: `m-${m.method}` })), { label: t("dash.today.payments") }),
          h("ul.pay-list", {}, methods.map((m) => h("li", {},
            h(`span.swatch.m-${m.method}`, { "aria-hidden": "true" }),
            h("span.pay-name", {}, t(`dash.method.${m.method}`), h("small.muted", {}, plural("dash.payments_n", m.payments))),
            h("span.num", {}, money(m.amount)),
            h("span.muted.num", {}, pct(m.amount, payTotal)))),
            h("li.pay-tips", {}, h("span"), h("span.pay-name", {}, t("dash.today.tips")), h("span.num", {}, money(r.tips)), h("span")))
        )
        : emptyState(t("dash.today.no_payments")));

    clear(body,
      h("p.today-date.muted", {}, fmtDay(today, { weekday: "long", day: "numeric", month: "long", year: "numeric" })),
      kpis,
      h("div.grid-2-1", {}, chart, items),
      h("div.grid-1-1", {}, tables, payments));
  }

  function schedule(ms = 700) {
    clearTimeout(timer);
    timer = setTimeout(load, ms);
  }

  await load();
  const every = setInterval(() => load(), 60_000);
  return {
    onEvent(ev) {
      if (REFRESH_ON.test(ev.type)) schedule();
    },
    onReconnect: () => schedule(100),
    unmount() {
      clearTimeout(timer);
      clearInterval(every);
    },
  };
}
