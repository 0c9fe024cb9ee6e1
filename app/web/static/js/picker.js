// The code picker: searches /v1/codes/search as the coder types (a code or its start such as
// "E11.4", or a few letters of words such as "diab neuro"), shows each code's billable status,
// and hands the chosen code to the caller. The dialog stays open, with the coder's
// choice, until the caller's request succeeds; a failed request shows its error in the dialog.

import { api } from "./api.js";
import { byId, h } from "./dom.js";

const DEBOUNCE_MS = 150;

let state = null;

function setError(message) {
  const el = byId("picker-error");
  el.textContent = message ?? "";
  el.hidden = !message;
}

function renderResults() {
  const list = byId("picker-results");
  const input = byId("picker-q");
  list.replaceChildren(
    ...state.hits.map((hit, index) => {
      const selected = index === state.active;
      const option = h(
        "li",
        {
          id: `picker-opt-${index}`,
          role: "option",
          class: `picker-opt${selected ? " active" : ""}${hit.billable ? "" : " not-billable"}`,
          "aria-selected": selected ? "true" : "false",
          dataset: { code: hit.code, system: hit.system },
          onmousedown: (event) => event.preventDefault(),
          onclick: () => {
            state.active = index;
            renderResults();
            byId("picker-form").requestSubmit();
          },
        },
        h("span", { class: "code" }, hit.code),
        h("span", { class: "desc" }, hit.description),
        hit.code === state.currentCode
          ? h("span", { class: "badge" }, "current")
          : h("span", { class: `badge ${hit.billable ? "badge-ok" : "badge-warn"}` }, hit.billable ? "billable" : "not billable"),
      );
      return option;
    }),
  );
  input.setAttribute("aria-expanded", state.hits.length > 0 ? "true" : "false");
  if (state.active >= 0) {
    input.setAttribute("aria-activedescendant", `picker-opt-${state.active}`);
    byId(`picker-opt-${state.active}`)?.scrollIntoView({ block: "nearest" });
  } else {
    input.removeAttribute("aria-activedescendant");
  }
}

async function search() {
  // Sent as typed: a trailing space tells the service the last word is finished.
  const query = byId("picker-q").value.trimStart();
  const system = byId("picker-system").value;
  const ticket = (state.ticket += 1);
  if (query.trim().length < 2) {
    state.hits = [];
    state.active = -1;
    byId("picker-hint").textContent = "Type at least two characters.";
    renderResults();
    return;
  }
  byId("picker-hint").textContent = "Searching…";
  try {
    const hits = await api.searchCodes({ q: query, system, limit: 20 });
    if (!state || ticket !== state.ticket) return; // a newer search has started
    // Keep the coder's choice when a newer search still lists it.
    const chosen = state.hits[state.active]?.code;
    state.hits = hits;
    const fallback = Math.max(0, hits.findIndex((hit) => hit.code !== state.currentCode));
    const kept = hits.findIndex((hit) => hit.code === chosen);
    // A code typed in full is the service's first hit (score 1): choose it.
    const typed = hits[0]?.score === 1 && hits[0].code.replace(".", "") === query.trim().toUpperCase().replace(".", "");
    state.active = typed ? 0 : kept >= 0 ? kept : fallback;
    if (hits.length === 0) state.active = -1;
    byId("picker-hint").textContent = hits.length === 0 ? "No codes match." : `${hits.length} codes; ↑ ↓ to move, Enter to choose.`;
    setError(null);
  } catch (error) {
    if (!state || ticket !== state.ticket) return;
    state.hits = [];
    state.active = -1;
    byId("picker-hint").textContent = "";
    setError(error.message);
  }
  renderResults();
}

function onInput() {
  clearTimeout(state.timer);
  state.timer = setTimeout(search, DEBOUNCE_MS);
}

function onKeyDown(event) {
  if (!state || state.hits.length === 0) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    state.active = (state.active + step + state.hits.length) % state.hits.length;
    renderResults();
  }
}

async function onSubmit(event) {
  event.preventDefault();
  if (!state || state.busy) return;
  const hit = state.hits[state.active];
  if (!hit) {
    setError("Choose a code from the list first.");
    return;
  }
  if (!hit.billable) {
    setError(`${hit.code} is not billable: choose a more specific code.`);
    return;
  }
  const reason = byId("picker-reason").value.trim();
  if (state.reasonRequired && !reason) {
    setError("Write why you change the code.");
    byId("picker-reason").focus();
    return;
  }
  state.busy = true;
  byId("picker-submit").disabled = true;
  try {
    await state.onChoose(hit, reason);
    closePicker();
  } catch (error) {
    setError(error.message); // the dialog keeps the query, the list and the chosen code
  } finally {
    if (state) state.busy = false;
    byId("picker-submit").disabled = false;
  }
}

function closePicker() {
  const dialog = byId("picker-dialog");
  if (dialog.open) dialog.close();
}

export function installPicker() {
  byId("picker-q").addEventListener("input", onInput);
  byId("picker-q").addEventListener("keydown", onKeyDown);
  byId("picker-system").addEventListener("change", () => state && search());
  byId("picker-form").addEventListener("submit", onSubmit);
  byId("picker-cancel").addEventListener("click", closePicker);
  byId("picker-dialog").addEventListener("close", () => {
    if (state) clearTimeout(state.timer);
    const returnFocus = state?.returnFocus;
    state = null;
    returnFocus?.();
  });
}

/**
 * Open the picker; `onChoose(hit, reason)` performs the request and throws on failure, and
 * `returnFocus()` puts focus back where the coder was (the page may have been redrawn).
 */
export function openPicker({ title, context, system, query, currentCode, reasonRequired, onChoose, returnFocus }) {
  state = {
    hits: [], active: -1, ticket: 0, timer: 0, busy: false,
    onChoose, returnFocus, reasonRequired, currentCode,
  };
  byId("picker-reason-label").textContent = reasonRequired ? "Reason (required)" : "Reason (optional)";
  // aria-required, not required: the dialog explains a missing reason itself.
  byId("picker-reason").setAttribute("aria-required", reasonRequired ? "true" : "false");
  byId("picker-title").textContent = title;
  byId("picker-context").textContent = context;
  byId("picker-system").value = system;
  byId("picker-q").value = query ?? "";
  byId("picker-reason").value = "";
  byId("picker-hint").textContent = "";
  setError(null);
  renderResults();
  byId("picker-dialog").showModal();
  byId("picker-q").focus();
  byId("picker-q").select();
  if (query) search();
}
