"""One operation per stack at a time: a second caller -- another process or another thread -- gets a
"busy" error naming the running operation, and nothing of its own runs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from dw_constructs.deploy import BusyError
from tests.deploy.support import state_file, state_ids, variant, workspace


def test_a_lock_held_by_another_process_is_reported_by_name(tmp_path):
    ws = workspace(tmp_path, "open")
    plan = ws.preview()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from dw_constructs.deploy.lock import StackLock
        lock = StackLock(Path({str(ws.lock.path)!r}), "demo").acquire(
            {{"operation": "op-elsewhere-1", "kind": "apply", "actor": "carol", "started_at": "then"}})
        print("locked", flush=True)
        sys.stdin.readline()
    """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(BusyError) as exc:
            ws.up(plan)
        assert "stack demo is busy: op-elsewhere-1 is running (kind apply, actor carol" in str(exc.value)
        assert exc.value.holder["pid"] == holder.pid
        with pytest.raises(BusyError):
            ws.preview()
        assert ws.status().busy["operation"] == "op-elsewhere-1"
        assert not state_file(ws).exists() and ws.history() == []
        refused = [e for e in ws.events() if e.event == "refused"]
        assert [e.detail["codes"] for e in refused] == [["busy"], ["busy"]]
    finally:
        holder.communicate("\n", timeout=30)
    # The holder is gone: its lock went with it.
    assert ws.status().busy is None
    assert ws.up(plan).status == "succeeded"


def test_two_concurrent_ups_one_runs_the_other_is_refused(tmp_path):
    ws = workspace(tmp_path, "open", variant(sleep_seconds=4))
    plan = ws.preview()
    result: dict = {}

    def first() -> None:
        try:
            result["record"] = ws.up(plan)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            result["error"] = exc

    runner = threading.Thread(target=first)
    runner.start()
    deadline = time.monotonic() + 60
    while (ws.status().busy or {}).get("status") != "running":
        assert time.monotonic() < deadline and runner.is_alive(), result
        time.sleep(0.05)
    second = workspace(tmp_path, "open", variant(sleep_seconds=4))
    t0 = time.monotonic()
    with pytest.raises(BusyError) as exc:
        second.up(plan)
    refused_in = time.monotonic() - t0
    runner.join(timeout=120)
    rec = result.get("record")
    assert rec is not None and rec.status == "succeeded", result
    assert f"{rec.id} is running" in str(exc.value) and exc.value.holder["kind"] == "apply"
    assert refused_in < 2.0, "the second caller is refused at once, not queued"
    assert sorted(state_ids(ws)) == ["terraform_data.Base", "terraform_data.Dependent0", "terraform_data.Slow"]
    assert [o.id for o in ws.history()] == [rec.id]
    assert json.loads((ws.root / "audit.jsonl").read_text().splitlines()[-1])["status"] == "succeeded"
