#!/usr/bin/env python
"""Whole-process benchmarks: each app runs as its own ``python`` process, timed from start to exit,
with the peak memory of the process tree (python + the jsii node processes, each process's peak
resident set summed, as /usr/bin/time reports it per process). Three ways to the same Terraform JSON:

- ``ours``: dw_constructs (examples/cnpg_apply; benchmarks/apps/dw_clusters.py N);
- ``floor``: cdktf core only, every element recreated from ours' JSON with raw
  ``TerraformResource``/``TerraformProvider`` (benchmarks/apps/replay.py floor): the least cdktf
  costs for these resources;
- ``naive``: the same resources written with the prebuilt provider packages
  (``cdktf_cdktf_provider_kubernetes`` 12.1.1, ``cdktf_cdktf_provider_helm``) and our
  datawarehouse bindings (benchmarks/apps/replay.py naive): an app without dw_constructs.

Before measuring, the floor's and naive's JSON are checked against ours (identical, but for the
floor's ``"//"`` record of its overrides). Per workload: one warm-up of each app, then ``--runs``
rounds (ours, floor, naive interleaved so that load on the machine hits all three alike); medians
with min..max. Targets (issue 17), checked in the same run:

- CNPG apply example: time <= 1.3 x floor; peak memory <= 0.40 x naive (the naive app loads the
  prebuilt kubernetes package as dw_constructs itself did before: today's footprint);
- N DataWarehouseClusters (N in --sizes): time <= 1.1 x floor at every N; the chart stored once per
  stack (one asset directory in the output); per-resource cost flat: the marginal ms per resource
  of the last step (e.g. N 100 -> 1000) at most 1.25 x that of the step before (10 -> 100).

Writes benchmarks/RESULTS.md (latest results, machine description) and benchmarks/scaling.png
(time and memory against N); exits 1 when a target is missed.

    python benchmarks/bench_process.py [--runs 5] [--big-runs 2] [--sizes 1,10,100,1000]
                                       [--before DIR]   # also run ours from another checkout

``--before DIR`` runs ours from DIR too (e.g. ``git worktree``/``git archive`` of an older commit;
its examples and dw_constructs, this venv) and writes benchmarks/before.json, shown in RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
RESULTS = HERE / "RESULTS.md"
PLOT = HERE / "scaling.png"
BEFORE = HERE / "before.json"
VARIANTS = ("ours", "floor", "naive")

CNPG_TIME_TARGET = 1.3
CNPG_MEMORY_TARGET = 0.40
DW_TIME_TARGET = 1.1
FLAT_TARGET = 1.25
#: From this N on: --big-runs runs, the naive app once, no --before run.
BIG = 1000


@dataclass
class Sample:
    seconds: float
    peak_mib: float


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    def stat(self, attr: str) -> tuple[float, float, float]:
        values = [getattr(s, attr) for s in self.samples]
        return statistics.median(values), min(values), max(values)

    @property
    def seconds(self) -> float:
        return self.stat("seconds")[0]

    @property
    def peak_mib(self) -> float:
        return self.stat("peak_mib")[0]


@dataclass
class Workload:
    name: str
    n: int | None  # clusters (scaling series), None for the CNPG example
    resources: int = 0
    assets: int = 0
    series: dict[str, Series] = field(default_factory=lambda: {v: Series() for v in VARIANTS})


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Warm caches include Python's bytecode cache, as in any installed package (pip compiles on
    # install): the warm-up run writes __pycache__ for the checkout's own modules (dw_constructs,
    # examples, benchmarks/apps). With PYTHONDONTWRITEBYTECODE (set on some machines) every run
    # would compile them from source again, about 60 ms of CPU for ours and nearly nothing for the
    # floor, whose modules are all in site-packages (compiled at install).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    env.setdefault("CHECKPOINT_DISABLE", "1")
    return env


def run_app(script: Path, args: list[str], outdir: Path, cwd: Path = ROOT) -> Sample:
    """One whole process: ``python launch.py PEAK script args`` (see apps/launch.py), in the tree
    ``cwd`` (its dw_constructs and examples)."""
    peak_file = outdir.with_suffix(".peak.json")
    env = {**_env(), "CDKTF_OUTDIR": str(outdir), "DW_BENCH_TREE": str(cwd)}
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(APPS / "launch.py"), str(peak_file), str(script), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{script.name} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    peaks = json.loads(peak_file.read_text())
    return Sample(seconds=seconds, peak_mib=sum(peaks.values()) / 1024)


def _stack_json(outdir: Path, stack: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((outdir / "stacks" / stack / "cdk.tf.json").read_text())
    return doc


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """The JSON without the floor's record of its overrides (a ``"//"`` comment Terraform ignores)."""
    doc = json.loads(json.dumps(doc))
    doc.get("//", {}).get("metadata", {}).pop("overrides", None)
    return doc


