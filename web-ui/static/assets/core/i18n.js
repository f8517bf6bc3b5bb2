// Every string a person reads comes from one catalogue per language: the common one
// (assets/i18n/{lang}.json) and the app's own (assets/i18n/{app}.{lang}.json).
// `t("order.send")`, `t("bill.change", {amount})`. The language is the browser's (en, fr),
// overridable with `?lang=fr` or localStorage `comanda.lang`.

let strings = {};
let lang = "en";

export async function loadLocale(app) {
  const asked = new URLSearchParams(location.search).get("lang") || localStorage.getItem("comanda.lang") || navigator.language || "en";
  lang = asked.toLowerCase().startsWith("fr") ? "fr" : "en";
  document.documentElement.lang = lang;
  const load = (name) => fetch(`/assets/i18n/${name}.json`).then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  const [common, own] = await Promise.all([load(lang), app ? load(`${app}.${lang}`) : {}]);
  strings = { ...common, ...own };
  return lang;
}

export function language() {
  return lang;
}

export function t(key, vars = {}) {
  const text = strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? `{${name}}`).toString());
}
