#!/usr/bin/env python
"""Run a Python script as ``python SCRIPT ARGS...`` would, then record the peak memory of this
process and of every process below it (the jsii runtime and its node kernel), /usr/bin/time-style:
the sum of each process's peak resident set (VmHWM).

    python benchmarks/apps/launch.py OUT.json SCRIPT [ARGS...]

Read just before the interpreter exits, while the jsii node processes still run (they end with
it). Linux only (/proc).
"""

from __future__ import annotations

import json
import os
import re
import runpy
import sys
from pathlib import Path


def _hwm_kib(pid: str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) if found else 0


def _children(pid: str) -> list[str]:
    out: list[str] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += (task / "children").read_text().split()
    return out


def process_tree_peaks() -> dict[str, int]:
    """pid:command -> peak RSS in KiB, this process and its descendants."""
    peaks, todo = {}, [str(os.getpid())]
    while todo:
        pid = todo.pop()
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            peaks[f"{pid}:{comm}"] = _hwm_kib(pid)
            todo += _children(pid)
        except OSError:  # ended meanwhile
            continue
    return peaks


def main() -> None:
    out, script, *args = sys.argv[1:]
    sys.argv = [script, *args]
    sys.path.insert(0, str(Path(script).resolve().parent))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as done:
        if done.code not in (0, None):
            raise
    Path(out).write_text(json.dumps(process_tree_peaks()))


if __name__ == "__main__":
    main()
