// Cash: the drawer session. Open with a float; while open, the X report (payments by method,
// cash in and out, tips, refunds, what should be in the drawer); cash in/out with a reason;
// close with the counted cash → the Z report with the difference.

import { ApiError, get, post } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { clear, h, toast } from "/assets/core/ui.js";
import { emptyState, fail, field, fmtDateTime, formSheet, moneyInput, parseMoney, problem, queued, sectionHead, plural } from "/dashboard/lib.js";

export async function mount(root, ctx) {
  let report = null; // open session (X)
  let closed = null; // the Z report just made
  let lastZ = null; // the last Z report, when the drawer is closed
  let timer = null;
  const body = h("div");
  root.append(sectionHead(t("dash.cash.title")), body);

  /// The open session, if any, and the last closed one. Found through the audit trail (the
  /// drawer's opening and closing are audited), so that "no open session" is not a 404 —
  /// the browser would log every 404 as an error.
  async function load() {
    try {
      const [opened, shut] = await Promise.all([
        get("/api/v1/audit?type=cash.session_opened&limit=1"),
        get("/api/v1/audit?type=cash.session_closed&limit=1"),
      ]);
      const o = opened.items?.[0];
      const c = shut.items?.[0];
      const isOpen = o && (!c || o.seq > c.seq) && o.data?.session_id;
      report = isOpen ? await get(`/api/v1/cash/sessions/${o.data.session_id}`) : null;
      if (report && report.kind === "z") report = null;
      if (!report && !closed && c?.data?.session_id) lastZ = await get(`/api/v1/cash/sessions/${c.data.session_id}`).catch(() => null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) report = null;
      else {
        clear(body, emptyState(problem(e), h("button.primary", { type: "button", onclick: () => load() }, t("common.retry"))));
        return;
      }
    }
    await render();
  }

  async function reportLines(r) {
    const staff = await ctx.staffById();
    const m = Object.fromEntries(r.by_method.map((x) => [x.method, x]));
    const line = (label, value, cls = "", test) => h(`div.line${cls ? `.${cls}` : ""}`, {}, h("span", {}, label), h("span.num", { "data-test": test }, value));
    const out = [
      h("p.muted", { style: { margin: "0 0 8px" } }, t("dash.cash.opened_by", { name: staff.get(r.opened_by)?.name || "—", at: fmtDateTime(r.opened_at) }),
        r.closed_at ? ` · ${t("dash.cash.closed_at", { at: fmtDateTime(r.closed_at) })}` : ""),
      line(t("dash.cash.float"), money(r.opening_float)),
    ];
    for (const method of ["cash", "card", "other"]) {
      const x = m[method];
      if (!x) continue;
      out.push(line(`${t(`dash.method.${method}`)} · ${plural("dash.payments_n", x.payments)}`, money(x.amount)));
    }
    out.push(
      line(t("dash.cash.cash_in"), money(r.cash_in)),
      line(t("dash.cash.cash_out"), money(r.cash_out ? -r.cash_out : 0)),
      line(t("dash.cash.tips"), money(r.tips)),
      line(t("dash.cash.refunds"), money(r.refunds ? -r.refunds : 0)),
      line(t("dash.cash.expected"), money(r.expected_cash), "total", "cash-expected"));
    if (r.counted_cash !== null && r.counted_cash !== undefined) {
      out.push(line(t("dash.cash.counted"), money(r.counted_cash), "", "cash-counted"));
      const d = r.difference ?? r.counted_cash - r.expected_cash;
      out.push(line(d === 0 ? t("dash.cash.exact") : d < 0 ? t("dash.cash.short") : t("dash.cash.over"), money(d), d < 0 ? "diff-neg" : d > 0 ? "diff-pos" : "", "cash-difference"));
    }
    return h("div.cash-report", {}, out);
  }

  async function render() {
    const parts = [];
    const z = closed || (!report ? lastZ : null);
    if (z) {
      parts.push(h("section.card", { "data-test": "z-report" },
        h("header.card-head", {}, h("h2", {}, closed ? t("dash.cash.z_title") : t("dash.cash.last_z")), closed ? h("button.small", { type: "button", onclick: () => {
          closed = null;
          render();
        } }, t("dash.close")) : null),
        await reportLines(z)));
    }
    if (report) {
      parts.push(h("section.card", { "data-test": "x-report" },
        h("header.card-head", {}, h("h2", {}, t("dash.cash.x_title")), h("span.badge.ok", {}, t("dash.cash.open"))),
        await reportLines(report)));
      parts.push(h("section.card.cash-actions", {},
        h("header.card-head", {}, h("h2", {}, t("dash.cash.actions"))),
        h("div.stack", {},
          h("p.muted", { style: { margin: 0 } }, t("dash.cash.moves_hint")),
          h("div.row", {},
            h("button", { type: "button", onclick: () => move("in") }, "+ ", t("dash.cash.cash_in")),
            h("button", { type: "button", onclick: () => move("out") }, "− ", t("dash.cash.cash_out"))),
          h("hr"),
          h("p.muted", { style: { margin: 0 } }, t("dash.cash.close_hint")),
          h("div", {}, h("button.primary", { type: "button", "data-test": "cash-close", onclick: close }, t("dash.cash.close"))))));
    } else {
      const float = h("input.big-input", { inputmode: "decimal", "data-test": "cash-float", placeholder: moneyInput(0), value: moneyInput(localStorage.getItem("comanda.dash.float") ? Number(localStorage.getItem("comanda.dash.float")) : 15000) });
      const error = h("p.form-error", { role: "alert", hidden: true });
      parts.push(h("section.card", {},
        h("header.card-head", {}, h("h2", {}, t("dash.cash.closed_title")), h("span.badge", {}, t("dash.cash.closed"))),
        h("form.stack", {
          style: { maxWidth: "420px" },
          onsubmit: async (e) => {
            e.preventDefault();
            error.hidden = true;
            const v = parseMoney(float.value);
            if (v === null) {
              error.textContent = t("dash.cash.err_amount");
              error.hidden = false;
              return;
            }
            try {
              const r = await post("/api/v1/cash/sessions", { opening_float: v });
              if (queued(r)) return;
              localStorage.setItem("comanda.dash.float", String(v));
              toast(t("dash.cash.opened", { amount: money(v) }), "ok");
              report = r;
              closed = null;
              render();
            } catch (err) {
              error.textContent = problem(err);
              error.hidden = false;
            }
          },
        },
        h("p.muted", { style: { margin: 0 } }, t("dash.cash.open_hint")),
        field(t("dash.cash.float"), float),
        error,
        h("div", {}, h("button.primary", { type: "submit", "data-test": "cash-open" }, t("dash.cash.open_drawer"))))));
    }
    if (!report && parts.length > 1) parts.reverse(); // closed: opening comes first
    clear(body, h("div.grid-1-1", {}, parts));
  }

  async function move(kind) {
    const amount = h("input.big-input", { inputmode: "decimal", placeholder: moneyInput(0) });
    const reason = h("input", { required: true, placeholder: kind === "in" ? t("dash.cash.reason_in_ph") : t("dash.cash.reason_out_ph") });
    const r = await formSheet(kind === "in" ? t("dash.cash.cash_in") : t("dash.cash.cash_out"), () => h("div.stack", {},
      field(t("dash.col.amount"), amount), field(t("dash.cash.reason"), reason)), async () => {
      const v = parseMoney(amount.value);
      if (!v) throw new Error(t("dash.cash.err_amount"));
      if (!reason.value.trim()) throw new Error(t("dash.cash.err_reason"));
      return post(`/api/v1/cash/sessions/${report.session_id}/movements`, { kind, amount: v, reason: reason.value.trim() });
    }, { submitLabel: t("dash.cash.record") });
    if (r && !r.queued) {
      report = r;
      toast(t("dash.saved"), "ok");
      render();
    }
  }

  async function close() {
    const counted = h("input.big-input", { inputmode: "decimal", "data-test": "cash-counted", placeholder: moneyInput(report.expected_cash) });
    const preview = h("p.cash-preview.muted", {}, t("dash.cash.expected_is", { amount: money(report.expected_cash) }));
    counted.addEventListener("input", () => {
      const v = parseMoney(counted.value);
      if (v === null) {
        preview.textContent = t("dash.cash.expected_is", { amount: money(report.expected_cash) });
        preview.className = "cash-preview muted";
        return;
      }
      const d = v - report.expected_cash;
      preview.textContent = d === 0 ? t("dash.cash.preview_exact") : d < 0 ? t("dash.cash.preview_short", { amount: money(-d) }) : t("dash.cash.preview_over", { amount: money(d) });
      preview.className = `cash-preview ${d < 0 ? "neg" : d > 0 ? "pos" : "ok"}`;
    });
    const z = await formSheet(t("dash.cash.close_title"), () => h("div.stack", {},
      h("p", { style: { margin: 0 } }, t("dash.cash.close_text")),
      field(t("dash.cash.counted"), counted), preview), async () => {
      const v = parseMoney(counted.value);
      if (v === null) throw new Error(t("dash.cash.err_amount"));
      return post(`/api/v1/cash/sessions/${report.session_id}/close`, { counted: v });
    }, { submitLabel: t("dash.cash.close_confirm") });
    if (z && !z.queued) {
      closed = z;
      lastZ = z;
      report = null;
      toast(t("dash.cash.closed_ok"), "ok");
      render();
    }
  }

  await load();
  return {
    onEvent(ev) {
      if (ev.type.startsWith("cash.") || ev.type === "payment.taken" || ev.type === "payment.refunded") {
        clearTimeout(timer);
        timer = setTimeout(load, 600);
      }
    },
    unmount: () => clearTimeout(timer),
  };
}
