// Small DOM helpers shared by every page: element building, toasts, modals, the connection
// banner. No framework: pages are small and must load instantly on a cheap tablet.

import { onQueueChange } from "./api.js";
import { t } from "./i18n.js";

/// h("button.primary", {onclick}, "Send") → element. Children may be strings, nodes, arrays.
export function h(tag, attrs = {}, ...children) {
  const [name, ...classes] = tag.split(".");
  const el = document.createElement(name || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
}

export function toast(message, kind = "info") {
  let box = document.querySelector(".toasts");
  if (!box) {
    box = h("div.toasts", { role: "status", "aria-live": "polite" });
    document.body.append(box);
  }
  const item = h(`div.toast.${kind}`, {}, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 6000 : 3000);
}

/// A modal sheet with a title, content and a cancel button; resolves with the value given to
/// `close`, or null when cancelled.
export function modal(title, build) {
  return new Promise((resolve) => {
    const close = (value) => {
      backdrop.remove();
      resolve(value);
    };
    const sheet = h("div.sheet", { role: "dialog", "aria-modal": "true", "aria-label": title });
    const backdrop = h("div.backdrop", { onclick: (e) => e.target === backdrop && close(null) }, sheet);
    sheet.append(
      h("header.sheet-head", {}, h("h2", {}, title), h("button.ghost", { onclick: () => close(null), "aria-label": t("common.cancel") }, t("common.cancel"))),
      build(close),
    );
    document.body.append(backdrop);
  });
}

/// The connection banner: quiet when fine, clear when offline with the number of waiting
/// actions, a short "all sent" when back.
export function connectionBanner() {
  const banner = h("div.banner", { role: "status", "aria-live": "polite", hidden: true });
  document.body.prepend(banner);
  let wasWaiting = false;
  onQueueChange(({ online, waiting }) => {
    if (!online || waiting > 0) {
      banner.hidden = false;
      banner.className = "banner offline";
      banner.textContent = online ? t("net.sending", { n: waiting }) : t("net.offline", { n: waiting });
      wasWaiting = true;
    } else if (wasWaiting) {
      banner.className = "banner back";
      banner.textContent = t("net.all_sent");
      wasWaiting = false;
      setTimeout(() => (banner.hidden = true), 2500);
    }
  });
  return banner;
}
