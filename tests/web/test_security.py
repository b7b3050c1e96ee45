"""The findings of the security probe (issue "Hold under attack"), each reproduced: forged
cookies, sessions that outlive logout, forwarded addresses, unbounded bodies, slash redirects
built from Host, HSTS, hostile parameters, unknown units and over-long names — on SQLite and
PostgreSQL."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import threading
import time

import pytest
import uvicorn
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import Engine, select

from kaohe.cli.main import main
from kaohe.web.accounts import service as accounts
from kaohe.web.accounts import sessions
from kaohe.web.app import create_app
from kaohe.web.settings import Settings, SettingsError
from kaohe.web.store.engine import session_factory, transaction
from kaohe.web.store.models import AuditEntry, User, UserSession

from .test_site import LOGINS, client, token

PUBLISHED_SECRET = "development-only-not-secret"


def _cookie(secret: str, data: dict[str, object]) -> str:
    """A session cookie as Starlette signs it."""
    payload = base64.b64encode(json.dumps(data).encode("utf-8"))
    return TimestampSigner(secret).sign(payload).decode("utf-8")


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def office(engine: Engine) -> Engine:
    with transaction(session_factory(engine)) as s:
        accounts.add_user(s, "wang", "a-long-password", "office")
    return engine


# ----------------------------------------------------------------- 1. no known secret


def test_a_cookie_signed_with_the_published_secret_opens_nothing(office: Engine) -> None:
    app = create_app(Settings(database_url=_url(office)))
    c = TestClient(app, follow_redirects=False)
    forgeries: list[dict[str, object]] = [{"uid": 1}, {"sid": "x" * 43}]
    for forged in forgeries:
        c.cookies.set("kaohe_session", _cookie(PUBLISHED_SECRET, forged))
        r = c.get("/admin/audit")
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login")


def test_the_published_secret_is_refused_everywhere() -> None:
    for env in ("development", "production"):
        with pytest.raises(SettingsError, match="KAOHE_SECRET_KEY"):
            Settings(secret_key=PUBLISHED_SECRET, env=env)
    with pytest.raises(SettingsError, match="32"):
        Settings(secret_key="short")


def test_each_installation_has_its_own_secret_kept_with_its_data(
    office: Engine, tmp_path_factory: pytest.TempPathFactory
) -> None:
    first = sessions.instance_secret(office)
    assert len(first) >= 32
    assert sessions.instance_secret(office) == first  # every process of it agrees
    from kaohe.web.store.engine import open_engine
    from kaohe.web.store.migrate import upgrade

    other = open_engine(f"sqlite:///{tmp_path_factory.mktemp('other') / 'k.db'}")
    upgrade(other)
    assert sessions.instance_secret(other) != first
    other.dispose()


def test_a_cookie_from_another_installation_opens_nothing(office: Engine) -> None:
    app = create_app(Settings(database_url=_url(office)))
    c = TestClient(app, follow_redirects=False)
    r = c.post(
        "/login",
        data={"username": "wang", "password": "a-long-password", "csrf": token(c, "/login")},
    )
    assert r.status_code == 303
    stolen = c.cookies["kaohe_session"]
    elsewhere = TestClient(
        create_app(Settings(database_url=_url(office), secret_key="y" * 40)),
        follow_redirects=False,
    )
    elsewhere.cookies.set("kaohe_session", stolen)
    assert elsewhere.get("/admin/audit").status_code == 303


# ----------------------------------------------------------------- 7. sessions end


def _logged_in(
    engine: Engine, user: str = "wang", password: str = "a-long-password"
) -> tuple[FastAPI, TestClient, str]:
    app = create_app(Settings(database_url=_url(engine)))
    c = TestClient(app, follow_redirects=False)
    r = c.post("/login", data={"username": user, "password": password, "csrf": token(c, "/login")})
    assert r.status_code == 303
    assert c.get("/admin/audit").status_code == 200
    return app, c, c.cookies["kaohe_session"]


def _replay(app: object, cookie: str) -> int:
    c = TestClient(app, follow_redirects=False)  # type: ignore[arg-type]
    c.cookies.set("kaohe_session", cookie)
    return int(c.get("/admin/audit").status_code)


def test_a_copied_cookie_dies_with_logout(office: Engine) -> None:
    app, c, copied = _logged_in(office)
    r = c.post("/logout", data={"csrf": token(c, "/admin/audit")})
    assert r.status_code == 303
    assert _replay(app, copied) == 303
    with transaction(session_factory(office)) as s:
        ended = s.execute(select(UserSession.ended_why)).scalars().all()
    assert ended == ["logout"]


@pytest.mark.parametrize(
    ("command", "why"),
    [
        (
            ["users", "reset-password", "wang", "--password", "another-long-secret"],
            "password reset",
        ),
        (["users", "disable", "wang"], "disabled"),
        (["users", "set-role", "wang", "--role", "unit", "--unit", "jining"], "role changed"),
    ],
)
def test_reset_disable_and_role_change_end_every_session(
    office: Engine, command: list[str], why: str
) -> None:
    app, _, copied = _logged_in(office)
    _, _, second = _logged_in(office)
    r = CliRunner().invoke(main, command, env={"KAOHE_DATABASE_URL": _url(office)})
    assert r.exit_code == 0, r.output
    assert _replay(app, copied) == 303
    assert _replay(app, second) == 303
    if why == "disabled":  # enabling again does not revive an old cookie
        r = CliRunner().invoke(
            main, ["users", "enable", "wang"], env={"KAOHE_DATABASE_URL": _url(office)}
        )
        assert r.exit_code == 0
        assert _replay(app, copied) == 303
    with transaction(session_factory(office)) as s:
        assert set(s.execute(select(UserSession.ended_why)).scalars()) == {why}


def test_a_reset_revokes_the_tokens_when_asked(office: Engine) -> None:
    with transaction(session_factory(office)) as s:
        bearer = accounts.issue_token(s, "wang", "nightly")
    app = create_app(Settings(database_url=_url(office)))
    c = TestClient(app)
    auth = {"Authorization": f"Bearer {bearer}"}
    env = {"KAOHE_DATABASE_URL": _url(office)}
    reset = ["users", "reset-password", "wang", "--password", "another-long-secret"]
    assert CliRunner().invoke(main, reset, env=env).exit_code == 0
    assert c.get("/api/v1/cycles", headers=auth).status_code == 200  # not asked: kept
    assert CliRunner().invoke(main, [*reset, "--revoke-tokens"], env=env).exit_code == 0
    assert c.get("/api/v1/cycles", headers=auth).status_code == 401


# ----------------------------------------------------------------- logins slow down


def _attempt(c: TestClient, user: str, password: str) -> int:
    return int(
        c.post(
            "/login", data={"username": user, "password": password, "csrf": token(c, "/login")}
        ).status_code
    )


def test_failures_slow_an_account_from_one_address_and_the_office_unlocks_it(
    office: Engine,
) -> None:
    app = create_app(Settings(database_url=_url(office)))
    here = TestClient(app, follow_redirects=False, client=("203.0.113.20", 1))
    for _ in range(accounts.FREE_PER_PAIR):
        assert _attempt(here, "wang", "wrong-password") == 401
    r = here.post(
        "/login",
        data={"username": "wang", "password": "a-long-password", "csrf": token(here, "/login")},
    )
    assert r.status_code == 429
    assert "请于" in r.text  # when it ends, in the office's time zone
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r.text)
    env = {"KAOHE_DATABASE_URL": _url(office)}
    assert CliRunner().invoke(main, ["users", "unlock", "wang"], env=env).exit_code == 0
    assert _attempt(here, "wang", "a-long-password") == 303


def test_the_delay_grows_with_each_failure() -> None:
    free = accounts.FREE_PER_PAIR
    delays = [accounts.delay_after(n, free).total_seconds() for n in range(free + 8)]
    assert delays[:free] == [0] * free
    assert delays[free : free + 3] == [30, 60, 120]
    assert max(delays) == accounts.LONGEST_DELAY.total_seconds()


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaa", "1234567890", "wangwangwang", "password123", "qwertyuiop"],
)
def test_trivial_and_common_passwords_are_refused(engine: Engine, password: str) -> None:
    with transaction(session_factory(engine)) as s, pytest.raises(accounts.AccountError):
        accounts.add_user(s, "wang", password, "office")


# ----------------------------------------------------------------- 6. forwarded headers


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(office: Engine) -> None:
    url = _url(office)
    plain = TestClient(create_app(Settings(database_url=url)), client=("127.0.0.1", 1))
    proxied = TestClient(
        create_app(Settings(database_url=url, trusted_proxies=("10.9.9.9",))),
        client=("10.9.9.9", 1),
    )
    forged = {"X-Forwarded-For": "198.18.0.77"}
    for c in (plain, proxied):
        c.post(
            "/login",
            data={"username": "nobody", "password": "x", "csrf": token(c, "/login")},
            headers=forged,
        )
    with transaction(session_factory(office)) as s:
        seen = s.execute(
            select(AuditEntry.address).where(AuditEntry.action == "login.failed")
        ).scalars()
        assert sorted(seen) == ["127.0.0.1", "198.18.0.77"]


# ----------------------------------------------------------------- 3. bodies bounded


def test_a_chunked_body_is_cut_off_at_the_limit_while_it_streams(engine: Engine) -> None:
    """A real server: the 413 comes back long before the 300 MB a client means to send."""
    app = create_app(Settings(database_url=_url(engine), max_form_kb=64))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _wait_port(port)
        sent, answer = _stream_chunked(port, "/login", total=300 * 2**20)
    finally:
        server.should_exit = True
        thread.join(10)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 8 * 2**20  # stopped within a few MB of socket buffers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("no server")


def _stream_chunked(port: int, path: str, total: int) -> tuple[int, bytes]:
    """POST a chunked multipart body of ``total`` bytes until the server answers."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n\r\n".encode()
    )
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\n'
    sock.sendall(b"%x\r\n%s\r\n" % (len(head), head))  # a valid part: the parser reads on
    chunk = b"%x\r\n%s\r\n" % (65536, b"a" * 65536)
    sent, answer = len(head), b""
    sock.setblocking(False)
    try:
        while sent < total:
            with contextlib.suppress(BlockingIOError):
                answer += sock.recv(65536)
            if answer:
                break
            try:
                sock.send(chunk)
                sent += 65536
            except BlockingIOError:
                time.sleep(0.001)
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.setblocking(True)
        sock.settimeout(10)
        while b"\r\n\r\n" not in answer:
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    finally:
        sock.close()
    return sent, answer


