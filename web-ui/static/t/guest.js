// The guests' page a table's QR code opens (/t/<token>): the menu with allergens and what is
// sold out, a basket, and "send to the waiter". Nothing goes to the kitchen from here: a
// waiter accepts the request on their tablet first. No login: the table's token is the key.

import { loadLocale, t } from "/assets/core/i18n.js";
import { money, setCurrency } from "/assets/core/money.js";
import { clear, h } from "/assets/core/ui.js";

const token = decodeURIComponent(location.pathname.split("/")[2] || "");
const app = document.getElementById("app");
const DEVICE = "comanda.guest.device";
const device = localStorage.getItem(DEVICE) || (() => {
  const id = (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`.replace(/\./g, "")).replace(/[^A-Za-z0-9_-]/g, "");
  localStorage.setItem(DEVICE, id);
  return id;
})();

let menu = null;
let basket = []; // [{item, quantity}]
let category = 0;
let sheet = null;
let pollTimer = null;

async function call(method, path, body) {
  let r;
  try {
    r = await fetch(path, {
      method,
      headers: body ? { "content-type": "application/json", "idempotency-key": crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw Object.assign(new Error(t("guest.offline")), { status: 0 });
  }
  const data = await r.json().catch(() => null);
  if (!r.ok) {
    const retry = Number(r.headers.get("retry-after") || 60);
    const message = r.status === 429 ? t("guest.too_many", { min: Math.max(1, Math.ceil(retry / 60)) })
      : r.status === 404 ? t("guest.not_found") : data?.error?.message || r.statusText;
    throw Object.assign(new Error(message), { status: r.status });
  }
  return data;
}

function allergens(list) {
  if (!list.length) return null;
  return h("p.allergens", { "aria-label": t("guest.allergens") }, list.map((a) => h("span.allergen", { title: t(`allergen.${a}`) }, t(`allergen.${a}`))));
}

function count() {
  return basket.reduce((s, l) => s + l.quantity, 0);
}

function total() {
  return basket.reduce((s, l) => s + l.quantity * l.item.price, 0);
}

function add(item) {
  const line = basket.find((l) => l.item.id === item.id);
  if (line) line.quantity = Math.min(20, line.quantity + 1);
  else basket.push({ item, quantity: 1 });
  render();
}

function render() {
  if (!menu) return;
  const cats = menu.categories;
  const current = cats[category] || cats[0];
  clear(app,
    h("header.g-head", {}, h("h1", {}, menu.restaurant), h("p.g-table", { "data-test": "guest-table" }, t("guest.table", { table: menu.table_name }))),
    h("nav.g-cats", { role: "tablist" }, cats.map((c, i) => h("button", {
      type: "button", role: "tab", "aria-selected": String(i === category), "data-test": `guest-cat-${c.name}`,
      onclick: () => { category = i; render(); },
    }, c.name))),
    h("ul.g-items", {}, (current?.items || []).map((item) => {
      const blocked = !item.available || item.ask_waiter;
      return h(`li.g-item${blocked ? ".blocked" : ""}`, {},
        h("div.g-item-main", {},
          h("div.g-item-row", {}, h("span.g-name", {}, item.name), h("span.g-price.num", {}, money(item.price))),
          allergens(item.allergens),
          !item.available ? h("p.g-flag", {}, t("guest.sold_out")) : item.ask_waiter ? h("p.g-flag.soft", {}, t("guest.ask_waiter")) : null),
        h("button.g-add", {
          type: "button", disabled: blocked, "data-test": `guest-add-${item.name}`, "aria-label": `${t("guest.add")} ${item.name}`,
          onclick: () => add(item),
        }, "+"));
    })),
    h("p.g-foot.muted", {}, menu.prices_include_tax ? t("guest.prices") : t("guest.prices_excl")),
    count() ? h("button.g-basket-bar", { type: "button", "data-test": "guest-basket", onclick: openBasket },
      h("span", {}, t("guest.basket"), " · ", t("guest.items_n", { n: count() })), h("span.num", {}, money(total()))) : null,
    sheet);
}

function openBasket() {
  const note = h("textarea", { rows: 2, maxlength: 200, "data-test": "guest-note", placeholder: t("guest.note") });
  const error = h("p.g-error", { role: "alert", "data-test": "guest-error" });
  const send = h("button.primary.g-send", { type: "button", "data-test": "guest-send" }, t("guest.send"));
  const lines = h("ul.g-lines");
  const drawLines = () => clear(lines, basket.length ? basket.map((l) => h("li", {},
    h("span.g-name", {}, l.item.name),
    h("span.g-qty", {},
      h("button", { type: "button", "aria-label": t("guest.remove"), onclick: () => { l.quantity -= 1; basket = basket.filter((x) => x.quantity > 0); drawLines(); render(); } }, "−"),
      h("b.num", {}, String(l.quantity)),
      h("button", { type: "button", "aria-label": t("guest.add"), onclick: () => { l.quantity = Math.min(20, l.quantity + 1); drawLines(); render(); } }, "+")),
    h("span.num", {}, money(l.quantity * l.item.price)))) : h("li.muted", {}, t("guest.empty")));
  drawLines();
  send.onclick = async () => {
    if (!basket.length) return;
    send.disabled = true;
    send.textContent = t("guest.sending");
    error.textContent = "";
    try {
      const request = await call("POST", `/api/v1/guest/${encodeURIComponent(token)}/requests`, {
        device_id: device,
        lines: basket.map((l) => ({ item_id: l.item.id, quantity: l.quantity })),
        note: note.value.trim() || null,
      });
      basket = [];
      showStatus(request);
    } catch (e) {
      error.textContent = e.message;
      send.disabled = false;
      send.textContent = t("guest.send");
    }
  };
  sheet = h("div.g-sheet", { role: "dialog", "aria-modal": "true", "aria-label": t("guest.basket") },
    h("div.g-sheet-card", {},
      h("header.g-sheet-head", {}, h("h2", {}, t("guest.basket")),
        h("button", { type: "button", onclick: () => { sheet = null; render(); } }, t("guest.close"))),
      lines, note, error, send));
  render();
}

function showStatus(request) {
  clearTimeout(pollTimer);
  const state = request.status;
  const text = state === "accepted" ? t("guest.accepted")
    : state === "declined" ? t("guest.declined", { reason: request.reason ? ` (${request.reason})` : "" })
      : t("guest.sent");
  sheet = h("div.g-sheet", { role: "dialog", "aria-modal": "true" },
    h("div.g-sheet-card.g-status", { "data-test": `guest-status-${state}` },
      h("h2", {}, state === "pending" ? t("guest.sent_title") : menu.table_name),
      h("p", {}, text),
      h("ul.g-lines", {}, request.lines.map((l) => h("li", {}, h("span", {}, `${l.quantity}× ${l.name}`)))),
      state !== "pending" ? h("button.primary", { type: "button", "data-test": "guest-again", onclick: () => { sheet = null; render(); } }, t("guest.again")) : null));
  render();
  if (state === "pending") {
    pollTimer = setTimeout(async () => {
      try {
        showStatus(await call("GET", `/api/v1/guest/${encodeURIComponent(token)}/requests/${request.id}`));
      } catch {
        pollTimer = setTimeout(() => showStatus(request), 3000);
      }
    }, 2000);
  }
}

async function boot() {
  await loadLocale("t");
  try {
    menu = await call("GET", `/api/v1/guest/${encodeURIComponent(token)}`);
  } catch (e) {
    clear(app, h("div.g-error-page", { "data-test": "guest-error-page" }, h("p", {}, e.message)));
    return;
  }
  document.title = `${menu.restaurant} · ${t("guest.table", { table: menu.table_name })}`;
  setCurrency(menu.currency);
  render();
}

boot();
