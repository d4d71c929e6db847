{% autoescape off %}// RunStrong's service worker: the installed app opens offline to home, and the
// live session page keeps working offline.
//
// It controls the whole site, but keeps copies of two kinds of page only:
// session pages ({{ session_prefix_json }}) and home (the installed app's start
// URL, whatever its query string). Both are network-first, falling back to the
// copy kept from the last visit. Any other page goes to the network, and only
// when that fails is it answered with the kept home page: private pages are
// never stored. Static assets are cache-first (their names carry a content hash
// in production, and the cache is versioned by that content). The API is never
// cached here: the page keeps its own event log in IndexedDB and sends it when
// the network returns.
"use strict";

const VERSION = "{{ version }}";
const ASSETS_CACHE = `runstrong-assets-${VERSION}`;
const PAGES_CACHE = {{ pages_cache_json }};
const PRECACHE = {{ precache_json }};
const STATIC_PREFIX = {{ static_prefix_json }};
const SESSION_PREFIX = {{ session_prefix_json }};
const HOME = {{ home_json }};
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
  // The oldest session pages go first; home is never pushed out by them.
  const sessions = (await cache.keys()).filter((key) => new URL(key.url).pathname !== HOME);
  await Promise.all(
    sessions.slice(0, Math.max(0, sessions.length - PAGES_KEPT)).map((key) => cache.delete(key)),
  );
}

// Which page a copy is kept under: home's one copy serves "/", "/?source=pwa"…
function pageKey(url) {
  return url.pathname === HOME ? new Request(new URL(HOME, self.location.origin).href) : null;
}

function isKeptPage(url) {
  return url.pathname === HOME || url.pathname.startsWith(SESSION_PREFIX);
}

function cachedHome() {
  return caches.match(new URL(HOME, self.location.origin).href, {
    cacheName: PAGES_CACHE,
    ignoreVary: true,
  });
}

async function networkFirst(event, key) {
  const request = event.request;
  const network = fetch(request);
  event.waitUntil(
    network.then((response) => keepPage(key, response.clone())).catch(() => undefined),
  );
  const timeout = new Promise((resolve) => setTimeout(resolve, PAGE_TIMEOUT_MS, null));
  try {
    const first = await Promise.race([network, timeout]);
    if (first) return first;
    const cached = await caches.match(key, { cacheName: PAGES_CACHE, ignoreVary: true });
    return cached || (await network);
  } catch (error) {
    const cached = await caches.match(key, { cacheName: PAGES_CACHE, ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

// Pages that are not kept: the network's answer, or home's copy when offline
// (better than the browser's error page inside the installed app).
async function networkOrHome(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const home = await cachedHome();
    if (home) return home;
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
  if (request.mode === "navigate") {
    if (isKeptPage(url)) {
      event.respondWith(networkFirst(event, pageKey(url) || request));
    } else {
      event.respondWith(networkOrHome(request));
    }
  } else if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(cacheFirst(request));
  }
  // Anything else (the API) goes to the network untouched.
});

// A session page or home asks for its own copy on its first visit, which
// happened before this worker existed and so was not seen by it.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep-page" || typeof data.url !== "string") return;
  const url = new URL(data.url, self.location.origin);
  if (url.origin !== self.location.origin || !isKeptPage(url)) return;
  const key = pageKey(url) || new Request(url.href);
  event.waitUntil(
    caches.open(PAGES_CACHE).then(async (cache) => {
      if (await cache.match(key, { ignoreVary: true })) return;
      const response = await fetch(url.href, { credentials: "same-origin" });
      await keepPage(key, response);
    }),
  );
});
{% endautoescape %}
