"""An upload never silently replaces a typed value (issue 15): the upload shows what it would
change (old → new per cell, new cells, how many unchanged) and saves only on confirmation, the
confirmation carrying the staged upload sealed by its hash in the session; a preview whose
cells changed since is refused, and so is a tampered or replayed confirmation."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from kaohe.web.app import create_app
from kaohe.web.cycles import moves
from kaohe.web.cycles import service as cycles
from kaohe.web.settings import Settings
from kaohe.web.store.engine import open_engine, session_factory, transaction
from kaohe.web.store.models import SchemeVersion, Value

from .test_site import client, token


def _collecting_cycle(demo_url: str) -> int:
    engine = open_engine(demo_url)
    with transaction(session_factory(engine)) as s:
        version = s.get(SchemeVersion, 1)
        assert version is not None
        cycle = cycles.create_cycle(s, version, "2024 (upload preview)")
        moves.move(s, cycle, "collecting")
        cid = cycle.id
    engine.dispose()
    return cid


def _cells(demo_url: str, cid: int) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """Every saved version of each cell: (unit, column) → [(version, raw)…]."""
    engine = open_engine(demo_url)
    out: dict[tuple[str, str], list[tuple[int, str]]] = {}
    with transaction(session_factory(engine)) as s:
        for v in s.execute(select(Value).where(Value.cycle_id == cid).order_by(Value.version)):
            out.setdefault((v[0].unit, v[0].column), []).append((v[0].version, v[0].raw))
    engine.dispose()
    return out


def _type(rep: TestClient, cid: int, unit: str, raw: str, base: int) -> None:
    r = rep.post(
        f"/cycles/{cid}/entry",
        data={
            "csrf": token(rep, f"/cycles/{cid}/entry"),
            f"cell:{unit}:gdp_growth": raw,
            f"base:{unit}:gdp_growth": str(base),
        },
    )
    assert r.status_code == 303, r.text


def _upload(rep: TestClient, cid: int, body: str) -> object:
    return rep.post(
        f"/cycles/{cid}/upload",
        data={"csrf": token(rep, f"/cycles/{cid}/entry")},
        files={"file": ("data.csv", body.encode("utf-8"))},
    )


def _confirmation(page: str) -> dict[str, str]:
    form = page[page.index('id="upload-confirm"') :]
    return {
        k: html.unescape(re.search(rf'name="{k}" value="([^"]*)"', form).group(1))  # type: ignore[union-attr]
        for k in ("csrf", "staged", "token")
    }


def test_an_upload_shows_old_and_new_and_saves_only_on_confirmation(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url))
    cid = _collecting_cycle(demo_url)
    rep = client(app, "reporter")
    _type(rep, cid, "jining", "6.5", 0)
    assert "已保存 1 个值" in rep.get(f"/cycles/{cid}/entry").text  # the message, once
    assert "已保存 1 个值" not in rep.get(f"/cycles/{cid}/entry").text
    _type(rep, cid, "fengzhen", "5.0", 0)

    shown = _upload(rep, cid, "unit,gdp_growth\njining,3.8\n凉城县,6.1\nfengzhen,5.0\n")
    assert shown.status_code == 200  # type: ignore[attr-defined]
    page = shown.text  # type: ignore[attr-defined]
    assert "将修改 1 个已填的值，新填 1 个，1 个与现有值相同（不变）" in page
    changed = page[page.index('id="upload-changed"') : page.index('id="upload-added"')]
    assert "集宁区" in changed
    assert "6.5" in changed
    assert "3.8" in changed
    assert "凉城县" in page[page.index('id="upload-added"') :]
    before = {("jining", "gdp_growth"): [(1, "6.5")], ("fengzhen", "gdp_growth"): [(1, "5.0")]}
    assert _cells(demo_url, cid) == before  # nothing written by the preview

    sent = _confirmation(page)
    done = rep.post(f"/cycles/{cid}/upload/confirm", data=sent)
    assert done.status_code == 303, done.text
    assert _cells(demo_url, cid) == {
        ("jining", "gdp_growth"): [(1, "6.5"), (2, "3.8")],
        ("fengzhen", "gdp_growth"): [(1, "5.0")],
        ("liangcheng", "gdp_growth"): [(1, "6.1")],
    }
    assert "上传已确认：保存了 2 个值" in rep.get(f"/cycles/{cid}/entry").text

    again = rep.post(f"/cycles/{cid}/upload/confirm", data=sent)  # a replay: already used
    assert again.status_code == 409
    assert "这份上传预览已失效" in again.text


def test_a_stale_or_tampered_preview_is_refused_and_saves_nothing(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url))
    cid = _collecting_cycle(demo_url)
    rep = client(app, "reporter")
    _type(rep, cid, "jining", "6.5", 0)

    page = _upload(rep, cid, "unit,gdp_growth\njining,3.8\n").text  # type: ignore[attr-defined]
    sent = _confirmation(page)
    tampered = {**sent, "staged": sent["staged"].replace("3.8", "9.9")}
    bad = rep.post(f"/cycles/{cid}/upload/confirm", data=tampered)
    assert bad.status_code == 409
    assert "这份上传预览已失效" in bad.text

    other = client(app, "reporter")  # a colleague saves the cell after the preview
    _type(other, cid, "jining", "7.0", 1)
    stale = rep.post(f"/cycles/{cid}/upload/confirm", data=sent)
    assert stale.status_code == 409
    assert "集宁区 · " in stale.text
    assert "预览之后已被他人修改" in stale.text
    assert "第 1 版，现为第 2 版" in stale.text
    assert _cells(demo_url, cid) == {("jining", "gdp_growth"): [(1, "6.5"), (2, "7.0")]}


def test_an_upload_with_a_bad_cell_shows_no_preview(demo_url: str) -> None:
    app = create_app(Settings(database_url=demo_url))
    cid = _collecting_cycle(demo_url)
    rep = client(app, "reporter")
    bad = _upload(rep, cid, "unit,gdp_growth\njining,abc\n")
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "upload-confirm" not in bad.text  # type: ignore[attr-defined]
    assert _cells(demo_url, cid) == {}
