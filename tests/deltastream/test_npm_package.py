"""TypeScript users: the deltastream npm tarball, built by the same pipeline as the datawarehouse
one, installs into a throwaway cdktf app, type-checks with tsc and synthesizes with node."""

from __future__ import annotations

from pathlib import Path

from tests.support.npm import synthesize, typescript_app

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
    doc = synthesize(typescript_app(tmp_path / "ts-app", tgz, MAIN_TS), "ts")
    (pg,) = doc["resource"]["deltastream_store"].values()
    assert pg["postgres"] == {"uris": "postgresql://db:5432/app", "username": "app", "password": "${var.pg_password}"}
    assert "deltastream_stores" in doc["data"]
    assert doc["terraform"]["required_providers"]["deltastream"] == {
        "source": "deltastreaminc/deltastream",
        "version": "1.0.3",
    }
