// Helpers the dashboard's sections share: dates in the restaurant's time zone, money input,
// sortable tables with CSV export, SVG charts drawn from data, confirm and form sheets.
// (Written here rather than in assets/core, which this app does not own.)

import { ApiError, get } from "/assets/core/api.js";
import { language, t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { clear, h, modal, toast } from "/assets/core/ui.js";

export const site = { timezone: "UTC", currency: "EUR", name: "", prices_include_tax: true };

export function locale() {
  return language() === "fr" ? "fr-FR" : "en-GB";
}

// ---- dates -----------------------------------------------------------------------------------

/// "YYYY-MM-DD" of an instant, in the restaurant's time zone.
export function dayOf(ms = Date.now(), tz = site.timezone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));
}

/// Adds `n` days to "YYYY-MM-DD".
export function addDays(day, n) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export function weekday(day) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
}

/// The instant a local day starts in the restaurant's time zone (for APIs that take RFC 3339).
export function startOfDay(day, tz = site.timezone) {
  const [y, m, d] = day.split("-").map(Number);
  const guess = Date.UTC(y, m - 1, d);
  const offset = (ms) => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
      timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second) - ms;
  };
  let at = guess - offset(guess);
  at = guess - offset(at);
  return new Date(at).toISOString();
}

export function fmtDay(day, opts = { weekday: "short", day: "numeric", month: "short" }) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d, 12)).toLocaleDateString(locale(), { ...opts, timeZone: "UTC" });
}

export function fmtTime(iso) {
  return new Date(iso).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit", timeZone: site.timezone });
}

export function fmtDateTime(iso) {
  return new Date(iso).toLocaleString(locale(), {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: site.timezone,
  });
}

export function minutesSince(iso) {
  return Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 60000));
}

export function duration(minutes) {
  if (minutes < 60) return t("dash.min", { n: minutes });
  return t("dash.hmin", { h: Math.floor(minutes / 60), m: String(minutes % 60).padStart(2, "0") });
}

// ---- numbers and money -----------------------------------------------------------------------

/// `t(key, {n})`, or `t(key + ".one")` when n is 1 (English and French both say "1 payment").
export function plural(key, n, vars = {}) {
  return t(Number(n) === 1 ? `${key}.one` : key, { n, ...vars });
}

export function num(n) {
  return new Intl.NumberFormat(locale()).format(n ?? 0);
}

export function pct(part, whole, digits = 0) {
  if (!whole) return "—";
  return new Intl.NumberFormat(locale(), { style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits }).format(part / whole);
}

/// "10 %" from basis points.
export function rate(bp) {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 2 }).format(bp / 10000);
}

/// Minor units from what a person typed ("12,50", "12.5", "€ 12"): exact, no floats. `null`
/// when it is not an amount.
export function parseMoney(text, { allowNegative = false } = {}) {
  let s = String(text ?? "").trim().replace(/[\s\u00a0\u202f]/g, "").replace(/[^\d.,-]/g, "");
  if (!s) return null;
  let negative = false;
  if (s.startsWith("-")) {
    if (!allowNegative) return null;
    negative = true;
    s = s.slice(1);
  }
  if (s.includes("-")) return null;
  const lastSep = Math.max(s.lastIndexOf(","), s.lastIndexOf("."));
  let whole = s;
  let frac = "";
  if (lastSep >= 0 && s.length - lastSep - 1 <= 2) {
    whole = s.slice(0, lastSep);
    frac = s.slice(lastSep + 1);
  }
  whole = whole.replace(/[.,]/g, "");
  if (!/^\d*$/.test(whole) || !/^\d*$/.test(frac) || (!whole && !frac)) return null;
  const minor = Number(whole || "0") * 100 + Number((frac + "00").slice(0, 2));
  if (!Number.isSafeInteger(minor)) return null;
  return negative ? -minor : minor;
}

/// Minor units shown in an input ("12.50"), in the page's decimal style.
export function moneyInput(minor) {
  if (minor === null || minor === undefined) return "";
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  const sep = language() === "fr" ? "," : ".";
  return `${sign}${Math.floor(abs / 100)}${sep}${String(abs % 100).padStart(2, "0")}`;
}

/// Basis points from "10", "5,5", "20 %". `null` when not a rate.
export function parseRate(text) {
  const s = String(text ?? "").replace(/[%\s]/g, "").replace(",", ".");
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(s)) return null;
  const [w, f = ""] = s.split(".");
  const bp = Number(w) * 100 + Number((f + "00").slice(0, 2));
  return bp <= 10000 ? bp : null;
}

export function rateInput(bp) {
  const sep = language() === "fr" ? "," : ".";
  return bp % 100 === 0 ? String(bp / 100) : `${Math.floor(bp / 100)}${sep}${String(bp % 100).padStart(2, "0").replace(/0$/, "")}`;
}

