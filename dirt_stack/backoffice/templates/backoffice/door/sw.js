// Maticko's door scanner, installable and working offline: this service worker keeps the
// scanner's page and its assets (the build's files, listed by the server) so that the page
// opens without a network; the scanner's data lives in IndexedDB (src/door/store.ts).
// Served by backoffice/views/door_app.py with the list and a version filled in.
const VERSION = {{ version_json|safe }};
const PRECACHE = {{ precache_json|safe }};
const PAGE = {{ page_json|safe }};
const CACHE = `maticko-door-${VERSION}`;
// How long the page may take from the network before the stored copy is shown.
const PAGE_TIMEOUT_MS = 3000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll([PAGE, ...PRECACHE]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("maticko-door-") && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

async function page(request) {
  const cache = await caches.open(CACHE);
  const fromNetwork = fetch(request).then((response) => {
    if (response.ok) {
      cache.put(PAGE, response.clone());
    }
    return response;
  });
  const timeout = new Promise((resolve) => setTimeout(resolve, PAGE_TIMEOUT_MS));
  try {
    const answer = await Promise.race([fromNetwork, timeout]);
    if (answer) {
      return answer;
    }
  } catch {
    // Offline: the stored page below.
  }
  return (await cache.match(PAGE)) || fromNetwork;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return; // The scanner's API calls always go to the network (src/door/sync.ts).
  }
  if (request.mode === "navigate" && url.pathname.startsWith(PAGE)) {
    event.respondWith(page(request));
    return;
  }
  if (PRECACHE.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  }
});
