// Every page: register the service worker (so the installed app, which starts
// at home, opens offline) and offer "Install RunStrong" when the browser says
// the site can be installed.
const script = document.getElementById("app-script");
const { serviceWorker: workerUrl, home } = script.dataset;

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  const scope = new URL(home, location.href).href;
  // Before the worker controlled the whole site it was registered for
  // /sessions/ only; a narrower registration would keep those pages from
  // this one, so it goes.
  for (const old of await navigator.serviceWorker.getRegistrations()) {
    if (old.scope !== scope) await old.unregister();
  }
  await navigator.serviceWorker.register(workerUrl, { scope });
  const registration = await navigator.serviceWorker.ready;
  if (location.pathname === home) {
    // This visit may have come before the worker: ask it to keep home, the
    // installed app's start page.
    registration.active?.postMessage({ type: "keep-page", url: location.href });
  }
}

registerWorker().catch((error) => console.warn("RunStrong will not open offline", error));

const installButton = document.getElementById("install-app");
let offer = null;

window.addEventListener("beforeinstallprompt", (event) => {
  // The browser's own banner would cover the page; our button waits to be asked.
  event.preventDefault();
  offer = event;
  installButton.hidden = false;
});

installButton.addEventListener("click", async () => {
  if (!offer) return;
  const asked = offer;
  offer = null;
  installButton.hidden = true;
  await asked.prompt();
});

window.addEventListener("appinstalled", () => {
  offer = null;
  installButton.hidden = true;
});