class Bench:
    def __init__(self, scratch: Path, runs: int, big_runs: int, before: Path | None) -> None:
        self.scratch = scratch
        self.runs = runs
        self.big_runs = big_runs
        self.before = before
        self.count = 0

    def outdir(self) -> Path:
        self.count += 1
        path = self.scratch / f"out{self.count}"
        return path

    def commands(self, w: Workload, spec: Path) -> dict[str, tuple[Path, list[str], Path]]:
        ours: tuple[Path, list[str], Path]
        if w.n is None:
            ours = (ROOT / "examples" / "cnpg_apply" / "main.py", [], ROOT)
        else:
            ours = (APPS / "dw_clusters.py", [str(w.n)], ROOT)
        cmds = {
            "ours": ours,
            "floor": (APPS / "replay.py", ["floor", str(spec)], ROOT),
            "naive": (APPS / "replay.py", ["naive", str(spec)], ROOT),
        }
        if (w.n or 0) >= BIG:  # minutes per run (a `terraform version` process per terraform_data): once
            del cmds["naive"]
        if self.before is not None and (w.n or 0) < BIG:  # before: O(N^2), ~30 min at N=1000
            script = self.before / "examples" / "cnpg_apply" / "main.py" if w.n is None else APPS / "dw_clusters.py"
            cmds["before"] = (script, ours[1], self.before)
        return cmds

    def prepare(self, w: Workload) -> Path:
        """Warm-up run of ours (also writes the replay spec), checked replays of it."""
        out = self.outdir()
        spec = self.scratch / f"spec-{w.name}.json"
        stack = "cnpg-apply" if w.n is None else "dw-clusters"
        if w.n is None:
            run_app(ROOT / "examples" / "cnpg_apply" / "main.py", [], out)
            desc: dict[str, Any] = {"stack": stack, "assets": []}
        else:
            run_app(APPS / "dw_clusters.py", [str(w.n), "--describe", str(spec)], out)
            desc = json.loads(spec.read_text())
        desc["json"] = str(out / "stacks" / stack / "cdk.tf.json")
        spec.write_text(json.dumps(desc))
        ours = _stack_json(out, stack)
        w.resources = sum(len(items) for section in ("resource", "data") for items in ours.get(section, {}).values())
        assets = out / "stacks" / stack / "assets"
        w.assets = sum(1 for _ in assets.iterdir()) if assets.is_dir() else 0
        for variant in ("floor", "naive"):
            replay = self.outdir()
            sample = run_app(APPS / "replay.py", [variant, str(spec)], replay)  # warm-up too
            if _comparable(_stack_json(replay, stack)) != _comparable(ours):
                raise SystemExit(f"{w.name}: the {variant} app does not synthesize ours' JSON; comparison void")
            if variant == "naive" and (w.n or 0) >= BIG:
                w.series["naive"].samples.append(sample)  # its only run (see commands)
            shutil.rmtree(replay, ignore_errors=True)
        cmds = self.commands(w, spec)
        if "before" in cmds:
            script, args, cwd = cmds["before"]
            run_app(script, args, self.outdir(), cwd=cwd)
        return spec

    def measure(self, w: Workload) -> None:
        spec = self.prepare(w)
        cmds = self.commands(w, spec)
        if "before" in cmds:
            w.series["before"] = Series()
        runs = self.big_runs if (w.n or 0) >= BIG else self.runs
        for _ in range(runs):
            for variant, (script, args, cwd) in cmds.items():
                out = self.outdir()
                w.series[variant].samples.append(run_app(script, args, out, cwd=cwd))
                shutil.rmtree(out, ignore_errors=True)
        print(
            f"  {w.name}: " + ", ".join(f"{v} {s.seconds:.2f} s {s.peak_mib:.0f} MiB" for v, s in w.series.items()),
            flush=True,
        )


