"""Our datawarehouse provider (tools/dwprovider) previews offline: real OpenTofu, the provider from
the real mirror, plans from the schema and its sidecar. Expected values come from
``schema.meta.json`` and ``schema.json`` (defaults, force_new, computed), never from the Go code;
OpenTofu's own log says which planned values it tolerated and why. Apply, import, refresh and data
source reads fail with a clear error and change nothing in state.

The last tests build the same Go sources with a synthetic schema (nested blocks and nested
attributes in list, set and map nesting) to show that planning is schema-driven, not written for
today's resources."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DIR = ROOT / "provider-bindings" / "datawarehouse"
SCHEMA_DOC = json.loads((DIR / "schema.json").read_text())
META = json.loads((DIR / "schema.meta.json").read_text())
((_SCHEMA_SOURCE, PROVIDER_SCHEMA),) = SCHEMA_DOC["provider_schemas"].items()
SOURCE = _SCHEMA_SOURCE.split("/", 1)[1]  # namespace/type, as a configuration writes it
PINS = dict(
    line.split("=", 1)
    for line in (ROOT / "tools" / "versions.env").read_text().splitlines()
    if line and not line.startswith("#")
)
VERSION = PINS["DW_PROVIDER_VERSION"]
#: The provider address OpenTofu records in state for `source = "datawarehouse/datawarehouse"`.
STATE_PROVIDER = f'provider["registry.opentofu.org/{SOURCE}"]'
UNREACHABLE = "No DataWarehouse admin API is reachable"


def resource_schema(rtype: str) -> dict:
    return PROVIDER_SCHEMA["resource_schemas"][rtype]["block"]


def resource_meta(rtype: str) -> dict:
    return META["resource_schemas"].get(rtype, {})


def is_ref(v) -> bool:
    """A reference to another resource's attribute: unknown until that resource is applied."""
    return isinstance(v, str) and v.startswith("${") and not v.startswith("${var.")


def resolved(v):
    """A configured value as OpenTofu evaluates it (variables come from TF_VAR_*)."""
    if isinstance(v, str) and v.startswith("${var."):
        return PASSWORDS["TF_VAR_" + v[len("${var.") : -1]]
    return v


# --- running tofu ------------------------------------------------------------------------------


class Tofu:
    """tofu in one working directory, with the toolchain's environment (CLI config naming only the
    mirror); ``env`` overrides it (the synthetic-schema tests use their own mirror)."""

    def __init__(self, tools, workdir: Path, env: dict[str, str] | None = None):
        self.tools, self.dir = tools, workdir
        self.env = {**os.environ, **tools.env, "TF_IN_AUTOMATION": "1", **(env or {})}

    def run(self, *args: str, log: Path | None = None) -> subprocess.CompletedProcess:
        env = dict(self.env)
        if log is not None:
            env.update(TF_LOG="WARN", TF_LOG_PATH=str(log))
        return subprocess.run([str(self.tools.tofu), *args], cwd=self.dir, env=env, capture_output=True, text=True)

    def ok(self, *args: str, **kw) -> subprocess.CompletedProcess:
        res = self.run(*args, **kw)
        assert res.returncode == 0, (
            f"tofu {' '.join(args)} -> {res.returncode}\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}"
        )
        return res

    def write(self, config: dict, state: dict | None = None) -> None:
        (self.dir / "main.tf.json").write_text(json.dumps(config, indent=1))
        if state is not None:
            (self.dir / "terraform.tfstate").write_text(json.dumps(state, indent=1))

    def init(self) -> None:
        self.ok("init", "-backend=false", "-input=false", "-no-color")

    def plan_json(self, *args: str, log: Path | None = None) -> dict:
        """`tofu plan -refresh=false -out` then `tofu show -json` of that plan."""
        self.ok("plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin", *args, log=log)
        return json.loads(self.ok("show", "-json", "plan.bin").stdout)

    def state_resources(self) -> list:
        """The resources recorded in the local state (empty when there is no state file)."""
        f = self.dir / "terraform.tfstate"
        if not f.exists():
            return []
        return sorted(json.loads(f.read_text()).get("resources", []), key=lambda r: (r["type"], r["name"]))


def changes(plan: dict) -> dict:
    return {rc["address"]: rc for rc in plan["resource_changes"]}


# --- configuration and state documents -----------------------------------------------------------


