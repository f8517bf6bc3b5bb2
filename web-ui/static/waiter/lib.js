// Shared pieces of the waiter app: the app-wide state, icons, time and money helpers, the
// manager-approval sheet, the "ready" sound, and reads that survive a reload while offline.

import { get, ApiError } from "/assets/core/api.js";
import { t, language } from "/assets/core/i18n.js";
import { h, modal } from "/assets/core/ui.js";

/// Everything the views share. Filled by app.js after login; views read it and re-render.
export const S = {
  setup: null, // {name, currency, timezone, prices_include_tax}
  me: null, // {id, name, username, role}
  menu: { categories: [], items: new Map(), groups: new Map(), stations: new Map() },
  areas: [],
  tables: [],
  orders: new Map(), // open orders by id
  bookings: [], // today's bookings still to come: {id, name, party_size, starts_at, table_id}
  tickets: new Map(), // kitchen tickets not yet served: id -> {order_id, status, station_id}
  calls: [], // ready calls: {id, order_id, table, station, at}
  pending: loadPending(), // orderId -> [pending line]
  flash: null, // a confirmation the floor shows once (table paid, change)
  live: "connecting",
};

// ---------------------------------------------------------------- pending lines (offline)

const PENDING = "comanda.waiter.pending";

function loadPending() {
  try {
    return JSON.parse(localStorage.getItem(PENDING) || "{}");
  } catch {
    return {};
  }
}

/// Only the queued ones need to survive a reload (the core queue replays them).
export function savePending() {
  const keep = {};
  for (const [order, list] of Object.entries(S.pending)) {
    const queued = list.filter((p) => p.state === "queued");
    if (queued.length) keep[order] = queued;
  }
  try {
    localStorage.setItem(PENDING, JSON.stringify(keep));
  } catch {}
}

/// Drops pending lines whose request is no longer waiting in the core's queue (read only: the
/// queue is the core's; we only look at which request bodies are still in it).
export function prunePending() {
  let waiting = [];
  try {
    waiting = JSON.parse(localStorage.getItem("comanda.queue") || "[]");
  } catch {}
  const keys = new Set(waiting.map((w) => `${w.path}|${JSON.stringify(w.body)}`));
  for (const [order, list] of Object.entries(S.pending)) {
    const path = `/api/v1/orders/${order}/lines`;
    S.pending[order] = list.filter((p) => p.state !== "queued" || keys.has(`${path}|${p.bodyKey}`));
    if (!S.pending[order].length) delete S.pending[order];
  }
  savePending();
}

// ---------------------------------------------------------------- reads

/// GET that remembers its last answer, so a tablet reloaded during a Wi-Fi blip still shows
/// the floor and the menu.
export async function cachedGet(path) {
  const key = `comanda.waiter.cache.${path}`;
  try {
    const data = await get(path);
    try {
      localStorage.setItem(key, JSON.stringify(data));
    } catch {}
    return data;
  } catch (e) {
    if (e instanceof TypeError) {
      const hit = localStorage.getItem(key);
      if (hit) return JSON.parse(hit);
    }
    throw e;
  }
}

// ---------------------------------------------------------------- menu helpers

export function setMenu(tree) {
  const items = new Map();
  const groups = new Map();
  const stations = new Map();
  for (const s of tree.stations || []) stations.set(s.id, s);
  for (const g of tree.modifier_groups || []) groups.set(g.id, g);
  for (const c of tree.categories || []) for (const i of c.items) items.set(i.id, { ...i, category_id: c.id });
  S.menu = { categories: tree.categories || [], items, groups, stations };
}

/// The modifier option ids of a line, from its modifier names (lines only carry names).
export function optionIdsFor(itemId, names) {
  const item = S.menu.items.get(itemId);
  if (!item) return [];
  const ids = [];
  for (const name of names || []) {
    for (const gid of item.modifier_group_ids) {
      const opt = S.menu.groups.get(gid)?.options.find((o) => o.name === name);
      if (opt) {
        ids.push(opt.id);
        break;
      }
    }
  }
  return ids;
}

