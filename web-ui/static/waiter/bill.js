// The bill: lines with the tax breakdown; split (even ÷ N, by seat, by item); discount; and
// the payment keypad (cash / card / other, quick cash, tips, the change shown large).

import { get, post, ApiError } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { h, clear, toast, modal } from "/assets/core/ui.js";
import { S, icon, explain, seatColour, withApproval, parseMajor, toMajor, minorFactor, isManager, decimalSep } from "./lib.js";
import { go, setHeader, loadFloor } from "./app.js";

const METHODS = ["cash", "card", "other"];
const TIPS = [10, 15, 20];
const FLOAT = "comanda.waiter.float";
const splitBy = new Map(); // bill id -> how this tablet split it (for the parts' names)

export function enterBill(main, orderId) {
  let order = S.orders.get(orderId) || null;
  let root = null;
  let parts = [];
  let selectedId = null;
  let problem = null; // {text, action}
  let mode = "whole";
  let evenParts = 2;
  let groupsN = 2;
  let activeGroup = 1;
  const assign = new Map(); // line id -> group (1-based)
  let splitting = false;
  let notice = null; // after a split: {n}
  let left = false;

  // payment state
  let method = "card";
  let amountStr = "";
  let tipStr = "";
  let tenderedStr = "";
  let tipPreset = 0; // percent, -1 custom
  let field = "amount";
  let paying = false;
  let lastResult = null; // {change, method, amount, tip}
  let queued = false;

  const card = h("section.bill-card", { "aria-label": t("bill.title") });
  const splitBox = h("div.split-box");
  const col = h("section.pay-col");
  clear(main, h("div.bill-view", {}, h("div.bill-left", {}, card, splitBox), col));

  // ------------------------------------------------------------ header
  function renderHeader() {
    setHeader(
      [
        h(
          "button.back",
          { type: "button", "data-test": "back-to-floor", "aria-label": t("order.back"), onclick: () => go("#/floor") },
          icon("back"),
          h("span.back-label", {}, t("order.floor")),
        ),
        h(
          "div.tb-order-title",
          {},
          h("span.tb-table", {}, order?.table_name || "…"),
          h("span.tb-meta-line", {}, t("bill.title"), order ? ` · ${t("order.number", { n: order.number })}` : ""),
        ),
      ],
      [
        order?.status === "open"
          ? h(
              "button.tb-action",
              { type: "button", "data-test": "back-to-order", onclick: () => go(`#/order/${orderId}`) },
              icon("note"),
              h("span", {}, t("bill.to_order")),
            )
          : null,
      ],
    );
  }

  // ------------------------------------------------------------ data
  function selected() {
    if (!root) return null;
    if (root.status === "split") return parts.find((p) => p.id === selectedId) || null;
    return root;
  }

  function splitAllowed() {
    return root && root.status === "open" && root.payments.length === 0 && parts.length === 0;
  }

  async function load() {
    try {
      order = await get(`/api/v1/orders/${orderId}`);
      renderHeader();
      if (order.status !== "open") {
        problem = { text: t("bill.order_closed", { table: order.table_name }), action: "floor" };
        return render();
      }
      const list = (await get(`/api/v1/bills?order_id=${orderId}`)).items || [];
      const roots = list.filter((b) => !b.parent_bill_id && b.status !== "void").sort((a, b) => a.created_at.localeCompare(b.created_at));
      let r = roots[roots.length - 1] || null;
      const fresh = !r || (r.status === "open" && r.payments.length === 0 && r.order_version !== order.version);
      if (fresh) {
        r = await post(`/api/v1/orders/${orderId}/bill`, {});
        if (r.queued) {
          problem = { text: t("bill.offline"), action: "order" };
          return render();
        }
      }
      root = r;
      parts = list.filter((b) => b.parent_bill_id === root.id).sort((a, b) => (a.part || 0) - (b.part || 0));
      pickSelection();
      problem = null;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) problem = { text: explain(e), action: "order" };
      else problem = { text: explain(e), action: "retry" };
    }
    if (!left) render();
  }

  function pickSelection() {
    if (root?.status === "split") {
      const current = parts.find((p) => p.id === selectedId && p.status === "open");
      selectedId = current ? current.id : parts.find((p) => p.status === "open")?.id || parts[0]?.id || null;
    } else selectedId = root?.id || null;
    resetPay();
  }

  function resetPay() {
    const sel = selected();
    amountStr = sel ? toMajor(sel.balance) : "";
    tipStr = "";
    tipPreset = 0;
    tenderedStr = "";
    field = "amount";
  }

  function replaceBill(b) {
    if (!b) return;
    if (root && b.id === root.id) root = b;
    const i = parts.findIndex((p) => p.id === b.id);
    if (i >= 0) parts[i] = b;
  }

  // ------------------------------------------------------------ render
  function render() {
    renderHeader();
    if (problem) {
      clear(card, h("div.bill-problem", {}, h("p", {}, problem.text), problemAction()));
      clear(splitBox);
      clear(col);
      return;
    }
    if (!root) {
      clear(card, h("p.empty", {}, t("bill.loading")));
      clear(splitBox);
      clear(col);
      return;
    }
    renderCard();
    renderCol();
  }

  function problemAction() {
    if (problem.action === "floor") return h("button.primary", { type: "button", onclick: () => go("#/floor") }, t("order.floor"));
    if (problem.action === "order") return h("button.primary", { type: "button", onclick: () => go(`#/order/${orderId}`) }, t("bill.to_order"));
    return h("button.primary", { type: "button", onclick: () => { problem = null; render(); load(); } }, t("common.retry"));
  }

  function renderCard() {
    const b = root;
    const grouping = mode === "items" && splitAllowed();
    const taxLabel = b.prices_include_tax ? "bill.tax_incl" : "bill.tax_excl";
    clear(
      card,
      h(
        "header.bill-head",
        {},
        h("div", {}, h("h2", {}, t("bill.for_table", { table: b.table_name })), h("p.muted", {}, t("bill.meta", { n: b.number, guests: b.guests }))),
        h(
          "div.bill-tools",
          {},
          splitAllowed()
            ? h("button.tool", { type: "button", "data-test": "service-charge", onclick: serviceSheet }, icon("plus"), h("span", {}, t("service.button")))
            : null,
          h("button.tool", { type: "button", "data-test": "print-bill", onclick: () => printBill(b.id) }, icon("print"), h("span", {}, t("bill.print"))),
        ),
      ),
      grouping ? h("p.group-hint", {}, t("split.items_hint")) : null,
      h(
        "div.bill-lines",
        { role: "list" },
        b.lines.map((l) => {
          const g = assign.get(l.line_id) || 1;
          const content = [
            h("span.bl-qty.num", {}, `${l.quantity}×`),
            h(
              "span.bl-name",
              {},
              l.name,
              l.modifiers?.length ? h("span.bl-mods", {}, l.modifiers.join(" · ")) : null,
            ),
            l.seat ? h("span.bl-seat", { style: `--seat: ${seatColour(l.seat)}` }, t("order.seat_short", { n: l.seat })) : null,
            grouping ? h("span.bl-group", { "data-group": String(g) }, t("split.group_short", { n: g })) : null,
            h("span.bl-amount.num", {}, l.comped ? t("line.comped") : money(l.amount)),
          ];
          return grouping
            ? h(
                "button.bill-line.assignable",
                {
                  type: "button",
                  role: "listitem",
                  "data-test": "bill-line",
                  "data-group": String(g),
                  onclick: () => {
                    assign.set(l.line_id, activeGroup);
                    render();
                  },
                },
                content,
              )
            : h("div.bill-line", { role: "listitem", "data-test": "bill-line" }, content);
        }),
      ),
      h(
        "div.bill-sums",
        {},
        sumRow(t("bill.subtotal"), money(b.subtotal)),
        b.discounts.map((d) => sumRow(t("bill.discount_row", { reason: d.reason, value: d.kind === "percent" ? `${d.value} %` : money(d.value) }), `−${money(d.amount)}`, "discount")),
        b.service_charge ? sumRow(t("bill.service", { rate: ((b.service?.rate_bp || 0) / 100).toLocaleString() }), money(b.service_charge)) : null,
        b.taxes.map((x) => sumRow(t(taxLabel, { rate: (x.rate_bp / 100).toLocaleString(), base: money(x.base) }), money(x.tax), "tax")),
      ),
      h(
        "div.bill-total-row",
        {},
        h("span", {}, t("bill.total")),
        h("span.num.bill-total", { "data-test": "bill-total", "data-total": String(b.total) }, money(b.total)),
      ),
      b.paid || b.tips || (root.status === "split" && parts.some((p) => p.paid))
        ? h(
            "div.bill-sums.paid-sums",
            {},
            sumRow(t("bill.paid"), money(paidTotal())),
            tipsTotal() ? sumRow(t("bill.tips"), money(tipsTotal())) : null,
            sumRow(t("bill.balance"), money(balanceTotal()), "balance"),
          )
        : null,
    );
  }

  function paidTotal() {
    return root.status === "split" ? parts.reduce((s, p) => s + p.paid, 0) : root.paid;
  }
  function tipsTotal() {
    return root.status === "split" ? parts.reduce((s, p) => s + p.tips, 0) : root.tips;
  }
  function balanceTotal() {
    return root.status === "split" ? parts.reduce((s, p) => s + p.balance, 0) : root.balance;
  }

  function sumRow(label, value, cls = "") {
    return h(`div.sum-row${cls ? `.${cls}` : ""}`, {}, h("span", {}, label), h("span.num", {}, value));
  }

  function renderCol() {
    const sel = selected();
    clear(
      splitBox,
      notice && !lastResult ? noticeCard() : null,
      splitAllowed() ? splitSection() : null,
      root.status === "split" ? partsSection() : null,
    );
    clear(
      col,
      lastResult ? resultCard() : null,
      sel && sel.status === "open" ? payPanel(sel) : sel ? payHead(sel) : null,
      sel && sel.status === "paid" && balanceTotal() > 0 ? h("p.muted.center", {}, t("bill.choose_part")) : null,
    );
    updatePay();
  }

  function resultCard() {
    const r = lastResult;
    return h(
      "div.result-card",
      { role: "status" },
      h("div.result-title", {}, icon("check"), t("pay.taken", { amount: money(r.amount), method: t(`pay.method_${r.method}`) })),
      r.tip ? h("div.muted", {}, t("pay.with_tip", { tip: money(r.tip) })) : null,
      r.method === "cash" ? h("div.change-big", {}, h("span", {}, t("pay.give_change")), h("b.num", { "data-test": "change" }, money(r.change))) : null,
      h("button.ghost.result-close", { type: "button", "aria-label": t("common.close"), onclick: () => { lastResult = null; renderCol(); } }, icon("close")),
    );
  }

  function noticeCard() {
    return h(
      "div.notice-card",
      { role: "status" },
      icon("split"),
      h("span", {}, t("split.done", { n: notice.n })),
      h("button.primary", { type: "button", "data-test": "split-ok", onclick: () => { notice = null; renderCol(); } }, t("common.ok")),
    );
  }

  // ------------------------------------------------------------ split
  function splitSection() {
    const tabs = [
      ["whole", "split-whole", t("split.whole")],
      ["even", "split-even", t("split.even")],
      ["seat", "split-seat", t("split.seat")],
      ["items", "split-items", t("split.items")],
    ];
    let panel = null;
    if (mode === "even") {
      const each = Math.floor(root.total / evenParts);
      panel = h(
        "div.split-panel",
        {},
        h(
          "div.stepper",
          {},
          h("button.step", { type: "button", "data-test": "parts-minus", "aria-label": t("split.fewer"), disabled: evenParts <= 2 ? true : null, onclick: () => { evenParts -= 1; renderCol(); } }, icon("minus")),
          h("output.num.step-value", { "aria-live": "polite" }, `÷ ${evenParts}`),
          h("button.step", { type: "button", "data-test": "parts-plus", "aria-label": t("split.more"), disabled: evenParts >= 20 ? true : null, onclick: () => { evenParts += 1; renderCol(); } }, icon("plus")),
        ),
        h("p.muted", {}, t("split.each", { amount: money(each) })),
        root.guests > 1 && root.guests !== evenParts
          ? h("button.chip", { type: "button", onclick: () => { evenParts = Math.min(20, root.guests); renderCol(); } }, t("split.per_guest", { n: root.guests }))
          : null,
        h(
          "button.primary.wide",
          { type: "button", "data-test": "split-ok", disabled: splitting ? true : null, onclick: () => doSplit({ by: "even", parts: evenParts }) },
          t("split.even_ok", { n: evenParts }),
        ),
      );
    } else if (mode === "items") {
      const counts = new Map();
      for (const l of root.lines) counts.set(assign.get(l.line_id) || 1, (counts.get(assign.get(l.line_id) || 1) || 0) + 1);
      const used = [...counts.keys()].filter((g) => counts.get(g) > 0);
      panel = h(
        "div.split-panel",
        {},
        h("p.muted", {}, t("split.items_lead")),
        h(
          "div.chips.wrap",
          {},
          Array.from({ length: groupsN }, (_, i) => i + 1).map((g) =>
            h(
              "button.chip.group-chip",
              { type: "button", "data-group": String(g), "data-test": `group-${g}`, "aria-pressed": activeGroup === g ? "true" : "false", onclick: () => { activeGroup = g; render(); } },
              t("split.group", { n: g }),
              h("span.num.group-count", {}, counts.get(g) || 0),
            ),
          ),
          groupsN < 10
            ? h("button.chip", { type: "button", "aria-label": t("split.add_group"), onclick: () => { groupsN += 1; activeGroup = groupsN; render(); } }, icon("plus"))
            : null,
        ),
        h(
          "button.primary.wide",
          {
            type: "button",
            "data-test": "split-ok",
            disabled: splitting || used.length < 2 ? true : null,
            onclick: () => {
              const groups = used.sort((a, b) => a - b).map((g) => root.lines.filter((l) => (assign.get(l.line_id) || 1) === g).map((l) => l.line_id));
              doSplit({ by: "lines", groups });
            },
          },
          used.length < 2 ? t("split.items_need_two") : t("split.items_ok", { n: used.length }),
        ),
      );
    }
    return h(
      "div.split",
      {},
      h("h3.section-title", {}, icon("split"), t("split.title")),
      h(
        "div.seg.split-tabs",
        { role: "tablist" },
        tabs.map(([m, test, label]) =>
          h(
            "button.seg-btn",
            {
              type: "button",
              role: "tab",
              "data-test": test,
              "aria-selected": mode === m ? "true" : "false",
              disabled: splitting ? true : null,
              onclick: () => {
                mode = m;
                if (m === "seat") {
                  // By seat has nothing to choose: split at once.
                  doSplit({ by: "seat" });
                  return;
                }
                render();
                splitBox.querySelector(".split-panel")?.scrollIntoView({ block: "nearest", behavior: "smooth" });
              },
            },
            label,
          ),
        ),
      ),
      panel,
    );
  }

  async function doSplit(body) {
    if (splitting) return;
    splitting = true;
    renderCol();
    try {
      const r = await post(`/api/v1/bills/${root.id}/split`, body);
      if (r.queued) {
        toast(t("order.queued_action"));
      } else {
        parts = r.parts;
        root = { ...root, status: "split" };
        notice = { n: parts.length };
        splitBy.set(root.id, body.by);
        selectedId = parts[0]?.id;
        mode = "whole";
        pickSelection();
      }
    } catch (e) {
      toast(explain(e), "error");
      if (body.by === "seat") mode = "whole";
    } finally {
      splitting = false;
      if (!left) render();
    }
  }

  function partLabel(p) {
    if (splitBy.has(root.id) && splitBy.get(root.id) !== "seat") return t("split.part", { n: p.part, of: p.parts });
    const seats = [...new Set(p.lines.map((l) => l.seat).filter(Boolean))];
    if (seats.length === 1 && p.lines.every((l) => l.seat === seats[0] || l.seat === null)) return t("split.part_seat", { n: seats[0] });
    return t("split.part", { n: p.part, of: p.parts });
  }

  function partsSection() {
    return h(
      "div.parts",
      {},
      h("h3.section-title", {}, icon("split"), t("split.parts", { n: parts.length })),
      h(
        "div.part-list",
        { role: "list" },
        parts.map((p) =>
          h(
            `button.part.part-${p.status}`,
            {
              type: "button",
              role: "listitem",
              "data-test": "bill-part",
              "data-total": String(p.total),
              "data-status": p.status,
              "aria-pressed": p.id === selectedId ? "true" : "false",
              onclick: () => {
                selectedId = p.id;
                resetPay();
                renderCol();
              },
            },
            h("span.part-name", {}, partLabel(p)),
            h("span.part-lines", {}, p.lines.map((l) => l.name).slice(0, 3).join(", "), p.lines.length > 3 ? "…" : ""),
            h("span.part-total.num", {}, money(p.total)),
            p.status === "paid"
              ? h("span.badge.badge-ok", {}, icon("check"), t("split.paid"))
              : p.paid
                ? h("span.badge.badge-due.num", {}, t("split.due", { amount: money(p.balance) }))
                : h("span.badge.badge-open", {}, t("split.open")),
          ),
        ),
      ),
    );
  }

  // ------------------------------------------------------------ payment
  function payHead(sel) {
    const canDiscount = sel.status === "open" && sel.payments.length === 0;
    return h(
      "div.pay-head",
      {},
      h(
        "div.pay-head-text",
        {},
        h("div.pay-what", {}, root.status === "split" ? partLabel(sel) : t("pay.whole")),
        h(
          "div.pay-balance",
          {},
          h("span.muted", {}, sel.status === "paid" ? t("split.paid") : t("pay.to_pay")),
          " ",
          h("b.num", {}, money(sel.status === "paid" ? sel.total : sel.balance)),
        ),
      ),
      canDiscount ? h("button.tool", { type: "button", "data-test": "discount", onclick: () => discountSheet(sel) }, icon("percent"), h("span", {}, t("discount.button"))) : null,
    );
  }

  const refs = {};

  function payPanel(sel) {
    const fieldInput = (name, test, label) => {
      const input = h("input.money-input.num", {
        type: "text",
        inputmode: "none",
        autocomplete: "off",
        "data-test": test,
        "aria-label": label,
        value: name === "amount" ? amountStr : name === "tip" ? tipStr : tenderedStr,
      });
      input.dataset.fresh = "1";
      input.addEventListener("focus", () => {
        if (field !== name) input.dataset.fresh = "1";
        field = name;
        markField();
      });
      input.addEventListener("input", () => {
        input.dataset.fresh = "0";
        const v = input.value.replace(/[^\d.,]/g, "");
        if (name === "amount") amountStr = v;
        else if (name === "tip") {
          tipStr = v;
          tipPreset = -1;
        } else tenderedStr = v;
        updatePay();
      });
      refs[name] = input;
      return h(
        `label.money-field.f-${name}`,
        { onclick: () => { field = name; markField(); } },
        h("span.field-label", {}, label),
        h("span.money-wrap", {}, h("span.currency", {}, currencySymbol()), input),
      );
    };

    const methodTabs = h(
      "div.seg.methods",
      { role: "tablist", "aria-label": t("pay.method") },
      METHODS.map((m) =>
        h(
          "button.seg-btn.method",
          {
            type: "button",
            role: "tab",
            "data-test": `pay-method-${m}`,
            "aria-selected": method === m ? "true" : "false",
            onclick: () => {
              method = m;
              if (m !== "cash" && field === "tendered") field = "amount";
              renderCol();
            },
          },
          icon(m),
          t(`pay.method_${m}`),
        ),
      ),
    );

    refs.tipLabel = h("span.field-label", {});
    const tipRow = h(
      "div.tip-block",
      {},
      refs.tipLabel,
      h(
        "div.seg.tips",
        { role: "group", "aria-label": t("pay.tip") },
        h("button.seg-btn.tip", { type: "button", "data-test": "tip-0", "data-p": "0", onclick: () => setTip(0) }, t("pay.no_tip")),
        TIPS.map((p) => h("button.seg-btn.tip", { type: "button", "data-test": `tip-${p}`, "data-p": String(p), onclick: () => setTip(p) }, `${p} %`)),
        h(
          "button.seg-btn.tip",
          { type: "button", "data-test": "tip-custom", "data-p": "-1", onclick: () => { tipPreset = -1; field = "tip"; renderCol(); refs.tip?.focus(); } },
          t("pay.custom"),
        ),
      ),
    );

    const fields = h(
      "div.pay-fields",
      {},
      fieldInput("amount", "amount", t("pay.amount")),
      tipPreset === -1 ? fieldInput("tip", "tip", t("pay.tip_amount")) : null,
      method === "cash" ? fieldInput("tendered", "tendered", t("pay.tendered")) : null,
      method === "cash" ? (refs.quick = h("div.quick-cash", { role: "group", "aria-label": t("pay.quick") })) : null,
      queued ? h("div.queued-note", {}, icon("wait"), t("pay.queued")) : null,
      (refs.preview = h("div.pay-preview", { "aria-live": "polite" })),
    );

    refs.confirm = h("button.primary.confirm", { type: "button", "data-test": "confirm-payment", onclick: pay });
    refs.tipRow = tipRow;

    return h(
      "div.pay-panel",
      {},
      payHead(sel),
      methodTabs,
      tipRow,
      h("div.pay-grid", {}, fields, h("div.pay-side", {}, keypad(), refs.confirm)),
    );
  }

  function currencySymbol() {
    try {
      return (
        new Intl.NumberFormat(undefined, { style: "currency", currency: S.setup?.currency || "EUR" })
          .formatToParts(0)
          .find((p) => p.type === "currency")?.value || ""
      );
    } catch {
      return "";
    }
  }

  function keypad() {
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", ".", "0", "back"];
    return h(
      "div.keypad",
      { role: "group", "aria-label": t("pay.keypad") },
      keys.map((k) =>
        h(
          "button.key",
          {
            type: "button",
            "aria-label": k === "back" ? t("pin.backspace") : k === "." ? t("pay.decimal") : k,
            onclick: () => typeKey(k),
          },
          k === "back" ? icon("backspace") : k === "." ? (minorFactor() > 1 ? decimalSep() : "00") : k,
        ),
      ),
    );
  }

  function typeKey(k) {
    let v = field === "amount" ? amountStr : field === "tip" ? tipStr : tenderedStr;
    if (refs[field] && refs[field].dataset.fresh === "1") {
      // The first key after choosing a field replaces what was there.
      v = "";
      refs[field].dataset.fresh = "0";
    }
    if (k === "back") v = v.slice(0, -1);
    else if (k === ".") {
      if (minorFactor() === 1) v += "00";
      else if (!/[.,]/.test(v)) v = (v || "0") + decimalSep();
    } else {
      const [, frac] = v.split(/[.,]/);
      if (frac !== undefined && frac.length >= Math.round(Math.log10(minorFactor()))) return;
      if (v.replace(/[.,]/, "").length >= 8) return;
      v = v === "0" ? k : v + k;
    }
    if (field === "amount") amountStr = v;
    else if (field === "tip") {
      tipStr = v;
      tipPreset = -1;
    } else tenderedStr = v;
    if (refs[field]) refs[field].value = v;
    updatePay();
  }

  function markField() {
    for (const name of ["amount", "tip", "tendered"]) {
      const input = refs[name];
      if (!input || !input.isConnected) continue;
      input.closest(".money-field")?.classList.toggle("active", name === field);
    }
  }

  function setTip(p) {
    tipPreset = p;
    const amount = parseMajor(amountStr) || 0;
    tipStr = p > 0 ? toMajor(Math.round((amount * p) / 100)) : "";
    if (field === "tip") field = "amount";
    renderCol();
  }

  function values() {
    const sel = selected();
    const amount = parseMajor(amountStr);
    const tip = parseMajor(tipStr) || 0;
    const tendered = parseMajor(tenderedStr);
    return { sel, amount, tip, tendered, due: (amount || 0) + tip };
  }

  function updatePay() {
    const { sel, amount, tip, tendered, due } = values();
    if (!sel || !refs.confirm || !refs.confirm.isConnected) return;
    markField();
    for (const b of refs.tipRow?.querySelectorAll(".tip") || []) b.setAttribute("aria-pressed", Number(b.dataset.p) === tipPreset ? "true" : "false");
    if (refs.tipLabel) refs.tipLabel.textContent = tip ? `${t("pay.tip")} · ${money(tip)}` : t("pay.tip");
    // Quick cash: exact, then the next 5, 10 and 20 in major units.
    if (refs.quick && refs.quick.isConnected) {
      // Exact, then the next round sums a guest hands over: the next 5, 10 and 20, and when
      // those coincide, the next notes up.
      const f = minorFactor();
      const up = (step) => Math.ceil(due / (step * f)) * step * f;
      const round = [...new Set([up(5), up(10), up(20), up(50), up(100)])].filter((v) => v > due).sort((a, b) => a - b).slice(0, 3);
      for (const extra of [up(10) + 10 * f, up(20) + 20 * f]) if (round.length < 3 && !round.includes(extra)) round.push(extra);
      const options = [due, ...round.sort((a, b) => a - b)];
      clear(
        refs.quick,
        options.map((v, i) =>
          h(
            "button.chip.quick",
            {
              type: "button",
              "data-test": i === 0 ? "cash-exact" : `cash-${v}`,
              "aria-pressed": tendered === v ? "true" : "false",
              onclick: () => {
                tenderedStr = toMajor(v);
                if (refs.tendered) refs.tendered.value = tenderedStr;
                updatePay();
              },
            },
            i === 0 ? t("pay.exact") : money(v),
          ),
        ),
      );
    }
    let problemText = "";
    if (amount === null || amount <= 0) problemText = t("pay.enter_amount");
    else if (amount > sel.balance) problemText = t("pay.too_much", { balance: money(sel.balance) });
    else if (method === "cash" && tendered !== null && tendered < due) problemText = t("pay.not_enough", { due: money(due) });
    const preview = [];
    if (!problemText) {
      if (method === "cash") {
        const change = (tendered ?? due) - due;
        preview.push(h("div.change-preview", {}, h("span", {}, t("pay.change")), h("b.num", {}, money(change))));
      }
      if (amount < sel.balance) preview.push(h("div.muted", {}, t("pay.leaves", { amount: money(sel.balance - amount) })));
    } else preview.push(h("div.pay-problem", {}, problemText));
    clear(refs.preview, preview);
    refs.confirm.disabled = !!problemText || paying || queued;
    clear(
      refs.confirm,
      paying ? t("pay.taking") : t("pay.confirm", { amount: money(due || 0), method: t(`pay.method_${method}`) }),
    );
  }

  async function pay() {
    const { sel, amount, tip, tendered, due } = values();
    if (!sel || paying || queued || amount === null || amount <= 0 || amount > sel.balance) return;
    const body = { method, amount, tip };
    if (method === "cash") {
      if (tendered !== null && tendered < due) return;
      body.tendered = tendered ?? due;
    }
    paying = true;
    updatePay();
    try {
      const r = await post(`/api/v1/bills/${sel.id}/payments`, body);
      if (r.queued) {
        queued = true;
        lastResult = { change: (body.tendered ?? due) - due, method, amount, tip };
        toast(t("pay.queued"));
      } else await received(r, body);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && /cash/i.test(e.message)) {
        paying = false;
        const opened = await drawerSheet();
        if (opened) return pay();
      } else toast(explain(e), "error");
    } finally {
      paying = false;
      if (!left) renderCol();
    }
  }

  async function received(r, body) {
    replaceBill(r.bill);
    lastResult = { change: r.change, method: body.method, amount: body.amount, tip: body.tip };
    let closed = false;
    try {
      const o = await get(`/api/v1/orders/${orderId}`);
      order = o;
      closed = o.status !== "open";
    } catch {
      closed = root.status === "split" ? parts.every((p) => p.status === "paid") : r.bill.status === "paid";
    }
    if (closed) {
      S.flash = { table: root.table_name, change: r.change, method: body.method, at: Date.now() };
      loadFloor().catch(() => {});
      go("#/floor");
      return;
    }
    notice = null;
    pickSelection();
    render();
    col.querySelector(".result-card")?.scrollIntoView({ block: "nearest" });
  }

  /// The drawer must be open (a cash session with its float) before cash can be taken.
  function drawerSheet() {
    return modal(t("drawer.title"), (close) => {
      const remembered = Number(localStorage.getItem(FLOAT));
      const input = h("input.money-input.num", {
        type: "text",
        inputmode: "decimal",
        "data-test": "opening-float",
        "aria-label": t("drawer.float"),
        value: toMajor(Number.isFinite(remembered) && remembered > 0 ? remembered : 100 * minorFactor()),
      });
      const ok = h("button.primary.wide.big", { type: "button", "data-test": "open-drawer" }, icon("cash"), t("drawer.ok"));
      ok.addEventListener("click", async () => {
        const v = parseMajor(input.value);
        if (v === null) return input.focus();
        ok.disabled = true;
        try {
          const r = await post("/api/v1/cash/sessions", { opening_float: v });
          localStorage.setItem(FLOAT, String(v));
          toast(r.queued ? t("order.queued_action") : t("drawer.opened"), "ok");
          close(!r.queued);
        } catch (e) {
          if (e instanceof ApiError && e.status === 409) close(true);
          else {
            toast(explain(e), "error");
            ok.disabled = false;
          }
        }
      });
      return h(
        "div.stack",
        {},
        h("p.sheet-lead", {}, t("drawer.lead")),
        h("label", {}, t("drawer.float"), h("span.money-wrap", {}, h("span.currency", {}, currencySymbol()), input)),
        h(
          "div.chips.wrap",
          {},
          [50, 100, 150, 200].map((v) => h("button.chip", { type: "button", onclick: () => { input.value = toMajor(v * minorFactor()); } }, money(v * minorFactor()))),
        ),
        ok,
      );
    });
  }

  // ------------------------------------------------------------ discount
  async function discountSheet(sel) {
    const choice = await modal(t("discount.title"), (close) => {
      let kind = "percent";
      let value = "10";
      let reason = "";
      const reasons = ["regular", "complaint", "staff", "promo"];
      const valueInput = h("input.value-input.num", { type: "text", inputmode: "decimal", "data-test": "discount-value", "aria-label": t("discount.value"), value });
      const reasonInput = h("input", { type: "text", "data-test": "discount-reason", placeholder: t("discount.reason_placeholder"), "aria-label": t("discount.reason"), maxlength: "120" });
      const kindSeg = h("div.seg");
      const presets = h("div.chips.wrap");
      const reasonChips = h("div.chips.wrap");
      const preview = h("p.muted");
      const ok = h("button.primary.wide.big", { type: "button", "data-test": "discount-ok" });
      const parsed = () => (kind === "percent" ? (/^\d+$/.test(valueInput.value.trim()) ? Number(valueInput.value.trim()) : null) : parseMajor(valueInput.value));
      const renderSheet = () => {
        clear(
          kindSeg,
          ["percent", "amount"].map((k) =>
            h("button.seg-btn", { type: "button", "data-test": `discount-${k}`, "aria-pressed": kind === k ? "true" : "false", onclick: () => { kind = k; valueInput.value = k === "percent" ? "10" : ""; renderSheet(); } }, t(`discount.${k}`)),
          ),
        );
        clear(
          presets,
          (kind === "percent" ? [5, 10, 15, 20, 50] : [5, 10, 20].map((v) => v * minorFactor())).map((v) =>
            h("button.chip", { type: "button", onclick: () => { valueInput.value = kind === "percent" ? String(v) : toMajor(v); renderSheet(); } }, kind === "percent" ? `${v} %` : money(v)),
          ),
        );
        clear(
          reasonChips,
          reasons.map((r) =>
            h("button.chip", { type: "button", "aria-pressed": reason === t(`discount.reason_${r}`) ? "true" : "false", onclick: () => { reason = t(`discount.reason_${r}`); reasonInput.value = reason; renderSheet(); } }, t(`discount.reason_${r}`)),
          ),
        );
        const v = parsed();
        const amount = v === null ? null : kind === "percent" ? Math.round((sel.subtotal * v) / 100) : v;
        const valid = v !== null && v > 0 && (kind === "percent" ? v <= 100 : v <= sel.total) && reasonInput.value.trim().length > 0;
        preview.textContent = amount !== null ? t("discount.preview", { amount: money(amount) }) : "";
        ok.disabled = !valid;
        const big = v !== null && (kind === "percent" ? v > 10 : v * 10 > sel.subtotal);
        ok.textContent = big && !isManager() ? t("discount.ok_manager") : t("discount.ok");
      };
      valueInput.addEventListener("input", renderSheet);
      reasonInput.addEventListener("input", () => {
        reason = reasonInput.value;
        renderSheet();
      });
      ok.addEventListener("click", () => close({ kind, value: parsed(), reason: reasonInput.value.trim() }));
      renderSheet();
      return h(
        "div.stack",
        {},
        kindSeg,
        h("label", {}, t("discount.value"), valueInput),
        presets,
        h("label", {}, t("discount.reason"), reasonInput),
        reasonChips,
        preview,
        h("p.muted.small", {}, t("discount.manager_hint")),
        ok,
      );
    });
    if (!choice) return;
    try {
      const big = choice.kind === "percent" ? choice.value > 10 : choice.value * 10 > sel.subtotal;
      const r = await withApproval(
        t("discount.needs_manager"),
        (pin) => post(`/api/v1/bills/${sel.id}/discounts`, pin ? { ...choice, approval_pin: pin } : choice),
        { upfront: big },
      );
      if (!r) return;
      if (r.queued) return toast(t("order.queued_action"));
      replaceBill(r);
      resetPay();
      toast(t("discount.done", { amount: money(r.discount_total) }), "ok");
      render();
    } catch (e) {
      toast(explain(e), "error");
    }
  }

  /// A service charge is part of the bill: the bill is made again with it (before any payment).
  async function serviceSheet() {
    const current = root.service?.rate_bp || 0;
    const rate = await modal(t("service.title"), (close) =>
      h(
        "div.stack",
        {},
        h("p.sheet-lead", {}, t("service.lead")),
        h(
          "div.chips.wrap",
          {},
          [0, 1000, 1250, 1500].map((bp) =>
            h(
              "button.chip",
              { type: "button", "data-test": `service-${bp}`, "aria-pressed": bp === current ? "true" : "false", onclick: () => close(bp) },
              bp ? `${(bp / 100).toLocaleString()} %` : t("service.none"),
            ),
          ),
        ),
      ),
    );
    if (rate === null || rate === current) return;
    const taxRate = Math.max(0, ...root.taxes.map((x) => x.rate_bp), ...root.lines.map((l) => l.tax_rate_bp));
    try {
      const body = rate ? { service_charge: { rate_bp: rate, tax_rate_bp: taxRate } } : {};
      const r = await post(`/api/v1/orders/${orderId}/bill`, body);
      if (r.queued) return toast(t("order.queued_action"));
      root = r;
      parts = [];
      pickSelection();
      render();
    } catch (e) {
      toast(explain(e), "error");
    }
  }

  async function printBill(id) {
    try {
      const r = await post(`/api/v1/bills/${id}/print`, {});
      toast(r.queued ? t("order.queued_action") : t("bill.printing"), "ok");
    } catch (e) {
      toast(explain(e), "error");
    }
  }

  render();
  load();

  return {
    onEvent(ev) {
      const d = ev.data || {};
      if (d.order_id !== orderId || paying || splitting) return;
      if (ev.type === "order.closed") {
        S.flash = S.flash || { table: order?.table_name || "", change: null, method: null, at: Date.now() };
        go("#/floor");
      }
    },
    onReplayed(item, result) {
      if (!item.path.startsWith("/api/v1/bills/")) return;
      if (item.path.endsWith("/payments")) {
        queued = false;
        if (result?.bill) {
          received(result, item.body);
          return;
        }
      }
      load();
    },
    leave() {
      left = true;
    },
  };
}