def dw_config(resources: dict, data: dict | None = None) -> dict:
    cfg = {
        "terraform": {"required_providers": {"datawarehouse": {"source": SOURCE, "version": VERSION}}},
        "variable": {
            "admin_password": {"type": "string", "sensitive": True},
            "analyst_password": {"type": "string", "sensitive": True},
        },
        "provider": {
            "datawarehouse": {
                "host": "datawarehouse.example.internal",
                "username": "admin",
                "password": "${var.admin_password}",
            }
        },
    }
    if resources:
        cfg["resource"] = resources
    if data:
        cfg["data"] = data
    return cfg


INSTANCE = {"name": "analytics", "storage_size_gb": 100}
VDE = {"instance_id": "${datawarehouse_instance.main.id}", "name": "finance"}
USER = {
    "instance_id": "${datawarehouse_instance.main.id}",
    "username": "analyst",
    "password": "${var.analyst_password}",
}
PASSWORDS = {"TF_VAR_admin_password": "admin-pw-for-tests", "TF_VAR_analyst_password": "analyst-pw-for-tests"}


def stored(rtype: str, config: dict, ids: dict) -> dict:
    """The attributes a real apply of ``config`` would have stored: every schema attribute, the
    configured value, else the sidecar's default, else the given server-assigned value, else null."""
    meta = resource_meta(rtype)
    out = {}
    for name in resource_schema(rtype)["attributes"]:
        if name in ids:
            out[name] = ids[name]
        elif name in config:
            out[name] = config[name]
        else:
            out[name] = meta.get(name, {}).get("default")
    return out


def state_doc(*resources: tuple[str, str, dict]) -> dict:
    return {
        "version": 4,
        "terraform_version": PINS["TOFU_VERSION"],
        "serial": 7,
        "lineage": "5d7c6a0e-2c1b-4f7e-9a51-0f3d2b8c4e11",
        "outputs": {},
        "resources": [
            {
                "mode": "managed",
                "type": rtype,
                "name": name,
                "provider": STATE_PROVIDER,
                "instances": [{"schema_version": 0, "attributes": attrs, "sensitive_attributes": []}],
            }
            for rtype, name, attrs in resources
        ],
    }


PRIOR_INSTANCE = stored("datawarehouse_instance", INSTANCE, {"id": "inst-1", "version": "7.1.0"})
PRIOR_VDE = stored("datawarehouse_vde", {**VDE, "instance_id": "inst-1"}, {"id": "vde-1"})


def prior_state() -> dict:
    return state_doc(("datawarehouse_instance", "main", PRIOR_INSTANCE), ("datawarehouse_vde", "finance", PRIOR_VDE))


@pytest.fixture
def tofu(tools, tmp_path) -> Tofu:
    t = Tofu(tools, tmp_path, PASSWORDS)
    t.write(dw_config({}))
    t.init()
    return t


# --- what the plan should hold, from the schema and the sidecar ----------------------------------


def expected_plan(block: dict, meta: dict, config: dict, after: dict, after_unknown: dict, path: str = "") -> list[str]:
    """Differences between a planned create and the schema + sidecar: configured values kept
    (references unknown), defaults of unset attributes from the sidecar, computed attributes
    unknown, the rest null; nested blocks (list nesting) element by element."""
    problems = []
    for name, a in block["attributes"].items():
        at, rule = f"{path}.{name}", meta.get(name, {})
        unknown = after_unknown.get(name) is True
        if is_ref(config.get(name)):
            ok, want = unknown, "unknown (a reference)"
        elif name in config:
            ok, want = after.get(name) == resolved(config[name]) and not unknown, repr(config[name])
        elif "default" in rule:
            ok, want = after.get(name) == rule["default"] and not unknown, f"the default {rule['default']!r}"
        elif a.get("computed"):
            ok, want = unknown, "unknown (computed)"
        else:
            ok, want = after.get(name) is None and not unknown, "null"
        if not ok:
            problems.append(f"{at}: planned {after.get(name)!r} (unknown: {unknown}), expected {want}")
    for name, bt in block.get("block_types", {}).items():
        assert bt["nesting_mode"] == "list", "extend expected_plan for other nestings"
        items, planned = config.get(name, []), after.get(name) or []
        if len(items) != len(planned):
            problems.append(f"{path}.{name}: {len(planned)} planned blocks, {len(items)} configured")
            continue
        unknowns = after_unknown.get(name) or [{}] * len(items)
        for i, item in enumerate(items):
            problems += expected_plan(
                bt["block"], meta.get(name, {}).get("block", {}), item, planned[i], unknowns[i], f"{path}.{name}[{i}]"
            )
    return problems


