"""The report as a PDF for A4, made offline by WeasyPrint from the report's HTML: page numbers,
a contents page with page numbers, running heads, the CJK face embedded (subset).

WeasyPrint needs Pango (Debian: ``libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0``) and a
CJK font (``fonts-noto-cjk``); without them :func:`write_pdf` raises :class:`PdfUnavailableError`.
The document's metadata (title, generator, dates, the inputs' SHA-256 as keywords) come from the
HTML's ``<meta>``; a fixed identifier makes reruns byte-identical where WeasyPrint allows.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from kaohe.errors import Issue, OutputError


class PdfUnavailableError(OutputError):
    """WeasyPrint or the system libraries it needs are not installed."""


def weasyprint_html(text: str) -> object:
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango's shared libraries are missing
        raise PdfUnavailableError(
            Issue(
                "PDF needs WeasyPrint and its system libraries (Debian: apt-get install "
                f"libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk): {exc}"
            )
        ) from None
    return weasyprint.HTML(string=text, base_url=None)


def write_pdf(html_text: str, path: Path) -> int:
    """Write the PDF of the report's HTML to ``path``; return its number of pages."""
    document = weasyprint_html(html_text)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # unsupported-CSS chatter
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    rendered = document.render()  # type: ignore[attr-defined]
    identifier = hashlib.sha256(html_text.encode("utf-8")).hexdigest()[:32].encode("ascii")
    rendered.write_pdf(path, pdf_identifier=identifier, uncompressed_pdf=False)
    return len(rendered.pages)