# --- report ---------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kib = int(
            next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")).split()[1]
        )
        mem = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass

    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[0]
        except (OSError, subprocess.CalledProcessError, IndexError):
            return "unknown"

    from importlib.metadata import version as dist_version

    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "node": version(["node", "--version"]),
        "cdktf": dist_version("cdktf"),
        "jsii": dist_version("jsii"),
    }


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def targets(cnpg: Workload, series: list[Workload]) -> list[tuple[str, float, float, bool]]:
    """(what, measured, target, met)."""
    out = []
    c = cnpg.series
    out.append(("CNPG apply: time ours / floor", ratio(c["ours"].seconds, c["floor"].seconds), CNPG_TIME_TARGET))
    out.append(
        (
            "CNPG apply: peak memory ours / naive (today's footprint)",
            ratio(c["ours"].peak_mib, c["naive"].peak_mib),
            CNPG_MEMORY_TARGET,
        )
    )
    for w in series:
        s = w.series
        out.append((f"DW N={w.n}: time ours / floor", ratio(s["ours"].seconds, s["floor"].seconds), DW_TIME_TARGET))
        out.append((f"DW N={w.n}: chart asset directories in the stack", float(w.assets), 1.0))
    slopes = marginal_slopes(series)
    if len(slopes) >= 2:
        (_, lo), (label, hi) = slopes[-2], slopes[-1]
        out.append(
            (f"DW per-resource cost flat: marginal ms/resource {label} vs the step before", ratio(hi, lo), FLAT_TARGET)
        )
    return [(what, value, target, value <= target) for what, value, target in out]


#: What an app of DataWarehouseClusters loads that the floor does not: our package and the four
#: generated binding packages the cluster's resources come from.
LOADED_BEYOND_FLOOR = (
    "dw_constructs.datawarehouse.cluster",
    "dw_cdktf_provider_kubernetes",
    "dw_cdktf_provider_helm",
    "dw_cdktf_provider_terraform",
    "dw_cdktf_provider_datawarehouse",
)


def loading_ms(runs: int = 7) -> tuple[float, float, float]:
    """Import time (ms; median, min, max over fresh interpreters after one warm-up) of
    ``LOADED_BEYOND_FLOOR`` once cdktf is loaded: Python modules and the jsii assembly loads into
    node, before any construct exists. Part of the fixed cost that bounds ours / floor at N=1."""
    code = (
        "import time, cdktf\n"
        "t = time.perf_counter()\n"
        f"import {', '.join(LOADED_BEYOND_FLOOR)}\n"
        "print(1000 * (time.perf_counter() - t))\n"
    )
    found = []
    for i in range(runs + 1):
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True, check=True
        ).stdout
        if i:  # the first: warm-up (bytecode cache)
            found.append(float(out))
    return statistics.median(found), min(found), max(found)


def marginal_slopes(series: list[Workload]) -> list[tuple[str, float]]:
    """Marginal ms per resource between consecutive sizes (ours)."""
    out = []
    for a, b in zip(series, series[1:], strict=False):
        dt = b.series["ours"].seconds - a.series["ours"].seconds
        out.append((f"N {a.n}->{b.n}", 1000 * dt / max(1, b.resources - a.resources)))
    return out


def fmt(series: Series, attr: str, unit: str, digits: int) -> str:
    med, lo, hi = series.stat(attr)
    return f"{med:.{digits}f} {unit} ({lo:.{digits}f}..{hi:.{digits}f})"


