"""Login rate limiting per address and API token revocation, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kaohe.cli.main import main
from kaohe.web.accounts import service as accounts
from kaohe.web.app import create_app
from kaohe.web.settings import Settings
from kaohe.web.store.engine import session_factory, transaction


def _login(c: TestClient, username: str, password: str) -> int:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text)
    assert m
    r = c.post("/login", data={"username": username, "password": password, "csrf": m.group(1)})
    return int(r.status_code)


def test_an_address_with_too_many_failures_is_refused_whatever_account_it_tries(
    engine: Engine,
) -> None:
    with transaction(session_factory(engine)) as s:
        accounts.add_user(s, "wang", "a-long-password", "office")
    app = create_app(Settings(database_url=engine.url.render_as_string(hide_password=False)))
    attacker = TestClient(app, follow_redirects=False, client=("203.0.113.9", 4000))
    other = TestClient(app, follow_redirects=False, client=("198.51.100.7", 4000))
    # spread over many names (and names that do not exist) so no one account locks
    for k in range(accounts.MAX_FAILURES_PER_ADDRESS):
        assert _login(attacker, f"guess-{k % 7}", "wrong-password") == 401
    assert _login(attacker, "wang", "a-long-password") == 429  # refused unchecked
    r = attacker.get("/login")
    assert r.status_code == 200
    # another address is not affected, and the account itself is not locked
    assert _login(other, "wang", "a-long-password") == 303
    with transaction(session_factory(engine)) as s:
        assert accounts.failures_from(s, "203.0.113.9") == accounts.MAX_FAILURES_PER_ADDRESS
        assert accounts.failures_from(s, "198.51.100.7") == 0


def test_a_revoked_token_is_refused(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    with transaction(session_factory(engine)) as s:
        accounts.add_user(s, "wang", "a-long-password", "office")
        token = accounts.issue_token(s, "wang", "nightly")
    app = create_app(Settings(database_url=url))
    c = TestClient(app, follow_redirects=False)
    auth = {"Authorization": f"Bearer {token}"}
    assert c.get("/api/v1/cycles", headers=auth).status_code == 200
    env = {"KAOHE_DATABASE_URL": url}
    r = CliRunner().invoke(main, ["users", "tokens", "wang"], env=env)
    assert r.exit_code == 0
    assert "nightly" in r.output
    assert "live" in r.output
    r = CliRunner().invoke(main, ["users", "revoke-token", "wang", "--name", "nightly"], env=env)
    assert r.exit_code == 0, r.output
    assert c.get("/api/v1/cycles", headers=auth).status_code == 401
    r = CliRunner().invoke(main, ["users", "revoke-token", "wang", "--name", "nightly"], env=env)
    assert r.exit_code == 1
    assert "no live token" in r.output
    r = CliRunner().invoke(main, ["users", "tokens", "wang"], env=env)
    assert "revoked" in r.output
