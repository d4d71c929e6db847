// The profile page's API tokens (accounts/_tokens.html): a "Copy token" button
// beside a new token, which is shown only once. The button starts hidden (the
// field can still be selected by hand without this script) and is wired again
// whenever htmx swaps the section in.

import { copyField } from "../copy.js";

const SAID = {
  copied: "Token copied.",
  selected: "The token is selected: copy it with your device's copy command.",
};

function wire(root) {
  for (const box of root.querySelectorAll("[data-token-new]")) {
    const field = box.querySelector("#new-token");
    const status = box.querySelector(".token-copy-status");
    const button = box.querySelector(".token-copy-button");
    if (!field || !status || !button || !button.hidden) continue;
    button.hidden = false;
    button.addEventListener("click", () => copyField(field, status, SAID));
  }
}

wire(document);
document.addEventListener("htmx:load", (event) => wire(event.detail.elt.parentNode || document));