export function stationName(id) {
  return S.menu.stations.get(id)?.name || t("calls.kitchen");
}

// ---------------------------------------------------------------- time

function tz() {
  return S.setup?.timezone || undefined;
}

export function clock(date = new Date()) {
  try {
    return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit", timeZone: tz() }).format(date);
  } catch {
    return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(date);
  }
}

export function longDate(date = new Date()) {
  try {
    return new Intl.DateTimeFormat(locale(), { weekday: "long", day: "numeric", month: "long", timeZone: tz() }).format(date);
  } catch {
    return "";
  }
}

export function timeOf(iso) {
  return iso ? clock(new Date(iso)) : "";
}

/// "8 min", "1 h 05" since an instant.
export function elapsed(iso) {
  if (!iso) return "";
  const min = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
  if (min < 60) return t("time.min", { n: min });
  return t("time.hmin", { h: Math.floor(min / 60), m: String(min % 60).padStart(2, "0") });
}

export function locale() {
  return language() === "fr" ? "fr-FR" : "en-GB";
}

// ---------------------------------------------------------------- money input

/// Minor units per major unit of the site's currency (100 for EUR, 1 for JPY).
export function minorFactor() {
  try {
    const d = new Intl.NumberFormat("en", { style: "currency", currency: S.setup?.currency || "EUR" }).resolvedOptions()
      .maximumFractionDigits;
    return 10 ** d;
  } catch {
    return 100;
  }
}

/// "12", "12.5", "12,50" (major units) → integer minor units; null when not a number.
export function parseMajor(text) {
  const s = String(text ?? "").trim().replace(",", ".");
  if (!/^\d*(\.\d*)?$/.test(s) || s === "" || s === ".") return null;
  const factor = minorFactor();
  const digits = Math.round(Math.log10(factor));
  const [int, frac = ""] = s.split(".");
  return Number(int || "0") * factor + Number((frac + "0".repeat(digits)).slice(0, digits) || "0");
}

/// The decimal separator people expect ("." in English, "," in French).
export function decimalSep() {
  return new Intl.NumberFormat(locale()).formatToParts(1.5).find((p) => p.type === "decimal")?.value || ".";
}

/// Minor units → "12.50" / "12,50" for an input field (no currency sign).
export function toMajor(minor) {
  const factor = minorFactor();
  const digits = Math.round(Math.log10(factor));
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const int = Math.floor(abs / factor);
  return digits ? `${sign}${int}${decimalSep()}${String(abs % factor).padStart(digits, "0")}` : `${sign}${int}`;
}

// ---------------------------------------------------------------- seats

const SEAT_COLOURS = ["#2f6fb0", "#c0561a", "#2e7d32", "#7b3fa0", "#00796b", "#ad1457", "#6d4c41", "#5d6b12"];

export function seatColour(seat) {
  return seat ? SEAT_COLOURS[(seat - 1) % SEAT_COLOURS.length] : "#5b616b";
}

// ---------------------------------------------------------------- icons

