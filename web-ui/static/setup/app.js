// First-start setup wizard (UI.md "Setup wizard"): restaurant → owner account → first printer
// (optional) → done, with the address tablets open in large type and as a QR code.
//
// `POST /setup` happens when the owner step is submitted (the printer step needs the owner
// logged in). A reload after that keeps going where it was (sessionStorage), instead of being
// sent away because the box is now set up.

import { get, patch, post, saveSession, session } from "/assets/core/api.js";
import { language, loadLocale, t } from "/assets/core/i18n.js";
import { clear, h, toast } from "/assets/core/ui.js";

const STAGE = "comanda.setup.stage"; // "printer" | "done" once the box is set up by this page
const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "MXN", "BRL", "ZAR", "INR", "SGD", "HKD"];
const ZONES = [
  "Europe/Lisbon", "Europe/London", "Europe/Dublin", "Europe/Madrid", "Europe/Paris", "Europe/Brussels", "Europe/Amsterdam",
  "Europe/Luxembourg", "Europe/Zurich", "Europe/Berlin", "Europe/Vienna", "Europe/Rome", "Europe/Prague", "Europe/Warsaw",
  "Europe/Copenhagen", "Europe/Stockholm", "Europe/Oslo", "Europe/Helsinki", "Europe/Budapest", "Europe/Bucharest", "Europe/Athens",
  "Europe/Istanbul", "Africa/Casablanca", "Africa/Johannesburg", "America/St_Johns", "America/Halifax", "America/New_York",
  "America/Toronto", "America/Chicago", "America/Mexico_City", "America/Denver", "America/Phoenix", "America/Los_Angeles",
  "America/Vancouver", "America/Anchorage", "Pacific/Honolulu", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
  "America/Bogota", "America/Lima", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Hong_Kong", "Asia/Tokyo",
  "Australia/Perth", "Australia/Adelaide", "Australia/Sydney", "Pacific/Auckland", "UTC",
];
const STEPS = ["restaurant", "owner", "printer", "done"];

const app = document.getElementById("app");
const state = {
  step: "restaurant",
  restaurant: { name: "", currency: null, prices_include_tax: true, timezone: null },
  owner: { name: "", username: "", pin: "" },
  printer: null, // the printer added, if any
  siteName: "",
};

await loadLocale("setup");
document.title = t("setup.title");

const browserZone = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
})();
state.restaurant.timezone = browserZone;
state.restaurant.currency = guessCurrency(browserZone);

// Where to start: a box already set up goes to the waiter app — unless this page set it up a
// moment ago and the owner is finishing the printer step.
let status = null;
try {
  const r = await fetch("/api/v1/setup", { cache: "no-store" });
  status = r.ok ? await r.json() : null;
} catch {
  status = null;
}
const stage = sessionStorage.getItem(STAGE);
if (status?.done) {
  if (stage && session()?.access_token) {
    state.step = stage;
    state.siteName = status.restaurant?.name || "";
    render();
  } else location.replace("/waiter/");
} else {
  sessionStorage.removeItem(STAGE);
  render();
  if (!status) toast(t("setup.error.offline"), "error");
}

function guessCurrency(zone) {
  const lang = (navigator.language || "").toUpperCase();
  if (zone === "Europe/London" || lang.endsWith("-GB")) return "GBP";
  if (zone === "Europe/Zurich") return "CHF";
  if (["Europe/Stockholm"].includes(zone)) return "SEK";
  if (["Europe/Oslo"].includes(zone)) return "NOK";
  if (["Europe/Copenhagen"].includes(zone)) return "DKK";
  if (["Europe/Warsaw"].includes(zone)) return "PLN";
  if (["Europe/Prague"].includes(zone)) return "CZK";
  if (zone.startsWith("America/Toronto") || zone.startsWith("America/Vancouver") || zone.startsWith("America/Halifax") || lang.endsWith("-CA")) return "CAD";
  if (zone.startsWith("Australia/")) return "AUD";
  if (zone === "Pacific/Auckland") return "NZD";
  if (zone === "America/Mexico_City") return "MXN";
  if (zone === "America/Sao_Paulo") return "BRL";
  if (zone.startsWith("America/") || zone === "Pacific/Honolulu") return "USD";
  return "EUR";
}

// ---- frame -----------------------------------------------------------------------------------