def defaulted_paths(block: dict, meta: dict, config: dict, path: str = "") -> set[str]:
    """Paths (as OpenTofu's log writes them) of non-computed attributes left unset in ``config``
    that have a default in the sidecar."""
    out = {
        f"{path}.{name}"
        for name, a in block["attributes"].items()
        if name not in config and "default" in meta.get(name, {}) and not a.get("computed")
    }
    for name, bt in block.get("block_types", {}).items():
        for i, item in enumerate(config.get(name, [])):
            out |= defaulted_paths(bt["block"], meta.get(name, {}).get("block", {}), item, f"{path}.{name}[{i}]")
    return out


def tolerated(log: Path) -> dict[str, list[tuple[str, str]]]:
    """What OpenTofu logged as "invalid plan, but tolerated" (legacy type system), per address:
    [(attribute path, problem)]."""
    out: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in log.read_text().splitlines():
        m = re.search(r"produced an invalid plan for (\S+), but we are tolerating it", line)
        if m:
            current = out.setdefault(m.group(1), [])
            continue
        m = re.match(r"\s+- (\S+): (.*)$", line)
        if m and current is not None:
            current.append((m.group(1), m.group(2)))
        elif not line.startswith(" "):
            current = None
    return out


# --- (1) a new stack plans offline ---------------------------------------------------------------


def test_new_stack_plans_offline_with_sidecar_defaults_and_unknown_ids(tofu, tmp_path):
    """instance + VDE + user + replication topology, nothing in state: `plan -refresh=false -out`
    succeeds without any server; `show -json` has every unset attribute at its sidecar default,
    configured values as configured (a non-default codec wins over the default), server-assigned
    attributes unknown. OpenTofu tolerates exactly the defaulted non-computed attributes."""
    vde_meta = resource_meta("datawarehouse_vde")["compression_codec"]
    codec = "lz4"
    assert codec in vde_meta["allowed"] and codec != vde_meta["default"]  # a real override
    topology = {
        "instance_id": "${datawarehouse_instance.main.id}",
        "mode": "active-passive",
        "nodes": [
            {"host": "dw-a.example.internal"},
            {"host": "dw-b.example.internal", "port": 6543, "role": "replica"},
        ],
    }
    configs = {
        "datawarehouse_instance": INSTANCE,
        "datawarehouse_vde": {**VDE, "compression_codec": codec},
        "datawarehouse_user": USER,
        "datawarehouse_replication_topology": topology,
    }
    tofu.write(dw_config({rtype: {"main": cfg} for rtype, cfg in configs.items()}))
    log = tmp_path / "tofu.log"
    plan = tofu.plan_json(log=log)

    rcs = changes(plan)
    assert sorted(rcs) == sorted(f"{rtype}.main" for rtype in configs)
    problems = []
    for rtype, cfg in configs.items():
        change = rcs[f"{rtype}.main"]["change"]
        assert change["actions"] == ["create"]
        problems += [
            f"{rtype}{p}"
            for p in expected_plan(
                resource_schema(rtype), resource_meta(rtype), cfg, change["after"], change["after_unknown"]
            )
        ]
    assert problems == []
    # planned_values (what a preview summary reads) hold the same values; unknown ones are left out
    planned = {r["address"]: r["values"] for r in plan["planned_values"]["root_module"]["resources"]}
    assert planned == {address: rc["change"]["after"] for address, rc in rcs.items()}
    assert (
        planned["datawarehouse_vde.main"]["block_size"] == resource_meta("datawarehouse_vde")["block_size"]["default"]
    )
    assert "id" not in planned["datawarehouse_instance.main"]

    # The only departures OpenTofu saw from the protocol's rules are the sidecar defaults planned
    # for optional, non-computed attributes (tolerated as SDKv2's are: tools/dwprovider/README.md).
    seen = tolerated(log)
    for rtype, cfg in configs.items():
        want = defaulted_paths(resource_schema(rtype), resource_meta(rtype), cfg)
        got = seen.pop(f"{rtype}.main", [])
        assert {p for p, _ in got} == want, rtype
        assert all(re.fullmatch(r"planned value .* for a non-computed attribute", msg) for _, msg in got), got
    assert seen == {}


