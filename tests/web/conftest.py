"""Databases for the platform's tests: every test runs on SQLite and, when
``KAOHE_TEST_POSTGRES_URL`` names a server (``.ci/run`` sets it), on a fresh PostgreSQL database."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from kaohe.web.store.engine import open_engine
from kaohe.web.store.migrate import upgrade

POSTGRES = os.environ.get("KAOHE_TEST_POSTGRES_URL", "")


def _postgres_database() -> Iterator[str]:
    if not POSTGRES:
        pytest.skip("PostgreSQL not configured: set KAOHE_TEST_POSTGRES_URL (.ci/run does)")
    name = f"kaohe_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        POSTGRES.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL at KAOHE_TEST_POSTGRES_URL not usable: {exc}")
    base = POSTGRES.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _url(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'kaohe.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from _url(request.param, tmp_path)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = open_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One demo database per backend for a whole module (loading it takes seconds)."""
    from kaohe.web.demo import load_demo

    for url in _url(request.param, tmp_path_factory.mktemp("demo")):
        eng = open_engine(url)
        load_demo(eng)
        eng.dispose()
        yield url
