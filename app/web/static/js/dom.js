// Small DOM helpers: build elements without HTML strings (note text is never parsed as markup),
// clone the page's templates, and report status and errors in the page's live regions.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function byId(id) {
  return document.getElementById(id);
}

export function cloneTemplate(id) {
  return byId(id).content.cloneNode(true);
}

let statusTimer = 0;

export function showStatus(message) {
  const el = byId("status");
  el.textContent = message;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => {
    el.textContent = "";
  }, 6000);
}

export function showError(message) {
  byId("error-text").textContent = message;
  byId("error").hidden = false;
}

export function clearError() {
  byId("error").hidden = true;
  byId("error-text").textContent = "";
}

// Every timestamp the API sends is ISO 8601 with its UTC offset.
export function formatAge(seconds) {
  if (seconds === undefined || seconds === null) return "";
  const minutes = Math.max(0, Math.round(seconds / 60));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

export function formatTime(isoTimestamp) {
  if (!isoTimestamp) return "";
  const date = new Date(isoTimestamp);
  return Number.isNaN(date.getTime()) ? isoTimestamp : date.toLocaleString();
}
