"""HTTP routes, thin: parse the request, call one service function, return a schema."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Response
from pydantic import BaseModel

from app.schemas import ErrorOut, NoteCoded

_WHY = {
    401: "No API key, or an unknown or revoked one.",
    403: "The key's role does not allow this route.",
    404: "No such note, suggestion, code or key.",
    409: "The request conflicts with the note's state or a coding rule.",
    413: "The note or the request body is over its size limit.",
    422: "Invalid input; the message names the field.",
    429: "Too many requests for this key; see Retry-After.",
    503: "The coder or the code sets are not loaded.",
}

# documented on every router so integrators see the error shape in the OpenAPI spec
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": why} for status, why in _WHY.items()
}

# ids are 32-bit integer columns (PostgreSQL INTEGER): anything else is a 422, not a crash
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]

# a repeated request (same Idempotency-Key, or encounter id and text) answers 200, not 201
REPLAY_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"model": NoteCoded, "description": "An earlier identical request's stored result."}
}


def json_response(model: BaseModel, *, status_code: int, headers: dict[str, str]) -> Response:
    """``model`` as the JSON body, serialized once.

    For a route returning its schema object, FastAPI validates it against the response model on
    one more worker thread before serializing it; the hottest route (posting a note) skips that
    and keeps ``response_model`` for its OpenAPI description.
    """
    body = model.model_dump_json().encode()
    return Response(body, status_code=status_code, headers=headers, media_type="application/json")
