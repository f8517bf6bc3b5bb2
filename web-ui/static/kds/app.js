// Kitchen display (UI.md "Kitchen display"): a dark 1920×1080 screen on the pass. Tickets in
// columns, oldest left, with an age timer; bump with a tap or a key; recall; ALL DAY counts.
//
// Data: `GET /kitchen/tickets?status=active[&station_id=]`, then live through the event stream
// (`ticket.created`, `ticket.bumped`, `ticket.recalled`). Every (re)connect refetches the list,
// and the model (model.js) keys tickets by id and orders changes by `status_at`, so a replay
// never doubles a ticket nor moves one back.

import { ApiError, get, post, saveSession, session, logout } from "/assets/core/api.js";
import { connectEvents } from "/assets/core/events.js";
import { loadLocale, t } from "/assets/core/i18n.js";
import { clear, connectionBanner, h, modal, toast } from "/assets/core/ui.js";
import { keepSessionFresh } from "/assets/core/keepalive.js";
import { AGE_AMBER_MIN, AGE_RED_MIN, Board, NEXT, ageClass, clock } from "/kds/model.js";

const STATION_KEY = "comanda.kds.station"; // "all" or a station id, per screen
const USER_KEY = "comanda.kds.username";
const RECENT_KEY = "comanda.kds.recent";
const SOUND_KEY = "comanda.kds.sound";
const ROLES = new Set(["kitchen", "manager", "owner"]);
// Age colours (UI.md: neutral < 8 min, amber < 15, red after — configurable per screen with
// `?amber=MIN&red=MIN` once; the screen remembers).
const AGE = (() => {
  const q = new URLSearchParams(location.search);
  for (const k of ["amber", "red"]) if (q.get(k) && Number(q.get(k)) > 0) localStorage.setItem(`comanda.kds.${k}`, q.get(k));
  const amber = Number(localStorage.getItem("comanda.kds.amber")) || AGE_AMBER_MIN;
  const red = Math.max(amber, Number(localStorage.getItem("comanda.kds.red")) || AGE_RED_MIN);
  return { amber, red };
})();

const app = document.getElementById("app");
const board = new Board();
const state = {
  restaurant: null,
  stations: [],
  station: localStorage.getItem(STATION_KEY), // null until chosen
  selected: null, // ticket id
  history: [], // [{id, status}] bumps seen (ours and others'), newest last: what R undoes
  recent: loadRecent(), // last served tickets, newest first (the recall drawer)
  offset: 0, // server clock − this screen's clock, ms
  live: false,
  sound: localStorage.getItem(SOUND_KEY) !== "off",
  drawer: false,
};
let stream = null;
let refetchTimer = null;
let lastBumpTap = new Map();

// ---------------------------------------------------------------------------------------------
// Start

await loadLocale("kds");
document.title = t("kds.title");
keepSessionFresh();
connectionBanner();
window.addEventListener("comanda:logged-out", () => showLogin(t("kds.login.expired")));
fetch("/api/v1/setup")
  .then((r) => (r.ok ? r.json() : null))
  .then((s) => {
    state.restaurant = s?.restaurant || null;
    if (s && s.done === false) location.replace("/setup/");
    const name = document.querySelector(".login-restaurant");
    if (name && state.restaurant) name.textContent = state.restaurant.name;
  })
  .catch(() => {});

const current = session();
if (current?.access_token && ROLES.has(current.staff?.role)) start();
else showLogin();

// ---------------------------------------------------------------------------------------------
// Login: username + PIN, with a big keypad for gloved hands.

