// Comanda Cloud: the owner's view of all their restaurants. Sign in, pick a period, see the
// totals, sales by day, best sellers and each restaurant; add a restaurant and get the one-time
// code its box pairs with. Plain modules, no build step; everything comes from this origin.

const SESSION = "comanda-cloud-session";
const $ = (id) => document.getElementById(id);

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}

const session = () => JSON.parse(sessionStorage.getItem(SESSION) || "null");
const saveSession = (s) => sessionStorage.setItem(SESSION, JSON.stringify(s));

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body, retried = false) {
  const headers = {};
  const s = session();
  if (s) headers.authorization = `Bearer ${s.access_token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "The cloud cannot be reached. Check your connection and try again.");
  }
  if (r.status === 401 && s && !retried && !path.startsWith("/api/v1/auth/")) {
    const refreshed = await fetch("/api/v1/auth/refresh", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: s.refresh_token }),
    });
    if (refreshed.ok) {
      saveSession(await refreshed.json());
      return api(method, path, body, true);
    }
    sessionStorage.removeItem(SESSION);
    show();
    throw new ApiError(401, "Your session has ended; sign in again.");
  }
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, data?.error?.message || r.statusText);
  return data;
}

// ---- money and dates ----

const money = (minor, currency) =>
  new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "EUR" }).format(minor / 100);
const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
function preset(name) {
  const today = new Date();
  const day = (offset) => { const d = new Date(today); d.setDate(d.getDate() + offset); return iso(d); };
  switch (name) {
    case "today": return [day(0), day(0)];
    case "yesterday": return [day(-1), day(-1)];
    case "month": return [iso(new Date(today.getFullYear(), today.getMonth(), 1)), day(0)];
    default: return [day(-6), day(0)];
  }
}

// ---- screens ----

function show() {
  const s = session();
  $("login").hidden = !!s;
  $("app").hidden = !s;
  $("logout").hidden = !s;
  $("who").textContent = s ? `${s.owner.username} · ${s.owner.org_name}` : "";
  if (s) load();
}

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  $("login").querySelector("[data-test=login-error]").textContent = "";
  try {
    saveSession(await api("POST", "/api/v1/auth/login", { username: form.get("username"), password: form.get("password") }));
    e.target.reset();
    show();
  } catch (err) {
    $("login").querySelector("[data-test=login-error]").textContent =
      err.status === 429 ? "Too many attempts. Wait a few minutes, then try again." :
      err.status === 401 ? "Wrong username or password." : err.message;
  }
});

$("logout").addEventListener("click", async () => {
  try { await api("POST", "/api/v1/auth/logout"); } catch { /* signed out here anyway */ }
  sessionStorage.removeItem(SESSION);
  show();
});

let period = preset("7d");
let sortBy = { key: "gross", down: true };
let lastRows = [];

for (const b of document.querySelectorAll("[data-preset]")) {
  b.addEventListener("click", () => { period = preset(b.dataset.preset); load(); });
}
for (const id of ["from", "to"]) {
  $(id).addEventListener("change", () => { period = [$("from").value, $("to").value]; load(); });
}

async function load() {
  [$("from").value, $("to").value] = period;
  for (const b of document.querySelectorAll("[data-preset]")) {
    const [f, t] = preset(b.dataset.preset);
    b.setAttribute("aria-pressed", String(f === period[0] && t === period[1]));
  }
  $("report-error").textContent = "";
  try {
    const [sites, report] = await Promise.all([
      api("GET", "/api/v1/sites"),
      api("GET", `/api/v1/reports/sales?from=${period[0]}&to=${period[1]}`),
    ]);
    render(sites, report);
  } catch (err) {
    $("report-error").textContent = err.message;
  }
}

function tile(label, value, test) {
  return h("div", { class: "tile", "data-test": test }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

function render(sites, report) {
  const totals = report.totals;
  const main = totals[0];
  const tiles = $("totals");
  tiles.replaceChildren();
  if (!main) {
    tiles.append(h("p", { class: "muted" }, "No sales in this period yet. Boxes send theirs as soon as they are online."));
  }
  for (const t of totals) {
    const avg = t.orders ? Math.round(t.gross / t.orders) : 0;
    const suffix = totals.length > 1 ? ` (${t.currency})` : "";
    tiles.append(
      tile(`Gross${suffix}`, money(t.gross, t.currency), `total-gross-${t.currency}`),
      tile(`Net${suffix}`, money(t.net, t.currency), `total-net-${t.currency}`),
      tile("Tax", money(t.tax, t.currency)),
      tile("Tips", money(t.tips, t.currency)),
      tile("Orders", String(t.orders), `total-orders-${t.currency}`),
      tile("Covers", String(t.covers)),
      tile("Average ticket", money(avg, t.currency)),
      tile("Refunds", money(t.refunds, t.currency)));
  }
  $("by-day").replaceChildren(main ? dayChart(main) : h("p", { class: "muted" }, "—"));
  $("best").replaceChildren(main ? bestSellers(main) : h("p", { class: "muted" }, "—"));
  const bySite = new Map(report.sites.map((s) => [s.site_id, s.report]));
  lastRows = sites.map((s) => {
    const r = bySite.get(s.site_id);
    return { ...s, gross: r?.gross ?? 0, net: r?.net ?? 0, orders: r?.orders ?? 0, covers: r?.covers ?? 0, cur: s.currency || r?.currency };
  });
  renderSites();
}

/// Every day of the period (days without sales at zero), when it is short enough to draw.
function periodDays(t) {
  const sold = new Map(t.by_day.map((d) => [d.date, d]));
  const days = [];
  for (let d = new Date(`${period[0]}T12:00:00`); iso(d) <= period[1] && days.length <= 62; d.setDate(d.getDate() + 1)) {
    days.push(sold.get(iso(d)) || { date: iso(d), bills: 0, gross: 0, net: 0 });
  }
  return days.length > 62 || days.length === 0 ? t.by_day : days;
}

function dayChart(t) {
  const days = periodDays(t);
  if (!t.by_day.length) return h("p", { class: "muted" }, "No sales in this period.");
  const W = 640, H = 220, pad = 28, max = Math.max(...days.map((d) => d.gross), 1);
  const slot = (W - pad) / Math.max(days.length, 7);
  const bw = slot;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "Gross sales by day");
  days.forEach((d, i) => {
    const bh = Math.max(1, ((H - 2 * pad) * d.gross) / max);
    const rect = document.createElementNS(ns, "rect");
    Object.entries({ x: pad + i * bw + 4, y: H - pad - bh, width: Math.max(2, bw - 8), height: bh, fill: "#1f5d8c", rx: 3 })
      .forEach(([k, v]) => rect.setAttribute(k, v));
    const title = document.createElementNS(ns, "title");
    title.textContent = `${d.date}: ${money(d.gross, t.currency)} (${d.bills} bills)`;
    rect.append(title);
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", pad + i * bw + bw / 2);
    label.setAttribute("y", H - 8);
    label.setAttribute("text-anchor", "middle");
    label.textContent = d.date.slice(5);
    svg.append(rect, label);
  });
  return svg;
}

function bestSellers(t) {
  const rows = t.best_sellers.slice(0, 10);
  if (!rows.length) return h("p", { class: "muted" }, "No items sold in this period.");
  return h("table", {},
    h("thead", {}, h("tr", {}, h("th", {}, "Item"), h("th", { class: "num" }, "Qty"), h("th", { class: "num" }, "Gross"))),
    h("tbody", {}, rows.map((i) => h("tr", {}, h("td", {}, i.name), h("td", { class: "num" }, String(i.quantity)),
      h("td", { class: "num" }, money(i.gross, t.currency))))));
}

const COLUMNS = [
  ["name", "Restaurant", false], ["status", "Sync", false], ["gross", "Gross", true], ["net", "Net", true],
  ["orders", "Orders", true], ["covers", "Covers", true],
];

function status(s) {
  if (s.revoked) return h("span", { class: "badge bad" }, "Revoked: pair again");
  if (!s.last_sync_at) return h("span", { class: "badge bad" }, "Not paired yet");
  return h("span", { class: "badge ok" }, `Synced ${new Date(s.last_sync_at).toLocaleString()}`);
}

function renderSites() {
  const rows = [...lastRows].sort((a, b) => {
    const [x, y] = [a[sortBy.key], b[sortBy.key]];
    const c = typeof x === "number" ? x - y : String(x ?? "").localeCompare(String(y ?? ""));
    return sortBy.down ? -c : c;
  });
  const head = h("tr", {}, COLUMNS.map(([key, label, num]) => h("th", { class: num ? "num" : null, "aria-sort": sortBy.key === key ? (sortBy.down ? "descending" : "ascending") : null },
    h("button", { onclick: () => { sortBy = { key, down: sortBy.key === key ? !sortBy.down : num }; renderSites(); } }, label))), h("th", {}, ""));
  const body = rows.map((s) => h("tr", { "data-test": `site-${s.name}` },
    h("td", {}, s.name), h("td", {}, status(s)),
    h("td", { class: "num", "data-test": "site-gross" }, money(s.gross, s.cur)), h("td", { class: "num" }, money(s.net, s.cur)),
    h("td", { class: "num" }, String(s.orders)), h("td", { class: "num" }, String(s.covers)),
    h("td", {}, h("button", { class: "link", onclick: () => newCode(s) }, "New pairing code"))));
  $("sites").replaceChildren(rows.length
    ? h("table", {}, h("thead", {}, head), h("tbody", {}, body))
    : h("p", { class: "muted" }, "No restaurants yet: add the first one below."));
}

function showCode(p) {
  const until = new Date(p.expires_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  $("pairing").replaceChildren(`Pairing code for ${p.name}: `, h("code", { "data-test": "pairing-code" }, p.pairing_code),
    h("br"), `On the box: Dashboard → System → Pair with the cloud, with this address (${location.origin}). Valid once, until ${until}.`);
}

async function newCode(site) {
  try { showCode(await api("POST", `/api/v1/sites/${site.site_id}/pairing-code`)); } catch (err) { $("report-error").textContent = err.message; }
}

$("add-site").addEventListener("submit", async (e) => {
  e.preventDefault();
  const name = new FormData(e.target).get("name");
  try {
    showCode(await api("POST", "/api/v1/sites", { name }));
    e.target.reset();
    load();
  } catch (err) {
    $("report-error").textContent = err.message;
  }
});

$("csv").addEventListener("click", () => {
  const cells = [["restaurant", "currency", "gross", "net", "orders", "covers"],
    ...lastRows.map((s) => [s.name, s.cur || "", (s.gross / 100).toFixed(2), (s.net / 100).toFixed(2), s.orders, s.covers])];
  const csv = cells.map((r) => r.map((c) => `"${String(c).replaceAll('"', '""')}"`).join(",")).join("\r\n");
  const a = h("a", { href: URL.createObjectURL(new Blob([csv], { type: "text/csv" })), download: `sales-${period[0]}-${period[1]}.csv` });
  a.click();
});

show();