function render() {
  const idx = STEPS.indexOf(state.step);
  const finished = state.step === "done";
  const progress = h("ol.progress", { "aria-label": t("setup.progress") }, STEPS.map((s, i) => h(`li.${i < idx || finished ? "done" : i === idx ? "current" : "todo"}`, {
    "data-step": s, "aria-current": i === idx ? "step" : undefined,
  }, h("span.dot", { "aria-hidden": "true" }, i < idx || finished ? "✓" : String(i + 1)), h("span.label", {}, t(`setup.step.${s}`)))));
  const body = { restaurant: restaurantStep, owner: ownerStep, printer: printerStep, done: doneStep }[state.step]();
  clear(app, h("div.setup", {},
    h("header.setup-head", {},
      h("div.brand", {}, h("span.logo", { "aria-hidden": "true" }, "C"), h("div", {}, h("strong", {}, t("app.name")), h("span", {}, t("setup.subtitle")))),
      langSwitch()),
    progress,
    h("main.setup-card", { "data-step": state.step }, body)));
  setTimeout(() => app.querySelector(".setup-card input:not([type=checkbox]), .setup-card select")?.focus(), 30);
}

function langSwitch() {
  const other = language() === "fr" ? "en" : "fr";
  return h("button.ghost.lang", {
    type: "button", "aria-label": t("setup.language"), onclick: () => {
      localStorage.setItem("comanda.lang", other);
      const url = new URL(location.href);
      url.searchParams.delete("lang");
      location.replace(url);
    },
  }, other === "fr" ? "Français" : "English");
}

function field(label, input, hint) {
  return h("label.field", {}, h("span", {}, label), input, hint ? h("small.hint", {}, hint) : null);
}

function errorBox() {
  return h("p.form-error", { role: "alert", hidden: true });
}

function showError(box, text) {
  box.textContent = text;
  box.hidden = false;
}

// ---- 1. the restaurant -----------------------------------------------------------------------

function restaurantStep() {
  const r = state.restaurant;
  const name = h("input", { "data-test": "setup-name", value: r.name, maxlength: "80", autocomplete: "organization", placeholder: t("setup.restaurant.name_ph") });
  const names = (() => {
    try {
      return new Intl.DisplayNames([language()], { type: "currency" });
    } catch {
      return null;
    }
  })();
  const symbol = (c) => {
    try {
      return new Intl.NumberFormat(language(), { style: "currency", currency: c, currencyDisplay: "narrowSymbol" }).formatToParts(0).find((p) => p.type === "currency")?.value || c;
    } catch {
      return c;
    }
  };
  const currency = h("select", { "data-test": "setup-currency" }, CURRENCIES.map((c) => h("option", { value: c }, `${c} — ${names?.of(c) || c} (${symbol(c)})`)));
  currency.value = r.currency;
  const taxIncluded = h("input", { type: "checkbox", role: "switch", "data-test": "setup-tax-included" });
  taxIncluded.checked = r.prices_include_tax;
  const taxHint = h("small.hint.tax-hint");
  const syncTax = () => {
    taxHint.textContent = taxIncluded.checked ? t("setup.restaurant.tax_included_hint") : t("setup.restaurant.tax_added_hint");
  };
  taxIncluded.addEventListener("change", syncTax);
  syncTax();
  const zones = ZONES.includes(browserZone) ? ZONES : [browserZone, ...ZONES];
  const zone = h("select", { "data-test": "setup-timezone" }, zones.map((z) => h("option", { value: z }, zoneLabel(z))));
  zone.value = r.timezone;
  const error = errorBox();
  return h("form.stack", {
    onsubmit: (e) => {
      e.preventDefault();
      if (!name.value.trim()) {
        showError(error, t("setup.restaurant.err_name"));
        name.focus();
        return;
      }
      Object.assign(r, { name: name.value.trim(), currency: currency.value, prices_include_tax: taxIncluded.checked, timezone: zone.value });
      state.step = "owner";
      render();
    },
  },
  h("h1", {}, t("setup.restaurant.title")),
  h("p.lead", {}, t("setup.restaurant.lead")),
  field(t("setup.restaurant.name"), name),
  h("div.grid-2", {},
    field(t("setup.restaurant.currency"), currency),
    field(t("setup.restaurant.timezone"), zone, t("setup.restaurant.timezone_hint"))),
  h("div.tax-box", {},
    h("label.switch", {}, taxIncluded, h("span.track", { "aria-hidden": "true" }), h("span.switch-label", {}, t("setup.restaurant.tax_included"))),
    taxHint),
  error,
  h("div.actions", {}, h("span"), h("button.primary.big", { type: "submit", "data-test": "next" }, t("setup.next"), " →")));
}

