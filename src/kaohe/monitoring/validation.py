"""The meaning of a scheme's ``monitoring`` section: the span and periods are sound, every
dispatched indicator tracks a scored indicator of the scheme, and every reference resolves.
Called by :func:`kaohe.checks.check_scheme`; each problem is an :class:`~kaohe.errors.Issue` with
its dotted path (the YAML loader adds the line)."""

from __future__ import annotations

import difflib
from collections.abc import Collection

from kaohe.errors import Issue, SchemeError
from kaohe.i18n import Msg
from kaohe.monitoring.calendar import Calendar, build_calendar, span
from kaohe.monitoring.declaration import BUILTIN_PROFILES, MonitoredIndicator, Monitoring
from kaohe.monitoring.plan import annual_target, period_ref
from kaohe.scheme import Scheme

ROOT = "monitoring"


def check_monitoring(scheme: Scheme) -> list[Issue]:
    """Every problem of meaning of the section (empty when it is sound, or absent)."""
    mon = scheme.monitoring
    if mon is None:
        return []
    try:
        start, end = span(mon, scheme.period)
    except SchemeError as exc:
        return exc.issues
    if end <= start:
        return [Issue(str(Msg("mon.check.span", start=start, end=end)), path=f"{ROOT}.end")]
    issues = _check_periods(mon, start, end)
    if issues:
        return issues
    cal = build_calendar(mon, scheme.period)
    for pid, prof in mon.profiles.items():
        if prof.shares is not None and len(prof.shares) != len(cal):
            issues.append(
                Issue(
                    str(Msg("mon.check.shares", n=len(cal), got=len(prof.shares))),
                    path=f"{ROOT}.profiles.{pid}.shares",
                )
            )
    tracked: dict[str, str] = {}
    for key, entry in mon.indicators.items():
        issues += _check_entry(scheme, mon, cal, key, entry, tracked)
    return issues


def _check_periods(mon: Monitoring, start: object, end: object) -> list[Issue]:
    if not isinstance(mon.periods, list):
        return []
    issues = []
    if not mon.periods:
        issues.append(Issue(str(Msg("mon.check.no_periods")), path=f"{ROOT}.periods"))
    seen: set[str] = set()
    for k, p in enumerate(mon.periods):
        path = f"{ROOT}.periods.{k}"
        if p.id in seen:
            issues.append(Issue(str(Msg("mon.check.period_twice", id=p.id)), path=f"{path}.id"))
        seen.add(p.id)
        if not (start <= p.date <= end):  # type: ignore[operator]
            issues.append(
                Issue(
                    str(Msg("mon.check.period_outside", date=p.date, start=start, end=end)),
                    path=f"{path}.date",
                )
            )
        if k and p.date <= mon.periods[k - 1].date:
            issues.append(Issue(str(Msg("mon.check.period_order")), path=f"{path}.date"))
    return issues


def _check_entry(
    scheme: Scheme,
    mon: Monitoring,
    cal: Calendar,
    key: str,
    entry: MonitoredIndicator,
    tracked: dict[str, str],
) -> list[Issue]:
    path = f"{ROOT}.indicators.{key}"
    iid = entry.indicator or key
    if iid not in scheme.indicators:
        where = f"{path}.indicator" if entry.indicator else path
        return [unknown("mon.what.indicator", iid, scheme.indicators, where)]
    issues = []
    if iid in tracked:
        issues.append(
            Issue(str(Msg("mon.check.tracked_twice", indicator=iid, other=tracked[iid])), path=path)
        )
    tracked[iid] = key
    ind = scheme.indicators[iid]
    if (
        ind.effective_kind != "base"
        or ind.rule.item_points() is not None
        or ind.rule.type
        in (
            "judgement",
            "veto",
        )
    ):
        issues.append(Issue(str(Msg("mon.check.not_scored", indicator=iid)), path=path))
    if entry.owner is not None and entry.owner not in scheme.departments:
        issues.append(
            unknown("mon.what.department", entry.owner, scheme.departments, f"{path}.owner")
        )
    for k, ref in enumerate(entry.periods or []):
        if period_ref(cal, ref) is None:
            issues.append(unknown("mon.what.period", str(ref), cal.ids, f"{path}.periods.{k}"))
    if entry.profile not in BUILTIN_PROFILES and entry.profile not in mon.profiles:
        known = [*BUILTIN_PROFILES, *mon.profiles]
        issues.append(unknown("mon.what.profile", entry.profile, known, f"{path}.profile"))
    if entry.threshold is not None and entry.threshold not in mon.thresholds:
        issues.append(
            unknown("mon.what.threshold", entry.threshold, mon.thresholds, f"{path}.threshold")
        )
    if isinstance(entry.target, dict):
        for name in entry.target:
            if name != "default" and name not in scheme.units and name not in scheme.categories:
                issues.append(
                    Issue(str(Msg("mon.check.target_key", key=name)), path=f"{path}.target.{name}")
                )
    if mon.threshold_for(entry).measure != "rank" and not issues:
        missing = [
            uid
            for uid, u in scheme.units.items()
            if ind.applies_to(u.category) and annual_target(scheme, entry, iid, uid) is None
        ]
        if missing:
            shown = ", ".join(missing[:6]) + (" …" if len(missing) > 6 else "")
            issues.append(
                Issue(str(Msg("mon.check.no_target", units=shown)), path=f"{path}.target")
            )
    return issues


def unknown(what: str, value: str, known: Collection[str], path: str) -> Issue:
    """An unknown reference, with the closest known one and the list."""
    names = list(known)
    close = difflib.get_close_matches(value, names, n=1)
    hint = str(Msg("mon.check.did_you_mean", name=close[0])) if close else ""
    shown = ", ".join(names[:12]) + (" …" if len(names) > 12 else "")
    return Issue(
        str(Msg("mon.check.unknown", what=Msg(what), value=value, hint=hint, known=shown)),
        path=path,
    )
