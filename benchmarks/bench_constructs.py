#!/usr/bin/env python
"""Performance of the construct layer, as ratios against baselines measured in the same run
(never absolute timings, never in the test suite).

    .venv/bin/python benchmarks/bench_constructs.py [--n 200] [--repeat 5]

Benchmarks (best of --repeat runs each):
1. construct overhead: N DataWarehouseInstance constructs (validation + generated resource)
   vs N raw generated ``Instance`` resources with the same arguments. Target: ratio <= 1.5.
2. validation cost: N plain-Python validations of ClusterProps vs N cheap jsii calls
   (``Token.is_unresolved``). Target: ratio <= 0.5 (validation cheaper than one jsii call).
3. import cost: ``import dw_constructs.datawarehouse`` vs ``import cdktf`` in fresh interpreters.
   Target: ratio <= 0.2 (our package stays light; jsii starts on first construct).
4. synth memory: peak RSS synthesizing examples/replicated vs a process that only imports cdktf
   and the bindings. Target: ratio <= 1.5.
Exits non-zero when a target is missed, so `make bench` can gate a release.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_construct_overhead(n: int, repeat: int) -> dict:
    from cdktf import App, TerraformStack
    from dw_cdktf_provider_datawarehouse.instance import Instance

    from dw_constructs.datawarehouse import DataWarehouseInstance

    def raw():
        stack = TerraformStack(App(), "raw")
        for i in range(n):
            Instance(
                stack,
                f"i{i}",
                name=f"wh-{i}",
                storage_size_gb=100,
                replication_factor=1,
                plugins_enabled=["*"],
                operational_profile="Balanced",
            )

    def ours():
        stack = TerraformStack(App(), "ours")
        for i in range(n):
            DataWarehouseInstance(stack, f"i{i}", name=f"wh-{i}", storage_size_gb=100, prevent_destroy=False)

    base, measured = best(raw, repeat), best(ours, repeat)
    return {"baseline_s": base, "measured_s": measured, "ratio": measured / base, "target": 1.5}


def bench_validation(n: int, repeat: int) -> dict:
    from cdktf import Token

    from dw_constructs.datawarehouse.cluster_model import ClusterProps, ProviderEndpoint, validate_cluster

    props = ClusterProps(
        name="dw",
        mode="clustered",
        replicas=5,
        chart_values={"image": {"tag": "6.0.1"}},
        endpoint=ProviderEndpoint(host="dw.example.com", port=5432),
    )
    base = best(lambda: [Token.is_unresolved("x") for _ in range(n)], repeat)
    measured = best(lambda: [validate_cluster(props) for _ in range(n)], repeat)
    return {"baseline_s": base, "measured_s": measured, "ratio": measured / base, "target": 0.5}


def _run_python(code: str) -> float:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def bench_import(repeat: int) -> dict:
    timer = "import time; t=time.perf_counter(); import {m}; print(time.perf_counter()-t)"
    base = min(_run_python(timer.format(m="cdktf")) for _ in range(repeat))
    measured = min(_run_python(timer.format(m="dw_constructs.datawarehouse")) for _ in range(repeat))
    return {"baseline_s": base, "measured_s": measured, "ratio": measured / base, "target": 0.2}


#: Peak RSS (VmHWM, KiB) of this interpreter plus every process below it (the jsii runtime and its
#: node kernel, a grandchild), as benchmarks/apps/launch.py reads it.
_PEAK_RSS = (
    "import sys; sys.path.insert(0, 'benchmarks/apps'); from launch import process_tree_peaks\n"
    "print(sum(process_tree_peaks().values()))\n"
)


def bench_memory() -> dict:
    def rss(body: str) -> str:
        return f"import tempfile; {body}\n" + _PEAK_RSS

    base = _run_python(
        rss(
            "import cdktf, cdktf_cdktf_provider_helm, dw_cdktf_provider_datawarehouse; "
            "cdktf.App(outdir=tempfile.mkdtemp()).synth()"
        )
    )
    measured = _run_python(
        rss(
            "from cdktf import App; from examples.replicated.main import build; "
            "app = App(outdir=tempfile.mkdtemp()); build(app); app.synth()"
        )
    )
    return {"baseline_kib": base, "measured_kib": measured, "ratio": measured / base, "target": 1.5}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="dw-bench-")
    os.environ["TMPDIR"] = scratch  # synth outputs of the subprocesses land here and are removed
    try:
        results = _all(args)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(results, indent=2))
    missed = [k for k, r in results.items() if r["ratio"] > r["target"]]
    for k in missed:
        print(f"MISSED target: {k} ratio {results[k]['ratio']:.2f} > {results[k]['target']}", file=sys.stderr)
    return 1 if missed else 0


def _all(args) -> dict:
    return {
        "construct_overhead": bench_construct_overhead(args.n, args.repeat),
        "validation_vs_jsii_call": bench_validation(args.n, args.repeat),
        "import": bench_import(args.repeat),
        "synth_memory": bench_memory(),
    }


if __name__ == "__main__":
    sys.exit(main())