function zoneLabel(zone) {
  let offset = "";
  try {
    offset = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "shortOffset" }).formatToParts(new Date()).find((p) => p.type === "timeZoneName")?.value || "";
  } catch {
    /* older browsers: no offset shown */
  }
  const city = zone === "UTC" ? "UTC" : zone.split("/").pop().replace(/_/g, " ");
  const region = zone.includes("/") ? zone.split("/")[0] : "";
  return `${city}${region ? ` (${region})` : ""}${offset && zone !== "UTC" ? ` · ${offset.replace("GMT", "UTC")}` : ""}`;
}

// ---- 2. the owner ----------------------------------------------------------------------------

function ownerStep() {
  const o = state.owner;
  const name = h("input", { "data-test": "owner-name", value: o.name, autocomplete: "name", maxlength: "80" });
  const username = h("input", { "data-test": "owner-username", value: o.username, autocomplete: "username", autocapitalize: "none", spellcheck: "false", maxlength: "32" });
  const password = h("input", { "data-test": "owner-password", type: "password", autocomplete: "new-password" });
  const password2 = h("input", { "data-test": "owner-password2", type: "password", autocomplete: "new-password" });
  const pin = h("input", { "data-test": "owner-pin", value: o.pin, inputmode: "numeric", pattern: "[0-9]*", maxlength: "6", autocomplete: "off" });
  const meter = h("div.meter", { "aria-hidden": "true" }, h("span"));
  password.addEventListener("input", () => {
    const p = password.value;
    const score = Math.min(4, (p.length >= 8) + (p.length >= 12) + (/[A-Z]/.test(p) && /[a-z]/.test(p)) + (/\d/.test(p) || /[^A-Za-z0-9]/.test(p)));
    meter.dataset.score = String(p ? score : 0);
  });
  let touched = Boolean(o.username);
  name.addEventListener("input", () => {
    if (!touched) username.value = name.value.trim().split(/\s+/)[0]?.toLowerCase().normalize("NFD").replace(/[^a-z0-9]/g, "") || "";
  });
  username.addEventListener("input", () => (touched = true));
  const error = errorBox();
  const submit = h("button.primary.big", { type: "submit", "data-test": "next" }, t("setup.owner.create"), " →");
  return h("form.stack", {
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      const v = { name: name.value.trim(), username: username.value.trim().toLowerCase(), password: password.value, pin: pin.value.trim() };
      if (!v.name) return showError(error, t("setup.owner.err_name"));
      if (!/^[a-z0-9._-]{2,32}$/.test(v.username)) return showError(error, t("setup.owner.err_username"));
      if (v.password.length < 8) return showError(error, t("setup.owner.err_password"));
      if (v.password !== password2.value) {
        password2.value = "";
        password2.focus();
        return showError(error, t("setup.owner.err_mismatch"));
      }
      if (v.pin && !/^\d{4,6}$/.test(v.pin)) return showError(error, t("setup.owner.err_pin"));
      Object.assign(o, { name: v.name, username: v.username, pin: v.pin });
      submit.disabled = true;
      submit.textContent = t("setup.owner.working");
      try {
        await finishSetup(v);
        state.step = "printer";
        sessionStorage.setItem(STAGE, "printer");
        render();
      } catch (err) {
        showError(error, err.message);
        submit.disabled = false;
        submit.textContent = t("setup.owner.create");
      }
    },
  },
  h("h1", {}, t("setup.owner.title")),
  h("p.lead", {}, t("setup.owner.lead")),
  h("div.grid-2", {}, field(t("setup.owner.name"), name), field(t("setup.owner.username"), username, t("setup.owner.username_hint"))),
  h("div.grid-2", {},
    h("div.stack.tight", {}, field(t("setup.owner.password"), password, t("setup.owner.password_hint")), meter),
    field(t("setup.owner.password2"), password2)),
  field(t("setup.owner.pin"), pin, t("setup.owner.pin_hint")),
  error,
  h("div.actions", {},
    h("button.big", { type: "button", onclick: () => {
      Object.assign(o, { name: name.value, username: username.value, pin: pin.value });
      state.step = "restaurant";
      render();
    } }, "← ", t("setup.back")),
    submit));
}