function showLogin(message) {
  stream?.close();
  stream = null;
  const username = h("input", {
    "data-test": "kds-username", id: "kds-username", autocomplete: "username", autocapitalize: "none", spellcheck: "false",
    value: localStorage.getItem(USER_KEY) || "",
  });
  const pin = h("input", {
    "data-test": "kds-pin", id: "kds-pin", type: "password", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6",
    pattern: "[0-9]*",
  });
  const error = h("p.login-error", { role: "alert", hidden: !message }, message || "");
  const submit = h("button.primary.login-go", { type: "submit", "data-test": "kds-login" }, t("kds.login.submit"));
  const form = h("form.login-card", {
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      if (!username.value.trim() || !pin.value) {
        error.textContent = t("kds.login.missing");
        error.hidden = false;
        return;
      }
      submit.disabled = true;
      try {
        const r = await fetch("/api/v1/auth/pin", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: username.value.trim(), pin: pin.value }),
        });
        const body = await r.json().catch(() => ({}));
        if (!r.ok) {
          error.textContent = r.status === 429 ? t("kds.login.rate_limited") : t("kds.login.failed");
          error.hidden = false;
          pin.value = "";
          pin.focus();
          return;
        }
        if (!ROLES.has(body.staff?.role)) {
          error.textContent = t("kds.login.not_kitchen");
          error.hidden = false;
          pin.value = "";
          return;
        }
        saveSession(body);
        localStorage.setItem(USER_KEY, body.staff.username);
        start();
      } catch {
        error.textContent = t("kds.login.unreachable");
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    },
  });
  const key = (label, action, cls = "") => h(`button.key${cls}`, { type: "button", onclick: action, "aria-label": label }, label);
  const digit = (d) => key(d, () => {
    if (pin.value.length < 6) pin.value += d;
  });
  const pad = h("div.keypad", {},
    ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map(digit),
    key(t("kds.login.clear"), () => (pin.value = ""), ".muted-key"),
    digit("0"),
    key("⌫", () => (pin.value = pin.value.slice(0, -1)), ".muted-key"),
  );
  form.append(
    h("div.login-brand", {}, h("span.logo", { "aria-hidden": "true" }, "◧"), h("div", {}, h("h1", {}, t("kds.title")),
      h("p.login-restaurant.muted", {}, state.restaurant?.name || t("app.name")))),
    h("label", { for: "kds-username" }, t("kds.login.username"), username),
    h("label", { for: "kds-pin" }, t("kds.login.pin"), pin),
    pad,
    error,
    submit,
  );
  clear(app, h("div.login-screen", {}, form));
  (username.value ? pin : username).focus();
}

// ---------------------------------------------------------------------------------------------
// Stations

async function start() {
  try {
    const list = await get("/api/v1/kitchen/stations");
    state.stations = (list.items || []).filter((s) => s.active).sort((a, b) => a.position - b.position);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return showLogin(t("kds.login.not_kitchen"));
    state.stations = [];
    toast(t("kds.error.unreachable"), "error");
  }
  if (state.station && state.station !== "all" && !state.stations.some((s) => s.id === state.station)) state.station = null;
  if (!state.station) return showStationPicker();
  showBoard();
}

function stationButton(station, cls, onclick) {
  const name = station ? station.name : null;
  const test = station ? `station-${name}` : "station-all";
  const btn = h(`button.${cls}`, { type: "button", "data-test": test, onclick, "aria-pressed": String(isStation(station)) },
    station ? name : t("kds.station.all"));
  // Tests and scripts may spell the station in lower case: both name the same button.
  if (station && test !== test.toLowerCase()) {
    const label = btn.firstChild;
    btn.replaceChildren(h("span", { "data-test": test.toLowerCase() }, label));
  }
  return btn;
}

function isStation(station) {
  return station ? state.station === station.id : state.station === "all";
}

function chooseStation(id) {
  state.station = id;
  localStorage.setItem(STATION_KEY, id);
  state.selected = null;
}

function showStationPicker() {
  stream?.close();
  stream = null;
  const who = session()?.staff;
  clear(app, h("div.picker-screen", {},
    h("div.picker-card", {},
      h("h1", {}, t("kds.station.pick")),
      h("p.muted", {}, t("kds.station.pick_hint")),
      h("div.picker-grid", {},
        state.stations.map((s) => stationButton(s, "picker-station", () => {
          chooseStation(s.id);
          showBoard();
        })),
        stationButton(null, "picker-station.all", () => {
          chooseStation("all");
          showBoard();
        }),
      ),
      h("div.spread.picker-foot", {},
        h("span.muted", {}, who ? t("kds.signed_in_as", { name: who.name }) : ""),
        h("button.ghost", { type: "button", onclick: signOut }, t("kds.logout"))),
    )));
}

