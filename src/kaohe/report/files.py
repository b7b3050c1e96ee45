"""Writing the report's files into one folder, all or nothing, with the reproducibility header
(Kaohe's version, the inputs' SHA-256, the date) taken from the files and the environment."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kaohe import __version__
from kaohe.errors import Issue, OutputError
from kaohe.io.atomic import atomic_dir
from kaohe.report.content import InputFile, Provenance, Report

OUTPUT_FILES = ("report.html", "report.pdf", "report.xlsx", "report.docx")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def report_date(option: str | None, environ: dict[str, str] | None = None) -> dt.date:
    """The report's date: ``--date`` (YYYY-MM-DD), else ``SOURCE_DATE_EPOCH`` (seconds, UTC),
    else today — so that reruns can give the same bytes."""
    env = os.environ if environ is None else environ
    if option:
        try:
            return dt.date.fromisoformat(option)
        except ValueError:
            raise OutputError(
                Issue(
                    f"日期应写作 YYYY-MM-DD / a date is written YYYY-MM-DD, got {option!r}",
                    path="--date",
                )
            ) from None
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise OutputError(
                Issue(
                    "SOURCE_DATE_EPOCH 应为整数秒 / SOURCE_DATE_EPOCH must be whole seconds "
                    f"since 1970-01-01 UTC, got {epoch!r}",
                    path="SOURCE_DATE_EPOCH",
                )
            ) from None
    return dt.date.today()


def provenance(inputs: Sequence[tuple[str, Path]], date: dt.date) -> Provenance:
    """The header for the files read: (role, path) pairs, in order."""
    return Provenance(
        __version__,
        date,
        tuple(InputFile(role, path.name, sha256_of(path)) for role, path in inputs),
    )


@dataclass
class Written:
    """What was written: the folder, the PDF's pages, and seconds per file."""

    out: Path
    pages: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def write_report(
    report: Report, out: str | Path, *, pdf: bool = True, docx: bool = False
) -> Written:
    """Write ``report.html``, ``report.pdf`` (unless ``pdf`` is false), ``report.xlsx`` and,
    with ``docx``, ``report.docx`` into the folder ``out``, all or nothing."""
    from kaohe.report.html import write_html
    from kaohe.report.xlsx import write_xlsx

    out = Path(out)
    done = Written(out)

    def timed(name: str, fn: Callable[[], object]) -> object:
        start = time.perf_counter()
        value = fn()
        done.seconds[name] = time.perf_counter() - start
        return value

    with atomic_dir(out, OUTPUT_FILES) as tmp:
        timed("report.html", lambda: write_html(report, tmp / "report.html"))
        timed("report.xlsx", lambda: write_xlsx(report, tmp / "report.xlsx"))
        if pdf:
            from kaohe.report.pdf import write_pdf

            done.pages = int(timed("report.pdf", lambda: write_pdf(report, tmp / "report.pdf")))  # type: ignore[call-overload]
        if docx:
            from kaohe.report.docx import write_docx

            timed("report.docx", lambda: write_docx(report, tmp / "report.docx"))
    return done