/// Creates the restaurant and its owner, then logs the owner in (the printer step needs it).
async function finishSetup(owner) {
  let r;
  try {
    r = await fetch("/api/v1/setup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        restaurant: state.restaurant,
        owner: { name: owner.name, username: owner.username, password: owner.password, pin: owner.pin || null },
      }),
    });
  } catch {
    throw new Error(t("setup.error.offline"));
  }
  if (r.status === 409) throw new Error(t("setup.error.already"));
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    throw new Error(body?.error?.message || t("setup.error.generic"));
  }
  const made = await r.json().catch(() => ({}));
  state.siteName = made?.restaurant?.name || state.restaurant.name;
  const login = await fetch("/api/v1/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: owner.username, password: owner.password }),
  }).catch(() => null);
  if (login?.ok) saveSession(await login.json());
}

// ---- 3. the first printer --------------------------------------------------------------------

function printerStep() {
  const name = h("input", { "data-test": "printer-name", value: state.printer?.name || t("setup.printer.default_name"), maxlength: "60" });
  const address = h("input", { "data-test": "printer-address", value: state.printer?.address || "", placeholder: "tcp://192.168.1.50:9100", autocapitalize: "none", spellcheck: "false" });
  const role = h("select", { "data-test": "printer-role" }, ["kitchen", "receipt"].map((r) => h("option", { value: r }, t(`setup.printer.role.${r}`))));
  role.value = state.printer?.role || "kitchen";
  const result = h("div.test-result", { role: "status", "aria-live": "polite", hidden: !state.printer });
  if (state.printer) result.append(h("p.ok", {}, "✓ ", t("setup.printer.added", { name: state.printer.name })));
  const error = errorBox();
  const test = h(`button.big${state.printer ? "" : ".primary"}`, { type: "submit", "data-test": "printer-test" }, state.printer ? t("setup.printer.test_again") : t("setup.printer.add_test"));
  const next = h("button.primary.big", { type: "button", "data-test": "next", hidden: !state.printer, onclick: () => go("done") }, t("setup.next"), " →");
  const skip = h("button.ghost.big", { type: "button", "data-test": "skip-printer", hidden: Boolean(state.printer), onclick: () => go("done") }, t("setup.printer.skip"));
  const added = () => {
    next.hidden = false;
    skip.hidden = true;
    test.classList.remove("primary");
  };

  const form = h("form.stack", {
    onsubmit: async (e) => {
      e.preventDefault();
      error.hidden = true;
      const addr = address.value.trim();
      if (!/^(tcp:\/\/[A-Za-z0-9.\-[\]:]+:\d{1,5}|usb:\/\S+|serial:\/\S+)$/.test(addr)) {
        showError(error, t("setup.printer.err_address"));
        address.focus();
        return;
      }
      test.disabled = true;
      clear(result, h("p.muted", {}, h("span.spinner", { "aria-hidden": "true" }), t("setup.printer.sending")));
      result.hidden = false;
      try {
        const payload = { name: name.value.trim() || t("setup.printer.default_name"), address: addr, role: role.value, width_chars: 48 };
        if (!state.printer) {
          state.printer = await post("/api/v1/printers", payload);
          await routeStations(state.printer);
        } else if (state.printer.address !== addr || state.printer.name !== payload.name || state.printer.role !== payload.role) {
          state.printer = await patch(`/api/v1/printers/${state.printer.id}`, payload);
        }
        added();
        const job = await post(`/api/v1/printers/${state.printer.id}/test`);
        clear(result, await followJob(state.printer, job?.job?.id));
        test.textContent = t("setup.printer.test_again");
      } catch (err) {
        clear(result);
        result.hidden = true;
        showError(error, err?.message || t("setup.error.generic"));
      } finally {
        test.disabled = false;
      }
    },
  },
  h("h1", {}, t("setup.printer.title")),
  h("p.lead", {}, t("setup.printer.lead")),
  h("div.grid-2", {}, field(t("setup.printer.name"), name), field(t("setup.printer.role_label"), role)),
  field(t("setup.printer.address"), address, t("setup.printer.address_hint")),
  error,
  result,
  h("div.actions", {}, state.printer ? h("span") : skip, h("div.row", {}, test, next)));
  if (state.printer) skip.hidden = true;
  return form;
}