const PATHS = {
  person: '<circle cx="12" cy="8" r="4"/><path d="M4 21c0-4 4-6 8-6s8 2 8 6"/>',
  clock: '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
  pot: '<path d="M4 10h16v5a5 5 0 0 1-5 5H9a5 5 0 0 1-5-5z"/><path d="M2 10h20M9 7c0-1.5 1-2 0-4M14 7c0-1.5 1-2 0-4"/>',
  receipt: '<path d="M6 3h12v18l-3-2-3 2-3-2-3 2z"/><path d="M9 8h6M9 12h6M9 16h3"/>',
  bell: '<path d="M6 16v-5a6 6 0 0 1 12 0v5l2 2H4z"/><path d="M10 21a2 2 0 0 0 4 0"/>',
  check: '<path d="M5 12.5l4.5 4.5L19 7"/>',
  free: '<circle cx="12" cy="12" r="8" stroke-dasharray="3.2 3"/>',
  back: '<path d="M15 5l-7 7 7 7"/>',
  search: '<circle cx="11" cy="11" r="7"/><path d="M20 20l-4-4"/>',
  lock: '<rect x="5" y="11" width="14" height="9" rx="2"/><path d="M8 11V8a4 4 0 0 1 8 0v3"/>',
  backspace: '<path d="M9 5h11v14H9l-6-7z"/><path d="M12 9l5 6M17 9l-5 6"/>',
  fire: '<path d="M12 3c1 4 6 6 6 11a6 6 0 0 1-12 0c0-3 2-4 2-7 2 1 3 3 3 5 1-2 1-6 1-9z"/>',
  undo: '<path d="M9 14L4 9l5-5"/><path d="M4 9h10a6 6 0 0 1 0 12h-3"/>',
  repeat: '<path d="M17 2l4 4-4 4"/><path d="M3 11V9a3 3 0 0 1 3-3h15M7 22l-4-4 4-4"/><path d="M21 13v2a3 3 0 0 1-3 3H3"/>',
  logout: '<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h11"/>',
  send: '<path d="M3 11l18-8-8 18-2-8z"/>',
  list: '<path d="M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01"/>',
  plan: '<rect x="3" y="3" width="7" height="7" rx="1"/><rect x="14" y="3" width="7" height="7" rx="3.5"/><rect x="3" y="14" width="7" height="7" rx="3.5"/><rect x="14" y="14" width="7" height="7" rx="1"/>',
  note: '<path d="M5 4h14v16H5z"/><path d="M8 8h8M8 12h8M8 16h5"/>',
  close: '<path d="M6 6l12 12M18 6L6 18"/>',
  plus: '<path d="M12 5v14M5 12h14"/>',
  minus: '<path d="M5 12h14"/>',
  wait: '<path d="M7 3h10M7 21h10M8 3c0 5 8 5 8 9s-8 4-8 9M16 3c0 5-8 5-8 9"/>',
  move: '<path d="M5 9l-3 3 3 3M19 9l3 3-3 3M2 12h20"/>',
  print: '<path d="M6 9V3h12v6"/><rect x="3" y="9" width="18" height="8" rx="2"/><path d="M6 14h12v7H6z"/>',
  cash: '<rect x="2" y="6" width="20" height="12" rx="2"/><circle cx="12" cy="12" r="3"/>',
  card: '<rect x="2" y="5" width="20" height="14" rx="2"/><path d="M2 10h20M6 15h4"/>',
  other: '<circle cx="6" cy="12" r="1.5"/><circle cx="12" cy="12" r="1.5"/><circle cx="18" cy="12" r="1.5"/>',
  percent: '<path d="M19 5L5 19"/><circle cx="7" cy="7" r="2.5"/><circle cx="17" cy="17" r="2.5"/>',
  split: '<path d="M12 3v18M4 7h5M4 12h5M4 17h5M15 7h5M15 12h5M15 17h5"/>',
  chevron: '<path d="M9 5l7 7-7 7"/>',
  up: '<path d="M5 15l7-7 7 7"/>',
};

export function icon(name, cls = "") {
  const span = document.createElement("span");
  span.className = `icon ${cls}`.trim();
  span.setAttribute("aria-hidden", "true");
  span.innerHTML = `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${PATHS[name] || ""}</svg>`;
  return span;
}

// ---------------------------------------------------------------- errors

/// What the person should read for a failed request: what to do next, not what failed inside.
export function explain(e) {
  if (e instanceof TypeError) return t("err.offline");
  if (e instanceof ApiError) {
    if (e.status === 401) return t("err.session");
    if (e.status === 429) return t("err.rate_limited");
    if (e.status >= 500) return t("err.server");
    if (language() === "en" && e.message) return e.message.charAt(0).toUpperCase() + e.message.slice(1);
    return t("err.refused", { message: e.message || e.code });
  }
  return t("err.server");
}

// ---------------------------------------------------------------- sheets

