// Service worker for present mode (scope /workshops/): keeps the present page, its CSS/JS and clips
// so a facilitator's laptop can lose the network mid-workshop. Only URLs the present page asks for are kept.
"use strict";

const CACHE = "storyloom-present-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "cache" || !Array.isArray(data.urls)) return;
  const port = event.ports && event.ports[0];
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      let ok = true;
      for (const url of data.urls) {
        try {
          const response = await fetch(url, { credentials: "same-origin" });
          if (response.ok && !response.redirected) await cache.put(url, response);
          else ok = false;
        } catch (e) { ok = false; }
      }
      if (port) port.postMessage({ ok });
    })
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const url = request.url.split("#")[0];
    const cached = await cache.match(url, { ignoreVary: true });
    const isPage = request.mode === "navigate";
    if (cached && !isPage) return cached; // clips, CSS, JS: from the laptop first
    try {
      const response = await fetch(request);
      if (isPage && cached && response.ok && !response.redirected) await cache.put(url, response.clone());
      return response;
    } catch (e) {
      if (cached) return cached; // offline: the last copy of the present page
      const bare = await cache.match(new URL(url).pathname, { ignoreSearch: true });
      if (bare) return bare;
      throw e;
    }
  })());
});
