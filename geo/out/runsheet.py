"""The printable run sheet of a pop-up plan: one page per day (venue, address, times, contact, what to
bring), with the day's route where one was worked out. Pure: returns HTML text; every value from the
data is escaped."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any, cast

import pandas as pd

from geo.plan.missing import is_true, number_or_none, text_or
from geo.plan.popup_check import live_sessions, normalise_sessions

BRING_ALWAYS: tuple[str, ...] = ("Laptop and phone, charged", "Leaflets and sign-up forms",
                                 "Pull-up banner", "Eligibility checklist and consent forms")

SHEET_CSS = """
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Arial,sans-serif;color:#0b0c0c;margin:24px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:18px;margin:24px 0 6px;border-bottom:2px solid #0b0c0c}
table{border-collapse:collapse;width:100%;margin:6px 0 12px} th,td{border:1px solid #b1b4b6;padding:6px;
vertical-align:top;text-align:left} th{background:#f3f2f1} .note{color:#505a5f;font-size:12px}
ul{margin:0;padding-left:18px} .day{page-break-after:always;break-after:page} .day:last-child{page-break-after:auto}
@media print{body{margin:10mm} .noprint{display:none} a{color:inherit;text-decoration:none}}
"""

_COLS = ("<colgroup><col style='width:9%'><col style='width:21%'><col style='width:14%'><col style='width:34%'>"
         "<col style='width:22%'></colgroup>")


def what_to_bring(row: Mapping[str, Any], venue: Mapping[str, Any] | None = None, *,
                  always: Sequence[str] = BRING_ALWAYS) -> list[str]:
    """What a worker takes to a session: the usual kit, plus a hotspot where the venue records no wi-fi,
    a children's pack for a family session, van kit, and the room hire where the venue charges."""
    items = list(always)
    venue = venue or {}
    if not is_true(venue.get("wifi")):
        items.append("Mobile wi-fi hotspot (no wi-fi recorded at the venue)")
    if is_true(row.get("family")):
        items.append("Children's activity pack; confirm childcare staff and the sign-in sheet")
    if text_or(row.get("kind")) == "van":
        items.append("Van kit: urn, cups, gazebo, table and chairs")
    cost = number_or_none(venue.get("cost_per_hour"))
    if cost is not None and cost > 0:
        items.append(f"Room hire: £{cost:,.2f} an hour (booking reference)")
    return items


def _cell(value: object) -> str:
    return html.escape(text_or(value))


def route_table_html(route: pd.DataFrame, title: str) -> str:
    """A route's timetable (a `geo.plan.routes` schedule) as an HTML table under `title`."""
    rows = [(f"<h3>{html.escape(title)}</h3><table><tr><th>#</th><th>Stop</th><th>Arrive</th><th>Start</th>"
             "<th>Leave</th><th>Travel</th></tr>")]
    for r in route.to_dict("records"):
        est = " (estimate)" if is_true(r.get("estimate")) else ""
        rows.append(f"<tr><td>{_cell(r.get('seq'))}</td><td>{_cell(r.get('name'))}</td>"
                    f"<td>{_cell(r.get('arrive'))}</td><td>{_cell(r.get('start'))}</td>"
                    f"<td>{_cell(r.get('depart'))}</td><td>{_cell(r.get('travel_min'))} min{est}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _session_row(r: Mapping[str, Any], venue: Mapping[str, Any] | None) -> str:
    esc = html.escape
    bring = what_to_bring(r, venue)
    fam = " <b>(family session, childcare)</b>" if is_true(r.get("family")) else ""
    assumed = ("<div class='note'>Opening hours assumed: confirm with the venue.</div>"
               if is_true(r.get("hours_assumed")) else "")
    return (f"<tr><td>{esc(str(r['start']))}–{esc(str(r['end']))}</td>"
            f"<td><b>{_cell(r.get('venue'))}</b>{fam}<br>{esc(text_or(r.get('address'), 'address not recorded'))}"
            f"{assumed}</td><td>{esc(text_or(r.get('contact'), 'not recorded'))}</td>"
            f"<td>{_cell(r.get('area'))}<div class='note'>{_cell(r.get('why'))}</div></td>"
            f"<td><ul>{''.join(f'<li>{esc(i)}</li>' for i in bring)}</ul></td></tr>")


def run_sheet_html(sessions: pd.DataFrame, venues: pd.DataFrame | None = None, *, title: str = "Pop-up sessions",
                   routes: Mapping[Any, pd.DataFrame] | None = None, attribution: str = "") -> str:
    """A printable run sheet: one page per day, with the day's route where one was worked out:
    `routes[(date, worker)]` (or `routes[date]`) is a `geo.plan.routes` schedule table."""
    s = normalise_sessions(sessions)
    if len(s):
        s = live_sessions(s).sort_values(["date", "worker", "start"], kind="stable")
    day_routes = dict(routes or {})
    vinfo: dict[str, dict[str, Any]] = {}
    if venues is not None and len(venues):
        for rec in pd.DataFrame(venues.drop(columns="geometry", errors="ignore")).to_dict("records"):
            vinfo[str(rec.get("venue_id"))] = {str(k): v for k, v in rec.items()}
    esc = html.escape
    parts = [(f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
              f"<style>{SHEET_CSS}</style></head><body>"),
             f"<h1>{esc(title)}</h1>"
             "<p class='note noprint'>Print this page (Ctrl+P): each day starts on a new sheet.</p>"]
    if len(s) == 0:
        parts.append("<p>No sessions.</p>")
    for d, day in s.groupby("date", sort=True):
        parts.append(f"<section class='day'><h2>{d:%A %d %B %Y}</h2>")
        for key, rows in day.groupby("worker", sort=True):
            w = int(cast(int, key))
            parts.append(f"<h3>Worker {w}</h3><table>{_COLS}<tr><th>Time</th><th>Venue and address</th>"
                         "<th>Contact</th><th>Serves</th><th>What to bring</th></tr>")
            parts.extend(_session_row({str(k): v for k, v in r.items()}, vinfo.get(str(r.get("venue_id"))))
                         for r in rows.to_dict("records"))
            parts.append("</table>")
            route = day_routes.get((d, w))
            if route is not None and len(route):
                parts.append(route_table_html(route, f"Route for worker {w}"))
        route = day_routes.get(d)
        if route is not None and len(route):
            parts.append(route_table_html(route, "Route"))
        parts.append("</section>")
    if attribution:
        parts.append(f"<p class='note'>{esc(attribution)}</p>")
    parts.append("</body></html>")
    return "".join(parts)