def report(
    cnpg: Workload,
    series: list[Workload],
    results: list[tuple[str, float, float, bool]],
    info: dict[str, Any],
    before: dict[str, Any] | None,
    loading: tuple[float, float, float] | None = None,
) -> str:
    lines = [
        "# Benchmark results (latest run)",
        "",
        "Written by `make bench` (`benchmarks/bench_process.py`); whole processes, medians with min..max of "
        f"{info['runs']} runs ({info['big_runs']} at N >= {BIG}, the naive app once there) after one warm-up "
        "each (which also writes Python's bytecode cache, even where PYTHONDONTWRITEBYTECODE is set: warm caches as "
        "in any installed package). Time: wall clock from "
        "process start to exit. Memory: peak resident set of each process of the tree (python and the two node "
        "processes of the jsii runtime), summed. `floor`: cdktf core (raw `TerraformResource` etc.) for the same "
        "resources; `naive`: the same resources with the prebuilt provider packages. Every app synthesizes the same "
        "JSON (checked).",
        "",
        f"- date: {info['date']}, duration {info['duration_s'] / 60:.1f} min",
        *(f"- {k}: {v}" for k, v in info["machine"].items()),
        f"- load average before / after: {info['load_before']} / {info['load_after']} (a shared machine: see the "
        "spread)",
        "",
        "## Targets (issue 17)",
        "",
        "| target | measured | limit | met |",
        "|---|---|---|---|",
        *(
            f"| {what} | {value:.2f} | {target:.2f} | {'yes' if ok else '**no**'} |"
            for what, value, target, ok in results
        ),
        "",
        "## CNPG apply example (`examples/cnpg_apply`)",
        "",
        "| app | time | peak memory | time / floor | memory / naive |",
        "|---|---|---|---|---|",
    ]
    c = cnpg.series
    for v, s in c.items():
        lines.append(
            f"| {v} | {fmt(s, 'seconds', 's', 2)} | {fmt(s, 'peak_mib', 'MiB', 0)} | "
            f"{ratio(s.seconds, c['floor'].seconds):.2f} | {ratio(s.peak_mib, c['naive'].peak_mib):.2f} |"
        )
    lines += [
        "",
        f"{cnpg.resources} resources and data sources.",
        "",
        "## N DataWarehouseClusters in one stack (`benchmarks/apps/dw_clusters.py N`)",
        "",
        "| N | resources | app | time | peak memory | time / floor | ms per resource |",
        "|---|---|---|---|---|---|---|",
    ]
    for w in series:
        for v, s in w.series.items():
            lines.append(
                f"| {w.n} | {w.resources} | {v} | {fmt(s, 'seconds', 's', 2)} | {fmt(s, 'peak_mib', 'MiB', 0)}"
                f" | {ratio(s.seconds, w.series['floor'].seconds):.2f} | "
                f"{1000 * s.seconds / max(1, w.resources):.2f} |"
            )
    lines += [
        "",
        "Marginal cost of ours (ms per added resource): "
        + ", ".join(f"{label}: {ms:.2f}" for label, ms in marginal_slopes(series))
        + ".",
        "",
    ]
    first = series[0] if series else None
    if first is not None and first.n == 1 and loading is not None:
        fixed = 1000 * (first.series["ours"].seconds - first.series["floor"].seconds)
        allowed = 1000 * (DW_TIME_TARGET - 1) * first.series["floor"].seconds
        med, lo, hi = loading
        lines += [
            "Fixed cost at N=1: ours takes "
            f"{fixed:.0f} ms more than the floor, where the {DW_TIME_TARGET}x target allows {allowed:.0f} ms. "
            f"Loading what ours needs beyond the floor, before any construct exists, takes {med:.0f} ms "
            f"({lo:.0f}..{hi:.0f}; import after `import cdktf`, fresh interpreters): "
            + ", ".join(f"`{m}`" for m in LOADED_BEYOND_FLOOR)
            + " (Python modules and their jsii assemblies; node compiles their JavaScript on first use "
            "too). Per cluster ours costs less than the floor (which sets every attribute with its own "
            "jsii call): the ratio falls as N grows.",
            "",
        ]
    lines += [
        "Chart asset directories in ours' output: " + ", ".join(f"N={w.n}: {w.assets}" for w in series) + ".",
        "",
        f"![time and memory against N]({PLOT.name})",
        "",
    ]
    if before:
        lines += [
            "## Before (dw_constructs with the prebuilt kubernetes package, per-cluster chart copies)",
            "",
            f"Measured {before['date']} with `--before` on: {before['machine']['cpu']}; same method.",
            "",
            "| workload | time | peak memory |",
            "|---|---|---|",
        ]
        for name, row in before["rows"].items():
            lines.append(
                f"| {name} | {row['seconds']:.2f} s ({row['min_s']:.2f}..{row['max_s']:.2f}) | "
                f"{row['peak_mib']:.0f} MiB |"
            )
        lines.append("")
    return "\n".join(lines)