/// A small digit pad that types into `input`.
export function digitPad(input, { onDigit, onEnter, prefix = "pad" } = {}) {
  const type = (k) => {
    if (k === "back") input.value = input.value.slice(0, -1);
    else if (k === "ok") return onEnter?.();
    else input.value += k;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    onDigit?.(k);
  };
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok"];
  return h(
    "div.mini-pad",
    {},
    keys.map((k) =>
      k === "back"
        ? h("button.key", { type: "button", "aria-label": t("pin.backspace"), onclick: () => type(k) }, icon("backspace"))
        : k === "ok"
          ? h("button.key.key-ok", { type: "button", "aria-label": t("common.ok"), "data-key": `${prefix}-ok`, onclick: () => type(k) }, icon("check"))
          : h("button.key", { type: "button", onclick: () => type(k) }, k),
    ),
  );
}

/// Asks for a manager's PIN; resolves with it, or null when cancelled.
export function approvalSheet(message) {
  return modal(t("approval.title"), (close) => {
    const input = h("input.pin-input", {
      type: "password",
      inputmode: "none",
      autocomplete: "off",
      "data-test": "approval-pin",
      "aria-label": t("approval.pin"),
      placeholder: t("approval.pin"),
      maxlength: "6",
    });
    const ok = () => {
      const pin = input.value.trim();
      if (pin.length >= 4) close(pin);
      else input.focus();
    };
    const okButton = h("button.primary.wide", { type: "button", "data-test": "approval-ok", onclick: ok }, icon("lock"), t("approval.ok"));
    input.addEventListener("keydown", (e) => e.key === "Enter" && ok());
    setTimeout(() => input.focus(), 30);
    return h(
      "div.stack.approval",
      {},
      h("p.sheet-lead", {}, message || t("approval.lead")),
      input,
      digitPad(input, { onEnter: ok, prefix: "approval" }),
      okButton,
    );
  });
}

/// Runs `fn(approvalPin)`; when the box answers 403 (a manager must approve), asks for a
/// manager's PIN and retries with it. Resolves with fn's result, or null when cancelled.
export async function withApproval(message, fn, { upfront = false } = {}) {
  // When the rule is known (a waiter voiding a sent line, a big discount), ask first instead
  // of letting the box refuse: one request, no error on the way.
  if (!upfront || isManager()) {
    try {
      return await fn(undefined);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 403)) throw e;
      message = message || explain(e);
    }
  }
  for (;;) {
    const pin = await approvalSheet(message);
    if (!pin) return null;
    try {
      return await fn(pin);
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) {
        message = t("approval.wrong");
        continue;
      }
      throw e;
    }
  }
}

/// A yes/no sheet. Resolves true or false.
export async function confirmSheet(title, text, yes, { danger = false, test } = {}) {
  const answer = await modal(title, (close) =>
    h(
      "div.stack",
      {},
      h("p.sheet-lead", {}, text),
      h(
        "div.sheet-actions",
        {},
        h("button", { type: "button", onclick: () => close(false) }, t("common.cancel")),
        h(`button.${danger ? "danger" : "primary"}`, { type: "button", "data-test": test, onclick: () => close(true) }, yes),
      ),
    ),
  );
  return answer === true;
}

// ---------------------------------------------------------------- sound

let audio = null;

/// Browsers only let a page make sound after a tap; the first tap unlocks it.
export function unlockAudio() {
  if (audio) return;
  try {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx) audio = new Ctx();
  } catch {
    audio = null;
  }
}

/// Two short tones: "food is ready".
export function beep() {
  if (!audio) return;
  try {
    if (audio.state === "suspended") audio.resume();
    const now = audio.currentTime;
    [880, 1320].forEach((freq, i) => {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.18);
      gain.gain.exponentialRampToValueAtTime(0.3, now + i * 0.18 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.18 + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.18);
      osc.stop(now + i * 0.18 + 0.18);
    });
  } catch {}
}

// ---------------------------------------------------------------- misc

export function isManager() {
  return S.me?.role === "manager" || S.me?.role === "owner";
}

export function isPhone() {
  return window.matchMedia("(max-width: 640px)").matches;
}

export function initials(name) {
  return (name || "")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join("");
}

/// Accent- and case-insensitive text for search.
export function fold(s) {
  return (s || "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
