"""Writing and reading big tables in bulk, in the caller's transaction.

On PostgreSQL rows go in and out with ``COPY`` (CSV through psycopg), elsewhere by one
``executemany`` insert and a plain select. Either way a table of millions of rows is one
statement, never one ORM object per row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

from kaohe.web.store.models import Base, check_length

NULL = r"\N"
CHUNK = 200_000


def _check_lengths(model: type[Base], frame: pd.DataFrame) -> None:
    """Texts longer than their columns are refused before anything is written (the same on
    SQLite, which would keep them, and PostgreSQL, which would fail the COPY)."""
    table = cast(Table, model.__table__)
    for name in frame.columns:
        col = table.c.get(str(name))
        limit = getattr(col.type, "length", None) if col is not None else None
        if limit is None or frame[name].dtype != object:
            continue
        texts = [v for v in frame[name].tolist() if isinstance(v, str)]
        longest = max(texts, key=len, default="")
        check_length(table.name, str(name), limit, longest)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_frame(session: Session, model: type[Base], frame: pd.DataFrame) -> int:
    """Insert every row of ``frame`` (its columns are the model's) into the model's table."""
    if frame.empty:
        return 0
    columns = list(frame.columns)
    _check_lengths(model, frame)
    if _is_postgres(session):
        _copy_in(session, model.__tablename__, columns, frame)
    else:
        records = records_of(frame)
        for start in range(0, len(records), CHUNK):
            session.execute(insert(model), records[start : start + CHUNK])
    return len(frame)


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as dicts, with None where a cell is missing."""
    cleaned = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in r.items()} for r in cleaned.to_dict("records")]


def _driver(session: Session) -> Any:
    """The psycopg connection under the session's (in its transaction)."""
    return session.connection().connection.driver_connection


def _copy_in(session: Session, name: str, columns: list[str], frame: pd.DataFrame) -> None:
    raw = _driver(session)
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f"COPY {name} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for start in range(0, len(frame), CHUNK):
            buf = io.StringIO()
            frame.iloc[start : start + CHUNK].to_csv(
                buf, header=False, index=False, na_rep=NULL, quoting=csv.QUOTE_MINIMAL
            )
            copy.write(buf.getvalue())


def read_frame(
    session: Session,
    sql: str,
    columns: Sequence[str],
    params: dict[str, Any] | None = None,
    floats: Sequence[str] = (),
) -> pd.DataFrame:
    """The rows of a query as a frame (``sql`` selects ``columns`` in this order; ``params``
    are whole numbers or text, bound as literals on PostgreSQL's COPY). ``floats`` are read as
    numbers (NaN where NULL), the other columns as Python objects."""
    params = params or {}
    dtypes: dict[str, Any] = {c: (np.float64 if c in floats else object) for c in columns}
    if _is_postgres(session):
        raw = _driver(session)
        query = (
            text(sql)
            .bindparams(**params)
            .compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
        )
        buf = io.BytesIO()
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, NULL '{NULL}')") as copy,
        ):
            for block in copy:
                buf.write(block)
        buf.seek(0)
        if not buf.getbuffer().nbytes:
            return pd.DataFrame({c: pd.Series(dtype=t) for c, t in dtypes.items()})
        return pd.read_csv(
            buf,
            header=None,
            names=list(columns),
            na_values=[NULL],
            keep_default_na=False,
            dtype=dtypes,
        )
    rows = session.execute(text(sql), params).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(columns), dtype=object)
    for c in floats:
        frame[c] = numbers(frame[c])
    return frame


def numbers(col: pd.Series) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A column read by :func:`read_frame` as floats (NaN where NULL)."""
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64)
