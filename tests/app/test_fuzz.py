"""Property-based fuzzing of every documented route from the OpenAPI spec (schemathesis).

Each generated request goes out with one of four credentials: a key of a role the route allows,
a key of another role, an unknown key, or none. Whatever is sent, the service never answers 5xx
and every answer conforms to the schema: a documented status code, the documented content type
and a body matching the documented response model.

The normal suite tries ``CAC_FUZZ_EXAMPLES`` (default 25) examples per route and prints how many
cases it ran. A longer run: ``CAC_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest
tests/app/test_fuzz.py -q -s``.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Err, Ok

from app import keys
from app.audit import Actor
from app.main import create_app
from app.security import Role
from app.settings import Settings

EXAMPLES = int(os.environ.get("CAC_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CREDENTIALS = ("allowed role", "other role", "unknown key", "no key")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory, fakes: Any) -> tuple[Any, dict[str, str]]:
    """One app on SQLite and a bearer key per role."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'cac.db'}", data_dir=folder, rate_limit_burst=10**6
    )
    app = create_app(settings, coder=fakes.FakeCoder(), codesets=fakes.FakeCodeSets())
    runtime = app.state.runtime
    made: dict[str, str] = {}
    with runtime.sessions() as session:
        for role in Role:
            _, key = keys.create_key(
                session,
                secret=runtime.secret,
                name=role.value,
                role=role,
                actor=Actor(name="t", role="operator"),
            )
            made[role.value] = key
    return app, made


def _role(method: str, path: str) -> str:
    if path.startswith(("/v1/keys", "/v1/audit")) or path.endswith("/erase"):
        return "admin"
    if method == "POST" and (path.startswith("/fhir") or path in ("/v1/notes", "/v1/notes:batch")):
        return "integration"
    return "coder"


def _authorization(credential: str, role: str, made: dict[str, str]) -> dict[str, str]:
    if credential == "no key":
        return {}
    if credential == "unknown key":
        return {"Authorization": "Bearer cac_0123456789ab_notakeyatall"}
    if credential == "other role":
        role = "analyst" if role != "analyst" else "integration"
    return {"Authorization": f"Bearer {made[role]}"}


def test_no_input_crashes_the_service_or_breaks_the_schema(
    fuzzed: tuple[Any, dict[str, str]],
) -> None:
    app, made = fuzzed
    # schemathesis' pytest plugin does not run under this pytest; drive hypothesis directly
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    results = list(api.get_all_operations())
    invalid = [result.err() for result in results if isinstance(result, Err)]
    assert not invalid, invalid
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 20
    tried: Counter[str] = Counter()

    for operation in operations:

        @given(case=operation.as_strategy(), credential=st.sampled_from(CREDENTIALS))
        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck)
        )
        def call(case: Any, credential: str) -> None:
            role = _role(case.method.upper(), case.path)
            headers = _authorization(credential, role, made)
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)
            tried[credential] += 1

        call()
    total = sum(tried.values())
    print(f"\nschemathesis: {total} cases over {len(operations)} operations; {dict(tried)}")
    assert total >= len(operations) * min(EXAMPLES, 5)
    assert set(tried) == set(CREDENTIALS)
