"""Construct reference pages generated from the props dataclasses' docstrings, so the props
tables in docs/ never drift from the code (tests/test_docs.py regenerates and compares).

    python -m dw_constructs._docs docs/constructs      # rewrite the pages
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import sys
from pathlib import Path

#: (page, construct class path, props dataclass path, example file, summary)
PAGES = [
    ("DataWarehouseCluster", "dw_constructs.datawarehouse.cluster:DataWarehouseCluster",
     "dw_constructs.datawarehouse.cluster_model:ClusterProps", "examples/single_node/main.py"),
    ("ReplicatedVde", "dw_constructs.datawarehouse.vde:ReplicatedVde",
     "dw_constructs.datawarehouse.cluster_model:VdeProps", "examples/clustered/main.py"),
    ("DataWarehouseUser", "dw_constructs.datawarehouse.user:DataWarehouseUser",
     "dw_constructs.datawarehouse.cluster_model:UserProps", "examples/replicated/main.py"),
    ("DataWarehousePolicy", "dw_constructs.datawarehouse.policy:DataWarehousePolicy",
     "dw_constructs.datawarehouse.cluster_model:PolicyProps", "examples/replicated/main.py"),
    ("DataWarehousePlugin", "dw_constructs.datawarehouse.plugin:DataWarehousePlugin",
     "dw_constructs.datawarehouse.cluster_model:PluginProps", "examples/clustered/main.py"),
    ("ReplicationTopology", "dw_constructs.datawarehouse.topology:ReplicationTopology",
     "dw_constructs.datawarehouse.cluster_model:ReplicationProps", "examples/replicated/main.py"),
    ("DataWarehouseInstance", "dw_constructs.datawarehouse.instance:DataWarehouseInstance",
     "dw_constructs.datawarehouse.model:InstanceProps", None),
    ("DataWarehouseProvider", "dw_constructs.datawarehouse.provider:DataWarehouseProvider",
     "dw_constructs.datawarehouse.model:ProviderProps", None),
    ("CnpgPostgisCluster", "dw_constructs.cnpg.cluster:CnpgPostgisCluster",
     "dw_constructs.cnpg.model:ClusterProps", "examples/cnpg_apply/main.py"),
    ("CnpgOperator", "dw_constructs.cnpg.operator:CnpgOperator",
     "dw_constructs.cnpg.model:OperatorProps", None),
    ("DeltaStreamProvider", "dw_constructs.deltastream.provider:DeltaStreamProvider",
     "dw_constructs.deltastream.model:ProviderProps", "examples/deltastream/main.py"),
    ("DeltaStreamDatabase", "dw_constructs.deltastream.database:DeltaStreamDatabase",
     "dw_constructs.deltastream.model:DatabaseProps", None),
    ("DeltaStreamNamespace", "dw_constructs.deltastream.namespace:DeltaStreamNamespace",
     "dw_constructs.deltastream.model:NamespaceProps", None),
    ("DeltaStreamStore", "dw_constructs.deltastream.store:DeltaStreamStore",
     "dw_constructs.deltastream.model:StoreProps", "examples/deltastream/main.py"),
    ("DeltaStreamObject", "dw_constructs.deltastream.stream_object:DeltaStreamObject",
     "dw_constructs.deltastream.model:ObjectProps", "examples/deltastream/main.py"),
    ("DeltaStreamQuery", "dw_constructs.deltastream.query:DeltaStreamQuery",
     "dw_constructs.deltastream.model:QueryProps", "examples/deltastream_cnpg/main.py"),
    ("DeltaStreamEntity", "dw_constructs.deltastream.entity:DeltaStreamEntity",
     "dw_constructs.deltastream.model:EntityProps", None),
    ("DeltaStreamSecret", "dw_constructs.deltastream.secret:DeltaStreamSecret",
     "dw_constructs.deltastream.model:SecretProps", None),
    ("DeltaStreamSchemaRegistry", "dw_constructs.deltastream.schema_registry:DeltaStreamSchemaRegistry",
     "dw_constructs.deltastream.model:SchemaRegistryProps", None),
]

#: Nested props types documented on their construct's page (page -> props dataclass paths).
NESTED = {
    "CnpgPostgisCluster": ["dw_constructs.cnpg.model:BackupProps", "dw_constructs.cnpg.model:EsoProps",
                           "dw_constructs.cnpg.model:ClusterResources", "dw_constructs.cnpg.model:FluxProps"],
    "CnpgOperator": ["dw_constructs.cnpg.model:HelmChartSource"],
    "DataWarehouseCluster": ["dw_constructs.datawarehouse.cluster_model:ProviderEndpoint"],
    "DeltaStreamStore": [f"dw_constructs.deltastream.model:{k}" for k in (
        "KafkaProps", "ConfluentKafkaProps", "KinesisProps", "SnowflakeProps", "PostgresProps")],
    "DeltaStreamObject": ["dw_constructs.deltastream.model:Column"],
    "DeltaStreamSchemaRegistry": ["dw_constructs.deltastream.model:ConfluentRegistryProps",
                                  "dw_constructs.deltastream.model:ConfluentCloudRegistryProps"],
}

#: Guides linked from a construct's page (page -> path relative to docs/).
GUIDES = {"CnpgPostgisCluster": "cnpg.md", "DataWarehouseCluster": "datawarehouse.md",
          **{page: "deltastream.md" for page in (
              "DeltaStreamProvider", "DeltaStreamDatabase", "DeltaStreamNamespace", "DeltaStreamStore",
              "DeltaStreamObject", "DeltaStreamQuery", "DeltaStreamEntity", "DeltaStreamSecret",
              "DeltaStreamSchemaRegistry")}}


_ROOT = Path(__file__).resolve().parents[1]


def _load(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def parse_attributes(doc: str) -> dict[str, str]:
    """``Attributes:`` section of a Google-style docstring → {name: description}."""
    lines = inspect.cleandoc(doc).splitlines()
    out: dict[str, str] = {}
    try:
        start = lines.index("Attributes:") + 1
    except ValueError:
        return out
    current = None
    for line in lines[start:]:
        if not line.strip():
            break
        m = re.match(r"^    (\w+): (.*)$", line)
        if m:
            current = m.group(1)
            out[current] = m.group(2).strip()
        elif current and line.startswith("        "):
            out[current] += " " + line.strip()
    return out


def _type_name(t) -> str:
    return str(t).replace("typing.", "").replace("collections.abc.", "")


def props_table(props_cls) -> list[str]:
    docs = parse_attributes(props_cls.__doc__ or "")
    rows = ["| prop | type | default | description |", "|---|---|---|---|"]
    for f in dataclasses.fields(props_cls):
        desc = docs.get(f.name, "")
        m = re.search(r"Default: (.*?)\.?$", desc)
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        default = "**required**" if required else (m.group(1) if m else "")
        text = re.sub(r"\s*(Required|Default: .*?)\.?$", "", desc).rstrip(".")
        cells = [f"`{f.name}`", f"`{_type_name(f.type)}`", default, f"{text}."]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return rows


def render_page(title: str, construct_path: str, props_path: str, example: str | None) -> str:
    construct = _load(construct_path)
    props = _load(props_path)
    module = construct_path.partition(":")[0]
    summary = inspect.cleandoc(construct.__doc__ or "").split("\n\n")
    parts = [f"# {title}", "", f"`from {module.rsplit('.', 1)[0]} import {title}`", ""]
    parts += ["\n\n".join(summary), "", "## Props", ""]
    parts += props_table(props)
    for nested in NESTED.get(title, []):
        cls = _load(nested)
        parts += ["", f"### `{cls.__name__}`", "", inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0], ""]
        parts += props_table(cls)
    parts += [""] + ([f"Guide: [docs/{GUIDES[title]}](../{GUIDES[title]})."] if title in GUIDES else [])
    if example:
        stack_class = re.search(r"^class .*?(?=\n\n\n)", _ROOT.joinpath(example).read_text(), re.S | re.M).group(0)
        parts += ["", "## Example", "", f"From [`{example}`](../../{example}) (synthesized and validated by the tests):",
                  "", "```python", stack_class, "```"]
    parts += ["", "<!-- generated by `python -m dw_constructs._docs docs/constructs`; do not edit -->", ""]
    return "\n".join(parts)


def render_all() -> dict[str, str]:
    return {f"{title}.md": render_page(title, c, p, e) for title, c, p, e in PAGES}


def main(argv: list[str]) -> None:
    outdir = Path(argv[0] if argv else "docs/constructs")
    outdir.mkdir(parents=True, exist_ok=True)
    for name, text in render_all().items():
        (outdir / name).write_text(text)
        print(outdir / name)


if __name__ == "__main__":
    main(sys.argv[1:])
