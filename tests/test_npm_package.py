"""TypeScript users: the built npm tarball installs into a throwaway cdktf app, compiles with tsc
and synthesizes with node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.npm import run, synthesize, typescript_app

DIST = Path(__file__).resolve().parents[1] / "provider-bindings" / "datawarehouse" / "dist" / "js"

MAIN_TS = """
import { App, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { provider, instance, dataDatawarehouseCapabilities } from "@dw/provider-datawarehouse";

class Warehouse extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const pw = new TerraformVariable(this, "admin_password", { type: "string", sensitive: true });
    new provider.DatawarehouseProvider(this, "dw", { host: "dw.internal", username: "admin", password: pw.stringValue });
    new instance.Instance(this, "wh", { name: "from-ts", storageSizeGb: 42, operationalProfile: "Paranoid" });
    new dataDatawarehouseCapabilities.DataDatawarehouseCapabilities(this, "caps", {});
  }
}
const app = new App({ outdir: "cdktf.out" });
new Warehouse(app, "ts");
app.synth();
"""


@pytest.fixture(scope="module")
def tgz() -> Path:
    (found,) = DIST.glob("provider-datawarehouse@*.jsii.tgz")
    return found


def test_typescript_app_compiles_and_synthesizes(tgz, tmp_path):
    app = typescript_app(tmp_path / "ts-app", tgz, MAIN_TS)
    installed = json.loads((app / "node_modules" / "@dw" / "provider-datawarehouse" / "package.json").read_text())
    assert installed["name"] == "@dw/provider-datawarehouse" and installed["types"] == "lib/index.d.ts"
    doc = synthesize(app, "ts")
    (inst,) = doc["resource"]["datawarehouse_instance"].values()
    assert {k: inst[k] for k in ("name", "storage_size_gb", "operational_profile")} == {
        "name": "from-ts",
        "storage_size_gb": 42,
        "operational_profile": "Paranoid",
    }
    assert "datawarehouse_capabilities" in doc["data"]
    assert doc["terraform"]["required_providers"]["datawarehouse"]["source"] == "datawarehouse/datawarehouse"
    assert doc["provider"]["datawarehouse"][0]["password"] == "${var.admin_password}"


def test_typescript_type_error_is_caught(tgz, tmp_path):
    """tsc really type-checks against the package's .d.ts: a string for a number fails."""
    app = typescript_app(
        tmp_path / "bad", tgz, MAIN_TS.replace("storageSizeGb: 42", 'storageSizeGb: "42"'), tsconfig=False
    )
    res = run(app, "npx", "--no-install", "tsc", "--noEmit", "--strict", "--types", "node", "main.ts", check=False)
    assert res.returncode != 0
    assert "main.ts(11," in res.stdout and "Type 'string' is not assignable to type 'number'" in res.stdout