function stationName(id) {
  return state.stations.find((s) => s.id === id)?.name || "";
}

// ---------------------------------------------------------------------------------------------
// The board

const els = {};

function showBoard() {
  els.tabs = h("nav.station-tabs", { "aria-label": t("kds.station.label") });
  els.count = h("span.count.num");
  els.live = h("span.live", { role: "status" });
  els.clock = h("span.clock.num");
  els.sound = h("button.tool", { type: "button", onclick: toggleSound });
  els.recall = h("button.tool.recall", { type: "button", "data-test": "recall", onclick: recallLast, title: t("kds.recall.hint") },
    h("span.icon", { "aria-hidden": "true" }, "↶"), t("kds.recall"));
  els.recentBtn = h("button.tool", { type: "button", "data-test": "recall-drawer", onclick: () => toggleDrawer() },
    h("span.icon", { "aria-hidden": "true" }, "☰"), t("kds.recent"));
  els.user = h("button.tool.user", { type: "button", onclick: askSignOut, title: t("kds.logout") }, "");
  els.tickets = h("section.tickets", { "aria-label": t("kds.tickets"), onscroll: () => updateMore() });
  els.more = h("button.more.right", { type: "button", hidden: true, onclick: () => page(1) });
  els.less = h("button.more.left", { type: "button", hidden: true, onclick: () => page(-1) });
  els.empty = h("div.empty", { hidden: true }, h("span.big", { "aria-hidden": "true" }, "✓"), h("p", {}, t("kds.empty")));
  els.allDay = h("aside.all-day", { "data-test": "all-day", "aria-label": t("kds.all_day") });
  els.drawer = h("aside.drawer", { "aria-label": t("kds.recent.title"), hidden: true });
  els.keys = h("footer.keys", {}, t("kds.keys"));

  clear(app, h("div.kds-app", {},
    h("header.topbar", {},
      h("div.brand", {}, h("span.logo", { "aria-hidden": "true" }, "◧"), h("span", {}, t("kds.brand"))),
      els.tabs,
      h("div.grow"),
      els.count, els.live, els.clock, els.sound, els.recall, els.recentBtn, els.user),
    h("main.board", {}, h("div.tickets-wrap", {}, els.tickets, els.empty, els.less, els.more), els.allDay),
    els.keys,
    els.drawer,
  ));
  renderTabs();
  renderTools();
  render();
  load();
  connect();
}

function renderTabs() {
  clear(els.tabs,
    stationButton(null, "tab", () => switchStation("all")),
    state.stations.map((s) => stationButton(s, "tab", () => switchStation(s.id))));
}

function switchStation(id) {
  if (state.station === id) return;
  chooseStation(id);
  board.reset([]);
  renderTabs();
  render();
  load();
}

function renderTools() {
  const who = session()?.staff;
  els.user.textContent = who ? who.name : "";
  clear(els.sound, speaker(state.sound), state.sound ? t("kds.sound.on") : t("kds.sound.off"));
  els.sound.setAttribute("aria-pressed", String(state.sound));
  els.live.className = `live ${state.live ? "on" : "off"}`;
  els.live.textContent = state.live ? t("kds.live") : t("kds.reconnecting");
}

