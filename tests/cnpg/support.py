"""Helpers shared by the CNPG tests (plain Python)."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.support.toolchain import pinned_versions

#: Values a credential field may hold: a Terraform reference, an ESO template, a Flux variable.
_ALLOWED_SECRET_VALUE = re.compile(r"^(\$\{var\.[a-z0-9_]+\}|\$\$?\{[A-Z0-9_]+\}|\{\{ \.[A-Za-z_]+ \}\})$")
#: Keys whose values are credentials wherever they appear.
SECRET_KEYS = {"password", "ACCESS_KEY_ID", "ACCESS_SECRET_KEY", "access_key_id", "secret_access_key"}
#: Strings our tests feed in as "the secret": none may ever appear in an output.
SENTINELS = ("hunter2", "AKIAEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG")


def walk(obj: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk(v, f"{path}[{i}]")
    else:
        yield path, obj


def literal_secrets(obj: Any) -> list[str]:
    """Paths of credential-looking fields whose value is not a reference/template/variable."""
    bad = []
    for path, value in walk(obj):
        key = re.split(r"[.\[]", path)[-1]
        # the ExternalSecret's remoteRef.property / secretKey name the field, they are not values
        if (
            key in SECRET_KEYS
            and isinstance(value, str)
            and not _ALLOWED_SECRET_VALUE.match(value)
            and not re.search(r"(remoteRef\.property|secretKey)$", path)
        ):
            bad.append(f"{path}={value!r}")
    return bad


# -- upstream chart archives (air-gapped chart sources) ---------------------------------------------

#: Where the pinned upstream chart archives are: $DW_UPSTREAM_CHARTS, else ../shared/upstream/charts
#: beside the repository (CI always has it there).
_ROOT = Path(__file__).resolve().parents[2]
CHART_ARCHIVES = {
    "cloudnative-pg": ("cloudnative-pg-0.29.0.tgz", "CNPG_CHART_ARCHIVE_SHA256"),
    "plugin-barman-cloud": ("plugin-barman-cloud-0.7.0.tgz", "BARMAN_PLUGIN_CHART_ARCHIVE_SHA256"),
}


def chart_archive(chart: str) -> Path:
    """The upstream archive of ``chart``, checked against its sha256 in tools/versions.env. Fails
    (never skips) when it is missing: CI always has ../shared beside the repository."""
    name, sha_key = CHART_ARCHIVES[chart]
    base = Path(os.environ.get("DW_UPSTREAM_CHARTS") or _ROOT.parent / "shared" / "upstream" / "charts")
    path = base / name
    assert path.is_file(), f"chart archive {path} is missing (set DW_UPSTREAM_CHARTS or provide ../shared)"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == pinned_versions()[sha_key], f"{path}: sha256 {digest} is not the pinned {sha_key}"
    return path


# -- Flux bootstrap order (render mode) ---------------------------------------------------------------


def chart_crd_groups(tools) -> dict[str, set[str]]:
    """Chart name -> API groups of the CRDs the pinned upstream chart installs, as the real helm
    renders its ``templates/crds`` (an oracle independent of our code)."""
    import yaml

    out = {}
    for chart in CHART_ARCHIVES:
        res = tools.run(
            tools.helm,
            "template",
            chart,
            chart_archive(chart),
            "--show-only",
            "templates/crds/crds.yaml",
            "--kube-version",
            "1.34.0",
            check=False,
        )
        assert res.returncode == 0, res.stderr
        out[chart] = {
            d["spec"]["group"]
            for d in yaml.safe_load_all(res.stdout)
            if d and d.get("kind") == "CustomResourceDefinition"
        }
        assert out[chart], f"{chart}: no CRDs rendered"
    return out


def flux_reconcile_order(kustomizations: list[dict]) -> list[dict]:
    """Flux Kustomizations in an order Flux can reconcile them: each after every one it ``dependsOn``
    (names not in the list are preconditions). Fails on a cycle."""
    by_name = {k["metadata"]["name"]: k for k in kustomizations}
    done: list[str] = []
    while len(done) < len(by_name):
        ready = [
            n
            for n, k in by_name.items()
            if n not in done and all(d["name"] in done for d in k["spec"].get("dependsOn", []) if d["name"] in by_name)
        ]
        assert ready, f"dependsOn cycle among {sorted(set(by_name) - set(done))}"
        done.append(ready[0])
    return [by_name[n] for n in done]


def _ancestors(name: str, by_name: dict[str, dict]) -> set[str]:
    out: set[str] = set()
    todo = [d["name"] for d in by_name[name]["spec"].get("dependsOn", [])]
    while todo:
        n = todo.pop()
        if n not in out:
            out.add(n)
            todo += [d["name"] for d in by_name.get(n, {}).get("spec", {}).get("dependsOn", [])]
    return out


def fresh_cluster_problems(steps: list[tuple[dict, list[dict]]], chart_groups: dict[str, set[str]]) -> list[str]:
    """What fails when Flux reconciles ``steps`` -- (Flux Kustomization, the objects of its folder), in
    reconcile order -- on a cluster without the CRDs our charts install. Flux dry-runs a folder's
    objects as a whole before applying any, so an object of such a group needs the HelmRelease of
    the chart that installs it in a Kustomization this one (transitively) ``dependsOn``, health-checked
    there (``dependsOn`` waits for Ready; Ready includes the health checks, not the chart install
    otherwise)."""
    provided = set().union(*chart_groups.values())
    by_name = {k["metadata"]["name"]: k for k, _ in steps}
    installer: dict[str, str] = {}  # API group -> the Kustomization whose health checks cover its chart
    problems = []
    for ks, objs in steps:
        name = ks["metadata"]["name"]
        before = _ancestors(name, by_name)
        for o in objs:
            group = o["apiVersion"].rpartition("/")[0]
            if group in provided and installer.get(group) not in before:
                problems.append(
                    f"{name}: {o['kind']} {o['metadata']['name']} needs the {group} CRD, not installed by "
                    "a Kustomization it depends on"
                )
        spec = ks["spec"]
        checked = {(h["kind"], h.get("namespace"), h["name"]) for h in spec.get("healthChecks", [])}
        for o in objs:
            meta = o["metadata"]
            if o["kind"] == "HelmRelease" and (
                spec.get("wait") or ("HelmRelease", meta.get("namespace"), meta["name"]) in checked
            ):
                for group in chart_groups.get(o["spec"]["chart"]["spec"]["chart"], ()):
                    installer.setdefault(group, name)
    return problems


# -- the scheduler CloudNativePG runs (an oracle for the cron validator) --------------------------------

#: A tiny Go program around the cron parsers. CloudNativePG's ScheduledBackup webhook and controller
#: (internal/webhook/v1/scheduledbackup_webhook.go, internal/controller/scheduledbackup_controller.go)
#: call ``cron.Parse`` of github.com/robfig/cron v1.2.0 (its go.mod): seconds first, day-of-week
#: optional, descriptors. The webhook warns unless the schedule has 6 fields; the controller refuses
#: a schedule that never fires ("No time satisfying the schedule"). robfig/cron v3 with seconds is
#: reported too, for comparison.
CRON_ORACLE_GO = """package main

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"time"

	cronv1 "github.com/robfig/cron"
	cronv3 "github.com/robfig/cron/v3"
)

