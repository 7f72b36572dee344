#!/usr/bin/env python
"""Rebuild a synthesized stack without dw_constructs: the baselines of benchmarks/bench_process.py.

    python benchmarks/apps/replay.py floor|naive SPEC.json      # synthesizes into $CDKTF_OUTDIR

SPEC.json: ``{"json": <a cdk.tf.json>, "stack": <stack name>, "assets": [{"path": <construct
path>, "source": <file or directory>}]}`` (the TerraformAssets of the original app, whose paths the
JSON only holds as ``assets/<logical id>/<hash>``).

Every element is recreated at its original construct path (``"//"`` metadata, output paths), so
logical ids, and so the whole JSON, come out identical to the original (the benchmark checks it):

- ``floor``: cdktf core only (``TerraformProvider``, ``TerraformResource``, ``TerraformDataSource``
  with one ``add_override`` per attribute, variables, outputs, assets, backend): the least any app
  pays for these resources, the "cdktf core floor".
- ``naive``: the same resources written with the prebuilt provider packages
  (``cdktf_cdktf_provider_kubernetes``, ``cdktf_cdktf_provider_helm``) and our generated
  datawarehouse bindings, as an app without dw_constructs would.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cdktf import (
    App,
    AssetType,
    LocalBackend,
    TerraformAsset,
    TerraformDataSource,
    TerraformOutput,
    TerraformProvider,
    TerraformProviderGeneratorMetadata,
    TerraformResource,
    TerraformResourceLifecycle,
    TerraformStack,
    TerraformVariable,
    Token,
)
from constructs import Construct

#: Python packages of the naive app, per provider (resource type prefix).
NAIVE_PACKAGES = {
    "kubernetes": "cdktf_cdktf_provider_kubernetes",
    "helm": "cdktf_cdktf_provider_helm",
    "datawarehouse": "dw_cdktf_provider_datawarehouse",
}
PROVIDER_CLASSES = {
    "kubernetes": "KubernetesProvider",
    "helm": "HelmProvider",
    "datawarehouse": "DatawarehouseProvider",
}
META = ("//", "depends_on", "provider", "lifecycle")


def _camel(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


def _nulls(value: Any) -> Any:
    """JSON nulls inside values as cdktf nulls (a Python None would drop the key)."""
    if value is None:
        return Token.null_value()
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    return value


def _struct_of(hint: Any) -> type | None:
    """The jsii struct class among the types of a parameter hint (a Sequence of it, for lists)."""
    for arg in typing.get_args(hint):
        if isinstance(arg, type) and hasattr(arg, "_values"):
            return arg
        found = _struct_of(arg)
        if found is not None:
            return found
    return None


class Replay:
    def __init__(self, mode: str, spec: dict[str, Any]) -> None:
        self.mode = mode
        self.doc = json.loads(Path(spec["json"]).read_text())
        self.app = App(outdir=os.environ.get("CDKTF_OUTDIR", "cdktf.out"))
        self.stack = TerraformStack(self.app, spec["stack"])
        self.scopes: dict[str, Construct] = {spec["stack"]: self.stack}
        self.providers: dict[str, TerraformProvider] = {}
        self.elements: dict[str, Any] = {}
        self.assets = spec.get("assets", [])

    # -- construct tree ------------------------------------------------------------------------

    def scope(self, path: str) -> Construct:
        found = self.scopes.get(path)
        if found is None:
            parent, _, id = path.rpartition("/")
            found = self.scopes[path] = Construct(self.scope(parent), id)
        return found

    def parent_and_id(self, path: str) -> tuple[Construct, str]:
        parent, _, id = path.rpartition("/")
        return self.scope(parent), id

    # -- elements ------------------------------------------------------------------------------

    def naive_class(self, kind: str, data: bool) -> type:
        prefix = kind.split("_", 1)[0]
        if kind == "terraform_data":
            from cdktf import DataResource

            return DataResource
        module = kind[len(prefix) + 1 :]
        name = _camel(module)
        if data:
            module, name = f"data_{kind}", f"Data{_camel(kind)}"
        mod = importlib.import_module(f"{NAIVE_PACKAGES[prefix]}.{module}")
        return getattr(mod, "ObjectResource" if name == "Object" else name)  # type: ignore[no-any-return]

    def naive_kwargs(self, cls: type, attrs: dict[str, Any]) -> dict[str, Any]:
        """Attributes as keyword arguments; lists of nested blocks as their struct classes (the
        generated constructors convert a dict for a single block themselves)."""
        hints = typing.get_type_hints(cls.__init__)  # type: ignore[misc]
        out = {}
        for key, value in attrs.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                struct = _struct_of(hints.get(key))
                if struct is not None:
                    value = [struct(**v) for v in value]
            out[key] = _nulls(value)
        return out

    def meta(self, body: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "depends_on" in body:
            out["depends_on"] = [self.elements[ref] for ref in body["depends_on"]]
        if "provider" in body:
            out["provider"] = self.providers[body["provider"]]
        if "lifecycle" in body:
            out["lifecycle"] = TerraformResourceLifecycle(**body["lifecycle"])
        return out

    def provider(self, kind: str, config: dict[str, Any], required: dict[str, Any]) -> None:
        alias = config.get("alias")
        id = f"{kind}-{alias}" if alias else kind
        attrs = {k: v for k, v in config.items() if k != "alias"}
        if self.mode == "naive":
            cls = getattr(importlib.import_module(f"{NAIVE_PACKAGES[kind]}.provider"), PROVIDER_CLASSES[kind])
            p = cls(self.stack, id, alias=alias, **self.naive_kwargs(cls, attrs))
        else:
            p = TerraformProvider(
                self.stack,
                id,
                terraform_resource_type=kind,
                terraform_provider_source=required["source"],
                terraform_generator_metadata=TerraformProviderGeneratorMetadata(
                    provider_name=kind, provider_version_constraint=required["version"]
                ),
            )
            for key, value in config.items():  # the base class has no alias of its own: an override too
                p.add_override(key, _nulls(value))
        self.providers[f"{kind}.{alias}" if alias else kind] = p

    def element(self, section: str, kind: str, logical: str, body: dict[str, Any]) -> None:
        scope, id = self.parent_and_id(body["//"]["metadata"]["path"])
        attrs = {k: v for k, v in body.items() if k not in META}
        meta = self.meta(body)
        if self.mode == "naive":
            cls = self.naive_class(kind, data=section == "data")
            made = cls(scope, id, **self.naive_kwargs(cls, attrs), **meta)
        else:
            base: Callable[..., Any] = TerraformDataSource if section == "data" else TerraformResource
            meta.pop("provider", None)  # by name (the raw provider has no alias of its own: see provider())
            made = base(scope, id, terraform_resource_type=kind, **meta)
            for key, value in attrs.items():
                made.add_override(key, _nulls(value))
            if "provider" in body:
                made.add_override("provider", body["provider"])
        self.elements[f"data.{kind}.{logical}" if section == "data" else f"{kind}.{logical}"] = made

    def build(self) -> TerraformStack:
        doc = self.doc
        terraform = doc.get("terraform", {})
        for kind, cfg in terraform.get("backend", {}).items():
            if kind != "local":
                raise SystemExit(f"replay: backend {kind!r} not supported")
            LocalBackend(self.stack, **cfg)
        for asset in self.assets:
            scope, id = self.parent_and_id(asset["path"])
            kind = AssetType.DIRECTORY if Path(asset["source"]).is_dir() else AssetType.FILE
            TerraformAsset(scope, id, path=asset["source"], type=kind)
        for name, body in doc.get("variable", {}).items():
            TerraformVariable(self.stack, name, **body)
        for kind, configs in doc.get("provider", {}).items():
            for config in configs:
                self.provider(kind, config, terraform["required_providers"][kind])
        pending = [
            (section, kind, logical, body)
            for section in ("resource", "data")
            for kind, items in doc.get(section, {}).items()
            for logical, body in items.items()
        ]
        while pending:  # depends_on needs the objects: dependencies first
            later = []
            for item in pending:
                section, kind, logical, body = item
                if all(ref in self.elements for ref in body.get("depends_on", ())):
                    self.element(section, kind, logical, body)
                else:
                    later.append(item)
            if len(later) == len(pending):
                raise SystemExit(f"replay: unresolvable depends_on in {[i[2] for i in later]}")
            pending = later
        self._outputs(doc.get("//", {}).get("outputs", {}), [])
        return self.stack

    def _outputs(self, tree: dict[str, Any], path: list[str]) -> None:
        outputs = self.doc.get("output", {})
        for key, value in tree.items():
            if isinstance(value, dict):
                self._outputs(value, [*path, key])
                continue
            body = dict(outputs[value])
            scope = self.scope("/".join(path))
            out = TerraformOutput(scope, key, value=_nulls(body.pop("value")), **body)
            out.override_logical_id(value)


def main(argv: list[str]) -> int:
    mode, spec_path = argv
    if mode not in ("floor", "naive"):
        raise SystemExit("usage: replay.py floor|naive SPEC.json")
    spec = json.loads(Path(spec_path).read_text())
    replay = Replay(mode, spec)
    replay.build()
    replay.app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
