"""The command line: exit codes (0 clean, 1 violations, 2 usage errors) and the report it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dw_constructs.governance.cli import main

ROOT = Path(__file__).resolve().parents[2]

GOOD_CLUSTER = {
    "apiVersion": "postgresql.cnpg.io/v1",
    "kind": "Cluster",
    "metadata": {"name": "pg", "namespace": "db"},
    "spec": {"instances": 3, "storage": {"size": "10Gi"}, "bootstrap": {"initdb": {"database": "app"}}},
}


@pytest.fixture()
def trees(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "cluster.yaml").write_text(yaml.safe_dump(GOOD_CLUSTER))
    bad = tmp_path / "bad"
    bad.mkdir()
    cluster = json.loads(json.dumps(GOOD_CLUSTER))
    cluster["spec"].update(instances=2, enablePDB=False)
    del cluster["spec"]["bootstrap"]
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds"},
        "stringData": {"password": "hunter2"},
    }
    (bad / "all.yaml").write_text(yaml.safe_dump_all([cluster, secret]))
    constraints = tmp_path / "constraints.yaml"
    constraints.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "tenants": {
                    "strict": {"policies": {"require_backup": True}},
                    "lenient": {"mode": "warn", "policies": {"skip": ["cnpg-pdb"]}},
                },
            }
        )
    )
    return good, bad, constraints


BAD_REPORT = """dw-constructs governance: 3 violation(s)
  1. [all.yaml[0]:Cluster/pg] spec.bootstrap = (not set): must say how the cluster is bootstrapped (initdb, recovery or pg_basebackup) (constraint: initdb, recovery or pg_basebackup; rule: cnpg-bootstrap)
  2. [all.yaml[0]:Cluster/pg] spec.enablePDB = false: an HA cluster (2 instances) must keep the operator's PodDisruptionBudgets (constraint: enablePDB not false when instances >= 2; rule: cnpg-pdb)
  3. [all.yaml[1]:Secret/creds] stringData.password = <literal hidden>: Secret stringData holds a literal; use a reference (constraint: a reference, never a literal; rule: no-secret-literals)
