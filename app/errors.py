"""The service's errors and the one place every ``CACError`` becomes an HTTP response.

Errors the service adds to the tree (``codesets.errors``):

- ``CACError``
  - ``AuthenticationRequired`` (401): no key, or a key that is unknown or revoked.
  - ``PermissionDenied`` (403): the key's role does not allow the route.
  - ``RateLimited`` (429): the key spent its token bucket.
  - ``NoteNotFound``, ``SuggestionNotFound``, ``ApiKeyNotFound`` (404).
  - ``InvalidRequest`` (422): a request the service cannot act on.
  - ``InvalidNote`` (422): note text or metadata the service cannot accept.
  - ``InvalidFhir`` (422): a FHIR resource that does not validate; names the field.
  - ``InvalidDecision`` (422): a decision or added code the code set or note does not allow.
  - ``NoteTooLarge``, ``RequestTooLarge`` (413): note text or request body over its limit.
  - ``DecisionConflict`` (409): a decision that breaks a coding rule (e.g. Excludes1).
  - ``NoteFinalized``, ``NoteNotFinalized``, ``ReviewIncomplete``, ``IdempotencyConflict`` (409).
  - ``ServiceNotReady`` (503): the coder or code sets are not loaded.
  - ``nlp.errors.NoteTimeBudgetExceeded`` (503): coding one note ran past its time budget
    (``CAC_NOTE_TIME_BUDGET_S``); the message names the stage, never the note's words.
  - ``models.pool.CoderPoolError`` (503): a coding process died while coding the note (a fresh
    one starts for the next note), or the coding processes could not start.
  - ``NoteKeysMissing`` (503): stored note text is encrypted and no configured key opens it.
  - ``SchemaMismatch``: the database schema does not match this release (refuses to start).
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from codesets import errors as cs
from models.pool import CoderPoolError
from nlp.errors import NoteTimeBudgetExceeded

log = logging.getLogger("cac.app")


class AuthenticationRequired(cs.CACError):
    """No key, or a key that is unknown or revoked."""


class PermissionDenied(cs.CACError):
    """The key's role does not allow this route."""


class RateLimited(cs.CACError):
    """The key sent more requests than its token bucket allows."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NoteNotFound(cs.CACError):
    """No note has this id."""


class SuggestionNotFound(cs.CACError):
    """No suggestion has this id."""


class ApiKeyNotFound(cs.CACError):
    """No API key has this id."""


class InvalidRequest(cs.CACError):
    """A request the service cannot act on (a blank name, an offset outside the note, ...)."""


class InvalidNote(cs.CACError):
    """Note text or metadata the service cannot accept."""


class InvalidFhir(cs.CACError):
    """A FHIR resource that does not validate or lacks what the service needs."""


class InvalidDecision(cs.CACError):
    """A decision or added code that the note's code set or state does not allow."""


class NoteTooLarge(cs.CACError):
    """Note text over the configured maximum size."""


class RequestTooLarge(cs.CACError):
    """A request body over the configured maximum size."""


class DecisionConflict(cs.CACError):
    """A decision that would break a coding rule, such as two Excludes1 codes."""


class NoteFinalized(cs.CACError):
    """The note's code set is locked; reopen it first."""


class ReviewIncomplete(cs.CACError):
    """Finalize asked for a note whose suggestions are not all decided."""


class NoteNotFinalized(cs.CACError):
    """Reopen asked for a note that is not finalized."""


class IdempotencyConflict(cs.CACError):
    """An Idempotency-Key reused with a different note."""


class ServiceNotReady(cs.CACError):
    """The coder or the code sets are not loaded."""


class NoteKeysMissing(cs.CACError):
    """Stored note text is encrypted and ``CAC_NOTE_KEYS`` holds no key that opens it."""


class SchemaMismatch(cs.CACError):
    """The database schema does not match this release."""


_STATUS: list[tuple[type[cs.CACError], int]] = [
    (AuthenticationRequired, 401),
    (PermissionDenied, 403),
    (NoteNotFound, 404),
    (SuggestionNotFound, 404),
    (ApiKeyNotFound, 404),
    (cs.UnknownCode, 404),
    (NoteTooLarge, 413),
    (RequestTooLarge, 413),
    (DecisionConflict, 409),
    (NoteFinalized, 409),
    (NoteNotFinalized, 409),
    (ReviewIncomplete, 409),
    (IdempotencyConflict, 409),
    (RateLimited, 429),
    (ServiceNotReady, 503),
    (NoteTimeBudgetExceeded, 503),
    (CoderPoolError, 503),
    (cs.CodeSetIntegrityError, 503),
    (SchemaMismatch, 503),
    (NoteKeysMissing, 503),
]


def status_for(error: cs.CACError) -> int:
    """The HTTP status of a product error; any other ``CACError`` is the caller's input (422)."""
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 422


def error_code(error: Exception) -> str:
    """``NoteNotFound`` -> ``note_not_found``: a stable machine-readable code."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def correlation_id(request: Request) -> str:
    """The request's correlation id (set by the middleware), or "-" outside a request."""
    return str(getattr(request.state, "correlation_id", "-"))


def error_body(error: Exception, message: str, cid: str) -> dict[str, object]:
    """The JSON body of every error response."""
    return {"error": {"code": error_code(error), "message": message, "correlation_id": cid}}


async def _cac_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, cs.CACError)
    status = status_for(error)
    headers: dict[str, str] = {}
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(max(1, round(error.retry_after)))
    if isinstance(error, AuthenticationRequired):
        headers["WWW-Authenticate"] = "Bearer"
    cid = correlation_id(request)
    log.info("request refused: %s status=%d cid=%s", error_code(error), status, cid)
    return JSONResponse(error_body(error, error.message, cid), status_code=status, headers=headers)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    # FastAPI's own body echoes each bad value ("input"), which may be note text: never sent
    assert isinstance(error, RequestValidationError)
    issues = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
    first = issues[0] if issues else {"loc": ["body"], "msg": "invalid request"}
    field = ".".join(str(part) for part in first["loc"][1:]) or str(first["loc"][0])
    cid = correlation_id(request)
    log.info("request refused: invalid_request status=422 cid=%s", cid)
    body = error_body(InvalidRequest(""), f"{field}: {first['msg']}", cid)
    return JSONResponse({**body, "detail": issues}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Map every ``CACError`` and validation error to one JSON error shape (the middleware
    answers anything else)."""
    app.add_exception_handler(cs.CACError, _cac_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
