"""The platform's commands against a real database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from kaohe.cli.main import main
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import User


def run(*args: str) -> tuple[int, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


def test_it_upgrades_adds_disables_and_resets(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAOHE_DATABASE_URL", database_url)
    assert run("serve")[0] != 0  # not upgraded yet: refused with a message
    assert "run kaohe db upgrade" in run("serve")[1]
    assert run("db", "upgrade") == (0, "the database is at the newest schema\n")
    code, out = run(
        "users",
        "add",
        "wang",
        "--role",
        "reporter",
        "--department",
        "stats",
        "--password",
        "a-long-password",
    )
    assert code == 0, out
    code, out = run("users", "add", "wang", "--role", "office", "--password", "a-long-password")
    assert code == 1
    assert "exists already" in out
    code, out = run("users", "add", "li", "--role", "reviewer", "--password", "a-long-password")
    assert "give --department" in out
    code, out = run("users", "add", "zhao", "--role", "office", "--password", "short")
    assert "at least 10 characters" in out
    assert run("users", "disable", "wang")[0] == 0
    assert run("users", "reset-password", "wang", "--password", "another-long-one")[0] == 0
    assert "no user 'nobody'" in run("users", "disable", "nobody")[1]
    engine = open_engine(database_url)
    with transaction(session_factory(engine)) as s:
        wang = s.execute(select(User).where(User.username == "wang")).scalar_one()
        assert not wang.active
        assert wang.password_hash.startswith("$argon2id$")
    engine.dispose()
    code, out = run("audit", "verify")
    assert code == 0
    assert "intact: 3 entries" in out  # add, disable, reset-password


def test_the_commands_refuse_to_write_to_a_final_cycle(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the platform's pages do (tests/web/test_final_cycle.py): nothing is computed or
    written, and the reason is said."""
    from sqlalchemy import func, update

    from kaohe.web.store.models import Cycle, PersonnelComputation

    monkeypatch.setenv("KAOHE_DATABASE_URL", demo_url)
    factory = session_factory(open_engine(demo_url))
    with factory() as s:
        before = s.execute(select(func.count()).select_from(PersonnelComputation)).scalar_one()
    assert run("rulebook", "evaluate", "1")[0] == 0  # an open cycle: computed
    with transaction(factory) as s:
        s.execute(update(Cycle).where(Cycle.id == 1).values(state="final"))
        computed = s.execute(select(func.count()).select_from(PersonnelComputation)).scalar_one()
    assert computed == before + 1
    for args in (("rulebook", "evaluate", "1"), ("cadres", "grade", "1")):
        code, out = run(*args)
        assert code == 1, out
        assert "该考核已终结" in out
    with factory() as s:
        after = s.execute(select(func.count()).select_from(PersonnelComputation)).scalar_one()
    assert after == computed
