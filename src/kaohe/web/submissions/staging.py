"""An upload staged before it is saved: what it would change (old → new per cell, new cells, how
many unchanged), carried by the confirmation form and sealed by its hash kept in the session.
Nothing is written before the confirmation; a preview whose cells changed since is stale."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: the session key of the staged upload: {"cycle": id, "hash": sha256 of its payload}
SESSION_KEY = "staged_upload"

Cell = tuple[str, str]  # (unit, column)


class StagingError(ValueError):
    """A confirmation whose staged upload cannot be read, or is not the one previewed."""


@dataclass(frozen=True)
class Staged:
    """One cell of the upload: the raw text sent, and the cell's newest version and text when
    the preview was made (0 and "" for a new cell)."""

    unit: str
    column: str
    raw: str
    base: int
    old: str


@dataclass
class Preview:
    changed: list[Staged] = field(default_factory=list)  # old → new
    added: list[Staged] = field(default_factory=list)  # a cell not entered before
    unchanged: list[Staged] = field(default_factory=list)

    @property
    def cells(self) -> list[Staged]:
        return [*self.changed, *self.added, *self.unchanged]

    @property
    def writes(self) -> int:
        return len(self.changed) + len(self.added)


def stage(changes: list[tuple[str, str, str]], latest: Mapping[Cell, Any]) -> Preview:
    """The preview of ``changes`` ((unit, column, raw), in the order to show) against each cell's
    newest version (a row with ``version`` and ``raw``, or absent)."""
    out = Preview()
    for unit, column, raw in changes:
        old = latest.get((unit, column))
        cell = Staged(unit, column, raw, old.version if old else 0, old.raw if old else "")
        if old is None or not old.raw.strip():
            (out.added if raw else out.unchanged).append(cell)
        elif raw.strip() == old.raw.strip():
            out.unchanged.append(cell)
        else:
            out.changed.append(cell)
    return out


def payload(cycle_id: int, preview: Preview) -> str:
    """The staged upload as canonical text (sent with the confirmation form)."""
    cells = [[c.unit, c.column, c.raw, c.base] for c in preview.cells]
    return json.dumps({"cycle": cycle_id, "cells": cells}, ensure_ascii=False, sort_keys=True)


def seal(text: str) -> str:
    """The staged upload's token: the SHA-256 of its payload."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def unseal(text: str, token: str, kept: object, cycle_id: int) -> list[Staged]:
    """The cells of the confirmed payload, if it is the one previewed: its hash is the token
    sent and the one kept in the session (``kept``), for this cycle."""
    if not isinstance(kept, dict) or kept.get("cycle") != cycle_id or not token:
        raise StagingError("no staged upload")
    if seal(text) != token or kept.get("hash") != token:
        raise StagingError("not the staged upload")
    try:
        data = json.loads(text)
        rows = data["cells"]
        if data["cycle"] != cycle_id or not isinstance(rows, list):
            raise StagingError("another cycle's upload")
        return [Staged(str(u), str(k), str(r), int(b), "") for u, k, r, b in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise StagingError("unreadable staged upload") from exc


def stale(cells: list[Staged], latest: Mapping[Cell, Any]) -> list[tuple[Staged, int]]:
    """The staged cells saved by someone since the preview, each with its version now."""
    out = []
    for c in cells:
        now = latest.get((c.unit, c.column))
        version = now.version if now is not None else 0
        if version != c.base:
            out.append((c, version))
    return out
