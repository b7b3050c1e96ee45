"""Charts find a Chinese font installed after matplotlib cached its font list."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from kaohe.io.charts import add_new_system_fonts


def test_fonts_missing_from_the_cached_list_are_added() -> None:
    added: list[str] = []

    def addfont(path: str) -> None:
        if path.endswith(".bad"):
            raise RuntimeError("Can not load face")
        added.append(path)

    manager: Any = SimpleNamespace(
        ttflist=[SimpleNamespace(fname="/fonts/DejaVuSans.ttf")], addfont=addfont
    )
    fm: Any = SimpleNamespace(
        fontManager=manager,
        findSystemFonts=lambda: [
            "/fonts/DejaVuSans.ttf",  # known: left alone
            "/fonts/NotoSansCJK-Regular.ttc",  # installed since the cache was built
            "/fonts/broken.bad",  # not readable: skipped
        ],
    )
    assert add_new_system_fonts(fm) == 1
    assert added == ["/fonts/NotoSansCJK-Regular.ttc"]
