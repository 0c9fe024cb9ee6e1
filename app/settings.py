"""Service settings: one ``Settings`` read from ``CAC_*`` variables and ``DATABASE_URL``."""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator may tune; defaults give a working single-machine service."""

    model_config = SettingsConfigDict(env_prefix="CAC_", extra="ignore", populate_by_name=True)

    # Empty means the SQLite file ``<data_dir>/cac.db``; production sets a postgresql+psycopg URL.
    database_url: str = Field(
        default="", validation_alias=AliasChoices("DATABASE_URL", "CAC_DATABASE_URL")
    )
    data_dir: Path = Path("var")
    # Migrate an older schema on start; when off, a schema behind the code refuses to start.
    auto_migrate: bool = True
    max_note_chars: int = Field(default=100_000, ge=1)
    max_body_bytes: int = Field(default=2_000_000, ge=1024)
    batch_max_notes: int = Field(default=50, ge=1)
    rate_limit_per_second: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=60, ge=1)
    # Seconds a verified API key is trusted without a database lookup (``app.keycache``): a key
    # revoked through another process stops within this time; 0 looks every request up.
    key_cache_s: float = Field(default=2.0, ge=0, le=60)
    cors_origins: list[str] = Field(default_factory=list)
    # HMAC secret for API keys, hex; when unset, generated once into ``<data_dir>``. Replicas
    # sharing one PostgreSQL database must share this secret.
    secret_key: SecretStr | None = None
    # Comma-separated Fernet keys: when set, note text (and excerpts of it) is encrypted at rest
    # with the first key; every key decrypts. Unset: stored plain (see SECURITY.md).
    note_keys: SecretStr | None = None
    # "module:attribute" of a zero-argument callable; lets an operator swap implementations.
    coder_factory: str = "models.engine:load_coder"
    # Processes that code notes (each loads its own coder, ~0.5 GB): 0 codes in the request's
    # thread; N > 0 hands each note to whichever of N processes is free (``models.pool``), so one
    # uvicorn worker uses N cores whichever connections it holds. Production: the core count.
    coding_processes: int = Field(default=0, ge=0, le=64)
    codesets_factory: str = "codesets.store:get_codesets"

    def resolved_database_url(self) -> str:
        """The database URL to connect to: ``DATABASE_URL`` or the default SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'cac.db').as_posix()}"


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
