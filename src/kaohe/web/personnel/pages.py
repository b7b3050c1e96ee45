"""What the office's personnel pages share (the overview, the ballots, the arena): one write of
a form, committed or refused as a whole."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from kaohe.errors import KaoheError
from kaohe.web.cycles.service import CycleError
from kaohe.web.deps import problems_of
from kaohe.web.personnel.service import PersonnelError

#: Why a write is refused: located problems of a file, what to do first, a cycle's state, a
#: file that is not UTF-8 text.
REFUSED = (KaoheError, PersonnelError, CycleError, UnicodeDecodeError)


def office_write(
    session: Session, page: Callable[..., HTMLResponse], write: Callable[[], str | Response]
) -> Response:
    """Do ``write`` and commit it. It returns the notice to show on ``page`` (called with
    ``notice=``) or the answer itself (e.g. a redirect); a refused write leaves nothing and shows
    ``page`` with its problems (422)."""
    try:
        done = write()
        session.commit()
    except REFUSED as exc:
        session.rollback()
        return page(problems_of(exc), status_code=422)
    return page(notice=done) if isinstance(done, str) else done
