// Generate the cdktf TypeScript bindings for the datawarehouse provider from schema.json with the
// official cdktf provider generator (@cdktf/provider-generator, the code `cdktf get` runs).
// Output: src/ (generated; never edit by hand, never committed).
// Usage: node generate.js [outdir]   (default: ./src; tests generate elsewhere to check reproducibility)
"use strict";
process.env.CHECKPOINT_DISABLE = "1";
const fs = require("fs");
const path = require("path");
const { TerraformProviderGenerator, CodeMaker } = require("@cdktf/provider-generator");
const { ConstructsMakerProviderTarget, TerraformProviderConstraint, LANGUAGES } = require("@cdktf/commons");

async function main() {
  const here = __dirname;
  const pkg = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8"));
  const schema = JSON.parse(fs.readFileSync(path.join(here, "schema.json"), "utf8"));
  const { name, source, versionConstraint } = pkg.cdktf.provider;
  const out = fs.mkdtempSync(path.join(here, ".gen-"));
  try {
    const code = new CodeMaker();
    const generator = new TerraformProviderGenerator(code, schema);
    const constraint = new TerraformProviderConstraint({ name, source, version: versionConstraint });
    generator.generate(new ConstructsMakerProviderTarget(constraint, LANGUAGES[0]));
    await code.save(out);
    const src = path.resolve(process.argv[2] || path.join(here, "src"));
    fs.rmSync(src, { recursive: true, force: true });
    // Same layout as the prebuilt cdktf-provider-* packages: `cp -R .gen/providers/<name>/* src/`.
    fs.cpSync(path.join(out, "providers", name), src, { recursive: true });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
