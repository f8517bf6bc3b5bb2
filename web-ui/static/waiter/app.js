// The waiter app: PIN pad → floor plan → order → bill, one page with client-side views
// (#/floor, #/order/<id>, #/bill/<order id>). Live through the box's event stream; keeps
// working through a Wi-Fi blip with the core's offline queue.

import { get, session, logout, ApiError } from "/assets/core/api.js";
import { connectEvents } from "/assets/core/events.js";
import { keepSessionFresh } from "/assets/core/keepalive.js";
import { loadLocale, t } from "/assets/core/i18n.js";
import { setCurrency } from "/assets/core/money.js";
import { h, clear, toast, connectionBanner } from "/assets/core/ui.js";
import { S, cachedGet, setMenu, clock, icon, beep, unlockAudio, stationName, prunePending, savePending, debounce, initials } from "./lib.js";
import { enterPin } from "./pin.js";
import { enterFloor } from "./floor.js";
import { enterOrder } from "./order.js";
import { enterBill } from "./bill.js";
import { clearRequests, initRequests, loadRequests, requestEvent } from "./requests.js";

// A tablet stays logged in all service: refresh the token before it expires.
keepSessionFresh();

const shell = {};
let view = null; // {name, arg, leave?, onEvent?, onReplayed?, refresh?}
let stream = null;

// ---------------------------------------------------------------- boot

async function boot() {
  await loadLocale("waiter");
  document.title = t("app.title");
  connectionBanner();
  buildShell();
  document.addEventListener("pointerdown", unlockAudio, { once: true, capture: true });

  try {
    const status = await cachedGet("/api/v1/setup");
    if (status && status.done === false) {
      location.replace("/setup/");
      return;
    }
    S.setup = status?.restaurant || null;
  } catch {
    S.setup = null;
  }
  setCurrency(S.setup?.currency || "EUR");
  prunePending();

  window.addEventListener("hashchange", route);
  window.addEventListener("comanda:logged-out", () => {
    if (!S.me) return;
    endSession();
    toast(t("pin.session_ended"), "error");
    route();
  });
  window.addEventListener("comanda:replayed", (e) => replayed(e.detail));
  window.addEventListener("comanda:replay-failed", (e) => replayFailed(e.detail));
  window.addEventListener("resize", debounce(() => view?.resize?.(), 120));

  setInterval(tick, 15000);
  tick();

  if (session()?.access_token) {
    await startSession();
  }
  route();
}

function buildShell() {
  const app = document.getElementById("app");
  shell.title = h("div.tb-title");
  shell.live = h("span.live", { role: "status" });
  shell.clock = h("span.tb-clock.num");
  shell.user = h("span.tb-user");
  shell.switch = h(
    "button.tb-switch",
    { type: "button", "data-test": "switch-user", onclick: switchUser, "aria-label": t("header.switch_user") },
    icon("logout"),
    h("span.tb-switch-label", {}, t("header.switch_user")),
  );
  shell.extra = h("div.tb-extra");
  shell.header = h(
    "header.topbar",
    { hidden: true },
    shell.title,
    h("div.tb-right", {}, shell.extra, shell.live, shell.clock, h("span.tb-user-wrap", {}, shell.user), shell.switch),
  );
  shell.calls = h("div.calls", { hidden: true, "aria-live": "assertive" });
  shell.requests = h("div.guest-requests", { hidden: true, "aria-live": "polite" });
  shell.main = h("main.view");
  clear(app, shell.header, shell.requests, shell.calls, shell.main);
  initRequests(shell.requests, (orderId) => go(`#/order/${orderId}`));
}

function tick() {
  shell.clock.textContent = clock();
  view?.tick?.();
  renderCalls();
}

/// What the views put in the header: a title (nodes) and optional actions on the right.
export function setHeader(titleNodes, extra = []) {
  clear(shell.title, titleNodes);
  clear(shell.extra, extra);
}

// ---------------------------------------------------------------- session

async function startSession() {
  S.me = session()?.staff || null;
  shell.user.textContent = S.me?.name || "";
  shell.user.title = S.me?.username || "";
  shell.user.dataset.initials = initials(S.me?.name);
  try {
    await Promise.all([loadMenu(), loadFloor(), loadTickets(), loadRequests()]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      endSession();
      return;
    }
  }
  stream?.close();
  stream = connectEvents({ page: "waiter", onEvent, onStatus: setLive });
}

function endSession() {
  stream?.close();
  stream = null;
  S.me = null;
  S.calls = [];
  S.tickets.clear();
  S.orders.clear();
  clearRequests();
  renderCalls();
}

/// Called by the PIN pad once the session is saved.
export async function loggedIn() {
  await startSession();
  if (location.hash === "#/floor") route();
  else location.hash = "#/floor";
}

function switchUser() {
  logout();
  endSession();
  history.replaceState(null, "", location.pathname + location.search);
  route();
}

