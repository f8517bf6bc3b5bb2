// Audit: who voided, comped, discounted, refunded, opened or closed the drawer, changed prices
// or staff — newest first, filtered by kind, person and dates, 50 at a time with "load more".

import { get } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { clear, h } from "/assets/core/ui.js";
import { addDays, dayOf, emptyState, field, fmtDateTime, problem, sectionHead, startOfDay } from "/dashboard/lib.js";

const TYPES = [
  "order.line_voided", "order.line_comped", "bill.discounted", "payment.refunded", "menu.item_changed",
  "cash.session_opened", "cash.moved", "cash.session_closed",
  "staff.created", "staff.updated", "staff.deactivated", "staff.credentials_changed",
];
const TONE = {
  "order.line_voided": "off", "order.line_comped": "warn", "bill.discounted": "warn", "payment.refunded": "off",
  "menu.item_changed": "info", "cash.session_opened": "ok", "cash.moved": "", "cash.session_closed": "ok",
};

export async function mount(root, ctx) {
  const staff = await ctx.staffById();
  const type = h("select", { "data-test": "audit-type" }, h("option", { value: "" }, t("dash.audit.all_types")),
    TYPES.map((x) => h("option", { value: x }, t(`dash.audit.type.${x}`))));
  const who = h("select", { "data-test": "audit-staff" }, h("option", { value: "" }, t("dash.audit.everyone")),
    [...staff.values()].sort((a, b) => a.name.localeCompare(b.name)).map((s) => h("option", { value: s.id }, s.name)),
    h("option", { value: "system" }, t("dash.audit.system")));
  const from = h("input", { type: "date", "data-test": "audit-from", max: dayOf() });
  const to = h("input", { type: "date", "data-test": "audit-to", max: dayOf() });
  const list = h("ul.audit-list", { "data-test": "audit-list" });
  const more = h("div.load-more");
  const count = h("span.muted");
  let cursor = null;
  let loading = false;
  let timer = null;

  const clearBtn = h("button", { type: "button", onclick: () => {
    type.value = who.value = from.value = to.value = "";
    load();
  } }, t("dash.audit.clear"));
  root.append(
    sectionHead(t("dash.audit.title"), count),
    h("div.card.filters-card", {}, h("div.filters", {},
      field(t("dash.audit.kind"), type), field(t("dash.audit.who"), who),
      field(t("dash.reports.from"), from), field(t("dash.reports.to"), to), h("div", {}, clearBtn))),
    h("section.card", { style: { marginTop: "16px" } }, list, more));
  for (const el of [type, who, from, to]) el.addEventListener("change", () => load());

  function query(c) {
    const q = new URLSearchParams({ limit: "50" });
    if (type.value) q.set("type", type.value);
    if (who.value) q.set("staff_id", who.value);
    if (from.value) q.set("from", startOfDay(from.value));
    if (to.value) q.set("to", startOfDay(addDays(to.value, 1)));
    if (c) q.set("cursor", c);
    return `/api/v1/audit?${q}`;
  }

  function entry(e) {
    const name = e.actor_name || (e.actor === "system" ? t("dash.audit.system") : staff.get(e.actor)?.name || t("dash.unknown_staff"));
    return h("li", { "data-test": "audit-entry", "data-type": e.type },
      h("div.audit-when", {}, fmtDateTime(e.at)),
      h("div", {},
        h("div.audit-summary", {}, e.summary),
        h("div.audit-meta", {},
          h(`span.badge${TONE[e.type] ? `.${TONE[e.type]}` : ""}`, {}, t(`dash.audit.type.${e.type}`) === `dash.audit.type.${e.type}` ? e.type : t(`dash.audit.type.${e.type}`)),
          h("span", {}, t("dash.audit.by", { name })),
          e.approved_by_name ? h("span", {}, `· ${t("dash.audit.approved_by", { name: e.approved_by_name })}`) : null,
          e.reason ? h("span", {}, `· ${t("dash.audit.reason", { reason: e.reason })}`) : null)));
  }

  async function load(append = false) {
    if (loading) return;
    loading = true;
    if (!append) {
      cursor = null;
      clear(list, h("li.loading", {}, h("span.spinner"), t("dash.loading")));
    }
    clear(more);
    try {
      const r = await get(query(append ? cursor : null));
      if (!append) clear(list);
      list.append(...r.items.map(entry));
      cursor = r.next_cursor || null;
      if (!list.children.length) clear(list, h("li.empty-li", {}, emptyState(t("dash.audit.none"))));
      count.textContent = t("dash.audit.shown", { n: list.querySelectorAll("[data-test=audit-entry]").length });
      if (cursor) clear(more, h("button", { type: "button", "data-test": "audit-more", onclick: () => load(true) }, t("dash.audit.more")));
    } catch (e) {
      clear(more, h("div.stack", {}, h("p.muted", {}, problem(e)), h("button.primary", { type: "button", onclick: () => load(append) }, t("common.retry"))));
      if (!append) clear(list);
    } finally {
      loading = false;
    }
  }

  await load();
  return {
    onEvent(ev) {
      if (!TYPES.includes(ev.type) || cursor === undefined) return;
      // Only refresh when the first page is all that is shown: do not pull the list away from
      // someone reading older entries.
      if (list.querySelectorAll("[data-test=audit-entry]").length > 50) return;
      clearTimeout(timer);
      timer = setTimeout(() => load(), 800);
    },
    unmount: () => clearTimeout(timer),
  };
}
