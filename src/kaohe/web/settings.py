"""Settings of the platform, from the environment only (no secrets in the repository).

- ``KAOHE_DATABASE_URL`` (``sqlite:///kaohe.db``): SQLAlchemy URL; PostgreSQL:
  ``postgresql://user@host/db``;
- ``KAOHE_SECRET_KEY`` (a development placeholder): signs session cookies; required outside
  development;
- ``KAOHE_ENV`` (``development``): ``development`` or ``production``;
- ``KAOHE_HTTPS`` (``0``): ``1`` behind HTTPS: cookies are sent only over HTTPS;
- ``KAOHE_MAX_UPLOAD_MB`` (``10``): the largest upload accepted.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

PLACEHOLDER_SECRET = "development-only-not-secret"

SETTINGS_DOC = {
    "KAOHE_DATABASE_URL": "SQLAlchemy database URL (default: SQLite file kaohe.db here)",
    "KAOHE_SECRET_KEY": "key that signs session cookies; required outside development",
    "KAOHE_ENV": "development or production",
    "KAOHE_HTTPS": "1 when served over HTTPS (secure cookies)",
    "KAOHE_MAX_UPLOAD_MB": "largest upload accepted, in MB",
}


class SettingsError(ValueError):
    """A setting is missing or not allowed."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///kaohe.db"
    secret_key: str = PLACEHOLDER_SECRET
    env: str = "development"
    https: bool = False
    max_upload_mb: float = 10.0

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def __post_init__(self) -> None:
        if self.env not in ("development", "production"):
            raise SettingsError(f"KAOHE_ENV must be development or production, got {self.env!r}")
        if self.env != "development" and (
            self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32
        ):
            raise SettingsError(
                "KAOHE_SECRET_KEY must be set to a random string of 32 characters or more "
                "outside development, e.g. from: "
                "python -c 'import secrets; print(secrets.token_hex(32))'"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        try:
            upload = float(env.get("KAOHE_MAX_UPLOAD_MB", "10"))
        except ValueError:
            raise SettingsError("KAOHE_MAX_UPLOAD_MB must be a number") from None
        return cls(
            database_url=env.get("KAOHE_DATABASE_URL", "sqlite:///kaohe.db"),
            secret_key=env.get("KAOHE_SECRET_KEY", PLACEHOLDER_SECRET),
            env=env.get("KAOHE_ENV", "development"),
            https=env.get("KAOHE_HTTPS", "0") in ("1", "true", "yes"),
            max_upload_mb=upload,
        )
