// Service worker for present mode (scope /workshops/): keeps the present page, its CSS/JS and clips
// so a facilitator's laptop can lose the network mid-workshop. Only URLs the present page asks for are kept.
//
// Within consent: a clip's address carries a fingerprint of its story's consent and redactions
// (?v=…). Each time the present page loads online it sends the addresses it uses now; any clip kept
// from before that is not among them (its story changed, or left the workshop) is dropped. Every
// entry expires after MAX_AGE_DAYS (default 7, ?days=N on the worker's URL). Signing out drops
// everything: the sign-out response says Clear-Site-Data, and pages also send {type: "clear"}.
"use strict";

const CACHE = "storyloom-present-v2";
const STAMPS = "storyloom-present-stamps-v1"; // url -> when it was kept (ms), as a tiny JSON response
const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_AGE_DAYS = Number(new URL(self.location.href).searchParams.get("days")) || 7;
const CLIP_PATH = "/workshops/clips/";

function now() { return (self.storyloomClock || Date.now)(); }

async function stampOf(url) {
  const stamps = await caches.open(STAMPS);
  const hit = await stamps.match(url);
  return hit ? Number(await hit.text()) : 0;
}

async function keep(cache, url, response) {
  await cache.put(url, response);
  await (await caches.open(STAMPS)).put(url, new Response(String(now())));
}

async function forget(cache, url) {
  await cache.delete(url);
  await (await caches.open(STAMPS)).delete(url);
}

// Drop what is too old, and clips the present page no longer uses (given `current`, the page's list).
async function prune(current) {
  const cache = await caches.open(CACHE);
  const wanted = current ? new Set(current.map((u) => new URL(u, self.location.href).href)) : null;
  for (const request of await cache.keys()) {
    const url = request.url;
    const stale = now() - (await stampOf(url)) > MAX_AGE_DAYS * DAY_MS;
    const dropped = wanted && new URL(url).pathname.startsWith(CLIP_PATH) && !wanted.has(url);
    if (stale || dropped) await forget(cache, url);
  }
}

async function clearAll() {
  for (const name of await caches.keys()) await caches.delete(name);
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(prune(null).then(() => self.clients.claim())));

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const port = event.ports && event.ports[0];
  if (data.type === "clear") {
    event.waitUntil(clearAll().then(() => port && port.postMessage({ ok: true })));
    return;
  }
  if (data.type !== "cache" || !Array.isArray(data.urls)) return;
  event.waitUntil((async () => {
    await prune(data.urls);
    const cache = await caches.open(CACHE);
    let ok = true;
    for (const url of data.urls) {
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (response.ok && !response.redirected) await keep(cache, new URL(url, self.location.href).href, response);
        else { ok = false; await forget(cache, new URL(url, self.location.href).href); }
      } catch (e) { ok = false; }
    }
    if (port) port.postMessage({ ok });
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const url = request.url.split("#")[0];
    let cached = await cache.match(url, { ignoreVary: true });
    if (cached && now() - (await stampOf(url)) > MAX_AGE_DAYS * DAY_MS) {
      await forget(cache, url);
      cached = undefined;
    }
    const isPage = request.mode === "navigate";
    if (cached && !isPage) return cached; // clips, CSS, JS: from the laptop first
    try {
      const response = await fetch(request);
      if ([401, 403, 404, 410].includes(response.status)) {
        await forget(cache, url); // no longer allowed: do not keep an old copy
      } else if (isPage && cached && response.ok && !response.redirected) {
        await keep(cache, url, response.clone());
      }
      return response;
    } catch (e) {
      if (cached) return cached; // offline: the last copy of the present page
      throw e;
    }
  })());
});
