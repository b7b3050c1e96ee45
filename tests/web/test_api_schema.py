"""schemathesis against the OpenAPI document, on SQLite and PostgreSQL: generated requests,
with and without a token, never make a server error, and every answer conforms to the document
(status codes, content types, response bodies and headers all documented).

schemathesis builds its tests from the live document when the module is collected, so the two
databases are made then (the PostgreSQL one is dropped when the test process ends)."""

from __future__ import annotations

import atexit
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from kaohe.web.accounts import service as accounts  # noqa: E402
from kaohe.web.app import create_app  # noqa: E402
from kaohe.web.cycles import moves  # noqa: E402
from kaohe.web.cycles import service as cycles  # noqa: E402
from kaohe.web.demo import load_demo  # noqa: E402
from kaohe.web.settings import Settings  # noqa: E402
from kaohe.web.store.engine import open_engine, session_factory, transaction  # noqa: E402
from kaohe.web.store.models import SchemeVersion  # noqa: E402

from .conftest import POSTGRES  # noqa: E402

#: valid by the schema yet refused by what the schema cannot say (a unit of the cycle's scheme,
#: a column of the token's department): 422 is the right answer, not a conformance failure
NOT_CONFORMANCE = [positive_data_acceptance]
#: a body over the size limit is refused with 413 before it is read (documented on every route)
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": ["400", "401", "403", "404", "406", "413", "422", "428"]
            }
        }
    }
)
EXAMPLES = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def _app(url: str) -> tuple[Any, str]:
    engine = open_engine(url)
    load_demo(engine)
    with transaction(session_factory(engine)) as s:
        token = accounts.issue_token(s, "rep-stats", "schemathesis")
        version = s.get(SchemeVersion, 1)
        assert version is not None
        moves.move(s, cycles.create_cycle(s, version, "schema test"), "collecting")
    engine.dispose()
    return create_app(Settings(database_url=url)), token


def _postgres() -> str | None:
    """A fresh PostgreSQL database for this process (dropped at its end), or None."""
    if not POSTGRES:
        return None
    name = f"kaohe_schema_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        admin.dispose()
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    atexit.register(drop)
    return f"{POSTGRES.rsplit('/', 1)[0]}/{name}"


def _check(case: Any, token: str) -> None:
    case.call_and_validate(excluded_checks=NOT_CONFORMANCE)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, excluded_checks=NOT_CONFORMANCE
    )


_DIR = Path(tempfile.mkdtemp(prefix="kaohe-schema-"))
SQLITE_APP, SQLITE_TOKEN = _app(f"sqlite:///{_DIR / 'schema.db'}")
sqlite_schema = schemathesis.openapi.from_asgi("/api/openapi.json", SQLITE_APP, config=CONFIG)


@sqlite_schema.parametrize()  # type: ignore[untyped-decorator]
@EXAMPLES
def test_every_answer_conforms_to_the_document_on_sqlite(case: Any) -> None:
    _check(case, SQLITE_TOKEN)


_PG_URL = _postgres()
if _PG_URL is not None:
    PG_APP, PG_TOKEN = _app(_PG_URL)
    pg_schema = schemathesis.openapi.from_asgi("/api/openapi.json", PG_APP, config=CONFIG)

    @pg_schema.parametrize()  # type: ignore[untyped-decorator]
    @EXAMPLES
    def test_every_answer_conforms_to_the_document_on_postgresql(case: Any) -> None:
        _check(case, PG_TOKEN)

else:

    def test_every_answer_conforms_to_the_document_on_postgresql() -> None:
        pytest.skip("PostgreSQL not configured: set KAOHE_TEST_POSTGRES_URL (.ci/run does)")
