// Copying a field's text to the clipboard, for the share box's link and a new
// API token: the Clipboard API, or where that is missing or refused (pages
// served over plain HTTP, a permission denied) the field selected for the
// person to copy with their device's own command.

function selectForHand(field) {
  field.focus();
  field.select();
  field.setSelectionRange(0, field.value.length);
  try {
    // Deprecated, but the only way left where the Clipboard API is missing;
    // harmless where it does nothing.
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

// Copies ``field``'s value and says how in ``status``: ``said.copied`` when it
// is on the clipboard, ``said.selected`` when the person must copy it.
async function copyField(field, status, said) {
  status.textContent = "";
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = said.copied;
      return;
    } catch {
      // Refused, or the page lost the focus: fall through to selecting it.
    }
  }
  status.textContent = selectForHand(field) ? said.copied : said.selected;
}

// Shows ``button`` (hidden in the page, for want of this script) and makes it
// copy ``field``. A button already shown is left as it is, so a page may
// offer again whatever htmx swaps in.
export function offerCopy(button, field, status, said) {
  if (!button || !field || !status || !button.hidden) return;
  button.hidden = false;
  button.addEventListener("click", () => copyField(field, status, said));
}
