// Money is integer minor units everywhere (BRIEF §3); only display turns it into text, with
// the site's currency and the page's language.

import { language } from "./i18n.js";

let currency = "EUR";

export function setCurrency(code) {
  currency = code || "EUR";
}

export function money(minor) {
  const formatter = new Intl.NumberFormat(language() === "fr" ? "fr-FR" : "en-GB", { style: "currency", currency });
  return formatter.format((minor ?? 0) / 100);
}
