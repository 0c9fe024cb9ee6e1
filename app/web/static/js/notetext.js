// Renders a note's text as atomic segments so overlapping spans (section headers, mentions with
// their assertion, each suggestion's evidence) can be styled and highlighted independently, and
// maps a text selection back to character offsets. Sections come from the note API, found by
// the same rules the pipeline codes with.
//
// The API counts offsets in Unicode code points (Python's str); the DOM counts UTF-16 units. The
// two differ only past a character outside the Basic Multilingual Plane, so the conversion table
// is built only for notes that hold one.

import { h } from "./dom.js";

// Strongest first, as nlp.mention.Assertion.label orders them: one style per mention.
const ASSERTIONS = ["negated", "family", "hypothetical", "uncertain", "historical"];

function offsetTables(text) {
  if (!/[\uD800-\uDFFF]/.test(text)) {
    return { toUnit: (cp) => cp, toPoint: (unit) => unit };
  }
  const unitOfPoint = [];
  const pointOfUnit = new Array(text.length + 1);
  let point = 0;
  for (let unit = 0; unit < text.length; point += 1) {
    unitOfPoint.push(unit);
    const width = text.codePointAt(unit) > 0xffff ? 2 : 1;
    for (let k = 0; k < width; k += 1) pointOfUnit[unit + k] = point;
    unit += width;
  }
  unitOfPoint.push(text.length);
  pointOfUnit[text.length] = point;
  return {
    toUnit: (cp) => unitOfPoint[Math.min(Math.max(cp, 0), unitOfPoint.length - 1)],
    toPoint: (unit) => pointOfUnit[Math.min(Math.max(unit, 0), text.length)],
  };
}

function mentionFlags(mention) {
  const flags = ASSERTIONS.filter((name) => mention[name] === true);
  if (flags.length === 0 && ASSERTIONS.includes(mention.assertion)) flags.push(mention.assertion);
  return flags;
}

function strongest(mention, flags) {
  return ASSERTIONS.includes(mention.assertion) ? mention.assertion : flags[0];
}

/**
 * Build the note's DOM into `container`; sections ([SectionOut]), mentions ([MentionOut]) and
 * evidence ([{key, start, end}]) carry API offsets. Returns a view with `highlight(key)`,
 * `selectionOffsets()` and the section headers' elements.
 */
export function renderNote(container, text, { sections = [], mentions = [], evidence = [] }) {
  const { toUnit, toPoint } = offsetTables(text);
  const spans = sections.map((section) => ({
    kind: "section",
    start: toUnit(section.start),
    end: toUnit(section.header_end),
    section,
  }));
  for (const mention of mentions) {
    const flags = mentionFlags(mention);
    if (flags.length === 0) continue;
    spans.push({ kind: "mention", start: toUnit(mention.start), end: toUnit(mention.end), flags, mention });
  }
  for (const ev of evidence) {
    spans.push({ kind: "evidence", start: toUnit(ev.start), end: toUnit(ev.end), key: ev.key });
  }
  const cuts = new Set([0, text.length]);
  for (const span of spans) {
    if (span.end > span.start && span.start >= 0 && span.end <= text.length) {
      cuts.add(span.start);
      cuts.add(span.end);
    }
  }
  const bounds = [...cuts].sort((a, b) => a - b);
  const byKey = new Map();
  const sectionEls = [];
  const nodes = [];
  for (let i = 0; i + 1 < bounds.length; i += 1) {
    const start = bounds[i];
    const end = bounds[i + 1];
    const covering = spans.filter((s) => s.start <= start && s.end >= end && s.end > s.start);
    const classes = ["seg"];
    const titles = [];
    for (const span of covering) {
      if (span.kind === "section") classes.push("sec-head");
      if (span.kind === "evidence") classes.push("ev");
      if (span.kind === "mention") {
        classes.push(`a-${strongest(span.mention, span.flags)}`);
        titles.push(`${span.mention.text}: ${span.flags.join(", ")}`);
      }
    }
    const el = h("span", { class: classes.join(" "), dataset: { start: String(start) }, title: titles.join("; ") || undefined }, text.slice(start, end));
    nodes.push(el);
    for (const span of covering) {
      if (span.kind === "evidence") {
        if (!byKey.has(span.key)) byKey.set(span.key, []);
        byKey.get(span.key).push(el);
      }
      if (span.kind === "section" && span.start === start) sectionEls.push({ section: span.section, el });
    }
  }
  container.replaceChildren(...nodes);

  let current = [];
  // scroll: "center" brings the evidence to the middle; "nearest" scrolls only if it is hidden.
  function highlight(key, { scroll = null } = {}) {
    for (const el of current) el.classList.remove("ev-active");
    current = key === null ? [] : byKey.get(key) ?? [];
    for (const el of current) el.classList.add("ev-active");
    if (scroll && current.length > 0) current[0].scrollIntoView({ block: scroll, behavior: "smooth" });
  }

  function pointOffset(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = node.parentElement.closest("[data-start]");
      return seg ? Number(seg.dataset.start) + offset : null;
    }
    if (node === container) {
      if (offset >= container.children.length) return text.length;
      return Number(container.children[offset].dataset.start);
    }
    const seg = node.closest?.("[data-start]");
    if (!seg) return null;
    return offset === 0 ? Number(seg.dataset.start) : Number(seg.dataset.start) + seg.textContent.length;
  }

  // The selected text as API offsets (code points), trimmed of surrounding white space.
  function selectionOffsets() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return null;
    let start = pointOffset(range.startContainer, range.startOffset);
    let end = pointOffset(range.endContainer, range.endOffset);
    if (start === null || end === null) return null;
    while (start < end && /\s/.test(text[start])) start += 1;
    while (end > start && /\s/.test(text[end - 1])) end -= 1;
    if (end <= start) return null;
    return { start: toPoint(start), end: toPoint(end), text: text.slice(start, end) };
  }

  return { highlight, selectionOffsets, sectionEls };
}
