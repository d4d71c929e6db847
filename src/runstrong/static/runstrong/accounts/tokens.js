// The profile page's API tokens (accounts/_tokens.html): a "Copy token" button
// beside a new token, which is shown only once. The button starts hidden (the
// field can still be selected by hand without this script) and is wired again
// whenever htmx swaps the section in.

import { offerCopy } from "../copy.js";

const SAID = {
  copied: "Token copied.",
  selected: "The token is selected: copy it with your device's copy command.",
};

function offer() {
  const box = document.getElementById("token-new");
  if (!box) return;
  offerCopy(
    box.querySelector(".token-copy-button"),
    document.getElementById("new-token"),
    box.querySelector(".token-copy-status"),
    SAID,
  );
}

offer();
document.addEventListener("htmx:load", offer);
