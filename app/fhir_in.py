"""FHIR DocumentReference -> note: how EHRs send notes (a text/plain attachment, base64).

fhir.resources 8.3 ships R5 (default), R4B and STU3 models but no R4 package. R4B (4.3) kept
R4's (4.0.1) DocumentReference, Condition, Procedure, ChargeItem and Bundle unchanged in the
elements used here (its changes are to medication-definition, evidence and subscription
resources), so R4 documents validate against the R4B models and R4B output is valid R4.
"""

from __future__ import annotations

import binascii
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.reference import Reference
from pydantic import ValidationError

from app.errors import InvalidFhir
from app.schemas import NoteIn
from models.schema import Setting


def _field(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "DocumentReference"


def parse(payload: Any) -> DocumentReference:
    """Validate a DocumentReference; the error names the first offending field."""
    if not isinstance(payload, dict) or payload.get("resourceType") != "DocumentReference":
        raise InvalidFhir("resourceType: expected 'DocumentReference'")
    try:
        return DocumentReference.model_validate(payload)
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidFhir(f"{_field(tuple(first['loc']))}: {first['msg']}") from None


def _ref_value(ref: Reference | None) -> str | None:
    if ref is None:
        return None
    if ref.identifier is not None and ref.identifier.value:
        return str(ref.identifier.value)
    if ref.reference:
        return str(ref.reference).rsplit("/", 1)[-1]
    return None


def _text(doc: DocumentReference) -> str:
    for index, content in enumerate(doc.content or []):
        attachment = content.attachment
        media = (attachment.contentType or "").split(";")[0].strip().lower()
        if media != "text/plain":
            continue
        if attachment.data is None:
            raise InvalidFhir(f"content[{index}].attachment.data: the note text is missing")
        try:
            raw = attachment.data
            return (raw if isinstance(raw, bytes) else binascii.a2b_base64(raw)).decode("utf-8")
        except (UnicodeDecodeError, binascii.Error):
            raise InvalidFhir(
                f"content[{index}].attachment.data: not base64-encoded UTF-8 text"
            ) from None
    raise InvalidFhir("content: no attachment with contentType text/plain")


def _date_of_service(doc: DocumentReference) -> date | None:
    start = doc.context.period.start if doc.context and doc.context.period else None
    value = start if start is not None else doc.date
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def to_note(doc: DocumentReference, *, setting: Setting) -> NoteIn:
    """The note the DocumentReference carries, with its encounter metadata."""
    context = doc.context
    encounter = _ref_value(context.encounter[0]) if context and context.encounter else None
    note_type = None
    if doc.type is not None:
        coding = doc.type.coding[0] if doc.type.coding else None
        note_type = doc.type.text or (coding.display or coding.code if coding else None)
    specialty = None
    if context is not None and context.practiceSetting is not None:
        practice = context.practiceSetting
        first = practice.coding[0] if practice.coding else None
        specialty = practice.text or (first.display or first.code if first else None)
    try:
        return NoteIn(
            text=_text(doc),
            encounter_id=encounter,
            patient_ref=_ref_value(doc.subject),
            note_type=note_type,
            setting=setting,
            date_of_service=_date_of_service(doc),
            specialty=specialty,
        )
    except ValidationError as error:
        detail = error.errors()[0]
        loc = tuple(detail["loc"])
        field = "content[0].attachment.data" if loc == ("text",) else _field(loc)
        raise InvalidFhir(f"{field}: {detail['msg']}") from None