/// A small speaker icon (on: with waves; off: crossed out). No emoji: the kitchen screen may
/// have no colour-emoji font.
function speaker(on) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "22");
  svg.setAttribute("height", "22");
  svg.setAttribute("aria-hidden", "true");
  const path = (d, fill) => {
    const p = document.createElementNS(ns, "path");
    p.setAttribute("d", d);
    p.setAttribute("fill", fill ? "currentColor" : "none");
    p.setAttribute("stroke", "currentColor");
    p.setAttribute("stroke-width", "2");
    p.setAttribute("stroke-linecap", "round");
    svg.append(p);
  };
  path("M4 9h4l5-4v14l-5-4H4z", true);
  if (on) path("M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12");
  else path("M16 9l6 6M22 9l-6 6");
  return svg;
}

function connect() {
  stream?.close();
  stream = connectEvents({
    page: "kds",
    onEvent,
    onStatus: (s) => {
      const live = s === "live";
      if (live && !state.live) load(); // after every (re)connect: the list as it is now
      state.live = live;
      renderTools();
    },
  });
}

function matches(stationId) {
  return state.station === "all" || state.station === stationId;
}

/// The whole list as the box has it now. Pages through `next_cursor`.
async function load() {
  const station = state.station;
  const base = `/api/v1/kitchen/tickets?status=active&limit=200${station !== "all" ? `&station_id=${encodeURIComponent(station)}` : ""}`;
  try {
    const all = [];
    let cursor = null;
    for (let page = 0; page < 10; page++) {
      const r = await get(cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base);
      all.push(...(r.items || []));
      cursor = r.next_cursor;
      if (!cursor) break;
    }
    if (station !== state.station) return; // switched meanwhile
    if (all.length) {
      const skews = all.map((tk) => Date.parse(tk.created_at) + tk.age_seconds * 1000 - Date.now()).sort((a, b) => a - b);
      state.offset = skews[Math.floor(skews.length / 2)];
    }
    board.reset(all.filter((tk) => tk.status !== "served"));
    render();
    if (!state.recent.length) loadRecent(true);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return showLogin(t("kds.login.not_kitchen"));
    if (!(e instanceof ApiError)) return; // offline: the reconnect refetches
    toast(t("kds.error.load"), "error");
  }
  clearTimeout(refetchTimer);
  refetchTimer = setTimeout(load, 60_000); // a quiet safety net; events do the real work
}

function onEvent(ev) {
  const d = ev.data || {};
  if (ev.type === "ticket.created") {
    if (d.kind === "void") for (const l of d.lines || []) board.voidedLines.add(l.line_id);
    if (!matches(d.station_id) || board.tickets.has(d.ticket_id)) {
      if (d.kind === "void") render();
      return;
    }
    board.upsert({
      id: d.ticket_id, station_id: d.station_id, order_id: d.order_id, number: d.number, table_name: d.table_name,
      waiter_name: d.waiter_name, course: d.course, kind: d.kind, lines: d.lines || [], status: "new",
      created_at: ev.at, status_at: ev.at, age_seconds: 0,
    });
    chime();
    render(d.ticket_id);
  } else if (ev.type === "ticket.bumped" || ev.type === "ticket.recalled") {
    if (!matches(d.station_id)) return;
    const before = board.tickets.get(d.ticket_id);
    if (ev.type === "ticket.bumped") remember(d.ticket_id, d.status);
    if (d.status === "served" && before && !board.pending.get(d.ticket_id)) addRecent(before, ev.at);
    if (ev.type === "ticket.recalled" && !before) forgetRecent(d.ticket_id);
    const changed = board.applyStatus(d.ticket_id, d.status, ev.at);
    if (changed === undefined && d.status !== "served") fetchOne(d.ticket_id);
    else if (changed) d.status === "served" ? slideOut(d.ticket_id) : render();
  }
}