def test_destroy_plans_offline(tofu):
    """Everything removed from the configuration: a destroy plan (OpenTofu plans deletions itself;
    only applying it needs the server)."""
    tofu.write(dw_config({}), prior_state())
    rcs = changes(tofu.plan_json())
    assert {a: rc["change"]["actions"] for a, rc in rcs.items()} == {
        "datawarehouse_instance.main": ["delete"],
        "datawarehouse_vde.finance": ["delete"],
    }


# --- (2) against a prior state document -----------------------------------------------------------


def _config_with_vde(**vde) -> dict:
    return dw_config({"datawarehouse_instance": {"main": INSTANCE}, "datawarehouse_vde": {"finance": {**VDE, **vde}}})


def test_changing_block_size_plans_a_replacement(tofu):
    """The issue's case: a VDE stored with block_size 4096, configured with 8192. `block_size` is
    force_new in the sidecar, so the VDE is replaced (delete, then create) because of block_size,
    its new id is unknown, and the instance is untouched."""
    assert PRIOR_VDE["block_size"] == 4096
    assert resource_meta("datawarehouse_vde")["block_size"]["force_new"] is True
    tofu.write(_config_with_vde(block_size=8192), prior_state())

    plan = tofu.plan_json()
    rcs = changes(plan)
    vde = rcs["datawarehouse_vde.finance"]
    assert vde["change"]["actions"] == ["delete", "create"]
    assert vde["change"]["replace_paths"] == [["block_size"]]
    assert vde["action_reason"] == "replace_because_cannot_update"
    assert vde["change"]["before"] == PRIOR_VDE
    assert vde["change"]["after"]["block_size"] == 8192
    assert vde["change"]["after_unknown"].get("id") is True  # a new object gets a new id
    assert rcs["datawarehouse_instance.main"]["change"]["actions"] == ["no-op"]

    # the machine-readable plan stream says the same
    stream = tofu.ok("plan", "-refresh=false", "-input=false", "-json").stdout
    events = [json.loads(line) for line in stream.splitlines()]
    planned = {e["change"]["resource"]["addr"]: e["change"] for e in events if e["type"] == "planned_change"}
    assert planned == {
        "datawarehouse_vde.finance": {
            **planned["datawarehouse_vde.finance"],
            "action": "replace",
            "reason": "cannot_update",
        }
    }


VDE_CHANGES = [
    ("block_size", 8192),
    ("encryption_enabled", False),
    ("name", "finance-archive"),
    ("compression_codec", "lz4"),
    ("replication_mode", "async"),
]


def test_vde_change_table_covers_both_kinds():
    kinds = {bool(resource_meta("datawarehouse_vde").get(a, {}).get("force_new")) for a, _ in VDE_CHANGES}
    assert kinds == {True, False}
    for attr, value in VDE_CHANGES:
        assert value != PRIOR_VDE[attr], attr


@pytest.mark.parametrize(("attr", "value"), VDE_CHANGES, ids=[a for a, _ in VDE_CHANGES])
def test_vde_change_replaces_exactly_when_the_sidecar_says_force_new(tofu, attr, value):
    """One attribute changed against the prior state: a replacement naming it when the sidecar
    marks it force_new, else an in-place update that keeps the server-assigned id."""
    tofu.write(_config_with_vde(**{attr: value}), prior_state())
    change = changes(tofu.plan_json())["datawarehouse_vde.finance"]["change"]
    assert change["after"][attr] == value
    if resource_meta("datawarehouse_vde").get(attr, {}).get("force_new"):
        assert change["actions"] == ["delete", "create"]
        assert change["replace_paths"] == [[attr]]
    else:
        assert change["actions"] == ["update"]
        assert not change.get("replace_paths")
        assert change["after"]["id"] == PRIOR_VDE["id"] and "id" not in change["after_unknown"]
        assert {k for k in change["after"] if change["after"][k] != change["before"][k]} == {attr}


def test_defaults_are_compared_with_the_prior_state(tofu):
    """The stored values equal the sidecar defaults: leaving those attributes out of the
    configuration plans nothing. A stored non-default block_size with block_size left out plans the
    default back, which is a replacement (SDKv2's Default semantics)."""
    tofu.write(_config_with_vde(), prior_state())
    res = tofu.run("plan", "-refresh=false", "-input=false", "-no-color", "-detailed-exitcode")
    assert res.returncode == 0, res.stdout + res.stderr

    state = prior_state()
    state["resources"][1]["instances"][0]["attributes"]["block_size"] = 65536
    tofu.write(_config_with_vde(), state)
    change = changes(tofu.plan_json())["datawarehouse_vde.finance"]["change"]
    assert change["actions"] == ["delete", "create"] and change["replace_paths"] == [["block_size"]]
    assert change["after"]["block_size"] == resource_meta("datawarehouse_vde")["block_size"]["default"]


