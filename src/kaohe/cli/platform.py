"""The platform's commands: ``demo``, ``serve``, ``db upgrade``, ``users …``, ``audit verify``,
``backup``, ``restore``, ``cycle export``, ``cycle import``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy import Engine

from kaohe.cli.database import settings as read_settings
from kaohe.cli.database import transaction
from kaohe.cli.words import Command, Group
from kaohe.errors import KaoheError
from kaohe.i18n import both
from kaohe.web.settings import Settings


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from kaohe.web.app import DEVELOPMENT_WARNING, create_app
    from kaohe.web.serving.protocol import NoDelayH11Protocol

    if settings.env == "development":
        click.secho(DEVELOPMENT_WARNING, fg="yellow", bold=True, err=True)
    # uvicorn never believes X-Forwarded-* itself (by default it does from 127.0.0.1): the app
    # does, from KAOHE_TRUSTED_PROXIES only
    if workers == 1:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level="info",
            http=NoDelayH11Protocol,
            proxy_headers=False,
        )
        return
    # several processes, each building the app from the environment (stateless: they share
    # only the database)
    os.environ["KAOHE_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "kaohe.web.app:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        http=NoDelayH11Protocol,
        proxy_headers=False,
    )


@click.command(cls=Command)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    default=Path("kaohe-demo.db"),
    show_default=True,
    help="SQLite file to create (replaced if it exists).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load the demo and stop (do not serve).")
def demo(db_path: Path, host: str, port: int, no_serve: bool) -> None:
    """A fresh demo: the Ulanqab example with a year of illustrative data entered, reviewed,
    computed and published, an account for every role; then serve the site.

    \b
    Example:
      kaohe demo            # then open http://127.0.0.1:8000
    """
    from kaohe.web.demo import load_demo
    from kaohe.web.store.engine import open_engine

    if db_path.exists():
        db_path.unlink()
    url = f"sqlite:///{db_path.resolve()}"
    engine = open_engine(url)
    click.echo(f"creating {db_path} …")
    cycle, made = load_demo(engine)
    engine.dispose()
    click.echo(f"published: {cycle.name}")
    click.echo(f"{len(made)} accounts (user / password / role):")
    for a in made:
        click.echo(f"  {a.username:<24} {a.password:<18} {a.role:<9} {a.what}")
    if not no_serve:
        click.echo(f"serving http://{host}:{port}  (Ctrl+C stops)")
        _serve(Settings(database_url=url), host, port)


@click.command(cls=Command)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (stateless: they share only the database).",
)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the platform on the database of KAOHE_DATABASE_URL (default: SQLite kaohe.db).

    \b
    Example:
      kaohe db upgrade && kaohe serve --port 8000 --workers 2
    """
    from kaohe.web.store.engine import open_engine
    from kaohe.web.store.migrate import is_current

    settings = read_settings()
    if not is_current(open_engine(settings.database_url)):
        raise click.ClickException("the database is not at the newest schema: run kaohe db upgrade")
    _serve(settings, host, port, workers)


@click.group(cls=Group)
def db() -> None:
    """The database: ``kaohe db upgrade``."""


@db.command()
def upgrade() -> None:
    """Create the database or bring it to the newest schema (KAOHE_DATABASE_URL)."""
    from kaohe.web.store.engine import open_engine
    from kaohe.web.store.migrate import upgrade as run_upgrade

    run_upgrade(open_engine(read_settings().database_url))
    click.echo("the database is at the newest schema")


@click.group(cls=Group)
def users() -> None:
    """Accounts: add, disable, enable, reset-password, set-role, unlock, tokens."""


def _account(operation: Callable[..., object], *args: object, **kwargs: object) -> None:
    """Run an account operation in one transaction; its refusal becomes the command's error."""
    from kaohe.web.accounts.service import AccountError

    try:
        with transaction() as session:
            operation(session, *args, actor="cli", **kwargs)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None


@users.command("add")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice(["office", "reporter", "reviewer", "unit"])
)
@click.option("--department", help="The owner department (reporters and reviewers).")
@click.option("--unit", help="The unit (an assessed unit's account).")
@click.option("--name", default="", help="Display name.")
@click.password_option(help="The password (asked for when not given).")
def users_add(
    username: str, role: str, department: str | None, unit: str | None, name: str, password: str
) -> None:
    """Add an account.  Example: kaohe users add wang --role reporter --department stats"""
    from kaohe.web.accounts.service import add_user

    _account(add_user, username, password, role, department, unit, name)
    click.echo(f"added {username} ({role})")