async function fetchOne(id) {
  try {
    const tk = await get(`/api/v1/kitchen/tickets/${id}`);
    if (!matches(tk.station_id)) return;
    board.upsert(tk);
    render(id);
  } catch {
    /* the next refetch has it */
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering

function serverNow() {
  return Date.now() + state.offset;
}

function render(fresh) {
  if (!els.tickets) return;
  const list = board.ordered();
  if (state.selected && !board.tickets.has(state.selected)) state.selected = null;
  clear(els.tickets, list.map((tk, i) => ticketCard(tk, i, tk.id === fresh)));
  els.empty.hidden = list.length > 0;
  const n = list.filter((tk) => tk.kind !== "void").length;
  els.count.textContent = t(n === 1 ? "kds.count.one" : "kds.count", { n });
  renderAllDay();
  renderDrawer();
  tick();
  updateMore();
}

/// Tickets beyond the right (or left) edge: say how many, and page to them with one tap.
function updateMore() {
  if (!els.tickets) return;
  const box = els.tickets.getBoundingClientRect();
  let right = 0;
  let left = 0;
  for (const card of els.tickets.querySelectorAll("[data-test=ticket]")) {
    const r = card.getBoundingClientRect();
    if (r.left >= box.right - 40) right++;
    else if (r.right <= box.left + 40) left++;
  }
  els.more.hidden = right === 0;
  els.less.hidden = left === 0;
  clear(els.more, t("kds.more", { n: right }), h("span", { "aria-hidden": "true" }, " ▸"));
  clear(els.less, h("span", { "aria-hidden": "true" }, "◂ "), t("kds.more", { n: left }));
}

function page(direction) {
  els.tickets.scrollBy({ left: direction * (els.tickets.clientWidth - 32), behavior: "smooth" });
}
window.addEventListener("resize", () => updateMore());

function ticketCard(tk, index, fresh) {
  const isVoid = tk.kind === "void";
  const courses = [...new Set(tk.lines.map((l) => l.course ?? 1))];
  const course = tk.course ?? (courses.length === 1 ? courses[0] : null);
  const statusIcon = { new: "●", preparing: "◐", ready: "✓" }[tk.status] || "●";
  const lines = [];
  let lastCourse = null;
  for (const l of tk.lines) {
    if (course === null && l.course !== lastCourse) {
      lines.push(h("li.course-divider", {}, h("span", {}, t("kds.course", { n: l.course ?? 1 }))));
      lastCourse = l.course;
    }
    lines.push(lineRow(l, isVoid || board.voidedLines.has(l.line_id), isVoid));
  }
  const card = h(`article.ticket.status-${tk.status}${isVoid ? ".void" : ""}${tk.id === state.selected ? ".selected" : ""}${fresh ? ".fresh" : ""}`, {
    "data-test": "ticket", "data-id": tk.id, "data-table": tk.table_name, "data-status": tk.status, "data-kind": tk.kind,
    "data-created": tk.created_at, tabindex: "-1",
    "aria-label": t("kds.ticket_label", { table: tk.table_name, n: tk.number }),
    onclick: (e) => {
      if (e.target.closest("button")) return;
      select(tk.id);
    },
  },
  h("header.t-head", {},
    h("div.t-row", {},
      index < 9 ? h("span.t-key", { "aria-hidden": "true" }, String(index + 1)) : null,
      h("span.t-table", {}, tk.table_name),
      h("span.t-num.num", {}, `#${tk.number}`),
      state.station === "all" ? h("span.t-station", {}, stationName(tk.station_id)) : null,
      h("span.grow"),
      h("span.t-timer.num", { "data-created": tk.created_at }, "")),
    h("div.t-row.t-sub", {},
      h(`span.t-status.s-${tk.status}`, {}, h("span", { "aria-hidden": "true" }, statusIcon), t(`kds.status.${tk.status}`)),
      tk.waiter_name ? h("span", {}, tk.waiter_name) : null,
      course !== null ? h("span.t-course", {}, t("kds.course", { n: course })) : null)),
  isVoid ? h("div.void-banner", {}, h("span", { "aria-hidden": "true" }, "✕"), t("kds.void"), h("small", {}, t("kds.void_hint"))) : null,
  h("ol.t-lines", {}, lines),
  h("footer.t-foot", {},
    h(`button.bump.b-${tk.status}`, { type: "button", "data-test": "bump", onclick: () => bump(tk.id) },
      h("span", {}, t(`kds.bump.${tk.status}`)), h("span.arrow", { "aria-hidden": "true" }, "▸"))));
  return card;
}

function lineRow(l, struck, isVoid) {
  return h(`li.t-line${struck ? ".struck" : ""}`, {},
    h("span.t-qty.num", {}, `${l.quantity}×`),
    h("div.t-item", {},
      h("div.t-name-row", {},
        h("span.t-name", {}, l.name),
        l.seat ? h("span.t-seat", { title: t("kds.seat", { n: l.seat }) }, t("kds.seat_short", { n: l.seat })) : null,
        struck && !isVoid ? h("span.t-voided", {}, t("kds.voided")) : null),
      l.modifiers?.length ? h("ul.t-mods", {}, l.modifiers.map((m) => h("li", {}, m))) : null,
      l.note ? h("div.t-note", {}, h("span.t-note-icon", { "aria-hidden": "true" }, "!"), l.note) : null));
}

function renderAllDay() {
  const rows = board.allDay();
  clear(els.allDay,
    h("h2", {}, t("kds.all_day")),
    rows.length
      ? h("ul", {}, rows.map(([name, n]) => h("li", { "data-item": name }, h("span.ad-n.num", {}, String(n)), h("span.ad-name", {}, name))))
      : h("p.muted", {}, t("kds.all_day.empty")));
}

/// Once a second: timers and their colours, the clock. Nothing else is rebuilt.
function tick() {
  if (!els.clock || !els.tickets) return;
  const now = new Date(serverNow());
  els.clock.textContent = now.toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
  for (const card of els.tickets.children) {
    const created = card.dataset.created;
    const seconds = (serverNow() - Date.parse(created)) / 1000;
    const cls = ageClass(seconds, AGE.amber, AGE.red);
    const timer = card.querySelector(".t-timer");
    const text = clock(seconds);
    if (timer.dataset.text !== `${cls}${text}`) {
      timer.dataset.text = `${cls}${text}`;
      timer.replaceChildren(...(cls === "late" ? [h("span.late-icon", { "aria-label": t("kds.late") }, "⚠"), text] : [text]));
    }
    if (!card.classList.contains(`age-${cls}`)) {
      card.classList.remove("age-ok", "age-warn", "age-late");
      card.classList.add(`age-${cls}`);
    }
  }
}
setInterval(tick, 1000);

// ---------------------------------------------------------------------------------------------
// Bump, select, recall

function select(id) {
  state.selected = id;
  for (const card of els.tickets.children) card.classList.toggle("selected", card.dataset.id === id);
  els.tickets.querySelector(`[data-id="${id}"]`)?.scrollIntoView({ block: "nearest", inline: "nearest", behavior: "smooth" });
}

async function bump(id) {
  const tk = board.tickets.get(id);
  if (!tk) return;
  const now = Date.now();
  if (now - (lastBumpTap.get(id) || 0) < 350) return; // a bounce, not a second bump
  lastBumpTap.set(id, now);
  const next = NEXT[tk.status];
  board.pending.set(id, (board.pending.get(id) || 0) + 1);
  remember(id, next);
  if (next === "served") {
    addRecent(tk, new Date(serverNow()).toISOString());
    tk.status = "served";
    slideOut(id);
  } else {
    tk.status = next;
    render();
  }
  try {
    const r = await post(`/api/v1/kitchen/tickets/${id}/bump`);
    settle(id, r.queued ? null : r);
  } catch (e) {
    settle(id, null);
    if (e instanceof ApiError && e.status === 409) {
      toast(t("kds.error.changed"), "error");
    } else toast(t("kds.error.bump"), "error");
    load();
  }
}

/// A bump or recall of ours came back: the answer is the truth (unless another one of ours is
/// still on its way).
function settle(id, ticket) {
  const left = (board.pending.get(id) || 1) - 1;
  if (left > 0) {
    board.pending.set(id, left);
    return;
  }
  board.pending.delete(id);
  if (!ticket) return;
  if (ticket.status === "served") {
    board.tickets.delete(id);
    if (!matches(ticket.station_id)) return;
  } else if (matches(ticket.station_id)) {
    board.tickets.delete(id);
    board.upsert(ticket);
  }
  render();
}

function slideOut(id) {
  const card = els.tickets?.querySelector(`[data-id="${id}"]`);
  const tk = board.tickets.get(id);
  if (tk) board.tickets.delete(id);
  if (state.selected === id) state.selected = null;
  if (!card) return render();
  card.classList.add("leaving");
  card.setAttribute("data-status", "served");
  card.removeAttribute("data-test");
  setTimeout(render, 260);
}

function remember(id, status) {
  state.history.push({ id, status });
  if (state.history.length > 50) state.history.shift();
}

/// R / the recall button: takes back the last bump made at this station (ours or another
/// screen's): a served ticket comes back as ready; a ticket bumped by mistake steps back.
async function recallLast() {
  let target = null;
  while (state.history.length) {
    const last = state.history.pop();
    const tk = board.tickets.get(last.id);
    if (last.status === "served" ? !tk : tk && tk.status === last.status) {
      target = last.id;
      break;
    }
  }
  if (!target) target = state.recent.find((r) => matches(r.station_id))?.id;
  if (!target) return toast(t("kds.recall.none"));
  await recall(target);
}

async function recall(id) {
  const onBoard = board.tickets.get(id);
  board.pending.set(id, (board.pending.get(id) || 0) + 1);
  try {
    const r = await post(`/api/v1/kitchen/tickets/${id}/recall`);
    forgetRecent(id);
    if (r.queued) {
      settle(id, null);
      return;
    }
    settle(id, r);
    if (!onBoard) render(id);
    state.selected = id;
    select(id);
    toast(t("kds.recalled", { table: r.table_name, n: r.number }), "ok");
  } catch (e) {
    settle(id, null);
    forgetRecent(id);
    toast(e instanceof ApiError && e.status === 409 ? t("kds.recall.none") : t("kds.error.recall"), "error");
    load();
  }
}

// The recall drawer: the last 10 tickets bumped off this station's screen.

function loadRecent(fetchIfEmpty = false) {
  if (!fetchIfEmpty) {
    try {
      return JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
    } catch {
      return [];
    }
  }
  // Nothing remembered on this screen: ask the box for served tickets, keep the newest.
  (async () => {
    try {
      const all = [];
      let cursor = null;
      for (let page = 0; page < 5; page++) {
        const r = await get(`/api/v1/kitchen/tickets?status=served&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        all.push(...(r.items || []));
        cursor = r.next_cursor;
        if (!cursor) break;
      }
      if (state.recent.length) return;
      all.sort((a, b) => Date.parse(b.status_at) - Date.parse(a.status_at));
      state.recent = all.slice(0, 30).map((tk) => ({ ...tk, served_at: tk.status_at }));
      saveRecent();
      renderDrawer();
    } catch {
      /* not needed to work */
    }
  })();
  return [];
}

function saveRecent() {
  localStorage.setItem(RECENT_KEY, JSON.stringify(state.recent.slice(0, 30)));
}

function addRecent(tk, at) {
  state.recent = [{ ...tk, status: "served", served_at: at }, ...state.recent.filter((r) => r.id !== tk.id)].slice(0, 30);
  saveRecent();
  renderDrawer();
}

function forgetRecent(id) {
  state.recent = state.recent.filter((r) => r.id !== id);
  saveRecent();
  renderDrawer();
}

function toggleDrawer(open = !state.drawer) {
  state.drawer = open;
  els.drawer.hidden = !open;
  els.recentBtn.setAttribute("aria-expanded", String(open));
  renderDrawer();
}

function renderDrawer() {
  if (!els.drawer || els.drawer.hidden) return;
  const rows = state.recent.filter((r) => matches(r.station_id)).slice(0, 10);
  clear(els.drawer,
    h("header.spread", {}, h("h2", {}, t("kds.recent.title")),
      h("button.tool", { type: "button", onclick: () => toggleDrawer(false) }, t("kds.close"))),
    rows.length ? h("ul.recent", {}, rows.map((r) => {
      const mins = Math.max(0, Math.round((serverNow() - Date.parse(r.served_at)) / 60000));
      return h("li", {},
        h("div.recent-main", {},
          h("div.recent-head", {}, h("strong", {}, r.table_name), h("span.num", {}, ` #${r.number}`),
            r.kind === "void" ? h("span.t-status.s-void", {}, t("kds.void")) : null,
            h("span.muted", {}, ` · ${mins < 1 ? t("kds.just_now") : t("kds.min_ago", { n: mins })}`)),
          h("div.recent-lines.muted", {}, r.lines.map((l) => `${l.quantity}× ${l.name}`).join(" · "))),
        h("button.primary.recall-one", { type: "button", "data-test": "recall-item", onclick: () => recall(r.id) }, `↶ ${t("kds.recall.one")}`));
    })) : h("p.muted", {}, t("kds.recent.empty")));
}

