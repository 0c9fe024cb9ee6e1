// The worklist: notes waiting for review, filtered and sorted by the service, one key to open
// the next.

import { api } from "./api.js";
import { byId, clearError, cloneTemplate, formatAge, formatTime, h, showError } from "./dom.js";
import { setShortcuts } from "./keys.js";

const PAGE_SIZE = 50;

// Kept for the session so returning to the worklist (or "next note") keeps the coder's view.
const view = {
  filters: { status: "", setting: "", date_from: "", date_to: "", coder: "", encounter: "", sort: "age:desc" },
  offset: 0,
  items: [],
  total: 0,
  focused: 0,
};
const TYPING_MS = 250;
let typingTimer = 0;

async function load() {
  const { status, setting, date_from, date_to, coder, encounter } = view.filters;
  const [sort, order] = view.filters.sort.split(":");
  const page = await api.worklist({
    status, setting, date_from, date_to, coder: coder.trim(), encounter: encounter.trim(), sort, order,
    limit: PAGE_SIZE, offset: view.offset,
  });
  view.items = page.items;
  view.total = page.total;
}

function noteHref(item) {
  return `#/notes/${encodeURIComponent(item.note_id)}`;
}

function focusRow(index) {
  const rows = byId("worklist-rows").querySelectorAll("tr");
  if (rows.length === 0) return;
  view.focused = Math.min(Math.max(index, 0), rows.length - 1);
  rows.forEach((row, i) => {
    row.classList.toggle("focused", i === view.focused);
    row.tabIndex = i === view.focused ? 0 : -1;
  });
  rows[view.focused].focus();
}

function renderRows() {
  const items = view.items;
  byId("worklist-rows").replaceChildren(
    ...items.map((item, index) =>
      h(
        "tr",
        {
          tabindex: index === view.focused ? "0" : "-1",
          class: index === view.focused ? "focused" : undefined,
          dataset: { noteId: item.note_id },
          onclick: (event) => {
            if (!(event.target instanceof HTMLAnchorElement)) location.hash = noteHref(item);
          },
          onfocus: () => {
            view.focused = index;
          },
        },
        h("td", {}, h("a", { href: noteHref(item) }, item.encounter_id || `Note ${item.note_id}`)),
        h("td", {}, item.date_of_service ?? "—"),
        h("td", {}, item.setting),
        h("td", { class: "num" }, String(item.suggestion_count)),
        h("td", { class: "num" }, String(item.pending_count)),
        h("td", {}, h("span", { class: `badge status-${item.status}` }, item.status.replace("_", " "))),
        h("td", {}, h("time", { datetime: item.created_at, title: formatTime(item.created_at) }, formatAge(item.age_seconds))),
      ),
    ),
  );
  byId("worklist-empty").hidden = items.length > 0;
  byId("worklist-table").hidden = items.length === 0;
  const last = Math.min(view.offset + view.items.length, view.total);
  byId("worklist-count").textContent = `${view.total} notes`;
  byId("page-info").textContent = view.total ? `${view.offset + 1}–${last} of ${view.total}` : "";
  byId("page-prev").disabled = view.offset === 0;
  byId("page-next").disabled = last >= view.total;
}

function readFilters() {
  const form = byId("worklist-filters");
  for (const name of Object.keys(view.filters)) view.filters[name] = form.elements[name].value;
}

function writeFilters() {
  const form = byId("worklist-filters");
  for (const [name, value] of Object.entries(view.filters)) form.elements[name].value = value;
}

async function refresh() {
  try {
    await load();
    clearError();
  } catch (error) {
    showError(error.message);
  }
  renderRows();
}

/** The note after `noteId` in the coder's current worklist order (reloaded first). */
export async function nextNoteId(noteId) {
  await load();
  const items = view.items;
  const here = items.findIndex((item) => String(item.note_id) === String(noteId));
  const after = [...items.slice(here + 1), ...items.slice(0, Math.max(here, 0))];
  const next = after.find((item) => String(item.note_id) !== String(noteId));
  return next ? next.note_id : null;
}

export async function showWorklist(main) {
  main.replaceChildren(cloneTemplate("tpl-worklist"));
  writeFilters();
  const form = byId("worklist-filters");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    readFilters();
    view.offset = 0;
    view.focused = 0;
    refresh();
  });
  form.addEventListener("change", (event) => {
    if (event.target.name === "coder" || event.target.name === "encounter") return; // on input
    readFilters();
    view.offset = 0;
    refresh();
  });
  // Text filters ask the service once the coder pauses typing.
  for (const name of ["coder", "encounter"]) {
    form.elements[name].addEventListener("input", () => {
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => {
        if (!byId("worklist-filters")) return; // the coder has left the worklist
        readFilters();
        view.offset = 0;
        refresh();
      }, TYPING_MS);
    });
  }
  byId("page-prev").addEventListener("click", () => {
    view.offset = Math.max(0, view.offset - PAGE_SIZE);
    refresh();
  });
  byId("page-next").addEventListener("click", () => {
    view.offset += PAGE_SIZE;
    refresh();
  });
  setShortcuts([
    { key: "n", label: "Open next note", run: () => openAt(0) },
    { key: "j", alt: "ArrowDown", label: "Next row", run: () => focusRow(view.focused + 1) },
    { key: "k", alt: "ArrowUp", label: "Previous row", run: () => focusRow(view.focused - 1) },
    { key: "Enter", label: "Open row", run: () => openAt(view.focused) },
    { key: "/", label: "Find encounter", run: () => byId("worklist-q").focus() },
    { key: "g", label: "Refresh", run: refresh },
  ]);
  await refresh();
}

function openAt(index) {
  const item = view.items[index];
  if (item) location.hash = noteHref(item);
}