def test_a_declared_length_over_the_limit_is_refused_before_reading(office: Engine) -> None:
    c = TestClient(create_app(Settings(database_url=_url(office), max_form_kb=4)))
    r = c.post("/login", content=b"a" * 10_000, headers={"Content-Type": "text/plain"})
    assert r.status_code == 413
    r = c.post(
        "/login",
        content=b"--b\r\n" + b"a" * 10_000,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413  # files only where a route takes them


# ----------------------------------------------------------------- headers and redirects


def test_a_trailing_slash_redirect_never_names_another_host(office: Engine) -> None:
    c = TestClient(create_app(Settings(database_url=_url(office))), follow_redirects=False)
    r = c.get("/board/?x=1", headers={"Host": "evil.example"})
    assert r.status_code == 308
    assert r.headers["location"] == "/board?x=1"
    r = c.get("http://testserver//evil.example/", headers={"Host": "evil.example"})
    assert r.headers["location"] == "/evil.example"


def test_hsts_only_over_https(office: Engine) -> None:
    url = _url(office)
    plain = TestClient(create_app(Settings(database_url=url)))
    assert "strict-transport-security" not in plain.get("/login").headers
    https = TestClient(create_app(Settings(database_url=url, https=True)))
    assert "max-age=" in https.get("/login").headers["strict-transport-security"]


# ----------------------------------------------------------------- 10. no 500s


@pytest.fixture(scope="module")
def demo_app(demo_url: str) -> object:
    return create_app(Settings(database_url=demo_url))


@pytest.mark.parametrize("offset", ["abc", "99999999999999999999", "-1", "１", "9" * 5000])
@pytest.mark.parametrize(
    "path", ["/cycles/1/personnel", "/cycles/1/personnel/ballots", "/cycles/1/personnel/grades"]
)
def test_hostile_offsets_are_refused_not_crashed(demo_app: object, path: str, offset: str) -> None:
    c = client(demo_app, "office")
    r = c.get(path, params={"offset": offset})
    assert r.status_code in (404, 422), (path, r.status_code)


def test_a_huge_value_id_in_a_review_is_refused_not_crashed(demo_app: object) -> None:
    c = client(demo_app, "reviewer")
    r = c.post(
        "/cycles/1/review",
        data={
            "csrf": token(c, "/cycles/1/review"),
            "value": "99999999999999999999",
            "decision": "approve",
        },
    )
    assert r.status_code == 403


def test_an_account_of_a_unit_not_in_the_scheme_cannot_crash_objections(
    demo_url: str, demo_app: object
) -> None:
    from kaohe.web.store.engine import open_engine

    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        if s.execute(select(User).where(User.username == "unit-ghost")).scalar_one_or_none():
            pass
        else:
            # made directly: the checks of add_user would refuse it (below)
            s.add(
                User(
                    username="unit-ghost",
                    password_hash=accounts.HASHER.hash("ghost-town-password"),
                    role="unit",
                    unit="ghost",
                    display_name="ghost",
                )
            )
    engine.dispose()
    c = TestClient(demo_app, follow_redirects=False)  # type: ignore[arg-type]
    r = c.post(
        "/login",
        data={
            "username": "unit-ghost",
            "password": "ghost-town-password",
            "csrf": token(c, "/login"),
        },
    )
    assert r.status_code == 303
    page = "/cycles/1/objections"
    r = c.post(page, data={"csrf": token(c, page), "indicator": "gdp_growth", "reason": "x"})
    assert r.status_code == 422
    assert "不在本次考核中" in r.text


def test_accounts_for_unknown_units_and_departments_are_refused(demo_url: str) -> None:
    env = {"KAOHE_DATABASE_URL": demo_url}
    for extra in (
        ["--role", "unit", "--unit", "atlantis"],
        ["--role", "reporter", "--department", "nasa"],
    ):
        r = CliRunner().invoke(
            main, ["users", "add", "newbie", *extra, "--password", "long-enough-pass-42"], env=env
        )
        assert r.exit_code == 1
        assert "no unit" in r.output or "no owner department" in r.output


def test_an_overlong_user_name_is_a_failed_login_not_a_crash(demo_app: object) -> None:
    c = TestClient(demo_app, follow_redirects=False, client=("192.0.2.200", 1))  # type: ignore[arg-type]
    for name in ("x" * 65, "y" * 178):
        assert _attempt(c, name, "whatever-password") == 401
    with pytest.raises(accounts.AccountError, match="64"):
        accounts.check_username("z" * 65)


def test_every_login_account_still_logs_in(demo_app: object) -> None:
    for role in LOGINS:
        assert client(demo_app, role).get("/cycles").status_code == 200


def test_an_overlong_text_is_refused_alike_on_every_database(
    demo_url: str, demo_app: object
) -> None:
    c = client(demo_app, "office")
    r = c.post(
        "/cycles/new",
        data={"csrf": token(c, "/schemes"), "scheme_version": "1", "name": "长" * 300},
    )
    assert r.status_code == 422
    assert "at most 256 characters" in r.text
    r = CliRunner().invoke(
        main,
        ["users", "add", "n" * 65, "--role", "office", "--password", "long-enough-pass-42"],
        env={"KAOHE_DATABASE_URL": demo_url},
    )
    assert r.exit_code == 1
    assert "64" in r.output


def test_a_yaml_bomb_posted_as_a_scheme_is_refused_not_expanded(demo_app: object) -> None:
    from pathlib import Path

    bomb = (Path(__file__).resolve().parents[1] / "attack" / "billion_laughs.yaml").read_bytes()
    c = client(demo_app, "office")
    r = c.post(
        "/schemes",
        data={"csrf": token(c, "/schemes")},
        files={"file": ("bomb.yaml", bomb, "application/yaml")},
    )
    assert r.status_code == 422
    assert "bomb.yaml" in r.text
