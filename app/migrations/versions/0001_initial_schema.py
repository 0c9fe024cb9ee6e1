"""Initial schema: notes, runs, suggestions, decisions, final codes, API keys, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 08:02:36.644719
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


_SQLITE_GUARDS = [
    f"""CREATE TRIGGER audit_log_no_{verb} BEFORE {verb.upper()} ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
    for verb in ("update", "delete")
]
_POSTGRES_GUARD = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
]


def _guard_audit_log() -> None:
    # The database itself refuses to rewrite history, whatever code connects to it.
    dialect = op.get_bind().dialect.name
    statements = _POSTGRES_GUARD if dialect == "postgresql" else _SQLITE_GUARDS
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prefix"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_key_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_index(op.f("ix_audit_log_note_id"), "audit_log", ["note_id"], unique=False)
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("encounter_id", sa.String(length=128), nullable=True),
        sa.Column("patient_ref", sa.String(length=128), nullable=True),
        sa.Column("note_type", sa.String(length=100), nullable=True),
        sa.Column("setting", sa.String(length=20), nullable=False),
        sa.Column("date_of_service", sa.Date(), nullable=True),
        sa.Column("specialty", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["api_keys.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("encounter_id", "content_hash", name="uq_notes_encounter"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index(op.f("ix_notes_content_hash"), "notes", ["content_hash"], unique=False)
    op.create_index(op.f("ix_notes_created_at"), "notes", ["created_at"], unique=False)
    op.create_index(op.f("ix_notes_date_of_service"), "notes", ["date_of_service"], unique=False)
    op.create_index(op.f("ix_notes_status"), "notes", ["status"], unique=False)
    op.create_table(
        "added_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("evidence_start", sa.Integer(), nullable=True),
        sa.Column("evidence_end", sa.Integer(), nullable=True),
        sa.Column("evidence_text", sa.Text(), nullable=True),
        sa.Column("actor_key_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_key_id"],
            ["api_keys.id"],
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_added_codes_note_id"), "added_codes", ["note_id"], unique=False)
    op.create_table(
        "coding_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("icd10cm_version", sa.String(length=50), nullable=False),
        sa.Column("hcpcs_version", sa.String(length=50), nullable=False),
        sa.Column("cpt_version", sa.String(length=50), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("pipeline_version", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_coding_runs_note_id"), "coding_runs", ["note_id"], unique=False)
    op.create_table(
        "final_code_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("finalized_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finalized_by", sa.Integer(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_by", sa.Integer(), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["finalized_by"],
            ["api_keys.id"],
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reopened_by"],
            ["api_keys.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("note_id", "version", name="uq_final_sets_version"),
    )
    op.create_index(
        op.f("ix_final_code_sets_note_id"), "final_code_sets", ["note_id"], unique=False
    )
    op.create_table(
        "final_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["final_code_sets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_final_codes_set_id"), "final_codes", ["set_id"], unique=False)
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("system", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("billable", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("linked", sa.JSON(), nullable=False),
        sa.Column("is_sample", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("final_code", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["coding_runs.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_suggestions_note_id"), "suggestions", ["note_id"], unique=False)
    op.create_index(op.f("ix_suggestions_run_id"), "suggestions", ["run_id"], unique=False)
    op.create_index(op.f("ix_suggestions_status"), "suggestions", ["status"], unique=False)
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_key_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_key_id"],
            ["api_keys.id"],
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
        ),
        sa.ForeignKeyConstraint(
            ["suggestion_id"],
            ["suggestions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_decisions_actor_key_id"), "decisions", ["actor_key_id"], unique=False)
    op.create_index(op.f("ix_decisions_note_id"), "decisions", ["note_id"], unique=False)
    op.create_index(
        op.f("ix_decisions_suggestion_id"), "decisions", ["suggestion_id"], unique=False
    )
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("section", sa.String(length=100), nullable=True),
        sa.Column("assertion", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(
            ["suggestion_id"],
            ["suggestions.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_evidence_suggestion_id"), "evidence", ["suggestion_id"], unique=False)
    _guard_audit_log()


def downgrade() -> None:
    """Revert this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_index(op.f("ix_evidence_suggestion_id"), table_name="evidence")
    op.drop_table("evidence")
    op.drop_index(op.f("ix_decisions_suggestion_id"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_note_id"), table_name="decisions")
    op.drop_index(op.f("ix_decisions_actor_key_id"), table_name="decisions")
    op.drop_table("decisions")
    op.drop_index(op.f("ix_suggestions_status"), table_name="suggestions")
    op.drop_index(op.f("ix_suggestions_run_id"), table_name="suggestions")
    op.drop_index(op.f("ix_suggestions_note_id"), table_name="suggestions")
    op.drop_table("suggestions")
    op.drop_index(op.f("ix_final_codes_set_id"), table_name="final_codes")
    op.drop_table("final_codes")
    op.drop_index(op.f("ix_final_code_sets_note_id"), table_name="final_code_sets")
    op.drop_table("final_code_sets")
    op.drop_index(op.f("ix_coding_runs_note_id"), table_name="coding_runs")
    op.drop_table("coding_runs")
    op.drop_index(op.f("ix_added_codes_note_id"), table_name="added_codes")
    op.drop_table("added_codes")
    op.drop_index(op.f("ix_notes_status"), table_name="notes")
    op.drop_index(op.f("ix_notes_date_of_service"), table_name="notes")
    op.drop_index(op.f("ix_notes_created_at"), table_name="notes")
    op.drop_index(op.f("ix_notes_content_hash"), table_name="notes")
    op.drop_table("notes")
    op.drop_index(op.f("ix_audit_log_note_id"), table_name="audit_log")
    op.drop_index(op.f("ix_audit_log_at"), table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("api_keys")
