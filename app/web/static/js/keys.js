// Keyboard shortcuts: each view registers its own; they are shown in the bar at the foot of the
// screen and in the help dialog (?), and never fire while the coder types in a field or a dialog.

import { byId, h } from "./dom.js";

let active = [];

const GLOBAL = [{ key: "?", label: "Shortcuts", run: () => openHelp() }];

function typing(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable='true']"));
}

function keyLabel(key) {
  return key === "ArrowDown" ? "↓" : key === "ArrowUp" ? "↑" : key.length === 1 ? key.toUpperCase() : key;
}

function render() {
  const bar = byId("keybar");
  bar.replaceChildren(
    ...[...active, ...GLOBAL].map((s) => h("span", { class: "key" }, h("kbd", {}, keyLabel(s.key)), " ", s.label)),
  );
}

export function setShortcuts(shortcuts) {
  active = shortcuts;
  render();
}

export function openHelp() {
  const rows = [...active, ...GLOBAL].map((s) =>
    h("tr", {}, h("td", {}, h("kbd", {}, keyLabel(s.key))), h("td", {}, s.label)),
  );
  byId("help-body").replaceChildren(
    h("table", { class: "grid" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Key"), h("th", { scope: "col" }, "Action"))), h("tbody", {}, rows)),
  );
  byId("help-dialog").showModal();
}

export function installKeys() {
  byId("help-close").addEventListener("click", () => byId("help-dialog").close());
  document.addEventListener("keydown", (event) => {
    // Escape always closes the open dialog, even from a search field (which would only clear).
    const dialog = document.querySelector("dialog[open]");
    if (event.key === "Escape" && dialog) {
      event.preventDefault();
      dialog.close();
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (dialog || typing(event.target)) return;
    // Enter on a link or button keeps its own meaning.
    if (event.key === "Enter" && event.target instanceof Element && event.target.closest("a, button, summary")) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const shortcut = [...active, ...GLOBAL].find((s) => s.key === key || s.alt === key);
    if (!shortcut) return;
    event.preventDefault();
    shortcut.run(event);
  });
}