// The live stream authenticates with the access token it had when it connected; when it keeps
// reconnecting, one ordinary API call lets the core refresh an expired token.
const nudgeSession = debounce(() => {
  if (S.me && S.live !== "live") get("/api/v1/auth/me").catch(() => {});
}, 3000);

function setLive(status) {
  if (status !== "live") nudgeSession();
  S.live = status;
  shell.live.className = `live is-${status}`;
  shell.live.textContent = status === "live" ? "" : t("header.reconnecting");
  shell.live.title = status === "live" ? t("header.live") : t("header.reconnecting");
  shell.live.setAttribute("aria-label", shell.live.title);
}

// ---------------------------------------------------------------- data

export async function loadMenu() {
  setMenu(await cachedGet("/api/v1/menu"));
}

export async function loadFloor() {
  const now = new Date();
  const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
  const [areas, tables, orders, bookings] = await Promise.all([
    cachedGet("/api/v1/areas"),
    cachedGet("/api/v1/tables"),
    cachedGet("/api/v1/orders?status=open&limit=500"),
    // The day's book: tables show their next booking (a help, not a must).
    get(`/api/v1/reservations?date=${today}`).catch(() => []),
  ]);
  S.bookings = (bookings || []).filter((b) => b.status === "booked");
  S.areas = (areas.items || []).filter((a) => a.active !== false).sort((a, b) => a.position - b.position);
  S.tables = (tables.items || []).filter((tb) => tb.active !== false);
  S.orders = new Map((orders.items || []).map((o) => [o.id, o]));
}

export async function loadTickets() {
  try {
    const page = await get("/api/v1/kitchen/tickets?limit=500");
    S.tickets = new Map((page.items || []).map((tk) => [tk.id, { order_id: tk.order_id, status: tk.status, station_id: tk.station_id, kind: tk.kind }]));
  } catch {
    // The ready marks are a help, not a must.
  }
}

/// Order ids with food waiting at the pass.
export function readyOrders() {
  const ids = new Set();
  for (const tk of S.tickets.values()) if (tk.status === "ready") ids.add(tk.order_id);
  return ids;
}

const refreshFloor = debounce(async () => {
  try {
    await loadFloor();
    view?.refresh?.("floor");
  } catch {}
}, 250);

const refreshMenu = debounce(async () => {
  try {
    await loadMenu();
    view?.refresh?.("menu");
  } catch {}
}, 250);

// ---------------------------------------------------------------- live events

function onEvent(ev) {
  const d = ev.data || {};
  switch (ev.type) {
    case "table.changed": {
      const tb = S.tables.find((x) => x.id === d.table_id);
      if (tb) {
        if (tb.status !== d.status) tb.status_since = ev.at || new Date().toISOString();
        Object.assign(tb, { status: d.status, order_id: d.order_id, name: d.name, seats: d.seats, active: d.active });
        view?.refresh?.("floor");
      }
      refreshFloor();
      break;
    }
    case "table.area_changed":
    case "reservation.created":
    case "reservation.changed":
    case "reservation.cancelled":
    case "reservation.seated":
    case "reservation.no_show":
    case "order.opened":
    case "order.closed":
    case "order.moved":
      refreshFloor();
      break;
    case "menu.item_changed": {
      const item = S.menu.items.get(d.item_id);
      if (item && item.category_id === d.category_id) {
        const wasAvailable = item.available;
        Object.assign(item, { name: d.name, price: d.price, available: d.available, active: d.active, station_id: d.station_id });
        for (const c of S.menu.categories) {
          const i = c.items.findIndex((x) => x.id === d.item_id);
          if (i >= 0) c.items[i] = item;
        }
        if (!d.active) refreshMenu();
        if (wasAvailable && !d.available && view?.name === "order") toast(t("order.now_sold_out", { name: d.name }), "error");
        if (!wasAvailable && d.available && view?.name === "order") toast(t("order.back_on", { name: d.name }), "ok");
        view?.refresh?.("menu");
      } else {
        refreshMenu();
      }
      break;
    }
    case "menu.category_changed":
    case "menu.modifier_group_changed":
    case "menu.station_changed":
      refreshMenu();
      break;
    case "ticket.created":
      S.tickets.set(d.ticket_id, { order_id: d.order_id, status: "new", station_id: d.station_id, kind: d.kind });
      break;
    case "ticket.bumped":
    case "ticket.recalled":
      ticketMoved(ev, d);
      break;
    case "notification.in_app": {
      // Messages for me or my role; "order ready" is already the call strip above.
      const to = d.recipient || "";
      const forMe = S.me && (to === `staff:${S.me.id}` || to === `role:${S.me.role}`);
      const fresh = !ev.at || Date.now() - Date.parse(ev.at) < 10 * 60000;
      if (forMe && fresh && d.kind !== "order_ready") toast(`${d.title} — ${d.text}`, "info");
      break;
    }
    case "guest.request_created":
    case "guest.request_accepted":
    case "guest.request_declined":
      requestEvent(ev);
      if (ev.type === "guest.request_accepted") refreshFloor();
      break;
    default:
      break;
  }
  view?.onEvent?.(ev);
}

