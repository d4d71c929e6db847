{% autoescape off %}// RunStrong's service worker: the live session page keeps working offline.
//
// It controls only {{ scope_json }} pages. Static assets are cache-first (their
// names carry a content hash in production, and the cache is versioned by that
// content); session pages are network-first, falling back to the copy kept
// from the last visit. The API is never cached here: the page keeps its own
// event log in IndexedDB and sends it when the network returns.
"use strict";

const VERSION = "{{ version }}";
const ASSETS_CACHE = `runstrong-assets-${VERSION}`;
const PAGES_CACHE = {{ pages_cache_json }};
const PRECACHE = {{ precache_json }};
const STATIC_PREFIX = {{ static_prefix_json }};
const SCOPE = {{ scope_json }};
// On a gym's poor network, fall back to the stored page rather than wait.
const PAGE_TIMEOUT_MS = 4000;
const PAGES_KEPT = 20;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(ASSETS_CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith("runstrong-assets-") && key !== ASSETS_CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

async function keepPage(request, response) {
  // Only a real page: not an error, not a log-in page we were redirected to.
  if (!response.ok || response.redirected || response.type !== "basic") return;
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(request, response);
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - PAGES_KEPT)).map((key) => cache.delete(key)));
}

async function networkFirst(event) {
  const request = event.request;
  const network = fetch(request);
  event.waitUntil(
    network.then((response) => keepPage(request, response.clone())).catch(() => undefined),
  );
  const timeout = new Promise((resolve) => setTimeout(resolve, PAGE_TIMEOUT_MS, null));
  try {
    const first = await Promise.race([network, timeout]);
    if (first) return first;
    const cached = await caches.match(request, { cacheName: PAGES_CACHE, ignoreVary: true });
    return cached || (await network);
  } catch (error) {
    const cached = await caches.match(request, { cacheName: PAGES_CACHE, ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(ASSETS_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith(SCOPE)) {
    event.respondWith(networkFirst(event));
  } else if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(cacheFirst(request));
  }
  // Anything else (the API) goes to the network untouched.
});

// The page asks for its own copy on its first visit, which happened before
// this worker existed and so was not seen by it.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep-page" || typeof data.url !== "string") return;
  const url = new URL(data.url, self.location.origin);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) return;
  event.waitUntil(
    caches.open(PAGES_CACHE).then(async (cache) => {
      if (await cache.match(url.href, { ignoreVary: true })) return;
      const response = await fetch(url.href, { credentials: "same-origin" });
      await keepPage(new Request(url.href), response);
    }),
  );
});
{% endautoescape %}
