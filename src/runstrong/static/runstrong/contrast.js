// High contrast, chosen per device (a phone in gym glare, not an account
// setting: the same person's laptop may not want it) and kept in localStorage.
//
// A plain script loaded in <head> without defer, not a module: a module runs
// after the page is parsed, which can be after the first paint, and the page
// would flash in normal contrast first. It only sets an attribute on <html>.
(() => {
  "use strict";
  const KEY = "runstrong.contrast";
  const root = document.documentElement;

  const read = () => {
    try {
      return localStorage.getItem(KEY);
    } catch {
      return null; // storage blocked: normal contrast
    }
  };
  const apply = (value) => {
    if (value === "high") root.dataset.contrast = "high";
    else delete root.dataset.contrast;
  };
  apply(read());

  document.addEventListener("DOMContentLoaded", () => {
    for (const button of document.querySelectorAll(".contrast-toggle")) {
      const show = () => button.setAttribute("aria-pressed", String(root.dataset.contrast === "high"));
      show();
      button.hidden = false;
      button.addEventListener("click", () => {
        const next = root.dataset.contrast === "high" ? "normal" : "high";
        try {
          localStorage.setItem(KEY, next);
        } catch {
          // Not remembered, but still switched for this page.
        }
        apply(next);
        for (const other of document.querySelectorAll(".contrast-toggle")) {
          other.setAttribute("aria-pressed", String(next === "high"));
        }
      });
    }
  });
  // Another tab switched it: follow.
  window.addEventListener("storage", (event) => {
    if (event.key === KEY) apply(event.newValue);
  });
})();