def plot(series: list[Workload]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(11, 4.2))
    variants = dict.fromkeys(v for w in series for v, s in w.series.items() if s.samples)
    for v in variants:
        measured = [w for w in series if v in w.series and w.series[v].samples]  # before: not at N=1000
        ns = [w.n for w in measured]
        for ax, attr, label in ((ax_t, "seconds", "time (s)"), (ax_m, "peak_mib", "peak memory (MiB)")):
            stats = [w.series[v].stat(attr) for w in measured]
            med = [s[0] for s in stats]
            err = [[s[0] - s[1] for s in stats], [s[2] - s[0] for s in stats]]
            ax.errorbar(ns, med, yerr=err, marker="o", capsize=3, label=v)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("DataWarehouseClusters in the stack (N)")
            ax.set_ylabel(label)
            ax.grid(True, which="both", alpha=0.3)
    ax_t.set_title("whole-process time (median, min..max)")
    ax_m.set_title("peak memory, python + node")
    ax_t.legend()
    fig.tight_layout()
    fig.savefig(PLOT, dpi=110)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="measured runs per app (after one warm-up)")
    ap.add_argument("--big-runs", type=int, default=2, help="measured runs per app at N >= 1000")
    ap.add_argument("--sizes", default="1,10,100,1000", help="N of the DataWarehouseCluster series")
    ap.add_argument("--before", type=Path, help="also run ours from this checkout (writes benchmarks/before.json)")
    ap.add_argument("--no-write", action="store_true", help="print only: keep RESULTS.md and the plot")
    args = ap.parse_args(argv)
    start = time.time()
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    scratch = Path(tempfile.mkdtemp(prefix="dw-bench-"))
    bench = Bench(scratch, args.runs, args.big_runs, args.before.resolve() if args.before else None)
    try:
        print("CNPG apply example", flush=True)
        cnpg = Workload("cnpg_apply", None)
        bench.measure(cnpg)
        series = []
        for n in (int(x) for x in args.sizes.split(",")):
            print(f"{n} DataWarehouseClusters", flush=True)
            w = Workload(f"dw_{n}", n)
            bench.measure(w)
            series.append(w)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    results = targets(cnpg, series)
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "duration_s": time.time() - start,
        "machine": machine(),
        "runs": args.runs,
        "big_runs": args.big_runs,
        "load_before": load_before,
        "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    before = None
    if args.before:
        rows = {}
        for w in [cnpg, *series]:
            if "before" not in w.series:  # not at N >= BIG: O(N^2), about 30 minutes at N=1000
                continue
            med, lo, hi = w.series["before"].stat("seconds")
            rows[w.name] = {"seconds": med, "min_s": lo, "max_s": hi, "peak_mib": w.series["before"].peak_mib}
        before = {"date": info["date"], "machine": info["machine"], "rows": rows}
        if not args.no_write:
            BEFORE.write_text(json.dumps(before, indent=1) + "\n")
    elif BEFORE.exists():
        before = json.loads(BEFORE.read_text())
    loading = loading_ms() if series and series[0].n == 1 else None
    text = report(cnpg, series, results, info, before, loading)
    print("\n" + text)
    if not args.no_write:
        RESULTS.write_text(text)
        plot(series)
        print(f"\nwrote {RESULTS.relative_to(ROOT)} and {PLOT.relative_to(ROOT)}")
    missed = [r for r in results if not r[3]]
    for what, value, target, _ in missed:
        print(f"MISSED target: {what}: {value:.2f} > {target:.2f}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
