"""The calling key: its name, role and what the role may do (the web client signs in with it)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.deps import AnyKey
from app.security import Role

router = APIRouter(prefix="/v1", tags=["keys"])

# What each role may do, one name per group of routes; ``app.deps`` enforces the same split.
PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.INTEGRATION: ("notes:create", "notes:read"),
    Role.CODER: (
        "notes:read",
        "worklist:read",
        "codes:search",
        "suggestions:decide",
        "notes:finalize",
        "notes:history",
    ),
    Role.ANALYST: ("notes:read", "worklist:read", "codes:search", "notes:history", "audit:read"),
    Role.ADMIN: ("keys:manage", "notes:history", "audit:read", "notes:erase"),
}


class MeOut(BaseModel):
    """The key a request was made with."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "coder-ann",
                    "role": "coder",
                    "permissions": list(PERMISSIONS[Role.CODER]),
                }
            ]
        }
    )

    name: str = Field(description="The key's name, as `cac keys create --name` set it.")
    role: Role
    permissions: list[str] = Field(
        description="What the role may do: notes:create, notes:read, worklist:read, "
        "codes:search, suggestions:decide (decide, modify, add codes), notes:finalize (and "
        "reopen), notes:history, audit:read, keys:manage, notes:erase."
    )


@router.get("/me", response_model=MeOut)
def get_me(actor: AnyKey) -> MeOut:
    """Who is calling: the key's name, its role and the role's permissions."""
    role = Role(actor.role)
    return MeOut(name=actor.name, role=role, permissions=list(PERMISSIONS[role]))
