// Reservations: the day's book (time, guest, party, table, status) with seat / no-show /
// cancel, a new booking from the free slots of the day, and the walk-ins' waiting list.

import { get, patch, post } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { clear, h, toast } from "/assets/core/ui.js";
import { addDays, dayOf, emptyState, fail, field, fmtDay, fmtTime, formSheet, plural, problem, queued, sectionHead } from "/dashboard/lib.js";

export async function mount(root) {
  let day = dayOf();
  const dayInput = h("input.day-input", { type: "date", value: day, "data-test": "book-day", onchange: () => { day = dayInput.value || dayOf(); load(); } });
  const body = h("div");
  root.append(sectionHead(t("dash.book.title"),
    h("div.day-nav", {},
      h("button", { type: "button", "aria-label": t("dash.book.previous"), onclick: () => { day = addDays(day, -1); load(); } }, "‹"), dayInput,
      h("button", { type: "button", "aria-label": t("dash.book.next"), onclick: () => { day = addDays(day, 1); load(); } }, "›")),
    h("button.primary", { type: "button", "data-test": "new-booking", onclick: () => book() }, "+ ", t("dash.book.new"))), body);

  async function load() {
    dayInput.value = day;
    try {
      const [list, waiting] = await Promise.all([get(`/api/v1/reservations?date=${day}`), get("/api/v1/waitlist")]);
      render(list, waiting);
    } catch (e) {
      clear(body, emptyState(problem(e), h("button.primary", { type: "button", onclick: () => load() }, t("common.retry"))));
    }
  }

  async function act(r, action) {
    try {
      await post(`/api/v1/reservations/${r.id}/${action}`, {});
      toast(t(`dash.book.done_${action.replace("-", "_")}`, { name: r.name }));
      load();
    } catch (e) {
      fail(e);
    }
  }

  function render(list, waiting) {
    const time = fmtTime;
    const covers = list.filter((r) => r.status !== "cancelled").reduce((s, r) => s + r.party_size, 0);
    const rows = list.map((r) => h(`tr.st-${r.status}`, { "data-test": `booking-${r.name}` },
      h("td.num", {}, time(r.starts_at), "–", time(r.ends_at)),
      h("td", {}, h("strong", {}, r.name), r.notes ? h("div.muted.small", {}, r.notes) : null),
      h("td.num", {}, String(r.party_size)),
      h("td", {}, r.table_name || "—"),
      h("td", {}, [r.phone, r.email].filter(Boolean).join(" · ") || "—"),
      h("td", {}, h(`span.badge.b-${r.status}`, {}, t(`dash.book.status_${r.status}`))),
      h("td.row-actions", {}, r.status === "booked" ? [
        h("button.small.primary", { type: "button", "data-test": "booking-seat", onclick: () => act(r, "seat") }, t("dash.book.seat")),
        h("button.small", { type: "button", "data-test": "booking-no-show", onclick: () => act(r, "no-show") }, t("dash.book.no_show")),
        h("button.small", { type: "button", "data-test": "booking-cancel", onclick: () => act(r, "cancel") }, t("common.cancel")),
      ] : null)));
    clear(body,
      h("p.report-title", {}, fmtDay(day, { weekday: "long", day: "numeric", month: "long" }), " · ", plural("dash.book.bookings_n", list.filter((r) => r.status !== "cancelled").length), " · ", plural("dash.reports.covers_n", covers)),
      h("section.card.table-card", {}, list.length
        ? h("div.table-wrap", {}, h("table.data", { "data-test": "book-table" },
          h("thead", {}, h("tr", {}, [t("dash.book.time"), t("dash.book.guest"), t("dash.book.party"), t("dash.book.table"), t("dash.book.contact"), t("dash.book.status"), ""].map((c) => h("th", {}, c)))),
          h("tbody", {}, rows)))
        : emptyState(t("dash.book.empty"))),
      h("div", { style: { height: "16px" } }),
      h("section.card", {}, h("header.card-head", {}, h("h2", {}, t("dash.book.waitlist")),
        h("button.small", { type: "button", "data-test": "add-walk-in", onclick: walkIn }, "+ ", t("dash.book.walk_in"))),
        waiting.length ? h("ul.waitlist", {}, waiting.map((w) => h("li", {},
          h("strong", {}, w.name), ` · ${w.party_size} · `, t("dash.book.quoted", { n: w.quoted_minutes }),
          h("button.small", { type: "button", onclick: async () => { await patch(`/api/v1/waitlist/${w.id}`, { status: "seated" }).catch(fail); load(); } }, t("dash.book.seated")),
          h("button.small", { type: "button", onclick: async () => { await patch(`/api/v1/waitlist/${w.id}`, { status: "left" }).catch(fail); load(); } }, t("dash.book.left")))))
          : h("p.muted", {}, t("dash.book.nobody_waiting"))));
  }

  async function book() {
    const party = h("input", { name: "party_size", type: "number", min: 1, max: 50, value: 2, required: true, "data-test": "booking-party" });
    const date = h("input", { name: "date", type: "date", value: day, required: true, "data-test": "booking-day" });
    const slot = h("select", { name: "slot", required: true, "data-test": "booking-slot" });
    const hint = h("small.hint");
    // The slots of the day and party asked last (an older answer arriving late is dropped);
    // the list is replaced in one go, so it is never empty while a new one loads.
    let asked = 0;
    async function slots() {
      const ask = ++asked;
      const key = `${date.value}|${party.value || 1}`;
      try {
        const free = await get(`/api/v1/reservations/availability?date=${date.value}&party_size=${party.value || 1}`);
        if (ask !== asked) return;
        const open = free.filter((s) => s.tables.length);
        clear(slot, open.map((s) => h("option", { value: s.starts_at }, `${s.time} · ${t("dash.book.tables_free", { n: s.tables.length })}`)));
        slot.dataset.for = key;
        hint.textContent = open.length ? "" : t("dash.book.full");
      } catch (e) {
        if (ask === asked) hint.textContent = problem(e);
      }
    }
    party.onchange = slots;
    date.onchange = slots;
    slots();
    const result = await formSheet(t("dash.book.new"), () => h("div.stack", {},
      h("div.row", {}, field(t("dash.book.party"), party), field(t("dash.book.day"), date)),
      field(t("dash.book.time"), slot, hint),
      field(t("dash.book.guest"), h("input", { name: "name", required: true, maxlength: 80, "data-test": "booking-name" })),
      h("div.row", {},
        field(t("dash.book.phone"), h("input", { name: "phone", type: "tel", maxlength: 30 })),
        field(t("dash.book.email"), h("input", { name: "email", type: "email", maxlength: 254, "data-test": "booking-email" }))),
      h("div.row", {},
        field(t("dash.book.language"), h("select", { name: "locale" }, h("option", { value: "en" }, "English"), h("option", { value: "fr" }, "Français"))),
        field(t("dash.book.notes"), h("input", { name: "notes", maxlength: 500 })))),
    async (form) => {
      const v = Object.fromEntries(new FormData(form));
      if (!v.slot) throw new Error(t("dash.book.full"));
      return post("/api/v1/reservations", {
        name: v.name.trim(), party_size: Number(v.party_size), starts_at: v.slot, phone: v.phone.trim() || null,
        email: v.email.trim() || null, notes: v.notes.trim() || null, locale: v.locale,
      });
    }, { submitLabel: t("dash.book.confirm") });
    if (result && !queued(result)) {
      toast(t("dash.book.booked", { name: result.name, table: result.table_name || "" }));
      day = date.value;
      load();
    }
  }

  async function walkIn() {
    const result = await formSheet(t("dash.book.walk_in"), () => h("div.stack", {},
      field(t("dash.book.guest"), h("input", { name: "name", required: true, maxlength: 80 })),
      h("div.row", {},
        field(t("dash.book.party"), h("input", { name: "party_size", type: "number", min: 1, max: 50, value: 2, required: true })),
        field(t("dash.book.phone"), h("input", { name: "phone", type: "tel", maxlength: 30 })))),
    async (form) => {
      const v = Object.fromEntries(new FormData(form));
      return post("/api/v1/waitlist", { name: v.name.trim(), party_size: Number(v.party_size), phone: v.phone.trim() || null });
    });
    if (result && !queued(result)) {
      toast(t("dash.book.quoted_toast", { name: result.name, n: result.quoted_minutes }));
      load();
    }
  }

  await load();
  return {
    onReconnect: load,
    onEvent: (ev) => (ev.type.startsWith("reservation.") || ev.type.startsWith("waitlist.")) && load(),
  };
}
