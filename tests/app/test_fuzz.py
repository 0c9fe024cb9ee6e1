"""Property-based fuzzing of every documented route from the OpenAPI spec (schemathesis).

Whatever a client sends, the service answers with a client error or success, never a 500.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.core.result import Err, Ok

from app import keys
from app.audit import Actor
from app.main import create_app
from app.security import Role
from app.settings import Settings

pytestmark = pytest.mark.slow
HEADERS: dict[str, dict[str, str]] = {}


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory, fakes: Any) -> Any:
    """One app on SQLite with a key per role (kept in ``HEADERS``)."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'cac.db'}", data_dir=folder, rate_limit_burst=10**6
    )
    app = create_app(settings, coder=fakes.FakeCoder(), codesets=fakes.FakeCodeSets())
    runtime = app.state.runtime
    with runtime.sessions() as session:
        for role in Role:
            _, key = keys.create_key(
                session,
                secret=runtime.secret,
                name=role.value,
                role=role,
                actor=Actor(name="t", role="operator"),
            )
            HEADERS[role.value] = {"Authorization": f"Bearer {key}"}
    return app


def _role(method: str, path: str) -> str:
    if path.startswith("/v1/keys"):
        return "admin"
    if method == "POST" and (path.startswith("/fhir") or path in ("/v1/notes", "/v1/notes:batch")):
        return "integration"
    return "coder"


def test_no_input_crashes_the_service(fuzzed_app: Any) -> None:
    # schemathesis' pytest plugin does not run under this pytest; drive hypothesis directly
    api = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)
    results = list(api.get_all_operations())
    invalid = [result.err() for result in results if isinstance(result, Err)]
    assert not invalid, invalid
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=25, deadline=None, suppress_health_check=list(HealthCheck)
        )
        def call(case: Any) -> None:
            response = case.call(headers=HEADERS[_role(case.method.upper(), case.path)])
            assert response.status_code < 500, (case.method, case.path, response.text[:300])

        call()