# --- (3) what needs the server fails clearly, changing nothing --------------------------------------


def _fails_unreachable(res: subprocess.CompletedProcess, rpc: str) -> str:
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert UNREACHABLE in out and f"({rpc})" in " ".join(out.split()), out
    assert "Provider produced" not in out and "panic" not in out.lower(), out
    return " ".join(out.split())


def test_apply_fails_clearly_and_leaves_state_unchanged(tofu):
    """An approved in-place update and a replacement cannot be applied: the error says no admin
    API is reachable, and the state still holds the same objects with the same values."""
    for vde in ({"compression_codec": "lz4"}, {"block_size": 8192}):
        tofu.write(_config_with_vde(**vde), prior_state())
        before = tofu.state_resources()
        tofu.ok("plan", "-refresh=false", "-input=false", "-no-color", "-out=plan.bin")
        _fails_unreachable(tofu.run("apply", "-input=false", "-no-color", "plan.bin"), "ApplyResourceChange")
        assert tofu.state_resources() == before

    tofu.write(_config_with_vde(), prior_state())
    before = tofu.state_resources()
    _fails_unreachable(
        tofu.run("destroy", "-refresh=false", "-auto-approve", "-input=false", "-no-color"), "ApplyResourceChange"
    )
    assert tofu.state_resources() == before


def test_apply_of_a_new_stack_records_nothing(tofu):
    tofu.write(dw_config({"datawarehouse_instance": {"main": INSTANCE}}))
    _fails_unreachable(tofu.run("apply", "-auto-approve", "-input=false", "-no-color"), "ApplyResourceChange")
    assert tofu.state_resources() == []


def test_refresh_fails_clearly(tofu):
    """A plain `tofu plan` refreshes the prior state, which needs the server; the error points to
    -refresh=false."""
    tofu.write(_config_with_vde(), prior_state())
    before = tofu.state_resources()
    text = _fails_unreachable(tofu.run("plan", "-input=false", "-no-color"), "ReadResource")
    assert "-refresh=false" in text
    _fails_unreachable(tofu.run("refresh", "-input=false", "-no-color"), "ReadResource")
    assert tofu.state_resources() == before


def test_import_fails_clearly(tofu):
    tofu.write(dw_config({"datawarehouse_vde": {"other": {**VDE, "instance_id": "inst-1"}}}))
    _fails_unreachable(
        tofu.run("import", "-input=false", "-no-color", "datawarehouse_vde.other", "vde-9"), "ImportResourceState"
    )
    assert tofu.state_resources() == []


def test_data_sources_fail_at_plan_unless_their_read_waits_for_apply(tofu):
    """A data source with known arguments is read during plan, which needs the server: a clear
    error. One whose argument refers to an instance still to be created is read at apply, so the
    plan succeeds and shows the read as pending."""
    tofu.write(dw_config({}, data={"datawarehouse_instance_status": {"known": {"instance_id": "inst-1"}}}))
    _fails_unreachable(tofu.run("plan", "-refresh=false", "-input=false", "-no-color"), "ReadDataSource")

    tofu.write(
        dw_config(
            {"datawarehouse_instance": {"main": INSTANCE}},
            data={"datawarehouse_instance_status": {"pending": {"instance_id": "${datawarehouse_instance.main.id}"}}},
        )
    )
    rcs = changes(tofu.plan_json())
    assert rcs["data.datawarehouse_instance_status.pending"]["change"]["actions"] == ["read"]
    assert rcs["datawarehouse_instance.main"]["change"]["actions"] == ["create"]


# --- schema-driven: the same sources with a synthetic schema --------------------------------------