// ---------------------------------------------------------------------------------------------
// Keys: 1–9 select, Enter bump, R recall, arrows move, Esc closes.

document.addEventListener("keydown", (e) => {
  if (!els.tickets || !document.body.contains(els.tickets)) return;
  if (e.target.closest?.("input, textarea, select") || e.ctrlKey || e.metaKey || e.altKey) return;
  const list = board.ordered();
  const at = list.findIndex((tk) => tk.id === state.selected);
  if (/^[1-9]$/.test(e.key)) {
    const tk = list[Number(e.key) - 1];
    if (tk) select(tk.id);
  } else if (e.key === "Enter") {
    const tk = at >= 0 ? list[at] : list[0];
    if (!tk) return;
    e.preventDefault(); // also keeps a focused button from firing
    const index = at >= 0 ? at : 0;
    state.selected = NEXT[tk.status] === "served" ? list[index + 1]?.id ?? list[index - 1]?.id ?? null : tk.id;
    bump(tk.id);
  } else if (e.key === "r" || e.key === "R") {
    recallLast();
  } else if (["ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"].includes(e.key)) {
    if (!list.length) return;
    e.preventDefault();
    const step = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : -1;
    const next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
    select(list[next].id);
  } else if (e.key === "Escape") {
    if (state.drawer) toggleDrawer(false);
    else select(null);
  }
});

