"""A note's accepted codes as a FHIR R4 Bundle (R4B models; see ``fhir_in`` for why).

ICD-10-CM codes become Conditions, CPT codes Procedures and HCPCS Level II codes ChargeItems
(HCPCS Level II names supplies, drugs and services billed as charges). The patient and
encounter are referenced by identifier, as the EHR sent them.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from app.tables import Note
from codesets.model import System

CODE_SYSTEM_URI = {
    System.ICD10CM.value: "http://hl7.org/fhir/sid/icd-10-cm",
    System.CPT.value: "http://www.ama-assn.org/go/cpt",
    System.HCPCS.value: "urn:oid:2.16.840.1.113883.6.285",
}
IDENTIFIER_SYSTEM = "urn:cac:identifier"


def _reference(kind: str, value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "type": kind,
        "identifier": {"system": f"{IDENTIFIER_SYSTEM}:{kind.lower()}", "value": value},
    }


def _resource(note: Note, system: str, code: str, description: str, index: int) -> dict[str, Any]:
    coding = {"system": CODE_SYSTEM_URI[system], "code": code, "display": description}
    subject = _reference("Patient", note.patient_ref) or {"display": "unidentified patient"}
    encounter = _reference("Encounter", note.encounter_id)
    when = note.date_of_service.isoformat() if note.date_of_service else None
    base: dict[str, Any] = {"id": f"note-{note.id}-{index}", "subject": subject}
    if system == System.ICD10CM.value:
        resource: dict[str, Any] = {
            "resourceType": "Condition",
            **base,
            "code": {"coding": [coding], "text": description},
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "confirmed",
                    }
                ]
            },
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                            "code": "encounter-diagnosis",
                        }
                    ]
                }
            ],
        }
        if when:
            resource["recordedDate"] = when
    elif system == System.CPT.value:
        resource = {
            "resourceType": "Procedure",
            **base,
            "status": "completed",
            "code": {"coding": [coding], "text": description},
        }
        if when:
            resource["performedDateTime"] = when
    else:
        resource = {
            "resourceType": "ChargeItem",
            **base,
            "status": "billable",
            "code": {"coding": [coding], "text": description},
        }
        if when:
            resource["occurrenceDateTime"] = when
        if encounter:
            resource["context"] = encounter
        return resource
    if encounter:
        resource["encounter"] = encounter
    return resource


def bundle(note: Note, codes: list[tuple[str, str, str]]) -> Bundle:
    """A collection Bundle with one resource per (system, code, description)."""
    entries = [
        {
            "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'cac:note:{note.id}:{i}')}",
            "resource": _resource(note, *c, i),
        }
        for i, c in enumerate(codes, start=1)
    ]
    return Bundle.model_validate({"resourceType": "Bundle", "type": "collection", "entry": entries})
