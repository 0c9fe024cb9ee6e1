"""API keys over HTTP (admin keys only): list, create (shown once), revoke."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app import keys
from app.deps import Admin, RuntimeDep, SessionDep
from app.routes import RowId
from app.schemas import Timestamp
from app.security import Role
from app.tables import ApiKey

router = APIRouter(prefix="/v1/keys", tags=["keys"])


class KeyIn(BaseModel):
    """A key to create."""

    name: str = Field(min_length=1, max_length=100)
    role: Role


class KeyOut(BaseModel):
    """A key without its secret."""

    id: int
    name: str
    role: Role
    prefix: str
    created_at: Timestamp
    revoked_at: Timestamp | None


class KeyCreated(KeyOut):
    """A new key; ``key`` is shown this once and never stored."""

    key: str


def _out(row: ApiKey) -> KeyOut:
    return KeyOut.model_validate(row, from_attributes=True)


@router.get("", response_model=list[KeyOut])
def list_keys(session: SessionDep, actor: Admin) -> list[KeyOut]:
    """Every key, newest first."""
    return [_out(row) for row in keys.list_keys(session)]


@router.post("", status_code=201, response_model=KeyCreated)
def create_key(body: KeyIn, session: SessionDep, runtime: RuntimeDep, actor: Admin) -> KeyCreated:
    """Create a key; copy it now, it cannot be shown again."""
    row, plaintext = keys.create_key(
        session, secret=runtime.secret, name=body.name, role=body.role, actor=actor
    )
    return KeyCreated.model_validate({**_out(row).model_dump(), "key": plaintext})


@router.delete("/{key_id}", response_model=KeyOut)
def revoke_key(key_id: RowId, session: SessionDep, runtime: RuntimeDep, actor: Admin) -> KeyOut:
    """Revoke a key; it stops working at once here, and within ``CAC_KEY_CACHE_S`` seconds in
    other worker processes and replicas."""
    revoked = keys.revoke_key(session, key_id=key_id, actor=actor)
    runtime.verified_keys.forget(key_id)
    return _out(revoked)
