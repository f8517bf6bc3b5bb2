// Keeps the screen's session alive all day (a KDS and a dashboard stay open for hours): the
// access token is refreshed a little before it expires, so neither the API nor the event
// stream ever meet an expired token (api.js alone refreshes only after a 401, and the event
// stream cannot: it authenticates once per connection). Every app that stays open uses it.
//
// The refresh token is single-use (BRIEF §4): a short lock in localStorage keeps two tabs of
// the same browser from spending it twice.

import { saveSession, session } from "./api.js";

const LOCK = "comanda.refresh-lock";

function expiry(token) {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return typeof payload.exp === "number" ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

async function refreshIfDue(marginMs) {
  const s = session();
  if (!s?.refresh_token || !s.access_token) return;
  const exp = expiry(s.access_token);
  if (exp === null || exp - Date.now() > marginMs) return;
  const lock = Number(localStorage.getItem(LOCK) || "0");
  if (Date.now() - lock < 15_000) return; // another tab is at it
  localStorage.setItem(LOCK, String(Date.now()));
  try {
    if (session()?.refresh_token !== s.refresh_token) return; // refreshed meanwhile
    const r = await fetch("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: s.refresh_token }),
    });
    if (r.ok) saveSession(await r.json());
  } catch {
    /* offline: api.js refreshes on the next 401 */
  } finally {
    localStorage.removeItem(LOCK);
  }
}

/// Checks every 30 s; refreshes when less than `marginMs` is left.
export function keepSessionFresh(marginMs = 180_000) {
  refreshIfDue(marginMs);
  return setInterval(() => refreshIfDue(marginMs), 30_000);
}
