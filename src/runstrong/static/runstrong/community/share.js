// Share buttons (community/share/_share.html): copy the link, with the
// Clipboard API or, where that is missing or refused, by selecting the link
// field for the person to copy; and the system share sheet (Web Share API)
// on devices that have one. Both buttons stay hidden until this runs.

import { offerCopy } from "../copy.js";

const SAID = {
  copied: "Link copied.",
  selected: "The link is selected: copy it with your device's copy command.",
};

function setUp(box) {
  const field = box.querySelector(".share-link");
  const status = box.querySelector(".share-status");
  const shareButton = box.querySelector(".share-native");
  if (!field || !status) return;

  offerCopy(box.querySelector(".share-copy-button"), field, status, SAID);

  if (shareButton && typeof navigator.share === "function") {
    shareButton.hidden = false;
    shareButton.addEventListener("click", async () => {
      status.textContent = "";
      try {
        await navigator.share({ title: shareButton.dataset.shareTitle, url: field.value });
      } catch (error) {
        // Closing the share sheet is not a failure worth a message.
        if (error && error.name !== "AbortError") {
          status.textContent = "Sharing did not work here: copy the link instead.";
        }
      }
    });
  }
}

for (const box of document.querySelectorAll("[data-share]")) setUp(box);
