// The dialogs that ask for a reason: reject (a reason from a short list, keys 1–6, or free
// text) and reopen (free text). Each stays open, with what the coder chose and wrote, until the
// caller's request succeeds; a failed request shows its error inside the dialog.

import { byId } from "./dom.js";

const pending = { reject: null, reopen: null };

function setError(id, message) {
  const el = byId(id);
  el.textContent = message ?? "";
  el.hidden = !message;
}

// Run the caller's request with the dialog's reason; close only when it succeeds.
async function submit(name, reason, { dialog, button, error }) {
  const state = pending[name];
  if (!state || state.busy) return;
  state.busy = true;
  byId(button).disabled = true;
  try {
    await state.run(reason);
    byId(dialog).close();
  } catch (failure) {
    setError(error, failure.message);
  } finally {
    state.busy = false;
    byId(button).disabled = false;
  }
}

function returnFocusOnClose(name, dialog) {
  byId(dialog).addEventListener("close", () => {
    const returnFocus = pending[name]?.returnFocus;
    pending[name] = null;
    returnFocus?.();
  });
}

function chosenRejectReason() {
  const choice = byId("reject-form").querySelector("input[name=reason]:checked")?.value;
  const details = byId("reject-other").value.trim();
  if (choice === "other") return details || null;
  return details ? `${choice}: ${details}` : choice;
}

function onRejectKey(event) {
  if (event.target instanceof HTMLTextAreaElement) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      byId("reject-form").requestSubmit();
    }
    return;
  }
  const radios = byId("reject-form").querySelectorAll("input[name=reason]");
  const index = Number(event.key) - 1;
  if (Number.isInteger(index) && index >= 0 && index < radios.length) {
    event.preventDefault();
    radios[index].checked = true;
    radios[index].focus();
    if (radios[index].value === "other") byId("reject-other").focus();
  }
}

export function installReasons() {
  byId("reject-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = chosenRejectReason();
    if (!reason) {
      setError("reject-error", "Write the reason for Other.");
      byId("reject-other").focus();
      return;
    }
    submit("reject", reason, { dialog: "reject-dialog", button: "reject-submit", error: "reject-error" });
  });
  byId("reject-form").addEventListener("keydown", onRejectKey);
  byId("reject-cancel").addEventListener("click", () => byId("reject-dialog").close());
  returnFocusOnClose("reject", "reject-dialog");

  byId("reopen-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = byId("reopen-reason").value.trim();
    if (!reason) {
      setError("reopen-error", "Write why the note is reopened.");
      return;
    }
    submit("reopen", reason, { dialog: "reopen-dialog", button: "reopen-submit", error: "reopen-error" });
  });
  byId("reopen-reason").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      byId("reopen-form").requestSubmit();
    }
  });
  byId("reopen-cancel").addEventListener("click", () => byId("reopen-dialog").close());
  returnFocusOnClose("reopen", "reopen-dialog");
}

/** Ask why a suggestion is rejected; `onReject(reason)` performs the request. */
export function openReject({ label, onReject, returnFocus }) {
  pending.reject = { busy: false, run: onReject, returnFocus };
  byId("reject-code").textContent = label;
  const first = byId("reject-form").querySelector("input[name=reason]");
  first.checked = true;
  byId("reject-other").value = "";
  setError("reject-error", null);
  byId("reject-dialog").showModal();
  first.focus();
}

/** Ask why a finalized note is reopened; `onReopen(reason)` performs the request. */
export function openReopen({ onReopen, returnFocus }) {
  pending.reopen = { busy: false, run: onReopen, returnFocus };
  byId("reopen-reason").value = "";
  setError("reopen-error", null);
  byId("reopen-dialog").showModal();
  byId("reopen-reason").focus();
}
