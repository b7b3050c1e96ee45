"""schemathesis against the OpenAPI document: generated requests, with and without a token,
never make a server error. Runs on SQLite (the generated traffic is the same for PostgreSQL)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from kaohe.web import accounts, cycles  # noqa: E402
from kaohe.web.app import create_app  # noqa: E402
from kaohe.web.demo import load_demo  # noqa: E402
from kaohe.web.settings import Settings  # noqa: E402
from kaohe.web.store import (  # noqa: E402
    SchemeVersion,
    open_engine,
    session_factory,
    transaction,
)


def _app(tmp: Path) -> tuple[Any, str]:
    url = f"sqlite:///{tmp / 'schema.db'}"
    engine = open_engine(url)
    load_demo(engine)
    with transaction(session_factory(engine)) as s:
        token = accounts.issue_token(s, "rep-stats", "schemathesis")
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycles.move(s, cycles.create_cycle(s, version, "schema test"), "collecting")
    engine.dispose()
    return create_app(Settings(database_url=url)), token


# built at collection: schemathesis parametrizes the test from the live OpenAPI document
_DIR = Path(tempfile.mkdtemp(prefix="kaohe-schema-"))
APP, TOKEN = _app(_DIR)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_a_server_error(case: Any) -> None:
    case.call_and_validate(checks=[not_a_server_error])
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"}, checks=[not_a_server_error]
    )
