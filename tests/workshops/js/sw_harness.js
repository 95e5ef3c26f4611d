// Runs static/js/workshops-sw.js in Node with an in-memory Cache Storage, a fake network and a
// clock the test moves, then prints what the worker keeps after each step (JSON, one line).
"use strict";
const fs = require("fs");
const vm = require("vm");

const ORIGIN = "http://127.0.0.1:5000";
let clock = Date.parse("2026-12-01T10:00:00Z");
const stores = new Map();
function store(name) {
  if (!stores.has(name)) stores.set(name, new Map());
  const map = stores.get(name);
  const key = (r) => (typeof r === "string" ? new URL(r, ORIGIN).href : r.url);
  return {
    async match(r) { return map.has(key(r)) ? map.get(key(r)).clone() : undefined; },
    async put(r, response) { map.set(key(r), response); },
    async delete(r) { return map.delete(key(r)); },
    async keys() { return [...map.keys()].map((url) => ({ url })); },
  };
}
const caches = {
  async open(name) { return store(name); },
  async keys() { return [...stores.keys()]; },
  async delete(name) { return stores.delete(name); },
};
const listeners = {};
const self = {
  location: { href: ORIGIN + "/workshops/present-sw.js" },
  addEventListener(type, fn) { listeners[type] = fn; },
  skipWaiting() {}, clients: { claim: async () => {} },
  storyloomClock: () => clock,
};
let online = true;
async function fetchFake(url) {
  if (!online) throw new TypeError("offline");
  const u = typeof url === "string" ? url : url.url;
  return new Response("audio of " + u, { status: 200 });
}
const context = { self, caches, fetch: fetchFake, Response, URL, Set, Number, String, console };
vm.createContext(context);
vm.runInContext(fs.readFileSync(process.argv[2], "utf8"), context);

async function dispatch(type, event) {
  let done = Promise.resolve();
  event.waitUntil = (p) => { done = p; };
  event.respondWith = (p) => { done = p; };
  listeners[type](event);
  return done;
}
async function kept() {
  const cache = await caches.open("storyloom-present-v2");
  return (await cache.keys()).map((r) => r.url.replace(ORIGIN, "")).sort();
}
async function load(urls) {
  await dispatch("message", { data: { type: "cache", urls: urls.map((u) => ORIGIN + u) }, ports: [] });
}
(async () => {
  const out = {};
  const page = "/workshops/1/present";
  await load([page, "/workshops/clips/7.mp3?v=aaaa", "/workshops/clips/8.mp3?v=bbbb"]);
  out.first = await kept();
  // Story of clip 7 changed (new fingerprint): the next online load drops the old copy.
  await load([page, "/workshops/clips/7.mp3?v=cccc", "/workshops/clips/8.mp3?v=bbbb"]);
  out.changed = await kept();
  // Clip 8's story was withdrawn: the page no longer lists it.
  await load([page, "/workshops/clips/7.mp3?v=cccc"]);
  out.withdrawn = await kept();
  // Offline eight days later: nothing kept is served, and it is dropped.
  clock += 8 * 24 * 3600 * 1000;
  online = false;
  let servedOffline = true;
  try {
    await dispatch("fetch", { request: { method: "GET", url: ORIGIN + "/workshops/clips/7.mp3?v=cccc", mode: "no-cors" } });
  } catch (e) { servedOffline = false; }
  out.servedAfterExpiry = servedOffline;
  await dispatch("activate", {});
  out.expired = await kept();
  // Sign-out: everything goes.
  online = true;
  await load([page, "/workshops/clips/7.mp3?v=cccc"]);
  out.beforeSignOut = await kept();
  await dispatch("message", { data: { type: "clear" }, ports: [] });
  out.cachesAfterSignOut = await caches.keys();
  console.log(JSON.stringify(out));
})();
