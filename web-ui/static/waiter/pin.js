// The PIN pad: restaurant name and time, a username remembered per tablet (last five users as
// chips), a big digit pad. Logs in by itself after 4 digits; when the box says no, keeps
// taking digits and tries again at 5 and 6 (PINs are 4–6 digits), then says "Wrong PIN".

import { saveSession } from "/assets/core/api.js";
import { t } from "/assets/core/i18n.js";
import { h, clear } from "/assets/core/ui.js";
import { S, clock, longDate, icon } from "./lib.js";
import { loggedIn } from "./app.js";

const RECENT = "comanda.waiter.recent";

function recent() {
  try {
    return JSON.parse(localStorage.getItem(RECENT) || "[]");
  } catch {
    return [];
  }
}

function remember(staff, pinLength) {
  const list = recent().filter((r) => r.username !== staff.username);
  list.unshift({ username: staff.username, name: staff.name, len: pinLength });
  localStorage.setItem(RECENT, JSON.stringify(list.slice(0, 5)));
}

/// POST /auth/pin without the offline queue: a login must never be replayed later.
async function pinLogin(username, pin) {
  let r;
  try {
    r = await fetch("/api/v1/auth/pin", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, pin }),
    });
  } catch {
    return { offline: true };
  }
  if (r.ok) return { ok: true, data: await r.json() };
  let message = "";
  try {
    message = (await r.json())?.error?.message || "";
  } catch {}
  const wait = Number(r.headers.get("retry-after")) || Number((message.match(/(\d+)\s*s\b/) || [])[1]) || 30;
  return { status: r.status, wait };
}

