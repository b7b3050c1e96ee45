"""Matplotlib set up for Kaohe's charts: headless, and with a Chinese font when one is installed
(Noto Sans CJK from ``fonts-noto-cjk`` on Debian); never fetched from the internet."""

from __future__ import annotations

from typing import Any

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
)
_CJK: dict[str, bool] = {}


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend with a CJK font first, if any."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    cjk = [f for f in CJK_FONTS if _has_font(font_manager, f)]
    if not cjk and not _CJK.get("rescanned"):
        # matplotlib's font list is cached on disk when first built: a font installed since
        # (``apt install fonts-noto-cjk`` after a first run) is not in it
        _CJK["rescanned"] = True
        if add_new_system_fonts(font_manager):
            cjk = [f for f in CJK_FONTS if _has_font(font_manager, f)]
    plt.rcParams["font.family"] = ["sans-serif"]
    plt.rcParams["font.sans-serif"] = [*cjk, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    _CJK["available"] = bool(cjk)
    return plt


def add_new_system_fonts(fm: Any) -> int:
    """Add to matplotlib's font list the system's fonts that it does not know yet; how many."""
    known = {f.fname for f in fm.fontManager.ttflist}
    added = 0
    for path in fm.findSystemFonts():
        if path not in known:
            try:
                fm.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # not a font matplotlib can read
                continue
            added += 1
    return added


def _has_font(fm: Any, name: str) -> bool:
    try:
        fm.findfont(name, fallback_to_default=False)
    except ValueError:
        return False
    return True


def unit_label(name: str, uid: str) -> str:
    """The unit's name, or its id when the name would print as boxes (no Chinese font)."""
    return name if _CJK.get("available") or name.isascii() else uid
