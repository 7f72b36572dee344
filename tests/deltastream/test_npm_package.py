"""TypeScript users: the deltastream npm tarball, built by the same pipeline as the datawarehouse
one, installs into a throwaway cdktf app, type-checks with tsc and synthesizes with node."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

DIST = Path(__file__).resolve().parents[2] / "provider-bindings" / "deltastream" / "dist" / "js"

MAIN_TS = """
import { App, TerraformStack, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { provider, database, store, dataDeltastreamStores } from "@dw/provider-deltastream";

class Streams extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const key = new TerraformVariable(this, "api_key", { type: "string", sensitive: true });
    const pw = new TerraformVariable(this, "pg_password", { type: "string", sensitive: true });
    new provider.DeltastreamProvider(this, "ds", { apiKey: key.stringValue,
      organization: "0d9b1f5e-7c1a-4c8e-9f0a-2b6f4a1d3c55" });
    new database.Database(this, "db", { name: "from-ts" });
    new store.Store(this, "pg", { name: "pg", postgres: { uris: "postgresql://db:5432/app", username: "app",
      password: pw.stringValue } });
    new dataDeltastreamStores.DataDeltastreamStores(this, "all", {});
  }
}
const app = new App({ outdir: "cdktf.out" });
new Streams(app, "ts");
app.synth();
"""


def test_typescript_app_compiles_and_synthesizes(tmp_path):
    (tgz,) = DIST.glob("provider-deltastream@1.0.3.jsii.tgz")
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
    run("npx", "--no-install", "tsc", "-p", ".")
    run("node", "out/main.js")
    doc = json.loads((app / "cdktf.out" / "stacks" / "ts" / "cdk.tf.json").read_text())
    (pg,) = doc["resource"]["deltastream_store"].values()
    assert pg["postgres"] == {"uris": "postgresql://db:5432/app", "username": "app", "password": "${var.pg_password}"}
    assert "deltastream_stores" in doc["data"]
    assert doc["terraform"]["required_providers"]["deltastream"] == {
        "source": "deltastreaminc/deltastream",
        "version": "1.0.3",
    }
