"""Settings: documented, and placeholder secrets refused outside development."""

from __future__ import annotations

from pathlib import Path

import pytest

from kaohe.web.settings import SETTINGS_DOC, Settings, SettingsError

DOC = (Path(__file__).resolve().parents[2] / "docs" / "platform.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(SETTINGS_DOC))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in DOC


def test_it_refuses_the_placeholder_secret_in_production() -> None:
    with pytest.raises(SettingsError, match="KAOHE_SECRET_KEY"):
        Settings.from_env({"KAOHE_ENV": "production"})
    ok = Settings.from_env({"KAOHE_ENV": "production", "KAOHE_SECRET_KEY": "x" * 40})
    assert ok.env == "production"


def test_it_names_a_bad_setting() -> None:
    with pytest.raises(SettingsError, match="KAOHE_MAX_UPLOAD_MB"):
        Settings.from_env({"KAOHE_MAX_UPLOAD_MB": "ten"})
    with pytest.raises(SettingsError, match="KAOHE_ENV"):
        Settings.from_env({"KAOHE_ENV": "staging"})
