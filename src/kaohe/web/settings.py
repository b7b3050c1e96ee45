"""Settings of the platform, from the environment only (no secrets in the repository).

- ``KAOHE_DATABASE_URL`` (``sqlite:///kaohe.db``): SQLAlchemy URL; PostgreSQL:
  ``postgresql://user@host/db``;
- ``KAOHE_SECRET_KEY`` (none): signs session cookies; required in production; in development,
  when it is not set, a random secret made on first start and kept in the database is used;
- ``KAOHE_ENV`` (``development``): ``development`` or ``production``;
- ``KAOHE_HTTPS`` (``0``): ``1`` behind HTTPS: cookies are sent only over HTTPS, and HSTS;
- ``KAOHE_MAX_UPLOAD_MB`` (``10``): the largest upload accepted;
- ``KAOHE_MAX_FORM_KB`` (``2048``): the largest body of any other request;
- ``KAOHE_TRUSTED_PROXIES`` (empty): addresses of reverse proxies whose ``X-Forwarded-For``
  and ``X-Forwarded-Proto`` are believed (comma-separated); from anyone else they are ignored;
- ``KAOHE_BACKUP_KEY`` (none): the key that signs backups (HMAC-SHA256) and checks them on
  restore;
- ``KAOHE_TIMEZONE`` (``Asia/Shanghai``): the office's time zone, in which times are shown;
- ``KAOHE_SMTP_HOST`` (empty: off): reminders of what is due sent by e-mail through this server
- ``KAOHE_REMINDER_WEBHOOK`` (empty: off): and/or posted as JSON to this messaging platform
  (an internal relay on an air-gapped network); ``KAOHE_SMTP_PORT`` (``25``),
  ``KAOHE_SMTP_FROM``, ``KAOHE_SMTP_USER`` and ``KAOHE_SMTP_PASSWORD`` (optional login),
  ``KAOHE_SMTP_STARTTLS`` (``0``); ``KAOHE_REMINDER_TO``: whom, as ``account=address`` pairs
  separated by commas (``office=kpb@example.gov,unit-jining=jn@example.gov``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: the secret earlier versions used by default: published, so never accepted
KNOWN_SECRETS = frozenset({"development-only-not-secret"})
MIN_SECRET = 32

SETTINGS_DOC = {
    "KAOHE_DATABASE_URL": "SQLAlchemy database URL (default: SQLite file kaohe.db here)",
    "KAOHE_SECRET_KEY": "key that signs session cookies; required in production (development: "
    "a random key kept in the database)",
    "KAOHE_ENV": "development or production",
    "KAOHE_HTTPS": "1 when served over HTTPS (secure cookies, HSTS)",
    "KAOHE_MAX_UPLOAD_MB": "largest upload accepted, in MB",
    "KAOHE_MAX_FORM_KB": "largest body of any request that is not an upload, in KB",
    "KAOHE_TRUSTED_PROXIES": "comma-separated addresses of reverse proxies trusted for "
    "X-Forwarded-For (default: none)",
    "KAOHE_BACKUP_KEY": "key that signs backups and checks them on restore",
    "KAOHE_TIMEZONE": "the office's time zone for times shown (default Asia/Shanghai)",
    "KAOHE_SMTP_HOST": "SMTP server for reminders of what is due (default: none, reminders off)",
    "KAOHE_SMTP_PORT": "its port (default 25)",
    "KAOHE_SMTP_FROM": "the reminders' sender address",
    "KAOHE_SMTP_USER": "login at the SMTP server, if it needs one",
    "KAOHE_SMTP_PASSWORD": "its password",
    "KAOHE_SMTP_STARTTLS": "1 to use STARTTLS",
    "KAOHE_REMINDER_TO": "account=address pairs, comma-separated: who gets reminders",
    "KAOHE_REMINDER_WEBHOOK": "http(s) address of a messaging platform's webhook that receives "
    "each reminder as JSON (default: none)",
}


class SettingsError(ValueError):
    """A setting is missing or not allowed."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///kaohe.db"
    #: empty: the instance's own random secret, kept in its database (development only)
    secret_key: str = ""
    env: str = "development"
    https: bool = False
    max_upload_mb: float = 10.0
    max_form_kb: float = 2048.0
    trusted_proxies: tuple[str, ...] = ()
    backup_key: str = ""
    timezone: str = "Asia/Shanghai"
    smtp_host: str = ""  # empty: no outbound reminders
    smtp_port: int = 25
    smtp_from: str = ""
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    reminder_to: tuple[tuple[str, str], ...] = ()  # (account, address)
    reminder_webhook: str = ""  # empty: no webhook

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_form_bytes(self) -> int:
        return int(self.max_form_kb * 1024)

    def __post_init__(self) -> None:
        if self.env not in ("development", "production"):
            raise SettingsError(f"KAOHE_ENV must be development or production, got {self.env!r}")
        if self.secret_key in KNOWN_SECRETS or (
            self.secret_key and len(self.secret_key) < MIN_SECRET
        ):
            raise SettingsError(
                f"KAOHE_SECRET_KEY must be a random string of {MIN_SECRET} characters or more "
                "(never a published one), e.g. from: "
                "python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        if self.env == "production" and not self.secret_key:
            raise SettingsError(
                "KAOHE_SECRET_KEY must be set in production: a random string of "
                f"{MIN_SECRET} characters or more, e.g. from: "
                "python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"KAOHE_TIMEZONE: unknown time zone {self.timezone!r} (e.g. Asia/Shanghai)"
            ) from None
        if self.reminder_webhook and not self.reminder_webhook.startswith(("http://", "https://")):
            raise SettingsError(
                f"KAOHE_REMINDER_WEBHOOK: {self.reminder_webhook!r} is not an http(s) address"
            )
        if self.max_upload_mb <= 0 or self.max_form_kb <= 0:
            raise SettingsError("KAOHE_MAX_UPLOAD_MB and KAOHE_MAX_FORM_KB must be positive")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("KAOHE_DATABASE_URL", "sqlite:///kaohe.db"),
            secret_key=env.get("KAOHE_SECRET_KEY", ""),
            env=env.get("KAOHE_ENV", "development"),
            https=env.get("KAOHE_HTTPS", "0") in ("1", "true", "yes"),
            max_upload_mb=_number(env, "KAOHE_MAX_UPLOAD_MB", 10.0),
            max_form_kb=_number(env, "KAOHE_MAX_FORM_KB", 2048.0),
            trusted_proxies=tuple(
                a.strip() for a in env.get("KAOHE_TRUSTED_PROXIES", "").split(",") if a.strip()
            ),
            backup_key=env.get("KAOHE_BACKUP_KEY", ""),
            timezone=env.get("KAOHE_TIMEZONE", "Asia/Shanghai"),
            smtp_host=env.get("KAOHE_SMTP_HOST", ""),
            smtp_port=int(_number(env, "KAOHE_SMTP_PORT", 25)),
            smtp_from=env.get("KAOHE_SMTP_FROM", ""),
            smtp_user=env.get("KAOHE_SMTP_USER", ""),
            smtp_password=env.get("KAOHE_SMTP_PASSWORD", ""),
            smtp_starttls=env.get("KAOHE_SMTP_STARTTLS", "0") in ("1", "true", "yes"),
            reminder_to=_pairs(env.get("KAOHE_REMINDER_TO", "")),
            reminder_webhook=env.get("KAOHE_REMINDER_WEBHOOK", "").strip(),
        )


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    try:
        return float(env.get(name, str(default)))
    except ValueError:
        raise SettingsError(f"{name} must be a number") from None


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``account=address`` pairs separated by commas."""
    out = []
    for part in text.split(","):
        account, sep, address = part.partition("=")
        if not part.strip():
            continue
        if not sep or not account.strip() or "@" not in address:
            raise SettingsError(
                f"KAOHE_REMINDER_TO: {part.strip()!r} is not account=address (e.g. "
                "office=kpb@example.gov)"
            )
        out.append((account.strip(), address.strip()))
    return tuple(out)
