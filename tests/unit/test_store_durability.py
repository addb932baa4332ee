"""Durability (issue 13, acceptance): writer processes killed with SIGKILL at seeded random moments of
every kind of write to a workspace (plan saves and deletes from two tabs, the retention purge and
erasure on request with a tab saving meanwhile, a workspace build), then the workspace is reopened
as the app does. Afterwards:

- every write a process reported done is there (or was superseded by a later accepted write),
  and nothing else changed except, at most, the one write each killed process had in flight;
- no temporary file survives the reopen;
- revisions never repeat, and a save from any revision that is not the stored one is refused
  (after deletes, recreates and purges alike).

The workers run in processes started from a fork server that has imported geo.io once, so a trial
costs a fork, not an import. TRIALS trials of each kind (seeded); `make fuzz`-sized runs can raise
PATCHWORK_DURABILITY_TRIALS.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import signal
import sqlite3
import sys
import time
import types
from pathlib import Path
from typing import Any

import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from geo import io
from geo.analyse.retention import retention_cutoff
from geo.read.points import pseudonymise
from tests.conftest import tiny_layers

TRIALS = int(os.environ.get("PATCHWORK_DURABILITY_TRIALS", "20"))
PEOPLE = 400
TODAY = dt.date(2025, 6, 1)
SALT = b"d" * 32
PAD = "x" * 150_000  # big enough that a save spans several pages and a kill often lands inside it


def base_layers() -> dict[str, Any]:
    layers = tiny_layers()
    x0, y0 = 450_000, 318_000
    people = layers["participants"].iloc[[0] * PEOPLE].reset_index(drop=True)
    people["participant_id"] = list(pseudonymise(pd.Series([f"C{i}" for i in range(PEOPLE)], dtype="string"),
                                                 salt=SALT))
    # one enrolment a day or so across five years, so every month's purge takes some
    people["enrolled_on"] = [(dt.date(2020, 6, 1) + dt.timedelta(days=(i * 1826) // PEOPLE)).isoformat()
                             for i in range(PEOPLE)]
    people["geometry"] = [Point(x0 + 200 + (i % 700), y0 + 255) for i in range(PEOPLE)]
    layers["participants"] = people.set_geometry("geometry", crs=27700)
    # only the layers a purge or erasure touches, and the required ones: a reopen reads and checks less
    return {name: layers[name] for name in ("wards", "lsoas", "participants")}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("durable") / "base.gpkg"
    io.write_workspace(path, base_layers(), {"name": "Durable"})
    return path


@pytest.fixture(scope="module")
def ctx():
    # AppTest leaves its script as __main__, which a new process would run again: start from a clean one
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["geo.io", "tests.conftest", __name__])  # a trial forks, never imports
    yield context
    sys.modules["__main__"] = main


# ---- the workers (run in the killed processes; each reports a write only after it returned) ----------

def tab_worker(path: str, seed: int, tab: str, out: Any) -> None:
    """A browser tab saving, deleting and recreating plans A and B, from the revision it last saw."""
    rng = random.Random(seed)
    known: dict[str, int] = {}
    out.send(("ready",))
    for i in range(10_000):
        name = rng.choice("AB")
        roll = rng.random()
        try:
            if roll < 0.15 and name in known:
                rev = io.delete_plan(path, kind="hubs", name=name, expected_version=known[name])
                out.send(("delete", name, known.pop(name), rev))
            else:
                tag = f"{tab}{i}"
                rev = io.save_plan(path, kind="hubs", name=name, payload={"tag": tag, "pad": PAD},
                                   expected_version=known.get(name))
                known[name] = rev
                out.send(("save", name, rev, tag))
        except io.StalePlanError:  # the other tab wrote first: reload, as the panel offers
            known = {p.name: p.version for p in io.list_plans(path, kind="hubs")}
            out.send(("stale", name))


def purge_worker(path: str, seed: int, out: Any) -> None:
    out.send(("ready",))
    for months in range(60, 0, -1):
        done = io.purge_participants(path, months=months, today=TODAY, by="durability test")
        out.send(("purge", months, done.rows, done.revision))


def erase_worker(path: str, seed: int, out: Any) -> None:
    order = list(range(PEOPLE))
    random.Random(seed).shuffle(order)
    out.send(("ready",))
    for i in order:
        done = io.erase_participant(path, original_id=f"C{i}", salt=SALT, by="durability test")
        out.send(("erase", i, done.rows, done.revision))


def build_worker(path: str, seed: int, out: Any) -> None:
    layers, target = base_layers(), Path(path).with_name("rebuilt.gpkg")
    out.send(("ready",))
    for i in range(1000):
        io.write_workspace(target, layers, {"name": f"Rebuilt {i}"})
        out.send(("build", i))


# ---- running a trial ---------------------------------------------------------------------------------

def run_killed(ctx, workers: list[tuple[Any, tuple[Any, ...]]], rng: random.Random, longest: float) -> list[list]:
    """Start each worker, let it get going, SIGKILL each at its own random moment; what each reported."""
    procs, pipes = [], []
    for target, args in workers:
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=target, args=(*args, send), daemon=True)
        proc.start()
        send.close()
        procs.append(proc)
        pipes.append(receive)
    for receive in pipes:
        assert receive.poll(60) and receive.recv() == ("ready",)
    moments = sorted((rng.uniform(0.0, longest), k) for k in range(len(procs)))
    start = time.monotonic()
    for at, k in moments:
        wait = at - (time.monotonic() - start)
        if wait > 0:
            time.sleep(wait)
        os.kill(procs[k].pid, signal.SIGKILL)
    reports = []
    for proc, receive in zip(procs, pipes, strict=True):
        proc.join(10)
        assert proc.exitcode == -signal.SIGKILL
        got = []
        while receive.poll():
            try:
                got.append(receive.recv())
            except EOFError:
                break
        receive.close()
        reports.append(got)
    return reports


def reopen(path: Path) -> io.Workspace:
    """What the app does with a workspace: open it; then no temporary file may be left beside it."""
    ws = io.read_workspace(path)
    left = sorted(p.name for p in path.parent.glob(".*.tmp.gpkg*"))
    assert left == [], f"temporary files survived a reopen: {left}"
    return ws


def check_plans(path: Path, reports: list[list]) -> None:
    """Every reported write is there or superseded; revisions never repeat; stale saves are refused."""
    stored = {p.name: p for p in io.list_plans(path, kind="hubs")}
    payloads = {n: io.load_plan(path, kind="hubs", name=n)[1]["tag"] for n in stored}
    done = [r for rep in reports for r in rep if r[0] in ("save", "delete")]
    revisions = [r[2] if r[0] == "save" else r[3] for r in done]
    assert len(revisions) == len(set(revisions)), "a revision was handed out twice"
    seen: dict[str, set[int]] = {"A": set(), "B": set()}
    for r in done:
        seen[r[1]].add(r[2])
    for name in "AB":
        last = max((r for r in done if r[1] == name), key=lambda r: r[2] if r[0] == "save" else r[3], default=None)
        if last is None:
            continue
        last_rev = last[2] if last[0] == "save" else last[3]
        if name in stored and stored[name].version == last_rev:
            assert last[0] == "save" and payloads[name] == last[3], "the saved plan is not the one reported"
        elif name in stored:
            # a write after the last reported one: only a killed process's unreported write can be it
            assert stored[name].version > last_rev and stored[name].version not in revisions
        else:
            assert last[0] == "delete" or io.workspace_revision(path) > last_rev, "a reported save was lost"
        for old in sorted(seen[name] - {stored[name].version if name in stored else -1}):
            with pytest.raises(io.StalePlanError):
                io.save_plan(path, kind="hubs", name=name, payload={"tag": "stale"}, expected_version=old)


def fresh(base: Path, tmp_path: Path, trial: int) -> Path:
    path = tmp_path / f"t{trial}" / "ws.gpkg"
    path.parent.mkdir()
    path.write_bytes(base.read_bytes())
    return path


def participant_ids(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT participant_id FROM participants")}
    finally:
        con.close()


# ---- the trials --------------------------------------------------------------------------------------

def test_killed_plan_saves_from_two_tabs(ctx, base, tmp_path):
    rng = random.Random(13_1)
    stale_refusals = 0
    for trial in range(TRIALS):
        path = fresh(base, tmp_path, trial)
        reports = run_killed(ctx, [(tab_worker, (str(path), rng.randrange(1 << 30), "a")),
                                   (tab_worker, (str(path), rng.randrange(1 << 30), "b"))], rng, 0.25)
        reopen(path)
        check_plans(path, reports)
        stale_refusals += sum(r[0] == "stale" for rep in reports for r in rep)
    assert stale_refusals > 0, "the two tabs never collided: the trials did not test refusals"


def test_killed_purge_with_a_tab_saving_meanwhile(ctx, base, tmp_path):
    rng = random.Random(13_4)
    birth = pd.Series(pd.to_datetime(base_layers()["participants"]["enrolled_on"]).to_numpy(),
                      index=list(base_layers()["participants"]["participant_id"]))

    def kept_after(months: int | None) -> set[str]:
        if months is None:
            return set(birth.index)
        return set(birth.index[birth >= pd.Timestamp(retention_cutoff(months=months, today=TODAY))])

    for trial in range(TRIALS):
        path = fresh(base, tmp_path, trial)
        purges, tab = run_killed(ctx, [(purge_worker, (str(path), trial)),
                                       (tab_worker, (str(path), rng.randrange(1 << 30), "t"))], rng, 0.3)
        reopen(path)
        last = purges[-1][1] if purges else None
        following = 60 if last is None else max(last - 1, 1)  # the purge in flight when killed
        assert participant_ids(path) in (kept_after(last), kept_after(following))
        records = io.erasures(path)
        assert len(records) in (len(purges), len(purges) + 1)
        assert [(r.rows, r.revision) for r in records[:len(purges)]] == [(p[2], p[3]) for p in purges]
        check_plans(path, [tab])


def test_killed_erasures_with_a_tab_saving_meanwhile(ctx, base, tmp_path):
    rng = random.Random(13_13)
    everyone = participant_ids(base)
    ids = list(base_layers()["participants"]["participant_id"])
    for trial in range(TRIALS):
        path = fresh(base, tmp_path, trial)
        erased, tab = run_killed(ctx, [(erase_worker, (str(path), trial)),
                                       (tab_worker, (str(path), rng.randrange(1 << 30), "t"))], rng, 0.25)
        reopen(path)
        gone = everyone - participant_ids(path)
        reported = {ids[e[1]] for e in erased}
        assert reported <= gone and len(gone - reported) <= 1, "an erasure reported done was undone"
        assert all(e[2] == 1 for e in erased)
        assert len(io.erasures(path)) == len(gone)
        check_plans(path, [tab])


def test_killed_workspace_builds_leave_no_temporary_file_after_a_reopen(ctx, base, tmp_path):
    rng = random.Random(13_8)
    for trial in range(TRIALS):
        path = fresh(base, tmp_path, trial)
        rev = io.save_plan(path, kind="hubs", name="Kept", payload={"tag": "k"})
        (builds,) = run_killed(ctx, [(build_worker, (str(path), trial))], rng, 0.4)
        reopen(path)
        rebuilt = path.with_name("rebuilt.gpkg")
        if builds:
            assert rebuilt.exists()
        if rebuilt.exists():  # the old file or the new one, whole
            assert io.read_meta(rebuilt)["name"].startswith("Rebuilt")
            assert {str(r[0]) for r in pyogrio.list_layers(rebuilt)} >= {"wards", "lsoas", "participants"}
        assert io.list_plans(path, kind="hubs")[0].version == rev  # the other workspace is untouched
