"""The Babel catalogues: both languages have every key, with the same placeholders, and every
key the templates and the code ask for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kaohe import i18n

SRC = Path(i18n.__file__).resolve().parent
CATALOGUES = {code: SRC / "locale" / code / "LC_MESSAGES" / "kaohe.po" for code in i18n.LANGUAGES}


def entries(code: str) -> dict[tuple[str | None, str], str]:
    with CATALOGUES[code].open("rb") as f:
        return {(m.context, str(m.id)): str(m.string) for m in read_po(f) if m.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_translate_every_key_with_the_same_placeholders() -> None:
    zh, en = entries("zh"), entries("en")
    assert zh.keys() == en.keys()
    for key in zh:
        assert zh[key].strip(), f"{key}: no Chinese text"
        assert en[key].strip(), f"{key}: no English text"
        assert fields(zh[key]) == fields(en[key]), f"{key}: placeholders differ"


def test_the_tables_are_read_from_the_catalogues() -> None:
    assert i18n.LABELS["unit"] == ("考核对象", "Unit")
    assert i18n.t("unit", "en") == "Unit"
    assert i18n.catalogue("nothing such") == {}
    assert "ap.group" in i18n.catalogue("cadres")
    with i18n.language("en"):
        assert i18n.t("unit") == "Unit"


@pytest.mark.parametrize(
    "pattern",
    [r"""\bt\(\s*'([a-z_.]+)'""", r"""\bt\(\s*"([a-z_.]+)\""""],
)
def test_every_label_asked_for_exists(pattern: str) -> None:
    missing = []
    for path in [*SRC.rglob("*.html"), *SRC.rglob("*.py")]:
        for key in re.findall(pattern, path.read_text(encoding="utf-8")):
            if key.endswith("."):  # a prefix completed at run time: some key must have it
                if not any(k.startswith(key) for k in i18n.LABELS):
                    missing.append(f"{path.relative_to(SRC)}: {key}*")
            elif key not in i18n.LABELS:
                missing.append(f"{path.relative_to(SRC)}: {key}")
    assert not missing


def test_the_catalogues_are_read_as_babel_reads_them() -> None:
    """``kaohe.i18n`` reads the .po files with its own reader (Babel's import and parse take
    0.8 s, paid by every ``kaohe --help``): it must read exactly what Babel reads."""
    for code, path in CATALOGUES.items():
        with path.open("rb") as f:
            babel = [(m.context, str(m.id), str(m.string or "")) for m in read_po(f) if m.id]
        assert i18n.read_catalogue(path) == babel, code


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_entry_names_its_table_and_stands_apart(lang: str) -> None:
    """Each entry has its ``msgctxt`` (the table it is read into: an entry without one is in no
    table, and its key is missing) and a blank line before it: two branches appending at once
    can join entries, and a merge can drop a context line that looks like its neighbour's."""
    path = Path(i18n.__file__).parent / "locale" / lang / "LC_MESSAGES" / "kaohe.po"
    assert [i for c, i, _ in i18n.read_catalogue(path) if c is None] == []
    lines = path.read_text(encoding="utf-8").splitlines()
    joined = [
        n + 1
        for n in range(1, len(lines))
        if lines[n].startswith(("msgctxt", "msgid")) and lines[n - 1].startswith(("msgstr", '"'))
    ]
    assert joined == []
