// Staff: everyone who can log in, with role, PIN and password set or not, hourly rate. Add,
// change role, reset PIN or password, deactivate (history stays) or bring back.
// Managers manage waiters and kitchen staff; owners manage everyone.

import { del, patch, post } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { clear, h, toast } from "/assets/core/ui.js";
import { confirmAction, emptyState, fail, field, formSheet, getAll, moneyInput, parseMoney, problem, queued, sectionHead } from "/dashboard/lib.js";
import { switchEl } from "/dashboard/menu.js";

const ROLES = ["owner", "manager", "waiter", "kitchen"];
const RANK = { owner: 3, manager: 2, waiter: 1, kitchen: 1 };

export async function mount(root, ctx) {
  let staff = [];
  let showInactive = false;
  const me = ctx.me;
  const canManage = (s) => me.role === "owner" || RANK[s.role] < RANK[me.role];
  const assignable = () => ROLES.filter((r) => me.role === "owner" || RANK[r] < RANK[me.role]);

  const list = h("div");
  root.append(
    sectionHead(t("dash.staff.title"),
      switchEl(false, (on) => {
        showInactive = on;
        render();
      }, { label: t("dash.staff.show_inactive"), test: "staff-inactive" }),
      h("button.primary", { type: "button", "data-test": "add-staff", onclick: add }, "+ ", t("dash.staff.add"))),
    list);

  async function load() {
    try {
      staff = await getAll("/api/v1/staff?include_inactive=true&limit=200");
      ctx.staff = new Map(staff.map((s) => [s.id, s]));
      render();
    } catch (e) {
      clear(list, emptyState(problem(e), h("button.primary", { type: "button", onclick: () => load() }, t("common.retry"))));
    }
  }

  function render() {
    const rows = staff
      .filter((s) => showInactive || s.active)
      .sort((a, b) => Number(b.active) - Number(a.active) || RANK[b.role] - RANK[a.role] || a.name.localeCompare(b.name));
    clear(list, h("section.card", {}, rows.length ? h("div.table-wrap", {}, h("table.data.staff-table", {},
      h("thead", {}, h("tr", {},
        h("th", {}, t("dash.col.name")), h("th", {}, t("dash.col.role")), h("th", {}, t("dash.col.login")),
        h("th.n", {}, t("dash.col.rate")), h("th", {}, t("dash.col.status")), h("th.n", {}, ""))),
      h("tbody", {}, rows.map((s) => {
        const mine = s.id === me.id;
        const editable = canManage(s) && !mine;
        const roleCell = editable && s.active
          ? (() => {
            const sel = h("select.role-select", { "aria-label": t("dash.staff.role_of", { name: s.name }), "data-test": "staff-role" },
              assignable().map((r) => h("option", { value: r }, t(`dash.role.${r}`))));
            sel.value = s.role;
            sel.addEventListener("change", () => changeRole(s, sel));
            return sel;
          })()
          : h(`span.badge.role-${s.role}`, {}, t(`dash.role.${s.role}`));
        return h(`tr${s.active ? "" : ".inactive-row"}`, { "data-test": "staff-row", "data-username": s.username },
          h("td", {}, h("strong", {}, s.name), mine ? h("span.badge.info", { style: { marginLeft: "8px" } }, t("dash.staff.you")) : null,
            h("div.muted.small", {}, `@${s.username}`)),
          h("td", {}, roleCell),
          h("td", {}, h("div.row", {},
            s.has_pin ? h("span.badge.ok", {}, "✓ ", t("dash.staff.pin")) : h("span.badge", {}, t("dash.staff.no_pin")),
            s.has_password ? h("span.badge.ok", {}, "✓ ", t("dash.staff.password")) : null)),
          h("td.n.num", {}, s.hourly_rate !== null && s.hourly_rate !== undefined ? t("dash.staff.per_hour", { amount: money(s.hourly_rate) }) : "—"),
          h("td", {}, s.active ? h("span.badge.ok", {}, t("dash.active")) : h("span.badge.off", {}, t("dash.inactive"))),
          h("td.n", {}, h("div.row.end", {},
            editable || mine ? h("button.small", { type: "button", onclick: () => edit(s) }, t("dash.edit")) : null,
            editable ? (s.active
              ? h("button.small.danger-outline", { type: "button", "data-test": "staff-deactivate", onclick: () => deactivate(s) }, t("dash.staff.deactivate"))
              : h("button.small", { type: "button", onclick: () => reactivate(s) }, t("dash.staff.reactivate"))) : null)));
      })))) : emptyState(t("dash.staff.none"))));
  }

  async function changeRole(s, sel) {
    const role = sel.value;
    if (RANK[role] >= 2 && !s.has_password) {
      toast(t("dash.staff.needs_password"), "error");
      sel.value = s.role;
      return edit(s, role);
    }
    try {
      const r = await patch(`/api/v1/staff/${s.id}`, { role });
      if (queued(r)) return;
      toast(t("dash.staff.role_changed", { name: s.name, role: t(`dash.role.${role}`) }), "ok");
      await load();
    } catch (e) {
      sel.value = s.role;
      fail(e);
    }
  }

  function credentialFields(roleSel, isNew) {
    const pin = h("input", { inputmode: "numeric", pattern: "[0-9]*", maxlength: "6", autocomplete: "off", "data-test": "staff-pin", placeholder: isNew ? "" : t("dash.staff.keep") });
    const password = h("input", { type: "password", autocomplete: "new-password", "data-test": "staff-password", placeholder: isNew ? "" : t("dash.staff.keep") });
    const pwField = field(t("dash.staff.password"), password, t("dash.staff.password_hint"));
    const sync = () => pwField.classList.toggle("required", RANK[roleSel.value] >= 2);
    roleSel.addEventListener("change", sync);
    sync();
    return { pin, password, fields: [field(t("dash.staff.pin"), pin, t("dash.staff.pin_hint")), pwField] };
  }

  function check({ name, username, role, pin, password, rate }, isNew, had) {
    if (!name.trim()) throw new Error(t("dash.staff.err_name"));
    if (isNew && !/^[a-z0-9._-]{2,32}$/i.test(username.trim())) throw new Error(t("dash.staff.err_username"));
    if (pin && !/^\d{4,6}$/.test(pin)) throw new Error(t("dash.staff.err_pin"));
    if (password && password.length < 8) throw new Error(t("dash.staff.err_password"));
    if (RANK[role] >= 2 && !password && !had?.has_password) throw new Error(t("dash.staff.needs_password"));
    if (isNew && !pin && !password) throw new Error(t("dash.staff.err_login"));
    if (rate && parseMoney(rate) === null) throw new Error(t("dash.staff.err_rate"));
  }

  async function add() {
    const name = h("input", { required: true, "data-test": "staff-name", autocomplete: "off" });
    const username = h("input", { required: true, "data-test": "staff-username", autocapitalize: "none", autocomplete: "off", spellcheck: "false" });
    const role = h("select", { "data-test": "staff-new-role" }, assignable().map((r) => h("option", { value: r }, t(`dash.role.${r}`))));
    role.value = "waiter";
    const rate = h("input", { inputmode: "decimal", placeholder: moneyInput(0) });
    const cred = credentialFields(role, true);
    name.addEventListener("input", () => {
      if (!username.dataset.touched) username.value = name.value.trim().split(/\s+/)[0]?.toLowerCase().normalize("NFD").replace(/[^a-z0-9]/g, "") || "";
    });
    username.addEventListener("input", () => (username.dataset.touched = "1"));
    const made = await formSheet(t("dash.staff.add"), () => h("div.form-grid", {},
      field(t("dash.col.name"), name), field(t("dash.staff.username"), username),
      field(t("dash.col.role"), role), field(t("dash.staff.rate"), rate, t("dash.staff.rate_hint")),
      ...cred.fields), async () => {
      const v = { name: name.value, username: username.value, role: role.value, pin: cred.pin.value, password: cred.password.value, rate: rate.value };
      check(v, true);
      return post("/api/v1/staff", {
        name: v.name.trim(), username: v.username.trim(), role: v.role, pin: v.pin || null, password: v.password || null,
        hourly_rate: v.rate ? parseMoney(v.rate) : null,
      });
    }, { submitLabel: t("dash.staff.add") });
    if (made && !made.queued) {
      toast(t("dash.staff.added", { name: made.name }), "ok");
      await load();
    }
  }

  async function edit(s, wantRole) {
    const mine = s.id === me.id;
    const name = h("input", { value: s.name, required: true });
    const role = h("select", { disabled: mine || !canManage(s) }, (mine ? [s.role] : assignable()).map((r) => h("option", { value: r }, t(`dash.role.${r}`))));
    role.value = wantRole || s.role;
    const rate = h("input", { inputmode: "decimal", value: s.hourly_rate !== null && s.hourly_rate !== undefined ? moneyInput(s.hourly_rate) : "" });
    const cred = credentialFields(role, false);
    const done = await formSheet(t("dash.staff.edit", { name: s.name }), () => h("div.form-grid", {},
      field(t("dash.col.name"), name), field(t("dash.col.role"), role),
      field(t("dash.staff.rate"), rate, t("dash.staff.rate_hint")), h("div"),
      ...cred.fields,
      h("p.muted.small.full", {}, t("dash.staff.keep_hint"))), async () => {
      const v = { name: name.value, username: s.username, role: role.value, pin: cred.pin.value, password: cred.password.value, rate: rate.value };
      check(v, false, s);
      const changes = {};
      if (v.name.trim() !== s.name) changes.name = v.name.trim();
      if (!mine && v.role !== s.role) changes.role = v.role;
      if (v.pin) changes.pin = v.pin;
      if (v.password) changes.password = v.password;
      const newRate = v.rate ? parseMoney(v.rate) : null;
      if (newRate !== (s.hourly_rate ?? null)) changes.hourly_rate = newRate;
      if (!Object.keys(changes).length) return { unchanged: true };
      return patch(`/api/v1/staff/${s.id}`, changes);
    });
    if (done && !done.queued && !done.unchanged) {
      toast(t("dash.saved"), "ok");
      await load();
    }
  }

  async function deactivate(s) {
    if (!(await confirmAction(t("dash.staff.deactivate_title", { name: s.name }), t("dash.staff.deactivate_text"), t("dash.staff.deactivate")))) return;
    try {
      const r = await del(`/api/v1/staff/${s.id}`);
      if (queued(r)) return;
      toast(t("dash.staff.deactivated", { name: s.name }));
      await load();
    } catch (e) {
      fail(e);
    }
  }

  async function reactivate(s) {
    try {
      const r = await patch(`/api/v1/staff/${s.id}`, { active: true });
      if (queued(r)) return;
      toast(t("dash.staff.reactivated", { name: s.name }), "ok");
      await load();
    } catch (e) {
      fail(e);
    }
  }

  await load();
  return {
    onEvent(ev) {
      if (ev.type.startsWith("staff.") && !ev.type.startsWith("staff.clocked")) load();
    },
  };
}
