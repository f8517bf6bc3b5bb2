// Guests' requests from the table QR page, on every waiter's tablet: "T4 asks: 2× Soup, 1×
// Wine" with Accept (the lines join the table's order, unsent: fire them as usual) and Decline.
// Nothing a guest sends reaches the kitchen without a tap here.

import { get, postNow } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { clear, h, toast } from "/assets/core/ui.js";
import { S, beep } from "./lib.js";

let strip = null;
let onAccepted = () => {};
let requests = [];
const busy = new Set();

/// `el`: where the strip lives; `accepted(order_id)`: what to do once accepted (open the order).
export function initRequests(el, accepted) {
  strip = el;
  onAccepted = accepted;
  render();
}

export async function loadRequests() {
  try {
    requests = await get("/api/v1/guest-requests?status=pending");
  } catch {
    requests = [];
  }
  render();
}

export function clearRequests() {
  requests = [];
  render();
}

/// Live events: a new request appears (with a beep), a decided one leaves every tablet.
export function requestEvent(ev) {
  const d = ev.data || {};
  if (ev.type === "guest.request_created") {
    if (!requests.some((r) => r.id === d.request_id)) {
      requests = [...requests, { id: d.request_id, table_name: d.table_name, table_id: d.table_id, lines: d.lines, note: d.note }];
      beep();
    }
  } else if (ev.type === "guest.request_accepted" || ev.type === "guest.request_declined") {
    requests = requests.filter((r) => r.id !== d.request_id);
  } else {
    return;
  }
  render();
}

async function decide(r, accept) {
  if (busy.has(r.id)) return;
  busy.add(r.id);
  render();
  try {
    const done = await postNow(`/api/v1/guest-requests/${r.id}/${accept ? "accept" : "decline"}`, {});
    requests = requests.filter((x) => x.id !== r.id);
    toast(accept ? t("guest.accepted", { table: r.table_name }) : t("guest.declined", { table: r.table_name }), accept ? "ok" : "info");
    if (accept && done.order_id) onAccepted(done.order_id);
  } catch (e) {
    toast(e.message || t("guest.failed"), "error");
    if (e.status === 409) loadRequests();
  } finally {
    busy.delete(r.id);
    render();
  }
}

function render() {
  if (!strip) return;
  strip.hidden = requests.length === 0 || !S.me;
  clear(strip, requests.map((r) => h("div.guest-request", { "data-test": `guest-request-${r.table_name}`, role: "group", "aria-label": t("guest.aria", { table: r.table_name }) },
    h("div.gr-text", {},
      h("b", {}, r.table_name), " ", t("guest.asks"), " ",
      r.lines.map((l) => `${l.quantity}× ${l.name}`).join(", "),
      r.note ? h("span.gr-note", {}, ` — “${r.note}”`) : null,
      h("span.gr-total.num", {}, money(r.lines.reduce((s, l) => s + l.quantity * l.unit_price, 0)))),
    h("div.gr-actions", {},
      h("button.gr-decline", { type: "button", "data-test": "guest-decline", disabled: busy.has(r.id), onclick: () => decide(r, false) }, t("guest.decline")),
      h("button.gr-accept.primary", { type: "button", "data-test": "guest-accept", disabled: busy.has(r.id), onclick: () => decide(r, true) }, t("guest.accept"))))));
}
