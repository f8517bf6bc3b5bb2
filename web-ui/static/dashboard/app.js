// The owner/manager dashboard (UI.md "Owner dashboard"): login by password, a side nav, and one
// module per section (today.js, reports.js, …), loaded when first opened. Live: the event stream
// is handed to the section on screen, which refreshes what it shows.

import { logout, saveSession, session } from "/assets/core/api.js";
import { connectEvents } from "/assets/core/events.js";
import { loadLocale, t } from "/assets/core/i18n.js";
import { setCurrency } from "/assets/core/money.js";
import { clear, connectionBanner, h, toast } from "/assets/core/ui.js";
import { keepSessionFresh } from "/assets/core/keepalive.js";
import { getAll, icon, site } from "/dashboard/lib.js";

const ROLES = new Set(["manager", "owner"]);
const SECTIONS = ["today", "reports", "reservations", "menu", "staff", "tables", "printers", "cash", "assets", "audit", "system"];
const app = document.getElementById("app");
const ctx = {
  me: null,
  staff: null, // id → staff member, loaded on demand
  async staffById() {
    if (!this.staff) {
      try {
        this.staff = new Map((await getAll("/api/v1/staff?include_inactive=true&limit=200")).map((s) => [s.id, s]));
      } catch {
        this.staff = new Map();
      }
    }
    return this.staff;
  },
  go(section) {
    location.hash = `#${section}`;
  },
};
let current = null; // {name, handle}
let stream = null;
let live = false;

await loadLocale("dashboard");
document.title = t("dash.title");
keepSessionFresh();
connectionBanner();
window.addEventListener("comanda:logged-out", () => showLogin(t("dash.login.expired")));

try {
  const r = await fetch("/api/v1/setup");
  const s = r.ok ? await r.json() : null;
  if (s && s.done === false) location.replace("/setup/");
  if (s?.restaurant) Object.assign(site, s.restaurant);
} catch {
  /* offline: the defaults, and the page retries as it goes */
}
setCurrency(site.currency);

const existing = session();
if (existing?.access_token && ROLES.has(existing.staff?.role)) shell();
else showLogin();

// ---- login -----------------------------------------------------------------------------------

function showLogin(message) {
  stream?.close();
  stream = null;
  current?.handle?.unmount?.();
  current = null;
  const username = h("input", { id: "dash-username", "data-test": "dash-username", autocomplete: "username", autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { id: "dash-password", "data-test": "dash-password", type: "password", autocomplete: "current-password" });
  const error = h("p.form-error", { role: "alert", hidden: !message }, message || "");
  const submit = h("button.primary.wide", { type: "submit", "data-test": "dash-login" }, t("dash.login.submit"));
  const form = h("form.login-card", {
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      if (!username.value.trim() || !password.value) {
        error.textContent = t("dash.login.missing");
        error.hidden = false;
        return;
      }
      submit.disabled = true;
      try {
        const r = await fetch("/api/v1/auth/login", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: username.value.trim(), password: password.value }),
        });
        const body = await r.json().catch(() => ({}));
        if (!r.ok) {
          error.textContent = r.status === 429 ? t("dash.login.rate_limited") : t("dash.login.failed");
          error.hidden = false;
          password.value = "";
          password.focus();
          return;
        }
        if (!ROLES.has(body.staff?.role)) {
          error.textContent = t("dash.login.not_manager");
          error.hidden = false;
          return;
        }
        saveSession(body);
        shell();
      } catch {
        error.textContent = t("dash.error.offline");
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    },
  },
  h("div.login-brand", {}, h("span.logo", { "aria-hidden": "true" }, "C"),
    h("div", {}, h("h1", {}, site.name || t("app.name")), h("p.muted", {}, t("dash.login.subtitle")))),
  h("label.field", { for: "dash-username" }, h("span", {}, t("dash.login.username")), username),
  h("label.field", { for: "dash-password" }, h("span", {}, t("dash.login.password")), password),
  error,
  submit,
  h("p.muted.small", {}, t("dash.login.help")));
  clear(app, h("div.login-screen", {}, form));
  username.focus();
}