SYNTH_SOURCE = "example/synthetic"
SYNTH_SCHEMA = {
    "format_version": "1.0",
    "provider_schemas": {
        f"registry.opentofu.org/{SYNTH_SOURCE}": {
            "provider": {"version": 0, "block": {}},
            "resource_schemas": {
                "synthetic_thing": {
                    "version": 0,
                    "block": {
                        "attributes": {
                            "id": {"type": "string", "computed": True},
                            "name": {"type": "string", "required": True},
                            "size": {"type": "number", "optional": True},
                            "labels": {
                                "optional": True,
                                "nested_type": {
                                    "nesting_mode": "map",
                                    "attributes": {
                                        "value": {"type": "string", "required": True},
                                        "weight": {"type": "number", "optional": True},
                                        "serial": {"type": "string", "computed": True},
                                    },
                                },
                            },
                        },
                        "block_types": {
                            "member": {
                                "nesting_mode": "list",
                                "block": {
                                    "attributes": {
                                        "host": {"type": "string", "required": True},
                                        "port": {"type": "number", "optional": True},
                                        "uid": {"type": "string", "computed": True},
                                    }
                                },
                            },
                            "tag": {
                                "nesting_mode": "set",
                                "block": {
                                    "attributes": {
                                        "key": {"type": "string", "required": True},
                                        "pinned": {"type": "bool", "optional": True},
                                    }
                                },
                            },
                        },
                    },
                }
            },
        }
    },
}
SYNTH_META = {
    "resource_schemas": {
        "synthetic_thing": {
            "name": {"force_new": True},
            "size": {"default": 3},
            "labels": {"block": {"weight": {"default": 1, "force_new": True}}},
            "member": {"block": {"port": {"default": 80, "force_new": True}}},
            "tag": {"block": {"pinned": {"force_new": True}}},
        }
    }
}


