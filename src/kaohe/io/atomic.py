"""Atomic writes: a file or a whole output folder appears complete, or not at all.

Temporary files and folders are created private (mode 0600/0700); before they are renamed into
place they get the permissions a normal file or folder would have under the user's umask.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from kaohe.errors import Issue, OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(Issue("is a folder; give a file name", file=str(path)))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def check_output_dir(path: Path, ours: Iterable[str] | None) -> None:
    """Refuse a destination that is a file, the current folder (or above it), or a folder that
    holds anything but the files we write — replacing it would delete the user's files."""
    if path.exists() and not path.is_dir():
        raise OutputError(Issue("exists and is not a folder; give a folder name", file=str(path)))
    here = Path.cwd().resolve()
    target = path.resolve()
    if target == here or target in here.parents:
        raise OutputError(
            Issue(
                "is the current folder or one above it; give a new folder "
                "for the results, e.g. -o out",
                file=str(path),
            )
        )
    if path.is_dir() and ours is not None:
        others = sorted(p.name for p in path.iterdir() if p.name not in set(ours))
        if others:
            shown = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
            raise OutputError(
                Issue(
                    f"already holds other files ({shown}); the results replace "
                    "the whole folder, so give a new or empty folder",
                    file=str(path),
                )
            )


@contextlib.contextmanager
def atomic_dir(path: str | Path, ours: Iterable[str] | None = None) -> Iterator[Path]:
    """Yield a fresh temporary folder beside ``path``; on success it replaces ``path``.

    ``ours``, if given, names the files this folder may already hold from an earlier run;
    anything else there makes it refuse (see :func:`check_output_dir`). If anything fails,
    ``path`` is left exactly as it was (absent, or with its old files).
    """
    path = Path(path)
    check_output_dir(path, ours)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        _swap(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(new: Path, path: Path) -> None:
    if not path.exists():
        os.replace(new, path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    try:
        os.replace(path, old / "prev")
        try:
            os.replace(new, path)
        except BaseException:
            os.replace(old / "prev", path)
            raise
    except OSError as exc:
        raise OutputError(
            Issue(f"cannot replace the folder: {exc.strerror}", file=str(path))
        ) from None
    finally:
        shutil.rmtree(old, ignore_errors=True)