// ---------------------------------------------------------------------------------------------
// Sound and sign-out

let audio = null;
let lastChime = 0;
function chime() {
  if (!state.sound || Date.now() - lastChime < 1500) return;
  lastChime = Date.now();
  try {
    audio ||= new AudioContext();
    const now = audio.currentTime;
    for (const [i, f] of [880, 1320].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, now + i * 0.16);
      gain.gain.exponentialRampToValueAtTime(0.25, now + i * 0.16 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.16 + 0.3);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.16);
      osc.stop(now + i * 0.16 + 0.32);
    }
  } catch {
    /* no sound on this screen */
  }
}

function toggleSound() {
  state.sound = !state.sound;
  localStorage.setItem(SOUND_KEY, state.sound ? "on" : "off");
  renderTools();
  if (state.sound) {
    lastChime = 0;
    chime();
  }
}

async function askSignOut() {
  const who = session()?.staff;
  const yes = await modal(t("kds.logout_title", { name: who?.name || "" }), (close) => h("div.stack", {},
    h("p", {}, t("kds.logout_text")),
    h("div.row.end", {},
      h("button", { type: "button", onclick: () => close(false) }, t("common.cancel")),
      h("button.primary", { type: "button", "data-test": "kds-logout", onclick: () => close(true) }, t("kds.logout")))));
  if (yes) signOut();
}

function signOut() {
  stream?.close();
  stream = null;
  clearTimeout(refetchTimer);
  logout();
  els.tickets = null;
  board.reset([]);
  showLogin();
}