@users.command("disable")
@click.argument("username")
def users_disable(username: str) -> None:
    """Disable an account (it is kept: its history stays attributable)."""
    _set_active(username, False)


@users.command("enable")
@click.argument("username")
def users_enable(username: str) -> None:
    """Enable a disabled account."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    from kaohe.web.accounts.service import set_active

    _account(set_active, username, active)
    click.echo(f"{username} {'enabled' if active else 'disabled'}")


@users.command("reset-password")
@click.argument("username")
@click.password_option(help="The new password (asked for when not given).")
@click.option("--revoke-tokens", is_flag=True, help="Also revoke every API token of the account.")
def users_reset(username: str, password: str, revoke_tokens: bool) -> None:
    """Set a new password: every session of the account ends, its login delays are lifted.

    \b
    Example:
      kaohe users reset-password wang --revoke-tokens
    """
    from kaohe.web.accounts.service import reset_password

    _account(reset_password, username, password, revoke_tokens=revoke_tokens)
    click.echo(f"new password set for {username}; its sessions ended")


@users.command("set-role")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice(["office", "reporter", "reviewer", "unit"])
)
@click.option("--department", help="The owner department (reporters and reviewers).")
@click.option("--unit", help="The unit (an assessed unit's account).")
def users_set_role(username: str, role: str, department: str | None, unit: str | None) -> None:
    """Give an account another role; its sessions end.

    \b
    Example:
      kaohe users set-role wang --role reviewer --department stats
    """
    from kaohe.web.accounts.service import set_role

    _account(set_role, username, role, department, unit)
    click.echo(f"{username} is now {role}; its sessions ended")


@users.command("unlock")
@click.argument("username")
def users_unlock(username: str) -> None:
    """Lift an account's login delays (failed logins before now no longer count for it).

    \b
    Example:
      kaohe users unlock office
    """
    from kaohe.web.accounts.service import unlock

    _account(unlock, username)
    click.echo(f"{username}: login delays lifted")


@users.command("token")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. the client's name.")
def users_token(username: str, name: str) -> None:
    """Issue an API bearer token for an account; it is printed once and stored only hashed.

    \b
    Example:
      kaohe users token rep-stats --name 统计局数据接口
    """
    from kaohe.web.accounts.service import AccountError, issue_token

    try:
        with transaction() as session:
            token = issue_token(session, username, name, actor="cli")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(token)


@users.command("revoke-token")
@click.argument("username")
@click.option("--name", required=True, help="The name the token was issued under.")
def users_revoke_token(username: str, name: str) -> None:
    """Revoke an account's API tokens of that name (kept, marked revoked: refused from now on).

    \b
    Example:
      kaohe users revoke-token rep-stats --name 统计局数据接口
    """
    from kaohe.web.accounts.service import AccountError, revoke_token

    try:
        with transaction() as session:
            revoked = revoke_token(session, username, name, actor="cli")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    if not revoked:
        raise click.ClickException(f"{username} has no live token named {name!r}")
    click.echo(f"revoked {revoked} token(s) named {name!r} of {username}")


@users.command("tokens")
@click.argument("username")
def users_tokens(username: str) -> None:
    """List an account's API tokens (names and dates; the tokens themselves are not kept)."""
    from kaohe.web.accounts.service import AccountError, tokens

    try:
        with transaction() as session:
            rows = [(t.name, t.created_at, t.revoked) for t in tokens(session, username)]
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    for name, created, revoked in rows:
        click.echo(f"{name}\t{created:%Y-%m-%d %H:%M}\t{'revoked' if revoked else 'live'}")


@click.group(cls=Group, name="audit")
def audit_group() -> None:
    """The audit log: ``kaohe audit verify``."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the hash chain of the audit log; exit 1 and say where it is broken."""
    from kaohe.web.audit import verification

    with transaction() as session:
        result = verification.verify(session)
    if result.ok:
        click.echo(
            f"audit log intact: {result.entries} entries; head {result.head_seq} {result.head_hash}"
        )
        return
    for b in result.breaks:
        click.echo(f"broken: {b}", err=True)
    raise SystemExit(1)


def _engine() -> Engine:
    from kaohe.web.store.engine import open_engine

    return open_engine(read_settings().database_url)


