"""Every custom ``Doc._``/``Span._`` attribute the pipeline sets, registered in one place.

Names carry a ``cac_`` prefix: medspaCy and scispaCy register their own (``sections``,
``abbreviations``, ``modifiers``) and ours must not collide with them.
"""

from __future__ import annotations

from spacy.tokens import Doc, Span

MENTION_GROUP = "cac_mentions"  # the span group ConText reads its targets from


def register_extensions() -> None:
    """Register the pipeline's extensions (idempotent)."""
    doc_defaults: dict[str, object] = {
        "cac_sections": None,  # list[nlp.document.Section]
        "cac_sentences": None,  # list[tuple[int, int]] character offsets
        "cac_abbreviations": None,  # list[nlp.document.Abbreviation]
        "cac_timings": None,  # dict[str, float] milliseconds per component
        "cac_text": None,  # str: the text the doc was made from (see ``doc_text``)
    }
    for name, default in doc_defaults.items():
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    span_defaults: dict[str, object] = {
        # nlp.mentions.Found: the mention as found (exact offsets, label, concepts, attributes)
        "cac_found": None,
    }
    for name, default in span_defaults.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)


def doc_text(doc: Doc) -> str:
    """The doc's text, as the pipeline kept it when it made the doc (``Doc.text`` joins every
    token again on each read: ~30-60 us a note, read by three components)."""
    text: str | None = doc._.cac_text
    return text if text is not None else doc.text
