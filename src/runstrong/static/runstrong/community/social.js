// The social pages' small helpers; each page works without them.
// 1. htmx leaves 4xx answers unswapped (base.html's htmx-config), but a
//    refused cheer or comment (429: too many) carries a message the person
//    must see: swap that section like a success.
// 2. After htmx swaps a section, put keyboard focus back on the control
//    that was used (same id), so a keyboard user is not thrown to the top.
// 3. "Copy" buttons for the invite link, shown only where the clipboard works.

let focusedId = null;

document.body.addEventListener("htmx:beforeRequest", () => {
  focusedId = document.activeElement && document.activeElement.id ? document.activeElement.id : null;
});

document.body.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr && event.detail.xhr.status === 429) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.body.addEventListener("htmx:afterSettle", () => {
  if (!focusedId) return;
  const again = document.getElementById(focusedId);
  if (again) again.focus();
  focusedId = null;
});

for (const button of document.querySelectorAll("[data-copy]")) {
  const field = document.querySelector(button.dataset.copy);
  const status = document.querySelector("[data-copy-status]");
  if (!field || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      if (status) status.textContent = "Link copied.";
    } catch (error) {
      field.select();
      if (status) status.textContent = "Select the link and copy it.";
    }
  });
}
