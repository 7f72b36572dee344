#!/usr/bin/env python3
"""Extract a real provider's schema with ``tofu providers schema -json`` into a provider directory.

    python provider-bindings/extract_schema.py provider-bindings/deltastream          # (re)write schema.json
    python provider-bindings/extract_schema.py provider-bindings/deltastream --check  # exit 1 if it differs

The provider (source address and exact version) comes from the directory's ``schema.source.json``;
``tofu init`` takes it from the CLI configuration in the environment (``TF_CLI_CONFIG_FILE``: our
filesystem mirror, see ``scripts/tools.sh --env``), so extraction never uses the network. The
source address keeps the ``registry.terraform.io`` host explicitly: that is the key the cdktf
generator matches for a ``namespace/type`` source, whatever the default registry of the CLI.

``schema.json`` is tofu's output re-serialized canonically (sorted keys, 2-space indent, trailing
newline) so that diffs stay reviewable; its content is exactly tofu's. When ``schema.source.json``
lists ``resources``, ``data_sources`` and/or ``ephemeral_resources`` (type names), only those schemas
of that kind are kept, each exactly as tofu reports it (the provider configuration block and the
provider functions always are): bindings for the few types we emit instead of the whole provider
(``provider-bindings/kubernetes``). A listed type the provider does not have is an error.

A built-in provider (``terraform.io/builtin/<name>``, e.g. ``terraform`` with ``terraform_data``)
ships inside the CLI: it takes no version constraint, so its ``version`` in ``schema.source.json`` is
the CLI's, checked against ``tofu version`` (``provider-bindings/terraform``). When it has nothing to
configure, tofu reports its provider schema as ``{"version": 0}`` without a block, which the cdktf
generator cannot read: that entry is left out (the bindings get no provider class, none is needed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def canonical(doc: dict) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def builtin(address: str) -> bool:
    """Whether ``address`` is a provider built into the CLI (``terraform.io/builtin/terraform``)."""
    return address.startswith("terraform.io/builtin/")


def extract(source_doc: dict, tofu: str) -> dict:
    """Run ``tofu init`` + ``tofu providers schema -json`` for the pinned provider; the parsed JSON."""
    address, version = source_doc["provider"], source_doc["version"]
    local_name = address.rsplit("/", 1)[-1]
    env = {**os.environ, "CHECKPOINT_DISABLE": "1"}
    env.pop("TF_PLUGIN_CACHE_DIR", None)  # a throwaway directory: copy from the mirror, cache nothing
    requirement = {"source": address, "version": version}
    if builtin(address):  # versioned with the CLI, and a version constraint on it is an error
        cli = subprocess.run([tofu, "version", "-json"], env=env, capture_output=True, text=True, check=True)
        if json.loads(cli.stdout)["terraform_version"] != version:
            raise SystemExit(f"{address} is built into tofu: expected tofu {version}, got {cli.stdout.strip()}")
        del requirement["version"]
    with tempfile.TemporaryDirectory(prefix="schema-") as tmp:
        Path(tmp, "main.tf.json").write_text(
            json.dumps({"terraform": {"required_providers": {local_name: requirement}}})
        )
        init = subprocess.run(
            [tofu, "init", "-backend=false", "-input=false", "-no-color"],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
        )
        if init.returncode != 0:
            raise SystemExit(f"tofu init failed for {address} {version}:\n{init.stdout}{init.stderr}")
        out = subprocess.run(
            [tofu, "providers", "schema", "-json"], cwd=tmp, env=env, capture_output=True, text=True, check=True
        ).stdout
    doc = json.loads(out)
    if list(doc.get("provider_schemas", {})) != [address]:
        raise SystemExit(f"expected exactly {address} in the schema, got {list(doc.get('provider_schemas', {}))}")
    return doc


def select(doc: dict[str, Any], source_doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with only the resource, data source and ephemeral resource schemas ``source_doc``
    lists, per kind (a kind it does not list stays whole)."""
    (address,) = doc["provider_schemas"]
    schemas = doc["provider_schemas"][address]
    for key, kind in (
        ("resources", "resource_schemas"),
        ("data_sources", "data_source_schemas"),
        ("ephemeral_resources", "ephemeral_resource_schemas"),
    ):
        if key not in source_doc:
            continue
        wanted, have = source_doc[key], schemas.get(kind, {})
        missing = sorted(set(wanted) - set(have))
        if missing:
            raise SystemExit(f"{address} {source_doc['version']} has no {key} {missing}")
        schemas[kind] = {name: have[name] for name in wanted}
    if builtin(address) and "block" not in schemas.get("provider", {}):
        schemas.pop("provider", None)  # nothing to configure, and no block the generator can read
    return doc


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--check", action="store_true", help="compare with schema.json instead of writing it")
    ap.add_argument("--tofu", default=os.environ.get("DW_TOFU") or os.environ.get("TERRAFORM_BINARY_NAME") or "tofu")
    args = ap.parse_args(argv)
    source_doc = json.loads((args.directory / "schema.source.json").read_text())
    text = canonical(select(extract(source_doc, args.tofu), source_doc))
    target = args.directory / "schema.json"
    if args.check:
        if target.read_text() != text:
            print(
                f"{target} differs from the schema of {source_doc['provider']} {source_doc['version']}", file=sys.stderr
            )
            return 1
        print(f"{target}: up to date")
        return 0
    target.write_text(text)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