def build_provider(base: Path, schema: dict, meta: dict) -> tuple[Path, subprocess.CompletedProcess]:
    """Build tools/dwprovider with ``schema`` and ``meta`` embedded (as scripts/tools.sh does; Go
    modules from the local cache only) into a mirror under ``base``; returns the binary and its
    ``-check`` run."""
    src = base / "src"
    src.mkdir(parents=True)
    dwp = ROOT / "tools" / "dwprovider"
    for f in [*dwp.glob("*.go"), dwp / "go.mod", dwp / "go.sum"]:
        shutil.copy(f, src)
    (src / "schema.json").write_text(json.dumps(schema))
    (src / "schema.meta.json").write_text(json.dumps(meta))
    out = (
        base
        / "mirror"
        / "registry.opentofu.org"
        / SYNTH_SOURCE
        / "1.0.0"
        / "linux_amd64"
        / "terraform-provider-synthetic_v1.0.0"
    )
    env = {
        **os.environ,
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
        "GOPROXY": "off",
        "GOFLAGS": (os.environ.get("GOFLAGS", "") + " -mod=mod").strip(),
    }
    build = subprocess.run(["go", "build", "-o", str(out), "."], cwd=src, env=env, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    return out, subprocess.run([str(out), "-check"], capture_output=True, text=True)


@pytest.fixture(scope="module")
def synthetic(tools, tmp_path_factory):
    """tools/dwprovider built with the synthetic schema, in a mirror and CLI config of its own."""
    base = tmp_path_factory.mktemp("synthetic")
    _, check = build_provider(base, SYNTH_SCHEMA, SYNTH_META)
    assert check.stdout.startswith(f"ok: registry.opentofu.org/{SYNTH_SOURCE} "), check.stdout + check.stderr
    mirror = base / "mirror"
    rc = base / "tofurc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
    return {"TF_CLI_CONFIG_FILE": str(rc), "TF_PLUGIN_CACHE_DIR": ""}


def synth_config(thing: dict, extra: dict | None = None) -> dict:
    return {
        "terraform": {"required_providers": {"synthetic": {"source": SYNTH_SOURCE, "version": "1.0.0"}}},
        "resource": {"synthetic_thing": {"t": thing}, **(extra or {})},
    }


SYNTH_THING = {
    "name": "n",
    "member": [{"host": "a"}],
    "tag": [{"key": "k", "pinned": True}],
    "labels": {"a": {"value": "x"}},
}
SYNTH_PRIOR = {
    "id": "t-1",
    "name": "n",
    "size": 3,
    "labels": {"a": {"value": "x", "weight": 1, "serial": "s-a"}},
    "member": [{"host": "a", "port": 80, "uid": "u-0"}],
    "tag": [{"key": "k", "pinned": True}],
    "retired": "an attribute the schema no longer has",
}


@pytest.fixture
def synth(tools, tmp_path, synthetic) -> Tofu:
    t = Tofu(tools, tmp_path, synthetic)
    t.write(synth_config(SYNTH_THING))
    t.init()
    return t


def synth_prior_state() -> dict:
    doc = state_doc(("synthetic_thing", "t", SYNTH_PRIOR))
    doc["resources"][0]["provider"] = f'provider["registry.opentofu.org/{SYNTH_SOURCE}"]'
    return doc


def test_synthetic_schema_create_fills_nested_defaults_and_unknowns(synth):
    """Defaults and computed attributes inside a list block and a map nested attribute."""
    change = changes(synth.plan_json())["synthetic_thing.t"]["change"]
    assert change["after"] == {
        "name": "n",
        "size": 3,
        "labels": {"a": {"value": "x", "weight": 1}},
        "member": [{"host": "a", "port": 80}],
        "tag": [{"key": "k", "pinned": True}],
    }
    assert change["after_unknown"] == {
        "id": True,
        "labels": {"a": {"serial": True}},
        "member": [{"uid": True}],
        "tag": [{}],
    }


def _edit(**changes_) -> dict:
    thing = copy.deepcopy(SYNTH_THING)
    thing.update(changes_)
    return thing


@pytest.mark.parametrize(
    ("thing", "replace_paths"),
    [
        (_edit(member=[{"host": "b"}]), None),  # in place
        (_edit(size=4), None),
        (_edit(member=[{"host": "a", "port": 81}]), [["member", 0, "port"]]),  # list element, by index
        (_edit(member=[{"host": "a"}, {"host": "b"}]), [["member", 1, "port"]]),  # added element: its default port
        (_edit(labels={"a": {"value": "x", "weight": 2}}), [["labels", "a", "weight"]]),  # map, by key
        (_edit(labels={"a": {"value": "y"}}), None),
        (_edit(tag=[{"key": "k2", "pinned": True}]), None),  # set: same force_new values
        (_edit(tag=[{"key": "k", "pinned": False}]), [["tag"]]),  # set: the whole set
        (_edit(name="${terraform_data.later.output}"), [["name"]]),  # unknown counts as changed
    ],
    ids=[
        "list-host",
        "size",
        "list-port",
        "list-added",
        "map-weight",
        "map-value",
        "set-key",
        "set-pinned",
        "unknown-name",
    ],
)
def test_synthetic_schema_update_replaces_on_nested_force_new(synth, thing, replace_paths):
    """Against a prior state (which also holds an attribute the schema dropped: ignored), changes
    inside list/map/set nesting plan an update or a replacement naming the force_new path; an
    update keeps the computed values (ids, serials) of existing objects."""
    extra = {"terraform_data": {"later": {"input": "n2"}}} if "${" in json.dumps(thing) else None
    synth.write(synth_config(thing, extra), synth_prior_state())
    change = changes(synth.plan_json())["synthetic_thing.t"]["change"]
    if replace_paths is None:
        assert change["actions"] == ["update"]
        assert not change.get("replace_paths")
        assert change["after"]["id"] == "t-1" and change["after"]["member"][0]["uid"] == "u-0"
        assert change["after"]["labels"]["a"]["serial"] == "s-a"
    else:
        assert change["actions"] == ["delete", "create"]
        assert change["replace_paths"] == replace_paths
        assert change["after_unknown"]["id"] is True


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ({"size": {"default": "three"}}, 'synthetic_thing.size: default "three" does not fit the type'),
        ({"member": {"block": {"port": {"default": [80]}}}}, "synthetic_thing.member.port: default [80] does not fit"),
        ({"colour": {"default": "red"}}, "synthetic_thing.colour: default/force_new for an attribute or block"),
        ({"tag": {"block": {"shade": {"force_new": True}}}}, "synthetic_thing.tag.shade: default/force_new for an"),
    ],
    ids=["wrong-type", "nested-wrong-type", "unknown-attribute", "nested-unknown-attribute"],
)
def test_a_sidecar_plan_fact_that_does_not_fit_the_schema_fails_the_build_check(tmp_path, meta, message):
    """scripts/tools.sh runs `-check` after building and keeps no binary that fails it: a default of
    the wrong type, or a default/force_new for an attribute the schema lacks, cannot reach a plan."""
    _, check = build_provider(tmp_path, SYNTH_SCHEMA, {"resource_schemas": {"synthetic_thing": meta}})
    assert check.returncode != 0
    assert message in check.stderr, check.stderr