// ---- API helpers -----------------------------------------------------------------------------

/// Every page of a paginated list.
export async function getAll(path, max = 20) {
  const items = [];
  let cursor = null;
  const sep = path.includes("?") ? "&" : "?";
  for (let i = 0; i < max; i++) {
    const r = await get(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    items.push(...(r.items || []));
    cursor = r.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/// A person-readable message for an API error: the box's own message when it gave one.
export function problem(e) {
  if (e instanceof ApiError) {
    if (e.status === 403) return t("dash.error.forbidden");
    if (e.status === 401) return t("dash.error.session");
    return e.message || t("dash.error.generic");
  }
  return t("dash.error.offline");
}

export function fail(e) {
  toast(problem(e), "error");
}

/// A changing request's answer when the box was unreachable and it was queued.
export function queued(r) {
  if (r && r.queued) {
    toast(t("dash.queued"));
    return true;
  }
  return false;
}

// ---- building blocks -------------------------------------------------------------------------

export function field(label, input, hint) {
  return h("label.field", {}, h("span", {}, label), input, hint ? h("small.hint", {}, hint) : null);
}

export function kpi(label, value, { test, minor, count, sub, tone } = {}) {
  return h(`div.kpi${tone ? `.${tone}` : ""}`, {},
    h("div.kpi-label", {}, label),
    h("div.kpi-value.num", {
      "data-test": test, "data-minor": minor !== undefined ? String(minor) : undefined, "data-value": count !== undefined ? String(count) : undefined,
    }, value),
    sub ? h("div.kpi-sub", {}, sub) : null);
}

export function emptyState(text, action) {
  return h("div.empty-state", {}, h("p", {}, text), action || null);
}

export function sectionHead(title, ...actions) {
  return h("header.section-head", {}, h("h1", {}, title), h("div.row.actions", {}, actions));
}

/// Asks before a destructive action. Resolves true when confirmed.
export async function confirmAction(title, text, confirmLabel, { danger = true } = {}) {
  const answer = await modal(title, (close) => h("div.stack.confirm", {},
    h("p", {}, text),
    h("div.row.end", {},
      h("button", { type: "button", onclick: () => close(false) }, t("common.cancel")),
      h(`button.${danger ? "danger" : "primary"}`, { type: "button", "data-test": "confirm", onclick: () => close(true) }, confirmLabel))));
  return answer === true;
}

/// A form in a sheet. `build(values)` returns the fields; `submit(form)` does the work and
/// resolves with a result (the sheet closes) or throws (the sheet shows the message and stays).
export function formSheet(title, build, submit, { submitLabel = t("common.save"), danger } = {}) {
  return modal(title, (close) => {
    const error = h("p.form-error", { role: "alert", hidden: true });
    const save = h("button.primary", { type: "submit", "data-test": "sheet-save" }, submitLabel);
    const form = h("form.stack.sheet-form", {
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        save.disabled = true;
        try {
          const result = await submit(form);
          close(result ?? true);
        } catch (err) {
          error.textContent = err instanceof Error && !(err instanceof ApiError) && !(err instanceof TypeError) ? err.message : problem(err);
          error.hidden = false;
        } finally {
          save.disabled = false;
        }
      },
    }, build(), error, h("div.row.end", {}, danger || null, h("button", { type: "button", onclick: () => close(null) }, t("common.cancel")), save));
    setTimeout(() => form.querySelector("input, select, textarea")?.focus(), 30);
    return form;
  });
}

/// A sortable table: `columns` = [{key, label, value(row) → sortable, render(row) → node|text,
/// csv(row) → text, num: true}]. Header taps sort; "Export CSV" downloads what is shown.
export function dataTable(columns, rows, { csvName, empty, initial, test, footer } = {}) {
  let sortKey = initial?.key ?? null;
  let dir = initial?.dir ?? -1;
  const table = h("table.data", { "data-test": test });
  const wrap = h("div.table-wrap", {}, table);
  function draw() {
    const col = columns.find((c) => c.key === sortKey);
    const sorted = col
      ? [...rows].sort((a, b) => {
          const va = col.value ? col.value(a) : a[col.key];
          const vb = col.value ? col.value(b) : b[col.key];
          return (typeof va === "number" && typeof vb === "number" ? va - vb : String(va).localeCompare(String(vb), locale())) * dir;
        })
      : rows;
    clear(table,
      h("thead", {}, h("tr", {}, columns.map((c) => h(`th${c.num ? ".n" : ""}`, {
        "aria-sort": c.key === sortKey ? (dir > 0 ? "ascending" : "descending") : "none",
      }, c.sortable === false ? c.label : h("button.sort", {
        type: "button",
        onclick: () => {
          if (sortKey === c.key) dir = -dir;
          else {
            sortKey = c.key;
            dir = c.num ? -1 : 1;
          }
          draw();
        },
      }, c.label, h("span.arrow", { "aria-hidden": "true" }, c.key === sortKey ? (dir > 0 ? "▲" : "▼") : "↕")))))),
      h("tbody", {}, sorted.length
        ? sorted.map((r) => h("tr", {}, columns.map((c) => h(`td${c.num ? ".n.num" : ""}`, {}, c.render ? c.render(r) : String(r[c.key] ?? "")))))
        : h("tr", {}, h("td.empty-cell", { colspan: String(columns.length) }, empty || t("dash.no_data")))),
      footer ? h("tfoot", {}, h("tr", {}, columns.map((c, i) => h(`td${c.num ? ".n.num" : ""}`, {}, footer[c.key] ?? (i === 0 ? t("dash.total") : ""))))) : null);
  }
  draw();
  const exportButton = csvName
    ? h("button.small", {
        type: "button",
        "data-test": `csv-${csvName}`,
        onclick: () => downloadCSV(`${csvName}.csv`, [columns.map((c) => c.label), ...rows.map((r) => columns.map((c) => (c.csv ? c.csv(r) : c.value ? c.value(r) : r[c.key])))]),
      }, "⇩ ", t("dash.export_csv"))
    : null;
  return { el: wrap, exportButton };
}

/// Money for a CSV cell: plain decimal with a dot ("12.50"), whatever the page's language.
export function csvMoney(minor) {
  const sign = minor < 0 ? "-" : "";
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

export function downloadCSV(name, rows) {
  const cell = (v) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const text = "\ufeff" + rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  setTimeout(() => {
    a.remove();
    URL.revokeObjectURL(url);
  }, 1000);
}

// ---- SVG charts ------------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/// Rounds a maximum up to a "nice" axis top (1, 2, 2.5, 5 × 10ⁿ).
function niceTop(max) {
  if (max <= 0) return 100;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (max <= m * p) return m * p;
  return 10 * p;
}

function compactMoney(minor) {
  const v = minor / 100;
  return new Intl.NumberFormat(locale(), { style: "currency", currency: site.currency, notation: "compact", maximumFractionDigits: 1 }).format(v);
}

/// Sales by hour: bars for `hours` ([{hour, gross, bills}]), an optional comparison series drawn
/// as a dashed step line. Hours `from`..`to` inclusive. Marks the current hour when `now` is given.
export function hourChart(hours, { compare, from = 10, to = 23, now, compareLabel, test = "hour-chart", height = 260, width = 900 } = {}) {
  const byHour = new Map(hours.map((x) => [x.hour, x]));
  const cmp = new Map((compare || []).map((x) => [x.hour, x]));
  const lo = Math.min(from, ...hours.map((x) => x.hour), ...(compare || []).map((x) => x.hour));
  const hi = Math.max(to, ...hours.map((x) => x.hour), ...(compare || []).map((x) => x.hour));
  const n = hi - lo + 1;
  const W = Math.max(320, Math.round(width));
  const H = height;
  const pad = { l: 64, r: 12, t: 16, b: 32 };
  const max = niceTop(Math.max(1, ...hours.map((x) => x.gross), ...(compare || []).map((x) => x.gross)));
  const cw = (W - pad.l - pad.r) / n;
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`, class: "chart hour-chart", role: "img", "data-test": test,
    "aria-label": t("dash.chart.by_hour_label"),
  });
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i;
    root.append(
      svg("line", { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: i === 0 ? "axis" : "grid" }),
      svg("text", { x: pad.l - 8, y: y(v) + 4, class: "tick", "text-anchor": "end" }, compactMoney(v)),
    );
  }
  const step = n > 16 ? 2 : 1;
  for (let hr = lo; hr <= hi; hr++) {
    const i = hr - lo;
    const x = pad.l + i * cw;
    const d = byHour.get(hr);
    if (now === hr) root.append(svg("rect", { x, y: pad.t, width: cw, height: H - pad.t - pad.b, class: "now" }));
    if (d && d.gross > 0) {
      const bar = svg("rect", { x: x + cw * 0.16, y: y(d.gross), width: cw * 0.68, height: Math.max(1, y(0) - y(d.gross)), rx: 3, class: "bar" });
      bar.append(svg("title", {}, `${String(hr).padStart(2, "0")}:00 — ${money(d.gross)} · ${plural("dash.bills_n", d.bills)}`));
      root.append(bar);
    }
    if ((hr - lo) % step === 0) root.append(svg("text", { x: x + cw / 2, y: H - 10, class: "tick", "text-anchor": "middle" }, String(hr).padStart(2, "0")));
  }
  if (compare && compare.some((x) => x.gross > 0)) {
    let dpath = "";
    for (let hr = lo; hr <= hi; hr++) {
      const i = hr - lo;
      const v = cmp.get(hr)?.gross || 0;
      const x0 = pad.l + i * cw + cw * 0.1;
      const x1 = pad.l + (i + 1) * cw - cw * 0.1;
      dpath += `M${x0.toFixed(1)} ${y(v).toFixed(1)}H${x1.toFixed(1)}`;
    }
    const line = svg("path", { d: dpath, class: "compare" });
    if (compareLabel) line.append(svg("title", {}, compareLabel));
    root.append(line);
  }
  return root;
}

/// A chart drawn at the width it is shown (so its text stays at its real size): `draw(width)`
/// returns the SVG; it is drawn again when the container's width changes.
export function fitted(draw) {
  const box = h("div.chart-box");
  let last = 0;
  box.append(draw(900));
  const ro = new ResizeObserver(([entry]) => {
    const w = Math.round(entry.contentRect.width);
    if (!w || Math.abs(w - last) < 4) return;
    last = w;
    box.replaceChildren(draw(w));
  });
  ro.observe(box);
  return box;
}

/// Horizontal bars: [{label, value, text}] — top items, categories.
export function barList(rows, { max } = {}) {
  const top = max ?? Math.max(1, ...rows.map((r) => r.value));
  return h("ol.bar-list", {}, rows.map((r, i) => h("li", {},
    h("span.bl-rank.num", {}, String(i + 1)),
    h("div.bl-main", {},
      h("div.bl-row", {}, h("span.bl-label", {}, r.label), h("span.bl-text.num", {}, r.text)),
      h("div.bl-track", {}, h("div.bl-fill", { style: { width: `${Math.max(2, (r.value / top) * 100).toFixed(1)}%` } }))))));
}

/// A donut of shares (payment methods): [{label, value, cls}].
export function donut(parts, { size = 140, label } = {}) {
  const total = parts.reduce((s, p) => s + Math.max(0, p.value), 0);
  const r = size / 2 - 12;
  const c = 2 * Math.PI * r;
  const root = svg("svg", { viewBox: `0 0 ${size} ${size}`, width: size, height: size, class: "chart donut", role: "img", "aria-label": label });
  root.append(svg("circle", { cx: size / 2, cy: size / 2, r, class: "donut-bg" }));
  let at = 0;
  for (const p of parts) {
    if (!total || p.value <= 0) continue;
    const len = (p.value / total) * c;
    const arc = svg("circle", {
      cx: size / 2, cy: size / 2, r, class: `donut-part ${p.cls || ""}`,
      "stroke-dasharray": `${len} ${c - len}`, "stroke-dashoffset": -at, transform: `rotate(-90 ${size / 2} ${size / 2})`,
    });
    arc.append(svg("title", {}, `${p.label}: ${pct(p.value, total)}`));
    root.append(arc);
    at += len;
  }
  return root;
}

// ---- icons (stroke, 24×24) -------------------------------------------------------------------

const ICONS = {
  today: ["M12 7v5l3 2", "C12 12 9"],
  reports: ["M4 20V11M10 20V5M16 20v-8M2 20h20"],
  menu: ["M6 3h10a3 3 0 0 1 3 3v15H9a3 3 0 0 1-3-3z", "M10 8h5M10 12h5"],
  reservations: ["M4 5h16v16H4z", "M4 10h16M9 3v4M15 3v4", "M9 15l2 2 4-4"],
  staff: ["C9 8 3.5", "M2 20c0-3.6 3.1-6 7-6s7 2.4 7 6", "M16 4.6a3.5 3.5 0 0 1 0 6.8M18 14.2c2.4.7 4 2.8 4 5.8"],
  tables: ["M3 8h18v4H3z", "M6 12v8M18 12v8M9 4h6"],
  printers: ["M7 9V3h10v6", "M7 17H4v-8h16v8h-3", "M7 14h10v7H7z"],
  cash: ["M2 6h20v12H2z", "C12 12 3", "M5 9v.01M19 15v.01"],
  assets: ["M3 7l9-4 9 4v10l-9 4-9-4z", "M3 7l9 4 9-4M12 11v10"],
  audit: ["M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z", "M9 12l2 2 4-4"],
  system: ["M4 4h16v12H4z", "M8 20h8M12 16v4"],
  logout: ["M15 4h4v16h-4", "M10 8l-4 4 4 4M6 12h10"],
};

export function icon(name, size = 22) {
  const root = svg("svg", { viewBox: "0 0 24 24", width: size, height: size, "aria-hidden": "true", class: "icon" });
  for (const d of ICONS[name] || []) {
    if (d.startsWith("C")) {
      const [cx, cy, r] = d.slice(1).trim().split(" ").map(Number);
      root.append(svg("circle", { cx, cy, r }));
    } else root.append(svg("path", { d }));
  }
  return root;
}

