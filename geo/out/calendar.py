"""The .ics calendar of pop-up sessions (RFC 5545, written with the `icalendar` library).

Times are local times in Europe/London with a VTIMEZONE block, so Outlook and Google Calendar show
10:00 as 10:00 on both sides of a clock change (BST in summer, GMT in winter). The block is icalendar's
own (`Calendar.add_missing_timezones`, from the tz database), covering the years of the sessions. Each event has a UID
that stays the same for the same session of the same plan (importing an updated file updates the
event rather than adding a copy), a DTSTAMP (when the file was made, UTC), the venue and address as
LOCATION, GEO, the gap it serves and why in the DESCRIPTION, and STATUS: CONFIRMED for accepted
sessions, TENTATIVE for proposed ones. Dropped sessions are left out. Pure: returns bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
import pandas as pd

from geo.plan.routes import xy_to_latlon
from geo.text import parse_hhmm, slug

LONDON = ZoneInfo("Europe/London")
PRODID = "-//Patchwork//Outreach planning//EN"


def _at(day: dt.date, text: object, zone: ZoneInfo) -> dt.datetime:
    """`day` at the HH:MM `text` (geo.text.parse_hhmm: DataError when it is not a time), local time in `zone`."""
    when = text if isinstance(text, dt.time) else parse_hhmm(str(text), source="session time")
    return dt.datetime.combine(day, when, tzinfo=zone)


def _date(v: object) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    day: dt.date = pd.Timestamp(str(v)).date()  # text or numpy datetime64
    return day


def session_uid(plan_name: str, session_id: str, domain: str = "patchwork.local") -> str:
    digest = hashlib.sha1(f"{plan_name}\x00{session_id}".encode()).hexdigest()[:10]
    return f"{slug(plan_name, default='plan')}-{session_id}-{digest}@{domain}"


def sessions_ics(sessions: pd.DataFrame, *, plan_name: str = "Pop-up sessions", stamp: dt.datetime | None = None,
                 bring: Iterable[str] = (), tz: str = "Europe/London") -> bytes:
    """An RFC 5545 calendar of the sessions (columns as `geo.plan.popups.SESSION_COLUMNS`)."""
    zone = ZoneInfo(tz)
    stamp = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", plan_name)
    cal.add("x-wr-timezone", tz)
    items = list(bring)
    rows = sessions.to_dict("records") if len(sessions) else []
    days = [_date(r["date"]) for r in rows if str(r.get("status") or "proposed") != "dropped"]
    for r in rows:
        status = str(r.get("status") or "proposed")
        if status == "dropped":
            continue
        day = _date(r["date"])
        start, end = _at(day, r["start"], zone), _at(day, r["end"], zone)
        ev = icalendar.Event()
        ev.add("uid", session_uid(plan_name, str(r["session_id"])))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", start)
        ev.add("dtend", end)
        family = bool(r.get("family"))
        ev.add("summary", f"{'Family pop-up' if family else 'Pop-up'}: {r.get('venue', '')}"
                          + (f" ({r['area']})" if r.get("area") else ""))
        where = ", ".join(str(x) for x in (r.get("venue"), r.get("address")) if x and str(x).strip())
        if where:
            ev.add("location", where)
        lines = []
        if r.get("serves"):
            lines.append(f"Serves: {r['serves']}")
        if r.get("why"):
            lines.append(f"Why this venue: {r['why']}")
        if r.get("contact"):
            lines.append(f"Contact: {r['contact']}")
        if r.get("worker") is not None and str(r.get("worker")) != "":
            lines.append(f"Worker: {r['worker']}")
        if family:
            lines.append("Family session with childcare.")
        if r.get("hours_assumed"):
            lines.append("Opening hours assumed: confirm with the venue.")
        if items:
            lines.append("Bring: " + "; ".join(items))
        ev.add("description", "\n".join(lines))
        ev.add("status", "CONFIRMED" if status == "accepted" else "TENTATIVE")
        ev.add("transp", "OPAQUE")
        ev.add("categories", ["Outreach", "Family" if family else "Pop-up"])
        x, y = r.get("x"), r.get("y")
        if x is not None and y is not None and pd.notna(x) and pd.notna(y):
            lat, lon = xy_to_latlon(float(x), float(y))
            ev.add("geo", (round(lat, 6), round(lon, 6)))
        cal.add_component(ev)
    if days:  # icalendar puts the VTIMEZONE first: some clients read it before the events
        cal.add_missing_timezones(first_date=dt.date(min(days).year, 1, 1),
                                  last_date=dt.date(max(days).year + 1, 1, 1))
    return bytes(cal.to_ical())

