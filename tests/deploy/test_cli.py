"""``dw-constructs plan|approve|apply|destroy|status`` as a user runs them: separate processes, exit
codes, what they print, and that bad input applies nothing (real OpenTofu, the offline demo app)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.deploy.apps import SECRET_VARIABLE
from tests.deploy.support import SECRET, write_constraints

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.deploy.apps:demo"


def cli(*args: str, env: dict | None = None, check: int | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run(
        [sys.executable, "-m", "dw_constructs.governance", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, f"TF_VAR_{SECRET_VARIABLE}": SECRET, **(env or {})},
    )
    if check is not None:
        assert res.returncode == check, f"exit {res.returncode}\n{res.stdout}\n{res.stderr}"
    return res


def start(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dw_constructs.governance", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, f"TF_VAR_{SECRET_VARIABLE}": SECRET, **(env or {})},
    )


@pytest.fixture()
def ctx(tmp_path):
    constraints = write_constraints(tmp_path / "constraints.yaml")
    root = tmp_path / "ws"

    def common(tenant: str = "strict", stack: str = "demo") -> list[str]:
        return ["--stack", stack, "--root", root, "--constraints", constraints, "--tenant", tenant]

    return root, constraints, common


def _artifact(out: str) -> str:
    (path,) = re.findall(r"^Plan artifact: (.+)$", out, re.M)
    return path


def _state(root: Path) -> list[str]:
    path = root / "stacks" / "demo" / "work" / "terraform.demo.tfstate"
    if not path.exists():
        return []
    return sorted(f"{r['type']}.{r['name']}" for r in json.loads(path.read_text())["resources"])


def test_plan_approve_apply_status_destroy(ctx):
    root, _, common = ctx
    res = cli("plan", "--app", APP, *common("gated"), check=0)
    assert "+ terraform_data.Base (prevent_destroy)" in res.stdout
    assert "Approval required (tenant gated, approval.apply: required)" in res.stdout
    plan = _artifact(res.stdout)
    refused = cli("apply", plan, "--app", APP, *common("gated"), check=3)
    assert "needs an approval" in refused.stderr and _state(root) == []
    cli("approve", plan, *common("gated"), "--actor", "alice", "--comment", "CHG-1", check=0)
    applied = cli("apply", plan, "--app", APP, *common("gated"), "--actor", "deployer", check=0)
    assert "succeeded" in applied.stdout and 'password = "(sensitive)"' in applied.stdout
    assert _state(root) == ["terraform_data.Base", "terraform_data.Dependent0"]
    status = json.loads(
        cli(
            "status", "--stack", "demo", "--root", root, "--history", "5", "--events", "50", "--format", "json", check=0
        ).stdout
    )
    last = status["last_operation"]
    assert (last["status"], last["actor"], last["approval"]["actor"]) == ("succeeded", "deployer", "alice")
    assert [e["event"] for e in status["events"]][-4:] == ["approved", "operation", "operation", "operation"]
    assert status["tenant"] == "gated" and status["busy"] is None
    # destroy without --plan: the destroy plan needs an approval (gated): printed, exit 3, nothing destroyed
    destroy = cli("destroy", "--app", APP, *common("gated"), check=3)
    assert "= terraform_data.Base: prevent_destroy" in destroy.stdout and _state(root) != []
    dplan = re.search(r"dw-constructs destroy --plan (\S+)", destroy.stderr).group(1)
    cli("approve", dplan, *common("gated"), check=0)
    done = cli("destroy", "--plan", dplan, "--app", APP, *common("gated"), check=0)
    assert "destroy" in done.stdout and _state(root) == ["terraform_data.Base"]
    assert SECRET not in (root / "audit.jsonl").read_text()


def test_bad_input_exits_2_and_applies_nothing(ctx, tmp_path):
    root, constraints, common = ctx
    plan = _artifact(cli("plan", "--app", APP, *common(), check=0).stdout)
    cases = {
        "unknown tenant": (["apply", plan, "--app", APP, *common("nobody")], "no tenant 'nobody'"),
        "missing constraints": (
            [
                "apply",
                plan,
                "--app",
                APP,
                "--stack",
                "demo",
                "--root",
                root,
                "--constraints",
                tmp_path / "missing.yaml",
                "--tenant",
                "strict",
            ],
            "cannot read constraints document",
        ),
        "another stack": (
            ["apply", plan, "--app", "tests.deploy.apps:demo_other", *common(stack="other")],
            "is a plan of stack 'demo', not of 'other'",
        ),
        "not an artifact": (["apply", tmp_path, "--app", APP, *common()], "not a plan artifact"),
        "bad app": (["plan", "--app", "tests.deploy.nowhere:build", *common()], "cannot import tests.deploy.nowhere"),
        "no stack": (["plan", "--app", APP, *common(stack="absent")], "the app has no stack 'absent'"),
        "missing option": (["apply", plan, "--stack", "demo"], "the following arguments are required: --app"),
    }
    for name, (args, message) in cases.items():
        res = cli(*args)
        assert res.returncode == 2, (name, res.stdout, res.stderr)
        assert message in res.stderr, (name, res.stderr)
    plan_file = Path(plan) / "plan.tfplan"
    data = bytearray(plan_file.read_bytes())
    data[10] ^= 0xFF
    plan_file.write_bytes(bytes(data))
    res = cli("apply", plan, "--app", APP, *common(), check=2)
    assert "corrupted or replaced" in res.stderr
    assert _state(root) == []
    status = json.loads(cli("status", "--stack", "demo", "--root", root, "--format", "json", check=0).stdout)
    assert status["last_operation"] is None


def test_concurrent_applies_one_runs_one_is_busy(ctx):
    root, _, common = ctx
    slow = {"DW_TEST_SLEEP": "4"}
    plan = _artifact(cli("plan", "--app", APP, *common(), env=slow, check=0).stdout)
    first = start("apply", plan, "--app", APP, *common(), env=slow)
    try:
        deadline = time.monotonic() + 90
        while True:
            st = json.loads(cli("status", "--stack", "demo", "--root", root, "--format", "json", check=0).stdout)
            if (st["busy"] or {}).get("status") == "running":
                break
            assert time.monotonic() < deadline and first.poll() is None, first.communicate()
            time.sleep(0.1)
        second = cli("apply", plan, "--app", APP, *common(), env=slow)
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    (op,) = re.findall(r"^apply (op-\S+) succeeded", out, re.M)
    assert second.returncode == 4, second.stderr
    assert f"stack demo is busy: {op} is running" in second.stderr
    assert _state(root) == ["terraform_data.Base", "terraform_data.Dependent0", "terraform_data.Slow"]
