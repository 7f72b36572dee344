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

GOOD_CLUSTER = {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "pg", "namespace": "db"},
                "spec": {"instances": 3, "storage": {"size": "10Gi"}, "bootstrap": {"initdb": {"database": "app"}}}}


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
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "stringData": {"password": "hunter2"}}
    (bad / "all.yaml").write_text(yaml.safe_dump_all([cluster, secret]))
    constraints = tmp_path / "constraints.yaml"
    constraints.write_text(yaml.safe_dump({"version": 1, "tenants": {
        "strict": {"policies": {"require_backup": True}},
        "lenient": {"mode": "warn", "policies": {"skip": ["cnpg-pdb"]}},
    }}))
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


@pytest.mark.parametrize("args,message", [
    (["check", "/no/such/dir"], "error: /no/such/dir: no such file or directory"),
    (["check", "{good}", "--tenant", "strict"], "error: --tenant needs --constraints"),
    (["check", "{good}", "--constraints", "{constraints}"], "error: --tenant is required with --constraints"),
    (["check", "{good}", "--constraints", "{constraints}", "--tenant", "nobody"], "no tenant 'nobody'"),
    (["validate", "{good}/cluster.yaml"], "not a valid constraints document"),
])
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
    proc = subprocess.run([sys.executable, "-m", "dw_constructs.governance", "check", str(bad)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 1
    assert proc.stdout == BAD_REPORT
    bad_args = subprocess.run([sys.executable, "-m", "dw_constructs.governance", "check"],
                              capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert bad_args.returncode == 2 and "the following arguments are required: PATH" in bad_args.stderr