async function ticketMoved(ev, d) {
  const known = S.tickets.get(d.ticket_id);
  const before = known?.status;
  const kind = known?.kind;
  if (d.status === "served") S.tickets.delete(d.ticket_id);
  else S.tickets.set(d.ticket_id, { order_id: d.order_id, status: d.status, station_id: d.station_id, kind });
  // One call per order and station: two tickets of the same table at the same pass are one trip.
  const callId = `${d.order_id}|${d.station_id}`;
  if (d.status !== "ready") {
    const stillReady = [...S.tickets.values()].some((tk) => tk.status === "ready" && `${tk.order_id}|${tk.station_id}` === callId);
    if (!stillReady) S.calls = S.calls.filter((c) => c.id !== callId);
    renderCalls();
    view?.refresh?.("floor");
    return;
  }
  view?.refresh?.("floor");
  if (ev.type !== "ticket.bumped" || before === "ready" || kind === "void") return;
  // An old event replayed after a long time away is not a call any more.
  if (ev.at && Date.now() - Date.parse(ev.at) > 15 * 60000) return;
  let order = S.orders.get(d.order_id);
  if (!order) {
    try {
      order = await get(`/api/v1/orders/${d.order_id}`);
    } catch {
      order = null;
    }
  }
  const mine = !order || !S.me || order.waiter_id === S.me.id || S.me.role === "manager" || S.me.role === "owner";
  if (!mine) return;
  const call = {
    id: callId,
    order_id: d.order_id,
    table: order?.table_name || "?",
    station: stationName(d.station_id),
    at: Date.now(),
  };
  S.calls = [call, ...S.calls.filter((c) => c.id !== call.id)].slice(0, 6);
  renderCalls();
  beep();
  if (navigator.vibrate) navigator.vibrate([120, 60, 120]);
}

const shownCalls = new Set(); // calls already on screen (their entrance plays once)

function renderCalls() {
  if (!shell.calls) return;
  queueMicrotask(() => S.calls.forEach((c) => shownCalls.add(c.id + c.at)));
  // A call stays up for 10 minutes, or until tapped.
  S.calls = S.calls.filter((c) => Date.now() - c.at < 10 * 60000);
  shell.calls.hidden = S.calls.length === 0 || !S.me;
  clear(
    shell.calls,
    S.calls.map((c) =>
      h(
        `button.call${shownCalls.has(c.id + c.at) ? "" : ".fresh"}`,
        {
          type: "button",
          "data-test": "ready-call",
          "aria-label": t("calls.aria", { table: c.table, station: c.station }),
          onclick: () => {
            S.calls = S.calls.filter((x) => x.id !== c.id);
            renderCalls();
          },
        },
        icon("bell", "call-bell"),
        h("span.call-text", {}, h("b", {}, c.table), " — ", t("calls.ready", { station: c.station })),
        h("span.call-age.num", {}, Date.now() - c.at < 60000 ? t("calls.now") : t("time.min", { n: Math.floor((Date.now() - c.at) / 60000) })),
        icon("close", "call-x"),
      ),
    ),
  );
}

// ---------------------------------------------------------------- offline replay

/// A replayed (or refused) "add lines" request: its pending lines are no longer pending.
function forgetPending(item) {
  const m = item.path.match(/^\/api\/v1\/orders\/([^/]+)\/lines$/);
  if (!m || item.method !== "POST") return;
  const list = S.pending[m[1]] || [];
  const key = JSON.stringify(item.body);
  const first = list.find((p) => p.bodyKey === key);
  if (!first) return;
  S.pending[m[1]] = list.filter((p) => p.g !== first.g);
  if (!S.pending[m[1]].length) delete S.pending[m[1]];
  savePending();
}

function replayed({ item, result }) {
  forgetPending(item);
  if (item.path === "/api/v1/orders") refreshFloor();
  view?.onReplayed?.(item, result);
}

function replayFailed({ item, error }) {
  forgetPending(item);
  toast(t("net.replay_failed", { message: error?.message || "" }), "error");
  refreshFloor();
  view?.onReplayed?.(item, null);
}

// ---------------------------------------------------------------- routing

const VIEWS = { pin: enterPin, floor: enterFloor, order: enterOrder, bill: enterBill };

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function route() {
  let name = "floor";
  let arg = null;
  if (!session()?.access_token || !S.me) {
    name = "pin";
  } else {
    const m = location.hash.match(/^#\/(order|bill)\/([\w-]+)/);
    if (m) [, name, arg] = m;
  }
  view?.leave?.();
  shell.header.hidden = name === "pin";
  document.body.dataset.view = name;
  setHeader([], []);
  shell.main.className = `view view-${name}`;
  clear(shell.main);
  const v = VIEWS[name](shell.main, arg) || {};
  view = { name, arg, ...v };
  renderCalls();
}

boot();