export function enterPin(main) {
  let digits = "";
  let tried = 0; // the length last tried
  let busy = false;
  let lockedUntil = 0;
  let lockTimer = null;
  const users = recent();

  const name = h("h1.pin-restaurant", {}, S.setup?.name || t("app.name"));
  const time = h("div.pin-clock.num", {}, clock());
  const date = h("div.pin-date", {}, longDate());
  const username = h("input.pin-username", {
    type: "text",
    "data-test": "username",
    autocomplete: "off",
    autocapitalize: "none",
    spellcheck: "false",
    placeholder: t("pin.username_placeholder"),
    "aria-label": t("pin.username"),
    value: users[0]?.username || "",
  });
  const clearUser = h(
    "button.ghost.pin-clear-user",
    { type: "button", "aria-label": t("pin.clear_user"), onclick: () => setUser("", true) },
    icon("close"),
  );
  const chips = h("div.pin-chips", { role: "group", "aria-label": t("pin.recent") });
  const dots = h("div.pin-dots", { "aria-hidden": "true" });
  const message = h("div.pin-message", { role: "alert" });
  const pad = h("div.pin-pad", { role: "group", "aria-label": t("pin.pad") });

  function setUser(value, focus = false) {
    username.value = value;
    digits = "";
    tried = 0;
    say("");
    render();
    if (focus) username.focus();
  }

  function say(text, kind = "") {
    message.textContent = text;
    message.className = `pin-message ${kind}`;
  }

  function render() {
    const u = username.value.trim().toLowerCase();
    clear(
      chips,
      recent().map((r) =>
        h(
          "button.chip.pin-chip",
          {
            type: "button",
            "aria-pressed": r.username === u ? "true" : "false",
            onclick: () => setUser(r.username),
          },
          h("span.pin-chip-initial", {}, (r.name || r.username).charAt(0).toUpperCase()),
          h("span", {}, r.name?.split(" ")[0] || r.username),
        ),
      ),
    );
    clearUser.hidden = !username.value;
    const shown = Math.max(4, Math.min(6, Math.max(digits.length, expected())));
    clear(
      dots,
      Array.from({ length: shown }, (_, i) => h(`span.dot${i < digits.length ? ".on" : ""}`)),
    );
    const locked = Date.now() < lockedUntil;
    pad.classList.toggle("locked", locked);
  }

  function expected() {
    const u = username.value.trim().toLowerCase();
    return recent().find((r) => r.username === u)?.len || 4;
  }

  function press(key) {
    if (Date.now() < lockedUntil) return;
    if (key === "back") {
      digits = digits.slice(0, -1);
      if (tried > digits.length) tried = digits.length;
      say("");
      return render();
    }
    if (key === "ok") {
      if (digits.length >= 4 && digits.length > tried) attempt(true);
      return;
    }
    if (!username.value.trim()) {
      say(t("pin.need_username"), "error");
      username.focus();
      return;
    }
    if (digits.length >= 6) return;
    digits += key;
    if (message.classList.contains("error")) say("");
    render();
    attempt(false);
  }

  async function attempt(force) {
    if (busy) return;
    const n = digits.length;
    if (n <= tried) return;
    if (!force && n < expected()) return;
    if (n < 4) return;
    busy = true;
    tried = n;
    const user = username.value.trim().toLowerCase();
    const pin = digits;
    say(t("pin.checking"));
    const res = await pinLogin(user, pin);
    busy = false;
    if (res.ok && res.data.staff?.role === "kitchen") {
      // The kitchen has its own screen; a cook's session is no use here.
      fetch("/api/v1/auth/logout", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: res.data.refresh_token }),
      }).catch(() => {});
      digits = "";
      tried = 0;
      say(t("pin.kitchen_role"), "error");
      return render();
    }
    if (res.ok) {
      remember(res.data.staff, pin.length);
      saveSession(res.data);
      digits = "";
      say("");
      await loggedIn();
      return;
    }
    if (res.offline) {
      say(t("pin.offline"), "error");
      digits = "";
      tried = 0;
      return render();
    }
    if (res.status === 429) {
      digits = "";
      tried = 0;
      lock(res.wait);
      return;
    }
    if (res.status === 401) {
      if (pin.length >= 6) {
        wrong();
        return;
      }
      say("");
      // The person may already have typed more digits.
      if (digits.length > tried) attempt(false);
      return;
    }
    say(t("err.server"), "error");
    digits = "";
    tried = 0;
    render();
  }

  function wrong() {
    digits = "";
    tried = 0;
    say(t("pin.wrong"), "error");
    dots.classList.remove("shake");
    void dots.offsetWidth;
    dots.classList.add("shake");
    render();
  }

  function lock(seconds) {
    lockedUntil = Date.now() + seconds * 1000;
    const update = () => {
      const left = Math.ceil((lockedUntil - Date.now()) / 1000);
      if (left <= 0) {
        clearInterval(lockTimer);
        lockTimer = null;
        say("");
        render();
        return;
      }
      say(t("pin.wait", { s: left }), "error");
    };
    clearInterval(lockTimer);
    lockTimer = setInterval(update, 1000);
    update();
    render();
  }

  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok"];
  clear(
    pad,
    keys.map((k) => {
      if (k === "back")
        return h("button.pin-key.pin-key-fn", { type: "button", "aria-label": t("pin.backspace"), onclick: () => press(k) }, icon("backspace"));
      if (k === "ok")
        return h("button.pin-key.pin-key-fn", { type: "button", "aria-label": t("pin.enter"), onclick: () => press(k) }, icon("check"));
      return h("button.pin-key", { type: "button", "data-test": `pin-digit-${k}`, onclick: () => press(k) }, k);
    }),
  );

  username.addEventListener("input", () => {
    digits = "";
    tried = 0;
    say("");
    render();
  });
  username.addEventListener("keydown", (e) => {
    if (e.key === "Enter") username.blur();
  });
  const onKey = (e) => {
    if (e.target === username) return;
    if (/^\d$/.test(e.key)) press(e.key);
    else if (e.key === "Backspace") press("back");
    else if (e.key === "Enter") press("ok");
  };
  document.addEventListener("keydown", onKey);

  clear(
    main,
    h(
      "div.pin-screen",
      {},
      h("section.pin-brand", {}, h("div.pin-logo", { "aria-hidden": "true" }, (S.setup?.name || "C").charAt(0)), name, time, date),
      h(
        "section.pin-card",
        {},
        h("h2.pin-title", {}, t("pin.title")),
        h("div.pin-user-row", {}, h("label.pin-user-label", {}, t("pin.username"), h("div.pin-user-field", {}, username, clearUser))),
        chips,
        dots,
        message,
        pad,
      ),
    ),
  );
  render();

  const clockTimer = setInterval(() => {
    time.textContent = clock();
    date.textContent = longDate();
  }, 10000);

  return {
    leave() {
      clearInterval(clockTimer);
      clearInterval(lockTimer);
      document.removeEventListener("keydown", onKey);
    },
  };
}
