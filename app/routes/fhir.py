"""FHIR intake: ``POST /fhir/DocumentReference`` with the note as a base64 text/plain attachment."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response

from app import fhir_in, views
from app.deps import CoderDep, CorrelationDep, Integration, SessionDep, SettingsDep
from app.intake import code_note
from app.routes import REPLAY_RESPONSE
from app.routes.notes import IdempotencyKey, count_intake
from app.schemas import NoteCoded

router = APIRouter(tags=["fhir"])

_EXAMPLE = {
    "resourceType": "DocumentReference",
    "status": "current",
    "type": {"text": "Progress note"},
    "subject": {"identifier": {"value": "PT-7f3a"}},
    "date": "2025-03-14T10:00:00Z",
    "content": [
        {
            "attachment": {
                "contentType": "text/plain; charset=utf-8",
                "data": "QXNzZXNzbWVudDogVHlwZSAyIGRpYWJldGVzIG1lbGxpdHVzLg==",
            }
        }
    ],
    "context": {
        "encounter": [{"identifier": {"value": "ENC-1001"}}],
        "period": {"start": "2025-03-14"},
        "practiceSetting": {"text": "internal medicine"},
    },
}


@router.post(
    "/fhir/DocumentReference",
    status_code=201,
    response_model=NoteCoded,
    responses=REPLAY_RESPONSE,
)
def post_document_reference(
    document: Annotated[dict[str, Any], Body(examples=[_EXAMPLE])],
    request: Request,
    response: Response,
    session: SessionDep,
    coder: CoderDep,
    settings: SettingsDep,
    actor: Integration,
    cid: CorrelationDep,
    setting: Annotated[Literal["outpatient", "inpatient"], Query()] = "outpatient",
    idempotency_key: IdempotencyKey = None,
) -> NoteCoded:
    """Code the note a FHIR R4 DocumentReference carries; errors name the offending field."""
    note = fhir_in.to_note(fhir_in.parse(document), setting=setting)
    done = code_note(
        session,
        coder=coder,
        note=note,
        actor=actor,
        max_chars=settings.max_note_chars,
        idempotency_key=idempotency_key,
        source="fhir",
        correlation_id=cid,
    )
    count_intake(request, "fhir", done)
    if done.replayed:
        response.status_code = 200
    response.headers["Location"] = f"/v1/notes/{done.note.id}"
    return views.note_coded(session, done)
