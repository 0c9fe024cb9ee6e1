"""API keys: create (the key is shown once), list, revoke, authenticate. Every change is audited."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit
from app.errors import ApiKeyNotFound, InvalidRequest
from app.security import Role, hash_key, key_matches, key_prefix, new_key
from app.tables import ApiKey


def _public(key: ApiKey) -> dict[str, object]:
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role,
        "prefix": key.prefix,
        "revoked": key.revoked_at is not None,
    }


def create_key(
    session: Session, *, secret: bytes, name: str, role: Role, actor: audit.Actor
) -> tuple[ApiKey, str]:
    """Store a new key's hash and return the row with the plaintext key (never stored)."""
    if not name.strip():
        raise InvalidRequest("a key needs a non-empty name")
    plaintext, prefix = new_key()
    row = ApiKey(
        name=name.strip(),
        role=role.value,
        prefix=prefix,
        key_hash=hash_key(plaintext, secret),
        created_at=audit.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="key.create",
        entity="api_key",
        entity_id=row.id,
        after=_public(row),
    )
    session.commit()
    return row, plaintext


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, newest first (hashes stay in the database)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def revoke_key(session: Session, *, key_id: int, actor: audit.Actor) -> ApiKey:
    """Revoke a key; revoking a revoked key changes nothing and is not audited again."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise ApiKeyNotFound(f"no API key with id {key_id}")
    if row.revoked_at is None:
        before = _public(row)
        row.revoked_at = audit.now()
        audit.record(
            session,
            actor=actor,
            action="key.revoke",
            entity="api_key",
            entity_id=row.id,
            before=before,
            after=_public(row),
        )
        session.commit()
    return row


def authenticate(session: Session, *, secret: bytes, presented: str) -> ApiKey | None:
    """The active key matching ``presented``, or None."""
    prefix = key_prefix(presented)
    if prefix is None:
        return None
    row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if row is None or row.revoked_at is not None:
        return None
    return row if key_matches(presented, row.key_hash, secret) else None


def has_admin(session: Session) -> bool:
    """True when at least one active admin key exists."""
    query = (
        select(func.count())
        .select_from(ApiKey)
        .where(ApiKey.role == Role.ADMIN.value, ApiKey.revoked_at.is_(None))
    )
    return bool(session.scalar(query))


def bootstrap_admin(session: Session, *, secret: bytes) -> str | None:
    """Create a first admin key when none exists; return its plaintext (shown once) or None."""
    if has_admin(session):
        return None
    system = audit.Actor(name="bootstrap", role="system")
    _, plaintext = create_key(
        session, secret=secret, name="first admin", role=Role.ADMIN, actor=system
    )
    return plaintext
