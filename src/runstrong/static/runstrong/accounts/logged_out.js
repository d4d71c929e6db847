// After log-out: delete the service worker's copies of session pages, which
// show the athlete's name and splits, so the next person on this phone cannot
// open them offline. The IndexedDB event log stays: it may hold taps the
// server has not got yet, and only their owner's log-in can send them.
const status = document.getElementById("offline-copies");

async function forget() {
  const name = status.dataset.pagesCache;
  if (!("caches" in self)) {
    status.textContent = "This browser keeps no offline copies of your pages.";
    return;
  }
  const removed = await caches.delete(name);
  status.textContent = removed
    ? "Offline copies of your session pages are removed from this device."
    : "No offline copies of your session pages were on this device.";
  status.dataset.done = "true";
}

forget().catch(() => {
  status.textContent = "Could not remove the offline copies of your session pages; clear this site's data in the browser settings to be sure.";
  status.dataset.done = "true";
});
