"""TypeScript users: the built npm tarball installs into a throwaway cdktf app, compiles with tsc
and synthesizes with node."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

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
    app = tmp_path / "ts-app"
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": "ts-app", "version": "0.0.0", "private": True}))
    (app / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "target": "ES2020",
                    "module": "commonjs",
                    "strict": True,
                    "esModuleInterop": True,
                    "skipLibCheck": False,
                    "outDir": "out",
                    "types": ["node"],
                },
                "files": ["main.ts"],
            }
        )
    )
    (app / "main.ts").write_text(MAIN_TS)
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CHECKPOINT_DISABLE": "1"}
    run = lambda *cmd: subprocess.run(cmd, cwd=app, env=env, check=True, capture_output=True, text=True)  # noqa: E731
    run(
        "npm",
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        str(tgz),
        "cdktf@0.21.0",
        "constructs@10.4.2",
        "typescript@5.8.3",
        "@types/node@20.19.0",
    )
    installed = json.loads((app / "node_modules" / "@dw" / "provider-datawarehouse" / "package.json").read_text())
    assert installed["name"] == "@dw/provider-datawarehouse" and installed["types"] == "lib/index.d.ts"
    run("npx", "--no-install", "tsc", "-p", ".")
    run("node", "out/main.js")
    doc = json.loads((app / "cdktf.out" / "stacks" / "ts" / "cdk.tf.json").read_text())
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
    app = tmp_path / "bad"
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": "bad", "version": "0.0.0", "private": True}))
    (app / "main.ts").write_text(MAIN_TS.replace("storageSizeGb: 42", 'storageSizeGb: "42"'))
    subprocess.run(
        [
            "npm",
            "install",
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            str(tgz),
            "cdktf@0.21.0",
            "constructs@10.4.2",
            "typescript@5.8.3",
            "@types/node@20.19.0",
        ],
        cwd=app,
        check=True,
        capture_output=True,
    )
    res = subprocess.run(
        ["npx", "--no-install", "tsc", "--noEmit", "--strict", "--types", "node", "main.ts"],
        cwd=app,
        capture_output=True,
        text=True,
    )
    assert res.returncode != 0
    assert "main.ts(11," in res.stdout and "Type 'string' is not assignable to type 'number'" in res.stdout