@click.command(cls=Command, name="backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path) -> None:
    """Write the whole database (KAOHE_DATABASE_URL) into FILE: every table's rows read at one
    instant, the schema revision, a SHA-256 of the content and, with KAOHE_BACKUP_KEY set, an
    HMAC signature; FILE appears complete or not at all (an existing FILE is replaced).

    \b
    Example:
      kaohe backup kaohe-2024-06-30.kaohe-backup
    """
    from kaohe.web.store.backup import BackupError, backup

    settings = read_settings()
    engine = _engine()
    try:
        summary = backup(engine, file, key=settings.backup_key)
    except (BackupError, KaoheError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(
        f"backed up {summary.total} rows of {len(summary.rows)} tables "
        f"(schema {summary.revision}) to {file}; sha256 {summary.sha256}"
        + ("; signed" if summary.signed else "")
    )
    if not summary.signed:
        click.secho(
            f"warning: {both('cli.say.backup_unsigned')}",
            fg="yellow",
            err=True,
        )


@click.command(cls=Command, name="restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--replace",
    is_flag=True,
    help="Delete everything in the database first (without it a database holding rows is refused).",
)
@click.option(
    "--unsigned",
    is_flag=True,
    help="Accept a backup without a signature (only one whose origin you trust).",
)
def restore_command(file: Path, replace: bool, unsigned: bool) -> None:
    """Load a backup FILE into the database of KAOHE_DATABASE_URL, all or nothing: its checksum
    and schema revision are checked, a new database is created at the backup's schema, and the
    result is identical to the database that was backed up.

    \b
    Example:
      KAOHE_DATABASE_URL=sqlite:///restored.db kaohe restore kaohe-2024-06-30.kaohe-backup
    """
    from kaohe.web.store.backup import BackupError, restore

    settings = read_settings()
    engine = _engine()
    try:
        summary = restore(engine, file, replace=replace, key=settings.backup_key, unsigned=unsigned)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(
        f"restored {summary.total} rows of {len(summary.rows)} tables (schema {summary.revision})"
    )


@click.group(cls=Group, name="cycle")
def cycle_group() -> None:
    """A cycle as files: ``kaohe cycle export`` / ``kaohe cycle import``."""


def _issues(exc: KaoheError) -> click.ClickException:
    return click.ClickException("\n".join(str(i) for i in exc.issues))


@cycle_group.command("export")
@click.argument("cycle_id", type=int)
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write scheme.yaml, data.csv and results.csv into (new or empty).",
)
def cycle_export(cycle_id: int, out: Path) -> None:
    """Write a cycle's scheme (the stored text), data (the latest approved value of every cell,
    as a wide data file) and latest results into a folder, all or nothing; kaohe run on the
    folder's scheme.yaml and data.csv gives the same results.csv.

    \b
    Example:
      kaohe cycle export 1 -o cycle-1 && kaohe run cycle-1/scheme.yaml cycle-1/data.csv -o check
    """
    from kaohe.web.cycles.exchange import export_cycle
    from kaohe.web.cycles.service import CycleError

    try:
        with transaction() as session:
            done = export_cycle(session, cycle_id, out)
    except CycleError as exc:
        raise click.ClickException(str(exc)) from None
    except KaoheError as exc:
        raise _issues(exc) from None
    results = "and results" if done.results else "(no results: the cycle was not computed)"
    click.echo(f"exported cycle {cycle_id}: scheme, data of {done.units} units {results} to {out}")


@cycle_group.command("import")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=None, help="The new cycle's name (default: the scheme's period).")
def cycle_import(folder: Path, name: str | None) -> None:
    """Create a cycle from a folder holding scheme.yaml and data.csv (as kaohe cycle export
    writes): the scheme is stored, every cell entered as a value approved by "import" (each
    write in the audit log) and the results computed; the cycle is left in reviewing. Every file
    is checked first; nothing is written unless all of it is valid.

    \b
    Example:
      kaohe cycle import cycle-1 --name "2024 (from the old server)"
    """
    from kaohe.web.cycles.exchange import import_cycle
    from kaohe.web.cycles.service import CycleError

    try:
        with transaction() as session:
            done = import_cycle(session, folder, name, actor="import")
    except CycleError as exc:
        raise click.ClickException(str(exc)) from None
    except KaoheError as exc:
        raise _issues(exc) from None
    for w in done.warnings:
        click.echo(f"warning: {w}", err=True)
    click.echo(
        f"imported cycle {done.cycle_id} ({done.name}): {done.values} values, results computed"
    )
    if done.results_match is False:
        click.echo(f"warning: the computed results differ from {folder / 'results.csv'}", err=True)


COMMANDS: tuple[click.Command, ...] = (
    demo,
    serve,
    db,
    users,
    audit_group,
    backup_command,
    restore_command,
    cycle_group,
)
