// Printers: add by address (tcp://HOST:9100, usb:…, serial:…), role, paper width, code page and
// a backup printer; a test print that says whether it came out; live status (online, cover
// open, paper out); which station prints where; and failed jobs to retry.

import { del, get, patch, post } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { clear, h, toast } from "/assets/core/ui.js";
import { confirmAction, emptyState, fail, field, fmtDateTime, formSheet, getAll, icon, problem, queued, sectionHead, plural } from "/dashboard/lib.js";

const ADDRESS = /^(tcp:\/\/[A-Za-z0-9.\-[\]:]+:\d{1,5}|usb:\/\S+|serial:\/\S+)$/;

export async function mount(root) {
  let printers = [];
  let stations = [];
  let failed = [];
  const status = new Map(); // printer id → PrinterState | "loading" | {error}
  let timer = null;

  const body = h("div");
  root.append(sectionHead(t("dash.printers.title"),
    h("button.primary", { type: "button", "data-test": "add-printer", onclick: () => edit(null) }, "+ ", t("dash.printers.add"))), body);

  async function load() {
    try {
      const [p, s, f] = await Promise.all([
        get("/api/v1/printers"),
        getAll("/api/v1/kitchen/stations?include_inactive=true"),
        get("/api/v1/print-jobs?status=failed&limit=20").catch(() => ({ items: [] })),
      ]);
      printers = (p.items || []).filter((x) => x.active !== false);
      stations = s.filter((x) => x.active);
      failed = f.items || [];
      render();
      for (const pr of printers) refreshStatus(pr.id);
    } catch (e) {
      clear(body, emptyState(problem(e), h("button.primary", { type: "button", onclick: () => load() }, t("common.retry"))));
    }
  }

  async function refreshStatus(id) {
    status.set(id, "loading");
    renderStatus(id);
    try {
      status.set(id, await get(`/api/v1/printers/${id}/status`));
    } catch (e) {
      status.set(id, { fetchError: problem(e) });
    }
    renderStatus(id);
  }

  function statusLine(id) {
    const s = status.get(id);
    if (!s || s === "loading") return h("div.status-line", {}, h("span.dot"), t("dash.printers.checking"));
    if (s.fetchError) return h("div.status-line", {}, h("span.dot.bad"), s.fetchError);
    let cls = "ok";
    let text = t("dash.printers.online");
    let detail = null;
    if (!s.reachable) {
      cls = "bad";
      text = t("dash.printers.unreachable");
      detail = s.message;
    } else if (s.paper_out) {
      cls = "bad";
      text = t("dash.printers.paper_out");
    } else if (s.cover_open) {
      cls = "bad";
      text = t("dash.printers.cover_open");
    } else if (s.error || !s.online) {
      cls = "bad";
      text = t("dash.printers.error");
    } else if (s.paper_near_end) {
      cls = "warn";
      text = t("dash.printers.paper_low");
    }
    return h("div.stack", { style: { gap: "4px" } },
      h("div.status-line", { "data-test": "printer-status", "data-ok": String(cls === "ok") }, h(`span.dot.${cls}`), text),
      detail ? h("small.muted", {}, detail) : null,
      s.queued_jobs ? h("small.muted", {}, plural("dash.printers.queued", s.queued_jobs)) : null);
  }

  function renderStatus(id) {
    const slot = body.querySelector(`[data-status-for="${id}"]`);
    if (slot) clear(slot, statusLine(id));
  }

  function render() {
    const name = (id) => printers.find((p) => p.id === id)?.name;
    const cards = printers.length
      ? h("div.printer-grid", {}, printers.map((p) => h("section.card.printer", { "data-test": "printer", "data-name": p.name },
        h("div.printer-head", {}, icon("printers", 24),
          h("div", { style: { minWidth: 0, flex: 1 } }, h("div.printer-name", {}, p.name), h("div.printer-addr", {}, p.address))),
        h("div.printer-meta", {},
          h("span.badge.info", {}, t(`dash.printers.role.${p.role}`)),
          h("span.badge", {}, t("dash.printers.width_n", { n: p.width_chars })),
          h("span.badge", {}, p.code_page.toUpperCase()),
          p.backup_printer_id ? h("span.badge", {}, t("dash.printers.backup_is", { name: name(p.backup_printer_id) || "?" })) : null),
        h("div", { "data-status-for": p.id }, statusLine(p.id)),
        h("div.row", { style: { flexWrap: "wrap" } },
          h("button.small.primary", { type: "button", "data-test": "printer-test", onclick: (e) => testPrint(p, e.currentTarget) }, t("dash.printers.test")),
          h("button.small", { type: "button", onclick: () => refreshStatus(p.id) }, "↻ ", t("dash.printers.check")),
          h("button.small", { type: "button", onclick: () => edit(p) }, t("dash.edit")),
          h("span.grow"),
          h("button.small.danger-outline", { type: "button", onclick: () => remove(p) }, t("dash.remove"))))))
      : h("section.card", { style: { marginBottom: "24px" } }, emptyState(t("dash.printers.none"), h("button.primary", { type: "button", onclick: () => edit(null) }, "+ ", t("dash.printers.add"))));

    const routing = h("section.card", {},
      h("header.card-head", {}, h("div", {}, h("h2", {}, t("dash.printers.routing")), h("p.muted.small", { style: { margin: "4px 0 0" } }, t("dash.printers.routing_hint"))),
        h("button.small", { type: "button", "data-test": "add-station", onclick: addStation }, "+ ", t("dash.printers.add_station"))),
      stations.length ? h("table.data", {},
        h("thead", {}, h("tr", {}, h("th", {}, t("dash.col.station")), h("th", {}, t("dash.col.printer")))),
        h("tbody", {}, stations.map((s) => {
          const sel = h("select", { "data-test": "station-printer", "data-station": s.name, "aria-label": t("dash.printers.printer_for", { station: s.name }) },
            h("option", { value: "" }, t("dash.printers.no_printer")),
            printers.map((p) => h("option", { value: p.id }, `${p.name} (${t(`dash.printers.role.${p.role}`)})`)));
          sel.value = s.printer_id && printers.some((p) => p.id === s.printer_id) ? s.printer_id : "";
          sel.addEventListener("change", async () => {
            try {
              const r = await patch(`/api/v1/kitchen/stations/${s.id}`, { printer_id: sel.value || null });
              if (queued(r)) return;
              s.printer_id = sel.value || null;
              toast(sel.value ? t("dash.printers.routed", { station: s.name, printer: name(sel.value) }) : t("dash.printers.unrouted", { station: s.name }), "ok");
            } catch (e) {
              sel.value = s.printer_id || "";
              fail(e);
            }
          });
          return h("tr", {}, h("td", {}, h("strong", {}, s.name)), h("td", {}, sel));
        })))
        : emptyState(t("dash.printers.no_stations")));

    const jobs = failed.length ? h("section.card", { style: { marginTop: "16px" } },
      h("header.card-head", {}, h("h2", {}, t("dash.printers.failed"))),
      h("table.data", {},
        h("thead", {}, h("tr", {}, h("th", {}, t("dash.col.when")), h("th", {}, t("dash.col.printer")), h("th", {}, t("dash.col.kind")), h("th", {}, t("dash.col.error")), h("th", {}))),
        h("tbody", {}, failed.map((j) => h("tr", {},
          h("td.num", {}, fmtDateTime(j.created_at)), h("td", {}, name(j.printer_id) || "—"), h("td", {}, t(`dash.printers.kind.${j.kind}`)),
          h("td.muted", {}, j.last_error || ""),
          h("td.n", {}, h("button.small", { type: "button", onclick: async () => {
            try {
              const r = await post(`/api/v1/print-jobs/${j.id}/retry`);
              if (queued(r)) return;
              toast(t("dash.printers.retrying"), "ok");
              load();
            } catch (e) {
              fail(e);
            }
          } }, t("common.retry")))))))) : null;

    clear(body, cards, routing, jobs);
  }

  async function testPrint(p, button) {
    button.disabled = true;
    try {
      const r = await post(`/api/v1/printers/${p.id}/test`);
      if (queued(r)) return;
      toast(t("dash.printers.test_sent", { name: p.name }));
      const jobId = r.job?.id;
      for (let i = 0; i < 12 && jobId; i++) {
        await new Promise((res) => setTimeout(res, 1000));
        const list = await get(`/api/v1/print-jobs?printer_id=${p.id}&limit=50`).catch(() => null);
        const job = list?.items?.find((j) => j.id === jobId);
        if (job?.status === "printed") return toast(t("dash.printers.test_ok", { name: p.name }), "ok");
        if (job?.status === "failed" || (job && job.attempts >= 2)) {
          refreshStatus(p.id);
          return toast(t("dash.printers.test_failed", { name: p.name, error: job.last_error || t("dash.printers.unreachable") }), "error");
        }
      }
      toast(t("dash.printers.test_waiting", { name: p.name }), "error");
      refreshStatus(p.id);
    } catch (e) {
      fail(e);
    } finally {
      button.disabled = false;
    }
  }

  async function edit(p) {
    const isNew = !p;
    const name = h("input", { value: p?.name || "", required: true, "data-test": "printer-name", placeholder: t("dash.printers.name_ph") });
    const address = h("input", { value: p?.address || "", required: true, "data-test": "printer-address", placeholder: "tcp://192.168.1.50:9100", autocapitalize: "none", spellcheck: "false" });
    const role = h("select", { "data-test": "printer-role" }, ["kitchen", "receipt"].map((r) => h("option", { value: r }, t(`dash.printers.role.${r}`))));
    role.value = p?.role || "kitchen";
    const width = h("select", { "data-test": "printer-width" }, [32, 42, 48].map((w) => h("option", { value: String(w) }, t(`dash.printers.width.${w}`))));
    width.value = String(p?.width_chars || 48);
    const codePage = h("select", {}, ["cp858", "wpc1252", "cp437"].map((c) => h("option", { value: c }, t(`dash.printers.cp.${c}`))));
    codePage.value = p?.code_page || "cp858";
    const backup = h("select", { "data-test": "printer-backup" }, h("option", { value: "" }, t("dash.printers.no_backup")),
      printers.filter((x) => x.id !== p?.id).map((x) => h("option", { value: x.id }, x.name)));
    backup.value = p?.backup_printer_id || "";
    const done = await formSheet(isNew ? t("dash.printers.add") : t("dash.printers.edit", { name: p.name }), () => h("div.form-grid", {},
      field(t("dash.printers.name"), name),
      field(t("dash.printers.role_label"), role),
      h("div.full", {}, field(t("dash.printers.address"), address, t("dash.printers.address_hint"))),
      field(t("dash.printers.width_label"), width),
      field(t("dash.printers.code_page"), codePage),
      h("div.full", {}, field(t("dash.printers.backup"), backup, t("dash.printers.backup_hint")))), async () => {
      if (!name.value.trim()) throw new Error(t("dash.printers.err_name"));
      const addr = address.value.trim();
      if (!ADDRESS.test(addr)) throw new Error(t("dash.printers.err_address"));
      const payload = { name: name.value.trim(), address: addr, role: role.value, width_chars: Number(width.value), code_page: codePage.value, backup_printer_id: backup.value || null };
      return isNew ? post("/api/v1/printers", payload) : patch(`/api/v1/printers/${p.id}`, payload);
    }, { submitLabel: isNew ? t("dash.add") : t("common.save") });
    if (done && !done.queued) {
      toast(isNew ? t("dash.printers.added", { name: done.name }) : t("dash.saved"), "ok");
      await load();
    }
  }

  async function remove(p) {
    const used = stations.filter((s) => s.printer_id === p.id).map((s) => s.name);
    const text = used.length ? t("dash.printers.remove_used", { stations: used.join(", ") }) : t("dash.printers.remove_text");
    if (!(await confirmAction(t("dash.printers.remove_title", { name: p.name }), text, t("dash.remove")))) return;
    try {
      const r = await del(`/api/v1/printers/${p.id}`);
      if (queued(r)) return;
      toast(t("dash.printers.removed", { name: p.name }));
      await load();
    } catch (e) {
      fail(e);
    }
  }

  async function addStation() {
    const name = h("input", { required: true, "data-test": "station-name", placeholder: t("dash.printers.station_ph") });
    const made = await formSheet(t("dash.printers.add_station"), () => h("div.stack", {}, field(t("dash.printers.station_name"), name)), async () => {
      if (!name.value.trim()) throw new Error(t("dash.printers.err_name"));
      return post("/api/v1/kitchen/stations", { name: name.value.trim(), position: stations.length });
    }, { submitLabel: t("dash.add") });
    if (made && !made.queued) {
      toast(t("dash.printers.station_added", { name: made.name }), "ok");
      await load();
    }
  }

  await load();
  const poll = setInterval(() => printers.forEach((p) => refreshStatus(p.id)), 30_000);
  return {
    onEvent(ev) {
      if (ev.type.startsWith("print_job.") || ev.type === "menu.station_changed") {
        clearTimeout(timer);
        timer = setTimeout(load, 800);
      }
    },
    unmount() {
      clearTimeout(timer);
      clearInterval(poll);
    },
  };
}