"""


def test_clean_tree_exits_0(trees, capsys):
    good, _, _ = trees
    assert main(["check", str(good)]) == 0
    assert capsys.readouterr().out == "dw-constructs governance: no violations\n"


def test_violations_exit_1_with_the_full_report(trees, capsys):
    _, bad, _ = trees
    assert main(["check", str(bad)]) == 1
    assert capsys.readouterr().out == BAD_REPORT


def test_tenant_settings_apply(trees, capsys):
    good, bad, constraints = trees
    assert main(["check", str(good), "--constraints", str(constraints), "--tenant", "strict"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "dw-constructs governance: 1 violation(s) for tenant 'strict'"
    assert "[cluster.yaml:Cluster/pg] spec.plugins = (not set): no WAL archiving configured" in out
    # warn-mode tenant: report printed, exit 0; its skip list applies
    assert main(["check", str(bad), "--constraints", str(constraints), "--tenant", "lenient"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == "dw-constructs governance: 2 violation(s) for tenant 'lenient'"
    assert "cnpg-pdb" not in captured.out and "warn-only" in captured.err


def test_warn_only_and_policy_selection(trees, capsys):
    _, bad, _ = trees
    assert main(["check", str(bad), "--warn-only"]) == 0
    assert main(["check", str(bad), "--policy", "cnpg-instances"]) == 0
    assert main(["check", str(bad), "--policy", "cnpg-pdb", "--policy", "cnpg-bootstrap"]) == 1
    assert capsys.readouterr().out.count("violation(s)") == 2


def test_json_format(trees, capsys):
    _, bad, _ = trees
    assert main(["check", str(bad), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False and doc["tenant"] is None
    assert [(v["path"], v["parameter"], v["rule"]) for v in doc["violations"]][:2] == [
        ("all.yaml[0]:Cluster/pg", "spec.bootstrap", "cnpg-bootstrap"),
        ("all.yaml[0]:Cluster/pg", "spec.enablePDB", "cnpg-pdb"),
    ]
    assert "hunter2" not in json.dumps(doc)


@pytest.mark.parametrize(
    "args,message",
    [
        (["check", "/no/such/dir"], "error: /no/such/dir: no such file or directory"),
        (["check", "{good}", "--tenant", "strict"], "error: --tenant needs --constraints"),
        (["check", "{good}", "--constraints", "{constraints}"], "error: --tenant is required with --constraints"),
        (["check", "{good}", "--constraints", "{constraints}", "--tenant", "nobody"], "no tenant 'nobody'"),
        (["validate", "{good}/cluster.yaml"], "not a valid constraints document"),
    ],
)
def test_usage_errors_exit_2(trees, capsys, args, message):
    good, _, constraints = trees
    argv = [a.format(good=good, constraints=constraints) for a in args]
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_validate_schema_and_policies_commands(trees, capsys):
    _, _, constraints = trees
    assert main(["validate", str(constraints)]) == 0
    assert capsys.readouterr().out == f"{constraints}: valid constraints document; tenants: lenient, strict\n"
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"] == "urn:dw-constructs:governance:constraints:v1"
    assert main(["policies"]) == 0
    from dw_constructs.governance.policies import POLICY_IDS

    listed = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    assert listed == list(POLICY_IDS)


def test_module_entry_point(trees):
    _, bad, _ = trees
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "dw_constructs.governance", "check", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stdout == BAD_REPORT
    bad_args = subprocess.run(
        [sys.executable, "-m", "dw_constructs.governance", "check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert bad_args.returncode == 2 and "the following arguments are required: PATH" in bad_args.stderr


def test_help_names_the_installed_command(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: dw-constructs ") and "python -m" not in out
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert capsys.readouterr().out.startswith("usage: dw-constructs check ")
    proc = subprocess.run(
        [sys.executable, "-m", "dw_constructs.governance", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("usage: dw-constructs ")


# --- tenant constraints evaluated on the synthesized output ------------------------------------------

LIMITS = {"max_instances": 1, "parameters": {"storage_size_gb": {"max": 500}}}
CLI_DOC = {
    "version": 1,
    "tenants": {
        "acme": {"constructs": {"DataWarehouseCluster": LIMITS}},
        "relaxed": {"mode": "warn", "constructs": {"DataWarehouseCluster": LIMITS}},
        "open": {},
    },
}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """Apps synthesized three ways: under enforce() (warn mode, so synth goes on), with
    record_constructs() only, and plain; the in-process report of tenant 'acme' for the first."""
    from cdktf import App

    from dw_constructs.governance import check_app, enforce, record_constructs
    from tests.governance.test_aspect import _stack

    root = tmp_path_factory.mktemp("synthesized")
    constraints = root / "constraints.yaml"
    constraints.write_text(yaml.safe_dump(CLI_DOC))
    recorded = App(outdir=str(root / "recorded"))
    _stack(recorded, "one", {"name": "a", "storage_size_gb": 800})
    _stack(recorded, "two", {"name": "b"})
    enforce(recorded, constraints, "relaxed")
    expected = check_app(recorded, constraints, "acme")
    recorded.synth()
    only_records = App(outdir=str(root / "only-records"))
    _stack(only_records, "one", {"name": "a"}, {"name": "b"})
    record_constructs(only_records)
    only_records.synth()
    plain = App(outdir=str(root / "plain"))
    _stack(plain, "one", {"name": "a", "storage_size_gb": 800})
    plain.synth()
    return root, constraints, expected


def _check(capsys, *argv) -> tuple[int, str, str]:
    code = main(["check", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_check_evaluates_the_tenants_constraints(synthesized, capsys):
    root, constraints, expected = synthesized
    assert [(v.path, v.parameter) for v in expected.violations] == [
        ("one/Dw0", "storage_size_gb"),
        ("two/Dw0", "max_instances"),
    ]
    code, out, _ = _check(capsys, root / "recorded", "--constraints", constraints, "--tenant", "acme")
    assert (code, out) == (1, expected.text() + "\n")  # the same report as at synth time
    # a warn-mode tenant: the report, exit 0
    code, out, err = _check(capsys, root / "recorded", "--constraints", constraints, "--tenant", "relaxed")
    assert code == 0 and "2 violation(s) for tenant 'relaxed'" in out and "warn-only" in err
    code, out, _ = _check(capsys, root / "only-records", "--constraints", constraints, "--tenant", "acme")
    assert code == 1 and "[one/Dw1] max_instances = 2: DataWarehouseCluster number 2 in this app" in out


def test_the_records_in_the_output(synthesized):
    root, _, _ = synthesized
    one = json.loads((root / "recorded" / "stacks" / "one" / "cdk.tf.json").read_text())
    records = one["//"]["dw_governance"]
    assert records["stacks"] == ["one", "two"] and records["version"] == 1
    (dw,) = [r for r in records["constructs"] if r["type"] == "DataWarehouseCluster"]
    assert dw["path"] == "one/Dw0" and dw["props"]["storage_size_gb"] == 800 and dw["props"]["replicas"] is None
    assert dw["props"]["effective_replicas"] == 1 and dw["props"]["admin_password"] is None
    two = json.loads((root / "recorded" / "stacks" / "two" / "cdk.tf.json").read_text())
    assert min(r["index"] for r in two["//"]["dw_governance"]["constructs"]) > dw["index"]
    assert "dw_governance" not in json.loads((root / "plain" / "stacks" / "one" / "cdk.tf.json").read_text())["//"]


def test_check_refuses_constraints_it_cannot_evaluate(synthesized, tmp_path, capsys):
    root, constraints, _ = synthesized
    code, out, err = _check(capsys, root / "plain", "--constraints", constraints, "--tenant", "acme")
    assert (code, out) == (2, "")
    assert "stack(s) one hold no construct records" in err and "--policies-only" in err
    # only the policy pack, with the tenant's settings, when asked for
    code, out, _ = _check(capsys, root / "plain", "--constraints", constraints, "--tenant", "acme", "--policies-only")
    assert (code, out) == (0, "dw-constructs governance: no violations for tenant 'acme'\n")
    # a tenant without construct constraints needs no records
    assert _check(capsys, root / "plain", "--constraints", constraints, "--tenant", "open")[0] == 0
    # part of an app: max_instances counts the whole app
    code, _, err = _check(
        capsys, root / "recorded" / "stacks" / "one", "--constraints", constraints, "--tenant", "acme"
    )
    assert code == 2 and "the app's stack(s) two are not among the inputs" in err
    # no synthesized stack at all (a manifests tree)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(GOOD_CLUSTER))
    code, _, err = _check(capsys, tmp_path / "c.yaml", "--constraints", constraints, "--tenant", "acme")
    assert code == 2 and "no synthesized stack (cdk.tf.json) among the inputs" in err
