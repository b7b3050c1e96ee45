"""Outbound reminders of what is due, off by default: when ``KAOHE_SMTP_HOST`` is set, the
office sends each account named in ``KAOHE_REMINDER_TO`` its inbox of a cycle (matters due or
overdue, stage changes to review or refused) by e-mail through that server — an internal relay
on an air-gapped network; when ``KAOHE_REMINDER_WEBHOOK`` is set, each reminder is also posted
as JSON to that address (a government messaging platform's robot or gateway):
``{"account", "to", "cycle", "subject", "text", "items"}``, answered with a 2xx status. Each
message sent (or failed) on each channel is kept and entered in the audit log."""

from __future__ import annotations

import datetime as dt
import json
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaohe.i18n import t
from kaohe.ledgers.words import word
from kaohe.scheme import Scheme
from kaohe.web.audit import chain as audit
from kaohe.web.ledgers.service import InboxItems, LedgerWebError, inbox_of, matters_date
from kaohe.web.settings import Settings
from kaohe.web.store.models import Cycle, ReminderSent, User

TIMEOUT = 10.0


def text_of(cycle: Cycle, scheme: Scheme, items: InboxItems, on: dt.date) -> str:
    """The message's body: one line per item, in the language in force."""
    names = {u: x.name for u, x in scheme.units.items()}
    lines = [word("web.mail_head", cycle=cycle.name, on=on, n=len(items)), ""]
    for d in items.due:
        flag = word("web.mail_overdue", n=d.days) if d.overdue else word("web.mail_left", n=-d.days)
        what = f"{d.title} · {d.milestone}" if d.milestone else d.title
        lines.append(
            t(
                "ledgers.say.mail_due",
                matter=d.matter,
                kind=word(f"kind.{d.kind}"),
                what=what,
                unit=names.get(d.unit, d.unit),
                deadline=d.deadline,
                flag=flag,
            )
        )
    e = items.entry
    if e is not None and e.missing + e.returned + e.submitted:
        due = f" · {e.due}" if e.due else ""
        lines.append(
            f"- {word('web.mail_entry', missing=e.missing, returned=e.returned, n=e.submitted)}"
            f"{due}"
        )
    for p, c in items.reviews:
        lines.append(f"- {word('web.mail_review')}: {p.code} {p.name} → {word(f'stage.{c.stage}')}")
    for p, c in items.refused:
        lines.append(
            f"- {word('web.mail_refused')}: {p.code} {p.name} → {word(f'stage.{c.stage}')}"
        )
    return "\n".join(lines) + "\n"


def send(
    session: Session,
    cycle: Cycle,
    scheme: Scheme,
    settings: Settings,
    actor: User,
    address: str = "",
    today: dt.date | None = None,
) -> list[ReminderSent]:
    """Send each configured account its inbox of ``cycle`` (those with nothing due get
    nothing); every message sent or failed is a row and an audit entry."""
    channels = [
        c for c, on in (("smtp", settings.smtp_host), ("webhook", settings.reminder_webhook)) if on
    ]
    if not channels:
        raise LedgerWebError([word("web.smtp_off")])
    if not settings.reminder_to:
        raise LedgerWebError([word("web.no_recipients")])
    on = matters_date(session, cycle, scheme, today)
    out = []
    audit.lock(session)
    for account, to in settings.reminder_to:
        user = session.execute(select(User).where(User.username == account)).scalar_one_or_none()
        if user is None or not user.active:
            continue
        items = inbox_of(session, cycle, scheme, user, on)
        if not len(items):
            continue
        subject = word("web.mail_subject", cycle=cycle.name, n=len(items))[:256]
        text = text_of(cycle, scheme, items, on)
        for channel in channels:
            if channel == "smtp":
                error = _mail(settings, to, subject, text)
            else:
                error = _post(
                    settings.reminder_webhook, account, to, cycle, subject, text, len(items)
                )
            out.append(
                _kept(
                    session, cycle, actor, address, channel, account, to, subject, len(items), error
                )
            )
    return out


def _mail(settings: Settings, to: str, subject: str, text: str) -> str:
    """Send one e-mail; the error, or "" when the server took it."""
    msg = EmailMessage()
    msg["From"] = settings.smtp_from or f"kaohe@{settings.smtp_host}"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(text)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {exc}"[:2000]
    return ""


def _post(
    url: str, account: str, to: str, cycle: Cycle, subject: str, text: str, items: int
) -> str:
    """Post one reminder as JSON to the webhook; the error, or "" on a 2xx answer."""
    body = {
        "account": account,
        "to": to,
        "cycle": cycle.name,
        "subject": subject,
        "text": text,
        "items": items,
    }
    request = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        # the address is checked to be http(s) by the settings
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            status = int(answer.status)
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}: {exc.reason}"[:2000]
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:2000]
    return "" if 200 <= status < 300 else f"HTTP {status}"


def _kept(
    session: Session,
    cycle: Cycle,
    actor: User,
    address: str,
    channel: str,
    account: str,
    to: str,
    subject: str,
    items: int,
    error: str,
) -> ReminderSent:
    """The reminder sent (or failed) on one channel, as a row and an audit entry."""
    row = ReminderSent(
        cycle_id=cycle.id,
        channel=channel,
        recipient=to[:256],
        subject=subject,
        items=items,
        ok=not error,
        error=error,
        sent_by=actor.username,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor.username,
        "ledgers.remind",
        f"cycle:{cycle.id}/account:{account}",
        None,
        {
            "reminder": row.id,
            "channel": channel,
            "to": to,
            "items": items,
            "ok": row.ok,
            "error": error,
        },
        address,
    )
    return row
