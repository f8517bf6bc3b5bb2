// The service worker keeps the app shell (pages, scripts, styles, catalogues) so a tablet can
// reload the waiter app while the box is briefly unreachable. API calls are never cached:
// changes wait in the page's offline queue (assets/core/api.js) instead.

const CACHE = "comanda-shell-v1";
const SHELL = [
  "/", "/manifest.webmanifest", "/favicon.svg", "/assets/css/base.css",
  "/assets/core/api.js", "/assets/core/events.js", "/assets/core/i18n.js", "/assets/core/money.js", "/assets/core/ui.js", "/assets/core/keepalive.js",
  "/assets/i18n/en.json", "/assets/i18n/fr.json",
  "/waiter/", "/waiter/index.html", "/kds/", "/kds/index.html", "/dashboard/", "/dashboard/index.html",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL).catch(() => {})).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()),
  );
});

// Network first (the box is on the LAN, so it is fast), the cache when it is not there.
self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.pathname.startsWith("/api/") || url.pathname === "/healthz") return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((c) => c.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request).then((hit) => hit || caches.match(url.pathname.split("/").slice(0, 2).join("/") + "/"))),
  );
});