func cnpg(expr string) (ok bool, fires bool) {
	defer func() {
		if recover() != nil {
			ok, fires = false, false
		}
	}()
	s, err := cronv1.Parse(expr)
	if err != nil {
		return false, false
	}
	return true, !s.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero()
}

func main() {
	p3 := cronv3.NewParser(cronv3.Second | cronv3.Minute | cronv3.Hour | cronv3.Dom | cronv3.Month | cronv3.Dow |
		cronv3.Descriptor)
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var expr string
		if err := json.Unmarshal(in.Bytes(), &expr); err != nil {
			panic(err)
		}
		ok, fires := cnpg(expr)
		_, e3 := p3.Parse(expr)
		out.Encode(map[string]any{"expr": expr, "cnpg": ok, "fires": fires, "fields": len(strings.Fields(expr)),
			"v3": e3 == nil})
	}
}
"""
CRON_ORACLE_MOD = """module example.invalid/dw-constructs-cron-oracle

go 1.21

require (
	github.com/robfig/cron v1.2.0
	github.com/robfig/cron/v3 v3.0.1
)
"""


def cron_oracle() -> Path:
    """The oracle binary, built with ``go build`` (modules from the Go module proxy, or the module
    cache) into ``~/.cache/dw-constructs/oracles/cron-<hash>`` once per source version."""
    import shutil
    import subprocess

    go = shutil.which("go")
    assert go, "Go is needed to build the cron oracle (it is part of the toolchain: see README)"
    key = hashlib.sha256((CRON_ORACLE_GO + CRON_ORACLE_MOD).encode()).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dw-constructs" / "oracles"
    binary = base / f"cron-{key}" / "cron-oracle"
    if binary.is_file():
        return binary
    work = base / f"cron-{key}.src"
    work.mkdir(parents=True, exist_ok=True)
    (work / "main.go").write_text(CRON_ORACLE_GO)
    (work / "go.mod").write_text(CRON_ORACLE_MOD)
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}
    res = subprocess.run(
        [go, "build", "-o", str(binary.parent / "cron-oracle.tmp"), "."],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, f"building the cron oracle failed:\n{res.stdout}\n{res.stderr}"
    (binary.parent / "cron-oracle.tmp").replace(binary)
    return binary


def cron_verdicts(expressions: list[str]) -> dict[str, dict[str, Any]]:
    """The oracle's verdict on each expression: ``cnpg`` (CloudNativePG parses it), ``fields``,
    ``fires`` and ``v3``."""
    import json
    import subprocess

    res = subprocess.run(
        [str(cron_oracle())],
        input="".join(json.dumps(e) + "\n" for e in expressions),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    verdicts = [json.loads(line) for line in res.stdout.splitlines()]
    assert [v["expr"] for v in verdicts] == expressions
    return {v["expr"]: v for v in verdicts}
