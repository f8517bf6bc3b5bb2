// The box's API, as the tablets use it.
//
// - Sessions (access + refresh token) live in localStorage; an expired access token is
//   refreshed once, transparently; a refused refresh sends the user back to the PIN pad.
// - Every changing request carries an Idempotency-Key made here, so a retry never doubles.
// - When the box is unreachable, changing requests wait in a queue kept in localStorage and
//   are replayed in order, with their original keys, when it is back: nothing is doubled or
//   lost, even if the tablet reloads meanwhile. `onQueueChange` drives the offline banner.

const SESSION = "comanda.session";
const QUEUE = "comanda.queue";
const listeners = new Set();
let online = true;
let draining = false;

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function session() {
  try {
    return JSON.parse(localStorage.getItem(SESSION) || "null");
  } catch {
    return null;
  }
}

export function saveSession(tokens) {
  localStorage.setItem(SESSION, JSON.stringify(tokens));
}

export function logout() {
  const s = session();
  localStorage.removeItem(SESSION);
  if (s?.refresh_token) {
    fetch("/api/v1/auth/logout", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: s.refresh_token }),
    }).catch(() => {});
  }
}

export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

function queue() {
  try {
    return JSON.parse(localStorage.getItem(QUEUE) || "[]");
  } catch {
    return [];
  }
}

function saveQueue(q) {
  localStorage.setItem(QUEUE, JSON.stringify(q));
  for (const l of listeners) l({ online, waiting: q.length });
}

/// Called with {online, waiting} whenever the connection or the queue changes.
export function onQueueChange(listener) {
  listeners.add(listener);
  listener({ online, waiting: queue().length });
  return () => listeners.delete(listener);
}

function setOnline(value) {
  if (online !== value) {
    online = value;
    for (const l of listeners) l({ online, waiting: queue().length });
  }
}

async function refresh() {
  const s = session();
  if (!s?.refresh_token) return false;
  const r = await fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ refresh_token: s.refresh_token }),
  });
  if (!r.ok) {
    localStorage.removeItem(SESSION);
    return false;
  }
  saveSession(await r.json());
  return true;
}

/// One HTTP request with the session's token; refreshes once on 401. Throws ApiError for
/// answers in the error shape, TypeError when the box is unreachable.
async function send(method, path, body, key, retried = false) {
  const headers = {};
  const s = session();
  if (s?.access_token) headers.authorization = `Bearer ${s.access_token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (key) headers["idempotency-key"] = key;
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  setOnline(true);
  if (r.status === 401 && !retried && s?.refresh_token && !path.startsWith("/api/v1/auth/")) {
    if (await refresh()) return send(method, path, body, key, true);
    window.dispatchEvent(new CustomEvent("comanda:logged-out"));
  }
  const type = r.headers.get("content-type") || "";
  const data = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) {
    const e = data?.error || {};
    throw new ApiError(r.status, e.code || "error", e.message || r.statusText);
  }
  return data;
}

export const get = (path) => send("GET", path);

/// A changing request. When the box cannot be reached it is queued (and `{queued: true}` is
/// returned); it is sent later, in order, with the same Idempotency-Key.
export async function change(method, path, body) {
  const key = newKey();
  if (queue().length > 0) {
    enqueue({ method, path, body, key });
    return { queued: true };
  }
  try {
    return await send(method, path, body, key);
  } catch (e) {
    if (e instanceof TypeError) {
      setOnline(false);
      enqueue({ method, path, body, key });
      return { queued: true };
    }
    throw e;
  }
}

export const post = (path, body = {}) => change("POST", path, body);
/// A POST that is never queued: for actions that only make sense now (pairing with the cloud).
export const postNow = (path, body = {}) => send("POST", path, body, newKey());
export const patch = (path, body) => change("PATCH", path, body);
export const put = (path, body) => change("PUT", path, body);
export const del = (path) => change("DELETE", path);

function enqueue(item) {
  const q = queue();
  q.push({ ...item, at: Date.now() });
  saveQueue(q);
  drainSoon();
}

function drainSoon(ms = 0) {
  setTimeout(drain, ms);
}

/// Replays the queue in order. A request the box refuses (4xx) is dropped and reported; an
/// unreachable box stops the replay until the next try.
async function drain() {
  if (draining) return;
  draining = true;
  try {
    let q = queue();
    while (q.length > 0) {
      const [item] = q;
      try {
        const result = await send(item.method, item.path, item.body, item.key);
        window.dispatchEvent(new CustomEvent("comanda:replayed", { detail: { item, result } }));
      } catch (e) {
        if (e instanceof TypeError) {
          setOnline(false);
          drainSoon(1000);
          return;
        }
        window.dispatchEvent(new CustomEvent("comanda:replay-failed", { detail: { item, error: e } }));
      }
      q = queue().slice(1);
      saveQueue(q);
    }
    window.dispatchEvent(new CustomEvent("comanda:queue-empty"));
  } finally {
    draining = false;
  }
}

/// Keeps probing while offline, so the banner clears and the queue drains as soon as the box
/// is back.
setInterval(async () => {
  if (online && queue().length === 0) return;
  try {
    await fetch("/healthz", { cache: "no-store" });
    setOnline(true);
    drain();
  } catch {
    setOnline(false);
  }
}, 1000);

window.addEventListener("online", () => drainSoon());
drainSoon(100);
