// Menu: categories · items · the item's editor (price, tax rate, station, cost, allergens,
// modifier groups, 86), and the modifier groups with their options. Changes are live on every
// tablet (the box sends `menu.*` events); this page follows them too.

import { get, patch, post } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { money } from "/assets/core/money.js";
import { clear, h, toast } from "/assets/core/ui.js";
import {
  confirmAction, emptyState, fail, field, formSheet, moneyInput, parseMoney, parseRate, problem, queued, rateInput, sectionHead, plural,
} from "/dashboard/lib.js";

const ALLERGENS = ["gluten", "crustaceans", "eggs", "fish", "peanuts", "soybeans", "milk", "nuts", "celery", "mustard", "sesame", "sulphites", "lupin", "molluscs"];

export function switchEl(checked, onchange, { test, label } = {}) {
  const input = h("input", { type: "checkbox", role: "switch", "data-test": test, "aria-label": label });
  input.checked = checked;
  input.addEventListener("change", () => onchange(input.checked, input));
  return h("label.switch", {}, input, h("span.track", { "aria-hidden": "true" }), label ? h("span.switch-label", {}, label) : null);
}

export async function mount(root) {
  let tree = null;
  let view = sessionStorage.getItem("comanda.dash.menu.view") || "items";
  let categoryId = null;
  let itemId = null; // "new" for a new item
  let groupId = null; // "new" for a new group
  let dirty = false;
  let timer = null;

  const tabs = h("div.segmented", { role: "tablist" });
  const body = h("div");
  root.append(sectionHead(t("dash.menu.title"), tabs), body);

  async function load() {
    try {
      tree = await get("/api/v1/menu?include_inactive=true");
      tree.categories.sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
      for (const c of tree.categories) c.items.sort((a, b) => Number(b.active) - Number(a.active) || a.position - b.position || a.name.localeCompare(b.name));
      if (!categoryId || !tree.categories.some((c) => c.id === categoryId)) categoryId = tree.categories.find((c) => c.active)?.id ?? tree.categories[0]?.id ?? null;
      render();
    } catch (e) {
      clear(body, emptyState(problem(e), h("button.primary", { type: "button", onclick: () => load() }, t("common.retry"))));
    }
  }

  function render() {
    clear(tabs, ["items", "groups"].map((v) => h("button", {
      type: "button", role: "tab", "aria-pressed": String(v === view), "data-test": `menu-tab-${v}`,
      onclick: () => {
        if (v === view) return;
        if (dirty && !window.confirm(t("dash.unsaved"))) return;
        dirty = false;
        view = v;
        sessionStorage.setItem("comanda.dash.menu.view", v);
        render();
      },
    }, t(`dash.menu.tab.${v}`))));
    if (view === "groups") renderGroups();
    else renderItems();
  }

  const station = (id) => tree.stations.find((s) => s.id === id);
  const allItems = () => tree.categories.flatMap((c) => c.items.map((i) => ({ ...i, category_id: c.id })));

  // ---- items -------------------------------------------------------------------------------

  function renderItems() {
    const cat = tree.categories.find((c) => c.id === categoryId);
    const item = itemId && itemId !== "new" ? cat?.items.find((i) => i.id === itemId) ?? allItems().find((i) => i.id === itemId) : null;
    if (itemId && itemId !== "new" && !item) itemId = null;

    const cats = h("section.card.list-card.cat-card", {},
      h("header.card-head", {}, h("h2", {}, t("dash.menu.categories")),
        h("button.small", { type: "button", "data-test": "add-category", onclick: addCategory }, "+ ", t("dash.add"))),
      h("ul.pick-list", {}, tree.categories.map((c) => h("li", {},
        h(`button.pick${c.active ? "" : ".inactive"}`, {
          type: "button", "aria-selected": String(c.id === categoryId), "data-test": "category",
          onclick: () => {
            if (dirty && !window.confirm(t("dash.unsaved"))) return;
            dirty = false;
            categoryId = c.id;
            itemId = null;
            render();
          },
        }, h("span.pick-main", {}, h("span", {}, c.name), h("small", {}, c.active ? plural("dash.menu.items_n", c.items.filter((i) => i.active).length) : t("dash.hidden"))),
        c.items.some((i) => i.active && !i.available) ? h("span.tag-86", { title: t("dash.menu.has_86") }, "86") : null)))));

    const list = cat
      ? h("section.card.list-card", {},
        h("header.card-head", {},
          h("h2", {}, cat.name, cat.active ? null : h("span.badge.off", { style: { marginLeft: "8px" } }, t("dash.hidden"))),
          h("div.row", {},
            h("button.small", { type: "button", onclick: () => editCategory(cat) }, t("dash.edit")),
            h("button.small.primary", { type: "button", "data-test": "add-item", onclick: () => {
              if (dirty && !window.confirm(t("dash.unsaved"))) return;
              itemId = "new";
              dirty = false;
              render();
              revealDetail();
            } }, "+ ", t("dash.menu.add_item")))),
        cat.items.length
          ? h("ul.pick-list", {}, cat.items.map((i) => h("li.item-li", {},
            h(`div.pick${i.id === itemId ? ".active" : ""}${i.active ? "" : ".inactive"}${i.available ? "" : ".sold-out"}`, {
              role: "button", tabindex: "0", "data-test": "menu-item", "data-name": i.name,
              onclick: (e) => {
                if (e.target.closest(".switch")) return;
                if (dirty && itemId !== i.id && !window.confirm(t("dash.unsaved"))) return;
                dirty = false;
                itemId = i.id;
                render();
                revealDetail();
              },
              onkeydown: (e) => e.key === "Enter" && e.currentTarget.click(),
            },
            h("span.pick-main", {},
              h("span", {}, i.name),
              h("small", {}, [station(i.station_id)?.name, `${rateInput(i.tax_rate_bp)} %`, i.active ? null : t("dash.archived")].filter(Boolean).join(" · "))),
            h("span.item-row-price", {}, money(i.price)),
            i.active ? h("span.eighty-six", { title: t("dash.menu.available_hint") },
              switchEl(i.available, (on, input) => toggle86(i, on, input), { test: "toggle-86", label: i.available ? t("dash.menu.on") : t("dash.menu.off") })) : null))))
          : emptyState(t("dash.menu.no_items")))
      : h("section.card", {}, emptyState(t("dash.menu.no_categories")));

    const detail = h("section.card.detail", {}, itemId ? itemForm(item, cat) : emptyState(t("dash.menu.pick_item")));
    clear(body, h("div.split", {}, cats, list, detail));
  }

  /// On a narrow screen the editor is below the lists: bring it into view.
  function revealDetail() {
    if (window.matchMedia("(max-width: 1100px)").matches) body.querySelector(".detail")?.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  async function toggle86(item, available, input) {
    try {
      const r = await patch(`/api/v1/menu/items/${item.id}`, { available });
      if (queued(r)) return;
      item.available = available;
      toast(available ? t("dash.menu.back_on", { name: item.name }) : t("dash.menu.now_86", { name: item.name }), available ? "ok" : "info");
      if (!dirty) render();
    } catch (e) {
      input.checked = !available;
      fail(e);
    }
  }

  function itemForm(item, cat) {
    const isNew = !item;
    const v = item || { name: "", price: 0, tax_rate_bp: tree.categories.flatMap((c) => c.items)[0]?.tax_rate_bp ?? 1000, station_id: tree.stations.find((s) => s.active)?.id, cost: null, allergens: [], modifier_group_ids: [], available: true, active: true };
    const name = h("input", { value: v.name, required: true, maxlength: "80", "data-test": "item-name" });
    const price = h("input", { value: isNew ? "" : moneyInput(v.price), inputmode: "decimal", required: true, "data-test": "item-price", placeholder: moneyInput(0) });
    const tax = h("input", { value: rateInput(v.tax_rate_bp), inputmode: "decimal", required: true, "data-test": "item-tax" });
    const cost = h("input", { value: v.cost === null || v.cost === undefined ? "" : moneyInput(v.cost), inputmode: "decimal", "data-test": "item-cost" });
    const stationSel = h("select", { "data-test": "item-station" }, tree.stations.filter((s) => s.active || s.id === v.station_id).map((s) => h("option", { value: s.id }, s.name)));
    stationSel.value = v.station_id || "";
    const catSel = h("select", { "data-test": "item-category" }, tree.categories.map((c) => h("option", { value: c.id }, c.name)));
    catSel.value = item ? allItems().find((i) => i.id === item.id)?.category_id : cat?.id;
    const allergenBoxes = ALLERGENS.map((a) => {
      const box = h("input", { type: "checkbox", value: a });
      box.checked = v.allergens.includes(a);
      return h("label.check", {}, box, t(`dash.allergen.${a}`));
    });
    const groupBoxes = tree.modifier_groups.filter((g) => g.active || v.modifier_group_ids.includes(g.id)).map((g) => {
      const box = h("input", { type: "checkbox", value: g.id });
      box.checked = v.modifier_group_ids.includes(g.id);
      return h("label.check", {}, box, g.name);
    });
    const available = switchEl(v.available, () => {}, { test: "item-available", label: t("dash.menu.available") });
    const error = h("p.form-error", { role: "alert", hidden: true });
    const save = h("button.primary", { type: "submit", "data-test": "item-save" }, isNew ? t("dash.menu.create_item") : t("common.save"));

    const form = h("form.stack", {
      oninput: () => (dirty = true),
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        const p = parseMoney(price.value);
        const bp = parseRate(tax.value);
        const c = cost.value.trim() ? parseMoney(cost.value) : null;
        const problems = [];
        if (!name.value.trim()) problems.push(t("dash.menu.err_name"));
        if (p === null) problems.push(t("dash.menu.err_price"));
        if (bp === null) problems.push(t("dash.menu.err_tax"));
        if (cost.value.trim() && c === null) problems.push(t("dash.menu.err_cost"));
        if (!stationSel.value) problems.push(t("dash.menu.err_station"));
        if (problems.length) {
          error.textContent = problems.join(" ");
          error.hidden = false;
          return;
        }
        const bodyObj = {
          name: name.value.trim(), price: p, tax_rate_bp: bp, station_id: stationSel.value, category_id: catSel.value, cost: c,
          allergens: allergenBoxes.map((l) => l.querySelector("input")).filter((b) => b.checked).map((b) => b.value),
          modifier_group_ids: groupBoxes.map((l) => l.querySelector("input")).filter((b) => b.checked).map((b) => b.value),
        };
        save.disabled = true;
        try {
          let r;
          if (isNew) {
            r = await post("/api/v1/menu/items", bodyObj);
            if (!queued(r) && !available.querySelector("input").checked) await patch(`/api/v1/menu/items/${r.id}`, { available: false });
          } else {
            r = await patch(`/api/v1/menu/items/${item.id}`, { ...bodyObj, available: available.querySelector("input").checked });
          }
          dirty = false;
          if (queued(r)) return;
          toast(isNew ? t("dash.menu.created", { name: bodyObj.name }) : t("dash.saved"), "ok");
          itemId = r.id;
          categoryId = bodyObj.category_id;
          await load();
        } catch (err) {
          error.textContent = problem(err);
          error.hidden = false;
        } finally {
          save.disabled = false;
        }
      },
    },
    h("div.spread", {}, h("h2", {}, isNew ? t("dash.menu.new_item") : item.name),
      item && !item.active ? h("span.badge.off", {}, t("dash.archived")) : item && !item.available ? h("span.tag-86", {}, t("dash.menu.sold_out")) : null),
    field(t("dash.menu.name"), name),
    h("div.form-grid", {},
      field(t("dash.menu.price"), price, site_tax_hint()),
      field(t("dash.menu.tax_rate"), tax, t("dash.menu.tax_hint")),
      field(t("dash.menu.station"), stationSel),
      field(t("dash.menu.category"), catSel),
      field(t("dash.menu.cost"), cost, t("dash.menu.cost_hint"))),
    available,
    h("fieldset.plain", {}, h("legend", {}, t("dash.menu.modifier_groups")),
      groupBoxes.length ? h("div.checks", {}, groupBoxes) : h("p.muted", {}, t("dash.menu.no_groups"))),
    h("fieldset.plain", {}, h("legend", {}, t("dash.menu.allergens")), h("div.checks", {}, allergenBoxes)),
    error,
    h("div.detail-actions", {},
      item ? (item.active
        ? h("button.danger", { type: "button", "data-test": "item-archive", onclick: async () => {
          if (!(await confirmAction(t("dash.menu.archive_title", { name: item.name }), t("dash.menu.archive_text"), t("dash.menu.archive")))) return;
          try {
            const r = await patch(`/api/v1/menu/items/${item.id}`, { active: false });
            if (queued(r)) return;
            toast(t("dash.menu.archived", { name: item.name }));
            dirty = false;
            await load();
          } catch (err) {
            fail(err);
          }
        } }, t("dash.menu.archive"))
        : h("button", { type: "button", onclick: async () => {
          try {
            const r = await patch(`/api/v1/menu/items/${item.id}`, { active: true });
            if (queued(r)) return;
            await load();
          } catch (err) {
            fail(err);
          }
        } }, t("dash.menu.restore"))) : h("span"),
      h("div.row", {},
        h("button", { type: "button", onclick: () => {
          dirty = false;
          itemId = null;
          render();
        } }, t("common.cancel")),
        save)));
    return form;
  }

  function site_tax_hint() {
    return t("dash.menu.price_hint");
  }

  async function addCategory() {
    const name = h("input", { required: true, maxlength: "50", "data-test": "category-name" });
    const made = await formSheet(t("dash.menu.new_category"), () => h("div.stack", {}, field(t("dash.menu.name"), name)), async () => {
      if (!name.value.trim()) throw new Error(t("dash.menu.err_name"));
      const position = Math.max(0, ...tree.categories.map((c) => c.position)) + 10;
      const r = await post("/api/v1/menu/categories", { name: name.value.trim(), position });
      return r;
    }, { submitLabel: t("dash.add") });
    if (made && !made.queued) {
      categoryId = made.id;
      itemId = null;
      toast(t("dash.menu.category_added", { name: made.name }), "ok");
      await load();
    }
  }

  async function editCategory(cat) {
    const name = h("input", { value: cat.name, required: true, maxlength: "50" });
    const position = h("input", { value: String(cat.position), inputmode: "numeric" });
    const visible = switchEl(cat.active, () => {}, { label: t("dash.menu.category_visible") });
    const done = await formSheet(t("dash.menu.edit_category"), () => h("div.stack", {},
      field(t("dash.menu.name"), name),
      field(t("dash.menu.position"), position, t("dash.menu.position_hint")),
      visible), async () => {
      if (!name.value.trim()) throw new Error(t("dash.menu.err_name"));
      const pos = Number(position.value);
      if (!Number.isInteger(pos) || pos < 0) throw new Error(t("dash.menu.err_position"));
      const active = visible.querySelector("input").checked;
      if (!active && cat.active && !(await confirmAction(t("dash.menu.hide_title", { name: cat.name }), t("dash.menu.hide_text"), t("dash.menu.hide")))) {
        throw new Error(t("dash.menu.hide_cancelled"));
      }
      return patch(`/api/v1/menu/categories/${cat.id}`, { name: name.value.trim(), position: pos, active });
    });
    if (done && !done.queued) {
      toast(t("dash.saved"), "ok");
      await load();
    }
  }

  // ---- modifier groups ---------------------------------------------------------------------

  function renderGroups() {
    const groups = [...tree.modifier_groups].sort((a, b) => Number(b.active) - Number(a.active) || a.name.localeCompare(b.name));
    const group = groupId && groupId !== "new" ? groups.find((g) => g.id === groupId) : null;
    if (groupId && groupId !== "new" && !group) groupId = null;
    const used = (id) => allItems().filter((i) => i.active && i.modifier_group_ids.includes(id)).length;
    const list = h("section.card.list-card", {},
      h("header.card-head", {}, h("h2", {}, t("dash.menu.tab.groups")),
        h("button.small.primary", { type: "button", "data-test": "add-group", onclick: () => {
          if (dirty && !window.confirm(t("dash.unsaved"))) return;
          groupId = "new";
          dirty = false;
          render();
        } }, "+ ", t("dash.add"))),
      groups.length ? h("ul.pick-list", {}, groups.map((g) => h("li", {},
        h(`button.pick${g.active ? "" : ".inactive"}`, {
          type: "button", "aria-selected": String(g.id === groupId), "data-test": "modifier-group",
          onclick: () => {
            if (dirty && !window.confirm(t("dash.unsaved"))) return;
            dirty = false;
            groupId = g.id;
            render();
          },
        }, h("span.pick-main", {}, h("span", {}, g.name),
          h("small", {}, [rule(g), plural("dash.menu.options_n", g.options.length), plural("dash.menu.used_by", used(g.id))].join(" · "))))))) : emptyState(t("dash.menu.no_groups")));
    const detail = h("section.card", {}, groupId ? groupForm(group) : emptyState(t("dash.menu.pick_group")));
    clear(body, h("div.split.two", {}, list, detail));
  }

  function rule(g) {
    if (g.min === g.max) return t("dash.menu.choose_n", { n: g.min });
    if (g.min === 0) return t("dash.menu.up_to", { n: g.max });
    return t("dash.menu.between", { min: g.min, max: g.max });
  }

  function groupForm(group) {
    const isNew = !group;
    const v = group || { name: "", min: 0, max: 1, options: [{ name: "", price_delta: 0 }], active: true };
    const name = h("input", { value: v.name, required: true, maxlength: "60", "data-test": "group-name" });
    const min = h("input", { value: String(v.min), inputmode: "numeric", "data-test": "group-min" });
    const max = h("input", { value: String(v.max), inputmode: "numeric", "data-test": "group-max" });
    const rows = h("div.options-editor");
    const addRow = (o = { name: "", price_delta: 0 }) => {
      const row = h("div.option-row", {},
        h("input", { value: o.name, placeholder: t("dash.menu.option_name"), "aria-label": t("dash.menu.option_name"), class: "opt-name" }),
        h("input", { value: o.price_delta ? moneyInput(o.price_delta) : "", placeholder: moneyInput(0), inputmode: "decimal", "aria-label": t("dash.menu.option_price"), class: "opt-price" }),
        h("button.ghost", { type: "button", "aria-label": t("dash.remove"), title: t("dash.remove"), onclick: () => {
          row.remove();
          dirty = true;
        } }, "✕"));
      rows.append(row);
      return row;
    };
    v.options.forEach((o) => addRow(o));
    const error = h("p.form-error", { role: "alert", hidden: true });
    const save = h("button.primary", { type: "submit", "data-test": "group-save" }, isNew ? t("dash.menu.create_group") : t("common.save"));
    return h("form.stack", {
      oninput: () => (dirty = true),
      onsubmit: async (e) => {
        e.preventDefault();
        error.hidden = true;
        const options = [...rows.querySelectorAll(".option-row")].map((r) => ({
          name: r.querySelector(".opt-name").value.trim(),
          price: r.querySelector(".opt-price").value.trim(),
        })).filter((o) => o.name || o.price);
        const problems = [];
        if (!name.value.trim()) problems.push(t("dash.menu.err_name"));
        const mn = Number(min.value);
        const mx = Number(max.value);
        if (!Number.isInteger(mn) || !Number.isInteger(mx) || mn < 0 || mx < 1 || mx > 20 || mn > mx) problems.push(t("dash.menu.err_minmax"));
        const parsed = options.map((o) => ({ name: o.name, price_delta: o.price ? parseMoney(o.price, { allowNegative: true }) : 0 }));
        if (parsed.some((o) => !o.name)) problems.push(t("dash.menu.err_option_name"));
        if (parsed.some((o) => o.price_delta === null)) problems.push(t("dash.menu.err_option_price"));
        if (!parsed.length) problems.push(t("dash.menu.err_no_options"));
        else if (mn > parsed.length) problems.push(t("dash.menu.err_min_options"));
        if (problems.length) {
          error.textContent = problems.join(" ");
          error.hidden = false;
          return;
        }
        save.disabled = true;
        try {
          const payload = { name: name.value.trim(), min: mn, max: mx, options: parsed };
          const r = isNew ? await post("/api/v1/menu/modifier-groups", payload) : await patch(`/api/v1/menu/modifier-groups/${group.id}`, payload);
          dirty = false;
          if (queued(r)) return;
          toast(isNew ? t("dash.menu.group_created", { name: payload.name }) : t("dash.saved"), "ok");
          groupId = r.id;
          await load();
        } catch (err) {
          error.textContent = problem(err);
          error.hidden = false;
        } finally {
          save.disabled = false;
        }
      },
    },
    h("h2", {}, isNew ? t("dash.menu.new_group") : group.name),
    field(t("dash.menu.name"), name),
    h("div.form-grid", {},
      field(t("dash.menu.min"), min, t("dash.menu.min_hint")),
      field(t("dash.menu.max"), max, t("dash.menu.max_hint"))),
    h("fieldset.plain", {}, h("legend", {}, t("dash.menu.options")),
      h("div.option-row.option-head", {}, h("small.muted", {}, t("dash.menu.option_name")), h("small.muted", {}, t("dash.menu.option_price")), h("span")),
      rows,
      h("button.small", { type: "button", onclick: () => addRow().querySelector("input").focus() }, "+ ", t("dash.menu.add_option"))),
    !isNew ? h("p.muted.small", {}, t("dash.menu.options_note")) : null,
    error,
    h("div.detail-actions", {},
      group ? h(group.active ? "button.danger" : "button", { type: "button", onclick: async () => {
        if (group.active && !(await confirmAction(t("dash.menu.group_off_title", { name: group.name }), t("dash.menu.group_off_text"), t("dash.menu.group_off")))) return;
        try {
          const r = await patch(`/api/v1/menu/modifier-groups/${group.id}`, { active: !group.active });
          if (queued(r)) return;
          dirty = false;
          await load();
        } catch (err) {
          fail(err);
        }
      } }, group.active ? t("dash.menu.group_off") : t("dash.menu.restore")) : h("span"),
      h("div.row", {}, h("button", { type: "button", onclick: () => {
        dirty = false;
        groupId = null;
        render();
      } }, t("common.cancel")), save)));
  }

  await load();
  return {
    onEvent(ev) {
      if (!ev.type.startsWith("menu.")) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!dirty) load();
      }, 500);
    },
    unmount: () => clearTimeout(timer),
  };
}
