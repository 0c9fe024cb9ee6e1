// The note view: the note with evidence highlighted, the ranked suggestions with their warnings,
// and every review action (accept, reject, modify, add from a selection, finalize) with its key.

import { api } from "./api.js";
import { byId, clearError, cloneTemplate, formatTime, h, showError, showStatus } from "./dom.js";
import { setShortcuts } from "./keys.js";
import { renderNote } from "./notetext.js";
import { openPicker } from "./picker.js";
import { openReject, openReopen } from "./reasons.js";
import { can } from "./session.js";
import { nextNoteId } from "./worklist.js";

let view = null;

const DECIDED_LABEL = { accepted: "Accepted", rejected: "Rejected", modified: "Modified" };

function suggestionKey(s) {
  return `s${s.id}`;
}

function isDecided(s) {
  return s.decision !== null && s.decision !== undefined;
}

function current() {
  return view.suggestions[view.selected] ?? null;
}

async function loadAll(noteId) {
  const [note, suggestions] = await Promise.all([api.note(noteId), api.suggestions(noteId)]);
  return { note, ...suggestions };
}

function renderMeta(note) {
  const rows = [
    ["Date of service", note.date_of_service ?? "—"],
    ["Setting", note.setting],
    ["Status", note.status.replace("_", " ")],
  ];
  byId("note-title").textContent = `Note ${note.encounter_id ?? note.id}`;
  byId("note-meta").replaceChildren(...rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function renderSections(textView) {
  const nav = byId("note-sections");
  nav.hidden = textView.sectionEls.length === 0;
  nav.replaceChildren(
    ...textView.sectionEls.map(({ section, el }) =>
      h("button", { type: "button", class: "btn btn-quiet btn-small", onclick: () => el.scrollIntoView({ block: "start", behavior: "smooth" }) }, section.title),
    ),
  );
}

function evidenceLinks(evidence, key) {
  return h(
    "ul",
    { class: "evidence" },
    evidence.map((ev) =>
      h(
        "li",
        {},
        h(
          "button",
          { type: "button", class: "ev-link", onclick: () => view.text.highlight(key, { scroll: "center" }) },
          `“${ev.text}”`,
        ),
        ev.section ? h("span", { class: "muted" }, ` · ${ev.section.replaceAll("_", " ")}`) : null,
        ev.assertion && ev.assertion !== "present" ? h("span", { class: `badge a-badge a-${ev.assertion}` }, ev.assertion) : null,
      ),
    ),
  );
}

function decisionBadge(s) {
  if (!isDecided(s)) return h("span", { class: "badge badge-pending" }, "needs review");
  const d = s.decision;
  const label = DECIDED_LABEL[d.status] ?? d.status;
  return h("span", { class: `badge decision-${d.status}` }, d.status === "modified" ? `${label} → ${d.code}` : label);
}

function renderSuggestion(s, index) {
  const key = suggestionKey(s);
  const pct = Math.round(s.confidence * 100);
  const selected = index === view.selected;
  const item = h(
    "li",
    {
      class: `sugg${isDecided(s) ? ` decided decided-${s.decision.status}` : ""}${selected ? " selected" : ""}`,
      tabindex: selected ? "0" : "-1",
      "aria-current": selected ? "true" : undefined,
      dataset: { id: String(s.id), code: s.code },
      onmouseenter: () => view.text.highlight(key, { scroll: "nearest" }),
      onmouseleave: () => view.text.highlight(current() ? suggestionKey(current()) : null),
      onfocus: () => select(index, { focus: false }),
      onclick: (event) => {
        if (!(event.target instanceof Element && event.target.closest("button"))) select(index);
      },
    },
    h(
      "div",
      { class: "sugg-top" },
      h("span", { class: "rank", "aria-hidden": "true" }, String(s.rank)),
      h("span", { class: "code" }, s.code),
      h("span", { class: "system muted" }, s.system),
      h("span", { class: "conf", title: `confidence ${pct}%` }, h("span", { class: "conf-bar" }, h("meter", { min: "0", max: "1", value: String(s.confidence), "aria-hidden": "true" })), ` ${pct}%`),
      decisionBadge(s),
    ),
    h("div", { class: "desc" }, s.description),
    h(
      "div",
      { class: "badges" },
      s.billable ? null : h("span", { class: "badge badge-warn" }, "not billable"),
      s.is_sample ? h("span", { class: "badge" }, "sample descriptor") : null,
    ),
    s.warnings.length > 0 ? h("ul", { class: "warnings", "aria-label": "Warnings" }, s.warnings.map((w) => h("li", {}, w))) : null,
    h("p", { class: "rationale" }, s.rationale),
    evidenceLinks(s.evidence, key),
    s.linked.length > 0
      ? h("ul", { class: "linked" }, s.linked.map((l) => h("li", {}, `${l.relation.replace("_", " ")}: ${l.code} — ${l.note}`)))
      : null,
    isDecided(s) && s.decision.reason ? h("p", { class: "muted reason" }, `Reason: ${s.decision.reason}`) : null,
    can("suggestions:decide")
      ? h(
          "div",
          { class: "sugg-actions" },
          h("button", { type: "button", class: "btn btn-small", onclick: () => act(index, "accept") }, "Accept ", h("kbd", {}, "A")),
          h("button", { type: "button", class: "btn btn-small", onclick: () => act(index, "reject") }, "Reject ", h("kbd", {}, "R")),
          h("button", { type: "button", class: "btn btn-small", onclick: () => act(index, "modify") }, "Modify ", h("kbd", {}, "M")),
        )
      : null,
  );
  return item;
}

function renderSuggestions() {
  const list = byId("suggestions");
  list.replaceChildren(...view.suggestions.map(renderSuggestion));
  const decided = view.suggestions.filter(isDecided).length;
  byId("sugg-progress").textContent = `${decided} of ${view.suggestions.length} decided`;
  const none = byId("no-suggestions");
  none.hidden = view.suggestions.length > 0;
  none.textContent = view.data.no_suggestions_reason ?? "No suggestions for this note.";
  const added = view.data.added_codes ?? [];
  byId("added-block").hidden = added.length === 0;
  byId("added-codes").replaceChildren(
    ...added.map((a) =>
      h(
        "li",
        { onmouseenter: () => view.text.highlight(`a${a.id}`, { scroll: "nearest" }), onmouseleave: () => view.text.highlight(current() ? suggestionKey(current()) : null) },
        h("span", { class: "code" }, a.code),
        ` ${a.description ?? ""}`,
        a.evidence ? h("span", { class: "muted" }, ` · “${a.evidence.text}”`) : null,
      ),
    ),
  );
  const queries = view.data.documentation_queries ?? [];
  byId("doc-queries").replaceChildren(
    ...queries.map((q, i) =>
      h(
        "div",
        { class: "doc-query", role: "note" },
        h("strong", {}, `Documentation query: ${q.topic}`),
        h("p", {}, q.message),
        (q.evidence ?? []).length > 0 ? evidenceLinks(q.evidence, `q${i}`) : null,
      ),
    ),
  );
}

function select(index, { focus = true, scroll = true } = {}) {
  if (view.suggestions.length === 0) return;
  const changed = index !== view.selected;
  view.selected = Math.min(Math.max(index, 0), view.suggestions.length - 1);
  const items = byId("suggestions").children;
  for (let i = 0; i < items.length; i += 1) {
    const on = i === view.selected;
    items[i].classList.toggle("selected", on);
    items[i].tabIndex = on ? 0 : -1;
    if (on) items[i].setAttribute("aria-current", "true");
    else items[i].removeAttribute("aria-current");
  }
  if (changed || focus) view.text.highlight(suggestionKey(current()), { scroll: scroll ? "center" : null });
  if (focus) items[view.selected].focus({ preventScroll: false });
}

// Where focus goes back after a dialog or a re-render: the selected suggestion (or the note).
function focusSelected() {
  const item = byId("suggestions")?.children[view.selected];
  (item ?? byId("note-text"))?.focus();
}

function nextUndecided(from) {
  const n = view.suggestions.length;
  for (let step = 1; step <= n; step += 1) {
    const i = (from + step) % n;
    if (!isDecided(view.suggestions[i])) return i;
  }
  return from;
}

async function reload() {
  const data = await loadAll(view.noteId);
  const selectedId = current()?.id;
  setData(data);
  if (selectedId !== undefined) {
    const i = view.suggestions.findIndex((s) => s.id === selectedId);
    if (i >= 0) view.selected = i;
  }
  renderAll();
}

function setData(data) {
  view.data = data;
  view.note = data.note;
  view.suggestions = [...data.suggestions].sort((a, b) => a.rank - b.rank);
}

function renderAll() {
  renderMeta(view.note);
  const evidence = [
    ...view.suggestions.flatMap((s) => s.evidence.map((ev) => ({ key: suggestionKey(s), start: ev.start, end: ev.end }))),
    ...(view.data.added_codes ?? []).filter((a) => a.evidence).map((a) => ({ key: `a${a.id}`, start: a.evidence.start, end: a.evidence.end })),
    ...(view.data.documentation_queries ?? []).flatMap((q, i) => (q.evidence ?? []).map((ev) => ({ key: `q${i}`, start: ev.start, end: ev.end }))),
  ];
  view.text = renderNote(byId("note-text"), view.note.text, {
    sections: view.note.sections ?? [],
    mentions: view.data.mentions ?? [],
    evidence,
  });
  renderSections(view.text);
  renderSuggestions();
  if (current()) view.text.highlight(suggestionKey(current()));
  const finalized = view.note.status === "finalized";
  const finalizes = can("notes:finalize");
  byId("btn-finalize").hidden = finalized || !finalizes;
  byId("btn-reopen").hidden = !finalized || !finalizes;
  byId("btn-add").hidden = !can("suggestions:decide");
  byId("btn-add").disabled = finalized;
  for (const button of byId("suggestions").querySelectorAll(".sugg-actions button")) button.disabled = finalized;
  if (byId("history").open) loadHistory();
}

// Run one API request at a time; on success re-read the note so the screen shows what the
// server stored. A failed request throws (the caller shows it and keeps the coder's input).
async function perform(request, done) {
  if (view.busy) throw new Error("The previous action is still being saved; try again.");
  view.busy = true;
  try {
    const result = await request();
    clearError();
    showStatus(done(result));
    try {
      await reload();
    } catch (error) {
      showError(`Saved, but the note could not be reloaded: ${error.message}`);
    }
    // The redraw removed the focused element (unless a dialog holds focus): keep the keyboard here.
    if (document.activeElement === document.body) focusSelected();
    return result;
  } finally {
    view.busy = false;
  }
}

function isFinalized() {
  if (view.note.status !== "finalized") return false;
  showError("This note is finalized: press O to reopen it before changing its codes.");
  return true;
}

function act(index, action) {
  select(index, { focus: false });
  const s = current();
  if (!s || isFinalized()) return;
  const label = `${s.code} ${s.description}`;
  if (action === "accept") {
    perform(() => api.decide(s.id, { action: "accept" }), () => `Accepted ${s.code}.`)
      .then(() => select(nextUndecided(view.selected)))
      .catch((error) => showError(`Could not accept ${s.code}: ${error.message}`));
  } else if (action === "reject") {
    openReject({
      label,
      returnFocus: focusSelected,
      onReject: (reason) =>
        perform(() => api.decide(s.id, { action: "reject", reason }), () => `Rejected ${s.code}.`).then(() =>
          select(nextUndecided(view.selected)),
        ),
    });
  } else if (action === "modify") {
    openPicker({
      title: `Modify ${s.code}`,
      returnFocus: focusSelected,
      context: label,
      system: s.system,
      query: s.description,
      currentCode: s.code,
      reasonRequired: true,
      onChoose: (hit, reason) => {
        if (hit.code === s.code) throw new Error(`${s.code} is the suggested code: accept it instead.`);
        return perform(
          () => api.decide(s.id, { action: "modify", code: hit.code, reason }),
          () => `Changed ${s.code} to ${hit.code}.`,
        ).then(() => select(nextUndecided(view.selected)));
      },
    });
  }
}

function addFromSelection() {
  if (isFinalized()) return;
  const span = view.text.selectionOffsets();
  if (!span) {
    showError("Select the words in the note that support the code, then press C.");
    byId("note-text").focus();
    return;
  }
  openPicker({
    title: "Add a code",
    returnFocus: focusSelected,
    context: `Evidence: “${span.text}”`,
    system: "ICD-10-CM",
    query: span.text.slice(0, 40),
    onChoose: (hit, reason) =>
      perform(
        () => api.addCode(view.noteId, { system: hit.system, code: hit.code, reason: reason || undefined, evidence: span }),
        () => `Added ${hit.code}.`,
      ),
  });
}

function finalize() {
  perform(() => api.finalize(view.noteId), () => "Note finalized. Press N for the next note.").catch((error) =>
    showError(`Could not finalize: ${error.message}`),
  );
}

function reopen() {
  if (view.note.status !== "finalized") {
    showError("Only a finalized note can be reopened.");
    return;
  }
  openReopen({
    returnFocus: focusSelected,
    onReopen: (reason) => perform(() => api.reopen(view.noteId, reason), () => "Note reopened for review."),
  });
}

// A decision reads best as its code change and reason ("E78.5 → E78.2; reason: …").
function historyDetail(event) {
  const { before, after } = event;
  if (event.entity !== "suggestion" || !before?.code || !after?.code) return event.detail;
  const code = before.code === after.code ? after.code : `${before.code} → ${after.code}`;
  return after.reason ? `${code}; reason: ${after.reason}` : code;
}

async function loadHistory() {
  const list = byId("history-list");
  try {
    const events = await api.audit(view.noteId);
    list.replaceChildren(
      ...events.map((e) =>
        h(
          "li",
          {},
          h("time", { datetime: e.at }, formatTime(e.at)),
          " ",
          h("strong", {}, e.actor),
          ` ${e.action.replace(".", " ")}`,
          historyDetail(e) ? h("span", { class: "muted" }, ` — ${historyDetail(e)}`) : null,
        ),
      ),
    );
    if (events.length === 0) list.replaceChildren(h("li", { class: "muted" }, "No decisions yet."));
    list.lastElementChild?.scrollIntoView({ block: "nearest" });
  } catch (error) {
    list.replaceChildren(h("li", { class: "dialog-error" }, `History unavailable: ${error.message}`));
  }
}

async function openNext() {
  try {
    const next = await nextNoteId(view.noteId);
    if (next === null) showStatus("No other notes in the worklist.");
    else location.hash = `#/notes/${encodeURIComponent(next)}`;
  } catch (error) {
    showError(error.message);
  }
}

export async function showNote(main, noteId) {
  main.replaceChildren(cloneTemplate("tpl-note"));
  view = { noteId, selected: 0, suggestions: [], data: null, note: null, text: null, busy: false };
  byId("btn-add").addEventListener("click", addFromSelection);
  byId("btn-finalize").addEventListener("click", finalize);
  byId("btn-reopen").addEventListener("click", reopen);
  byId("history").addEventListener("toggle", () => {
    if (!byId("history").open) return;
    loadHistory();
  });
  // Keep the mouse selection: pressing the button must not clear what the coder selected.
  byId("btn-add").addEventListener("mousedown", (event) => event.preventDefault());
  // Only the actions the signed-in key's role may take get a key (and a button).
  const decide = can("suggestions:decide") ? [
    { key: "a", label: "Accept", run: () => act(view.selected, "accept") },
    { key: "r", label: "Reject", run: () => act(view.selected, "reject") },
    { key: "m", label: "Modify", run: () => act(view.selected, "modify") },
    { key: "c", label: "Add from selection", run: addFromSelection },
  ] : [];
  const lock = can("notes:finalize") ? [
    { key: "f", label: "Finalize", run: finalize },
    { key: "o", label: "Reopen", run: reopen },
  ] : [];
  setShortcuts([
    { key: "j", alt: "ArrowDown", label: "Next", run: () => select(view.selected + 1) },
    { key: "k", alt: "ArrowUp", label: "Previous", run: () => select(view.selected - 1) },
    ...decide,
    ...lock,
    { key: "h", label: "History", run: () => (byId("history").open = !byId("history").open) },
    { key: "n", label: "Next note", run: openNext },
    { key: "u", label: "Worklist", run: () => (location.hash = "#/worklist") },
  ]);
  setData(await loadAll(noteId));
  view.selected = Math.max(0, view.suggestions.findIndex((s) => !isDecided(s)));
  renderAll();
  if (view.suggestions.length > 0) select(view.selected);
}
