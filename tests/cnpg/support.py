"""Helpers shared by the CNPG tests (plain Python)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Iterator

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
        if key in SECRET_KEYS and isinstance(value, str) and not _ALLOWED_SECRET_VALUE.match(value):
            # the ExternalSecret's remoteRef.property / secretKey name the field, they are not values
            if not re.search(r"(remoteRef\.property|secretKey)$", path):
                bad.append(f"{path}={value!r}")
    return bad


# -- upstream chart archives (air-gapped chart sources) ---------------------------------------------

#: Where the pinned upstream chart archives are: $DW_UPSTREAM_CHARTS, else ../shared/upstream/charts
#: beside the repository (CI always has it there).
_ROOT = Path(__file__).resolve().parents[2]
CHART_ARCHIVES = {"cloudnative-pg": ("cloudnative-pg-0.29.0.tgz", "CNPG_CHART_ARCHIVE_SHA256"),
                  "plugin-barman-cloud": ("plugin-barman-cloud-0.7.0.tgz", "BARMAN_PLUGIN_CHART_ARCHIVE_SHA256")}


def _versions_env() -> dict[str, str]:
    out = {}
    for line in (_ROOT / "tools" / "versions.env").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def chart_archive(chart: str) -> Path:
    """The upstream archive of ``chart``, checked against its sha256 in tools/versions.env. Fails
    (never skips) when it is missing: CI always has ../shared beside the repository."""
    name, sha_key = CHART_ARCHIVES[chart]
    base = Path(os.environ.get("DW_UPSTREAM_CHARTS") or _ROOT.parent / "shared" / "upstream" / "charts")
    path = base / name
    assert path.is_file(), f"chart archive {path} is missing (set DW_UPSTREAM_CHARTS or provide ../shared)"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == _versions_env()[sha_key], f"{path}: sha256 {digest} is not the pinned {sha_key}"
    return path


# -- Flux bootstrap order (render mode) ---------------------------------------------------------------


def chart_crd_groups(tools) -> dict[str, set[str]]:
    """Chart name -> API groups of the CRDs the pinned upstream chart installs, as the real helm
    renders its ``templates/crds`` (an oracle independent of our code)."""
    import yaml

    out = {}
    for chart in CHART_ARCHIVES:
        res = tools.run(tools.helm, "template", chart, chart_archive(chart), "--show-only", "templates/crds/crds.yaml",
                        "--kube-version", "1.34.0", check=False)
        assert res.returncode == 0, res.stderr
        out[chart] = {d["spec"]["group"] for d in yaml.safe_load_all(res.stdout)
                      if d and d.get("kind") == "CustomResourceDefinition"}
        assert out[chart], f"{chart}: no CRDs rendered"
    return out


def flux_reconcile_order(kustomizations: list[dict]) -> list[dict]:
    """Flux Kustomizations in an order Flux can reconcile them: each after every one it ``dependsOn``
    (names not in the list are preconditions). Fails on a cycle."""
    by_name = {k["metadata"]["name"]: k for k in kustomizations}
    done: list[str] = []
    while len(done) < len(by_name):
        ready = [n for n, k in by_name.items() if n not in done
                 and all(d["name"] in done for d in k["spec"].get("dependsOn", []) if d["name"] in by_name)]
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
                problems.append(f"{name}: {o['kind']} {o['metadata']['name']} needs the {group} CRD, not installed by "
                                "a Kustomization it depends on")
        spec = ks["spec"]
        checked = {(h["kind"], h.get("namespace"), h["name"]) for h in spec.get("healthChecks", [])}
        for o in objs:
            meta = o["metadata"]
            if o["kind"] == "HelmRelease" and (spec.get("wait") or ("HelmRelease", meta.get("namespace"),
                                                                     meta["name"]) in checked):
                for group in chart_groups.get(o["spec"]["chart"]["spec"]["chart"], ()):
                    installer.setdefault(group, name)
    return problems
