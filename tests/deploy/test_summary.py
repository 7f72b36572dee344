"""The plan summary and the redaction of ``tofu show -json``, against plans real OpenTofu made (plain
JSON configurations, no cdktf), and the stateful call-outs against the policy pack's notion of
stateful on a synthesized example."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from dw_constructs.deploy.summary import config_facts, redact, stateful_by_values, summarize

SECRET = "nested-s3cret-value"


def _tofu(workdir: Path, *args: str, ok=(0,)) -> subprocess.CompletedProcess:
    res = subprocess.run(
        [os.environ["TERRAFORM_BINARY_NAME"], *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        env={**os.environ, "TF_VAR_pw": SECRET, "TF_IN_AUTOMATION": "1"},
    )
    assert res.returncode in ok, res.stderr
    return res


def _plan(workdir: Path, config: dict, *extra: str) -> dict:
    (workdir / "main.tf.json").write_text(json.dumps(config))
    _tofu(workdir, "init", "-input=false", "-no-color")
    _tofu(workdir, "plan", "-input=false", "-no-color", "-out=p.tfplan", *extra)
    return json.loads(_tofu(workdir, "show", "-json", "p.tfplan").stdout)


def _config(trigger: str) -> dict:
    return {
        "variable": {"pw": {"type": "string", "sensitive": True}},
        "resource": {
            "terraform_data": {
                "kept": {"input": {"plain": "visible-value"}},
                "nested": {"input": {"list": ["${var.pw}", "visible-item"], "map": {"k": "${var.pw}"}}},
                "rebuilt": {"input": "stable", "triggers_replace": trigger},
            }
        },
        "output": {"pw": {"value": "${var.pw}", "sensitive": True}, "plain": {"value": "visible-output"}},
    }


def test_redaction_removes_every_sensitive_value_and_keeps_the_rest(tmp_path):
    shown = _plan(tmp_path, _config("1"))
    raw = json.dumps(shown)
    assert raw.count(SECRET) >= 4, "tofu show -json prints the secret in several places"
    redacted = json.dumps(redact(shown))
    assert SECRET not in redacted
    for visible in ("visible-value", "visible-item", "visible-output"):
        assert visible in redacted
    assert redact(shown)["variables"]["pw"]["value"] == "(sensitive)"


def test_summary_of_a_real_replacement(tmp_path):
    _plan(tmp_path, _config("1"))
    _tofu(tmp_path, "apply", "-input=false", "-no-color", "p.tfplan")
    shown = _plan(tmp_path, _config("2"))
    actions = {rc["address"]: rc["change"]["actions"] for rc in shown["resource_changes"]}
    replaced = [a for a, acts in actions.items() if sorted(acts) == ["create", "delete"]]
    assert replaced == ["terraform_data.rebuilt"], actions  # what tofu itself planned
    summary = summarize(redact(shown))
    assert [(c.action, c.address) for c in summary.changes] == [("replace", "terraform_data.rebuilt")]
    (change,) = summary.changes
    (rc,) = [rc for rc in shown["resource_changes"] if rc["address"] == "terraform_data.rebuilt"]
    assert rc["change"]["replace_paths"] == [["triggers_replace"]]  # we changed that attribute
    assert change.replace_paths == ("triggers_replace",) and change.reason
    assert "-/+ terraform_data.rebuilt" in summary.text() and not summary.data_at_risk
    assert summary.counts == {"create": 0, "update": 0, "replace": 1, "delete": 0, "forget": 0}

    _tofu(tmp_path, "apply", "-input=false", "-no-color", "p.tfplan")
    nothing = summarize(_plan(tmp_path, _config("2")))
    assert not nothing.has_changes and nothing.text().startswith("No changes")


@pytest.fixture(scope="module")
def single_node(tmp_path_factory):
    from cdktf import App

    from examples.single_node import main as example

    out = tmp_path_factory.mktemp("synth")
    app = App(outdir=str(out))
    stack = example.build(app)
    app.synth()
    sdir = out / "stacks" / stack.node.id
    return json.loads((sdir / "cdk.tf.json").read_text()), sdir


def test_stateful_resources_come_first(single_node):
    """Facts from the synthesized example (the policy pack's stateful set); the plan is a
    destroy of everything plus one replacement, in OpenTofu's plan format."""
    config, sdir = single_node
    facts = config_facts(config, sdir, "single-node")
    stateful = sorted(a for a, f in facts.items() if f["stateful"])
    assert [a.split(".")[0] for a in stateful] == ["datawarehouse_instance", "helm_release"]
    assert all(facts[a]["prevent_destroy"] for a in stateful)
    changes = []
    for address in sorted(facts):
        actions = ["delete", "create"] if address.startswith("datawarehouse_instance.") else ["delete"]
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": address.split(".")[0],
                "change": {"actions": actions, "before": {}, "after": None},
            }
        )
    summary = summarize({"resource_changes": changes}, facts)
    risky = [(c.action, c.address) for c in summary.data_at_risk]
    assert risky == [("replace", stateful[0]), ("delete", stateful[1])]
    assert [c.address for c in summary.changes[:2]] == [a for _, a in risky]
    text = summary.text()
    assert text.startswith("DATA AT RISK: 2 stateful resource(s) replaced or destroyed")
    assert text.index(stateful[1]) < text.index("kubernetes_namespace_v1.")


@pytest.mark.parametrize(
    ("rtype", "values", "expected"),
    [
        ("kubernetes_manifest", {"manifest": {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster"}}, True),
        ("kubernetes_manifest", {"manifest": {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Database"}}, False),
        ("helm_release", {"metadata": {"chart": "datawarehouse"}}, True),
        ("helm_release", {"metadata": {"chart": "cloudnative-pg"}}, False),
        ("datawarehouse_vde", None, True),
        ("kubernetes_persistent_volume_claim_v1", {}, True),
        ("kubernetes_namespace_v1", {}, False),
    ],
)
def test_stateful_without_configuration(rtype, values, expected):
    """A resource removed from the configuration is judged by what the plan shows of it."""
    assert stateful_by_values(rtype, values) is expected