/// Kitchen printer: every station that prints nowhere yet prints here.
async function routeStations(printer) {
  if (printer.role !== "kitchen") return;
  try {
    const stations = (await get("/api/v1/kitchen/stations")).items || [];
    for (const s of stations) if (!s.printer_id) await patch(`/api/v1/kitchen/stations/${s.id}`, { printer_id: printer.id });
  } catch {
    /* the dashboard can route them later */
  }
}

/// Watches the test job for a few seconds: printed, failed, or still waiting.
async function followJob(printer, jobId) {
  for (let i = 0; i < 10 && jobId; i++) {
    await new Promise((r) => setTimeout(r, 800));
    const list = await get(`/api/v1/print-jobs?printer_id=${printer.id}&limit=20`).catch(() => null);
    const job = list?.items?.find((j) => j.id === jobId);
    if (job?.status === "printed") return h("p.ok", {}, "✓ ", t("setup.printer.printed", { name: printer.name }));
    if (job?.status === "failed" || (job && job.attempts >= 2 && job.last_error)) {
      return h("div.warn", {}, h("p", {}, h("strong", {}, t("setup.printer.not_printed")), " ", job.last_error || ""), h("p.muted", {}, t("setup.printer.check_hint")));
    }
  }
  let why = "";
  try {
    const s = await get(`/api/v1/printers/${printer.id}/status`);
    if (!s.reachable) why = s.message || "";
  } catch {
    /* nothing more to say */
  }
  return h("div.warn", {}, h("p", {}, h("strong", {}, t("setup.printer.still_waiting")), " ", why), h("p.muted", {}, t("setup.printer.check_hint")));
}

function go(step) {
  state.step = step;
  sessionStorage.setItem(STAGE, step);
  render();
}

// ---- 4. done ---------------------------------------------------------------------------------

/// The URL with line-break opportunities before each "/" part (and nowhere else), so a long
/// address wraps as "http://192.168.1.20" / "/waiter/" rather than mid-number.
function breakable(url) {
  const parts = url.replace("://", "\u0000").split("/");
  const out = [];
  parts.forEach((p, i) => {
    if (i > 0) out.push(p ? h("wbr") : null, "/");
    out.push(p.replace("\u0000", "://"));
  });
  return out;
}

function doneStep() {
  const url = `${location.origin}/waiter/`;
  return h("div.stack.done", {},
    h("div.done-icon", { "aria-hidden": "true" }, "✓"),
    h("h1", {}, t("setup.done.title", { name: state.siteName || state.restaurant.name || "" })),
    h("p.lead", {}, t("setup.done.lead")),
    h("div.lan", {},
      h("span.muted", {}, t("setup.done.open_on_tablets")),
      h("div.lan-url", { "data-test": "lan-url" }, breakable(url)),
      h("div.lan-qr-row", {},
        h("img.qr", { "data-test": "lan-qr", src: `/api/v1/qr.svg?text=${encodeURIComponent(url)}`, alt: t("setup.done.qr_alt", { url }), width: "220", height: "220" }),
        h("div.lan-text", {},
          h("strong", {}, t("setup.done.scan")),
          h("p.muted.small", {}, t("setup.done.qr_hint")),
          // Over HTTPS a tablet trusts the box only once it has installed the box's CA.
          location.protocol === "https:"
            ? h("a.small", { href: "/api/v1/system/ca.pem", download: "comanda-ca.pem", "data-test": "ca-link" }, t("setup.done.install_ca"))
            : null))),
    h("div.actions.final", {},
      h("a.button.primary.big", { href: "/waiter/", "data-test": "open-waiter", onclick: () => sessionStorage.removeItem(STAGE) }, t("setup.done.open_waiter")),
      h("a.button.big", { href: "/dashboard/", "data-test": "open-dashboard", onclick: () => sessionStorage.removeItem(STAGE) }, t("setup.done.open_dashboard"))),
    h("p.muted.small", {}, t("setup.done.next_steps")));
}
