"""Times as people read them: in the office's time zone (``KAOHE_TIMEZONE``, default
Asia/Shanghai), to the minute or second, never raw UTC with microseconds."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"
_ZONE: list[str] = []  # set by the app from its settings; else KAOHE_TIMEZONE


def use(name: str) -> None:
    """Show times in ``name`` from now on (the app's ``KAOHE_TIMEZONE``)."""
    _ZONE[:] = [name]


def zone() -> ZoneInfo:
    return _zone(_ZONE[0] if _ZONE else os.environ.get("KAOHE_TIMEZONE", DEFAULT_ZONE))


@lru_cache(maxsize=4)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def local(moment: datetime | str) -> datetime:
    """A stored moment (naive UTC, or ISO text) in the office's zone."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def local_time(moment: datetime | str, seconds: bool = True) -> str:
    """``2026-12-07 15:04:05`` in the office's zone."""
    return local(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