// ---- the shell -------------------------------------------------------------------------------

const els = {};

function shell() {
  ctx.me = session()?.staff;
  ctx.staff = null;
  els.view = h("main.view", { id: "view", tabindex: "-1" });
  els.live = h("span.live", { role: "status" });
  els.nav = h("nav.nav", { "aria-label": t("dash.nav.label") },
    h("div.nav-brand", {}, h("span.logo", { "aria-hidden": "true" }, "C"),
      h("div.nav-brand-text", {}, h("strong", {}, site.name || t("app.name")), h("span", {}, t("dash.title")))),
    h("ul.nav-list", {}, SECTIONS.map((s) => h("li", {},
      h("a.nav-item", { href: `#${s}`, "data-test": `nav-${s}`, "data-section": s }, icon(s), h("span", {}, t(`dash.nav.${s}`)))))),
    h("div.nav-foot", {},
      els.live,
      h("div.nav-user", {}, h("strong", {}, ctx.me?.name || ""), h("span", {}, t(`dash.role.${ctx.me?.role}`))),
      h("button.ghost.nav-out", { type: "button", onclick: signOut }, icon("logout", 18), t("dash.logout"))));
  clear(app, h("div.dash", {}, els.nav, els.view));
  renderLive();
  stream?.close();
  stream = connectEvents({
    page: "dashboard",
    onEvent: (ev) => {
      if (ev.type.startsWith("staff.")) ctx.staff = null;
      // Alerts for managers (a printer down, an item sold out) and messages for me.
      if (ev.type === "notification.in_app" && ev.data) {
        const to = ev.data.recipient || "";
        const forMe = to === `staff:${ctx.me?.id}` || to === "role:manager" || to === `role:${ctx.me?.role}`;
        const fresh = !ev.at || Date.now() - Date.parse(ev.at) < 10 * 60000;
        if (forMe && fresh) toast(`${ev.data.title} — ${ev.data.text}`, "error");
      }
      current?.handle?.onEvent?.(ev);
    },
    onStatus: (s) => {
      const was = live;
      live = s === "live";
      renderLive();
      if (live && !was) current?.handle?.onReconnect?.();
    },
  });
  route();
}

function renderLive() {
  if (!els.live) return;
  els.live.className = `live ${live ? "on" : "off"}`;
  els.live.textContent = live ? t("dash.live") : t("dash.reconnecting");
}

window.addEventListener("hashchange", route);

async function route() {
  if (!els.view || !document.body.contains(els.view)) return;
  const name = SECTIONS.includes(location.hash.slice(1)) ? location.hash.slice(1) : "today";
  for (const a of els.nav.querySelectorAll(".nav-item")) {
    const on = a.dataset.section === name;
    a.classList.toggle("active", on);
    if (on) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  current?.handle?.unmount?.();
  const token = {};
  current = { name, token, handle: null };
  clear(els.view, h("div.loading", {}, h("span.spinner", { "aria-hidden": "true" }), t("dash.loading")));
  try {
    const mod = await import(`/dashboard/${name}.js`);
    if (current?.token !== token) return;
    const container = h("div.section", { "data-section": name });
    clear(els.view, container);
    els.view.scrollTop = 0;
    current.handle = (await mod.mount(container, ctx)) || null;
  } catch (e) {
    console.warn(e);
    if (current?.token !== token) return;
    clear(els.view, h("div.empty-state", {}, h("p", {}, t("dash.error.section")),
      h("button.primary", { type: "button", onclick: route }, t("common.retry"))));
  }
}

function signOut() {
  stream?.close();
  stream = null;
  current?.handle?.unmount?.();
  current = null;
  logout();
  els.view = null;
  toast(t("dash.signed_out"));
  showLogin();
}
