"""The platform's database as the command line reaches it: the settings from the environment
(``KAOHE_DATABASE_URL``…) and one transaction on it."""

from __future__ import annotations

from contextlib import AbstractContextManager

import click
from sqlalchemy.orm import Session

from kaohe.web.settings import Settings, SettingsError


def settings() -> Settings:
    """The platform's settings; a wrong one stops the command with its message."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def transaction() -> AbstractContextManager[Session]:
    """One transaction on the platform's database: committed at the end, rolled back on error."""
    from kaohe.web.store.engine import open_engine, session_factory, transaction

    return transaction(session_factory(open_engine(settings().database_url)))
