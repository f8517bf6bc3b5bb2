// System: the version this box runs, what the last update did, and (owners) uploading an
// update — the file and its .sha256 from the installer. The box checks it, writes it to its
// spare system partition and restarts into it; a version that does not become healthy is
// rolled back by the box itself (README "On the appliance").

import { get, postNow, session } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { clear, h } from "/assets/core/ui.js";
import { field, fmtDateTime, problem, sectionHead } from "/dashboard/lib.js";

export async function mount(root, ctx) {
  const status = h("div", { "data-test": "system-status" });
  const cloud = h("div", { "data-test": "sync-status" });
  const owner = ctx.me?.role === "owner";
  root.append(sectionHead(t("dash.system.title")), h("section.card", {}, status),
    h("section.card", { style: { marginTop: "16px" } }, h("h2", {}, t("dash.sync.title")), cloud));
  const pairing = owner ? pairForm() : null;
  if (owner) {
    root.append(h("section.card", { style: { marginTop: "16px" } }, pairing.form));
    root.append(h("section.card", { style: { marginTop: "16px" } }, uploadForm()));
  }
  await load();

  async function load() {
    loadSync();
    try {
      const s = await get("/api/v1/system/update");
      const last = s.last;
      clear(status,
        h("p", {}, t("dash.system.version"), " ", h("strong", { "data-test": "system-version" }, s.version)),
        s.staged ? h("p.warn", {}, t("dash.system.staged")) : null,
        last ? h("p.muted", { "data-test": "system-last" },
          last.state === "applied"
            ? t("dash.system.last_applied", { version: last.applied?.version || "?", at: fmtDateTime(last.at) })
            : t("dash.system.last_failed", { error: last.error || "?", at: fmtDateTime(last.at) })) : null,
        h("p.muted.small", {}, t("dash.system.rollback_hint")));
    } catch (e) {
      clear(status, h("p.form-error", { role: "alert" }, problem(e)));
    }
  }

  // Cloud sync: whether it is on, how far the cloud has confirmed, and why not when it is behind.
  async function loadSync() {
    try {
      const s = await get("/api/v1/sync/status");
      if (pairing && s.cloud_url && !pairing.url.value) pairing.url.value = s.cloud_url;
      if (!s.enabled) {
        clear(cloud, h("p.muted", { "data-test": "sync-off" }, t("dash.sync.off")));
        return;
      }
      clear(cloud,
        h("p", {}, s.backlog === 0 ? t("dash.sync.up_to_date") : t("dash.sync.behind", { backlog: s.backlog }),
          " ", h("span.muted", {}, t("dash.sync.to", { url: s.cloud_url || "" }))),
        s.last_success ? h("p.muted", {}, t("dash.sync.last_success", { at: fmtDateTime(s.last_success) })) : null,
        s.last_error ? h("p.form-error", { "data-test": "sync-error" }, s.stopped ? t("dash.sync.stopped", { error: s.last_error }) : s.last_error) : null);
    } catch (e) {
      clear(cloud, h("p.form-error", { role: "alert" }, problem(e)));
    }
  }

  // Pairing: the owner types the cloud's address and the one-time code the cloud showed them;
  // the box trades it for its site's token and starts sending at once.
  function pairForm() {
    const url = h("input", { type: "url", "data-test": "pair-url", placeholder: "https://cloud.example.com", required: true, maxlength: 500 });
    const code = h("input", { "data-test": "pair-code", placeholder: "7KQ2M-X9D4F", required: true, maxlength: 64, autocomplete: "off", autocapitalize: "characters" });
    const message = h("p", { role: "status", "data-test": "pair-message" });
    const submit = h("button.primary", { type: "submit", "data-test": "pair-submit" }, t("dash.sync.pair"));
    const form = h("form", {
      onsubmit: async (e) => {
        e.preventDefault();
        submit.disabled = true;
        message.className = "";
        message.textContent = t("dash.sync.pairing");
        try {
          await postNow("/api/v1/sync/pair", { cloud_url: url.value.trim(), code: code.value.trim() });
          code.value = "";
          message.textContent = t("dash.sync.paired");
          loadSync();
        } catch (err) {
          message.className = "form-error";
          message.textContent = problem(err);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h("h2", {}, t("dash.sync.pair_title")),
    h("p.muted", {}, t("dash.sync.pair_hint")),
    field(t("dash.sync.cloud_url"), url),
    field(t("dash.sync.code"), code),
    message, submit);
    return { form, url };
  }

  function uploadForm() {
    const file = h("input", { type: "file", "data-test": "update-file", accept: ".zst,.raw,.ext4" });
    const sum = h("input", { type: "file", "data-test": "update-sha256", accept: ".sha256" });
    const bar = h("progress", { max: 100, value: 0, hidden: true });
    const message = h("p", { role: "status" });
    const submit = h("button.primary", { type: "submit", "data-test": "update-upload" }, t("dash.system.upload"));
    return h("form", {
      onsubmit: async (e) => {
        e.preventDefault();
        message.className = "";
        const f = file.files?.[0];
        const s = sum.files?.[0];
        if (!f || !s) {
          message.className = "form-error";
          message.textContent = t("dash.system.need_both");
          return;
        }
        const hex = ((await s.text()).trim().split(/\s+/)[0] || "").toLowerCase();
        if (!/^[0-9a-f]{64}$/.test(hex)) {
          message.className = "form-error";
          message.textContent = t("dash.system.bad_sha256");
          return;
        }
        submit.disabled = true;
        bar.hidden = false;
        message.textContent = t("dash.system.uploading");
        const xhr = new XMLHttpRequest();
        xhr.open("POST", `/api/v1/system/update?sha256=${hex}`);
        xhr.setRequestHeader("authorization", `Bearer ${session()?.access_token || ""}`);
        xhr.setRequestHeader("content-type", "application/octet-stream");
        xhr.upload.onprogress = (p) => { if (p.lengthComputable) bar.value = Math.round((100 * p.loaded) / p.total); };
        xhr.onload = () => {
          submit.disabled = false;
          bar.hidden = true;
          if (xhr.status === 202) {
            message.textContent = t("dash.system.staged_restart");
            load();
            return;
          }
          let text = xhr.statusText;
          try { text = JSON.parse(xhr.responseText).error.message; } catch { /* keep the status text */ }
          if (xhr.status === 422) text = t("dash.system.mismatch");
          message.className = "form-error";
          message.textContent = text;
        };
        xhr.onerror = () => {
          submit.disabled = false;
          bar.hidden = true;
          message.className = "form-error";
          message.textContent = t("dash.error.offline");
        };
        xhr.send(f);
      },
    },
    h("h2", {}, t("dash.system.update_title")),
    h("p.muted", {}, t("dash.system.update_hint")),
    field(t("dash.system.file"), file),
    field(t("dash.system.checksum"), sum),
    bar, message, submit);
  }

  return { onReconnect: load };
}
