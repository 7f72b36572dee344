"""Construct reference pages generated from the docstrings, so the props tables in docs/ never
drift from the code (tests/test_docs.py regenerates the pages and compares them, and compares
each page's arguments with the constructor's signature).

    python -m dw_constructs._docs docs/constructs      # rewrite the pages

What a page holds, and where it comes from:

- the construct's class docstring, without its ``Args:`` and ``Attributes:`` sections;
- **Props**: one row per keyword argument of the constructor: the fields of the props dataclass
  (``Attributes:`` of its docstring: description and ``Default: ...``) and the construct's own
  arguments (``Args:`` of the class docstring, e.g. ``cluster``, providers); an enum-typed
  argument lists its allowed values;
- the nested props types (``NESTED``), the **Enums** used on the page (members and values),
  the class's **Attributes**, its public **Methods** (signature, arguments, example), the guide and
  the example stack.

Docstrings are reStructuredText-flavoured (``literal``, ``:class:`x```); the pages are markdown:
literals become code spans and Sphinx roles their target's name.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

#: (page, construct class path, props dataclass path, example file)
PAGES = [
    (
        "DataWarehouseCluster",
        "dw_constructs.datawarehouse.cluster:DataWarehouseCluster",
        "dw_constructs.datawarehouse.cluster_model:ClusterProps",
        "examples/single_node/main.py",
    ),
    (
        "ReplicatedVde",
        "dw_constructs.datawarehouse.vde:ReplicatedVde",
        "dw_constructs.datawarehouse.cluster_model:VdeProps",
        "examples/clustered/main.py",
    ),
    (
        "DataWarehouseUser",
        "dw_constructs.datawarehouse.user:DataWarehouseUser",
        "dw_constructs.datawarehouse.cluster_model:UserProps",
        "examples/replicated/main.py",
    ),
    (
        "DataWarehousePolicy",
        "dw_constructs.datawarehouse.policy:DataWarehousePolicy",
        "dw_constructs.datawarehouse.cluster_model:PolicyProps",
        "examples/replicated/main.py",
    ),
    (
        "DataWarehousePlugin",
        "dw_constructs.datawarehouse.plugin:DataWarehousePlugin",
        "dw_constructs.datawarehouse.cluster_model:PluginProps",
        "examples/clustered/main.py",
    ),
    (
        "ReplicationTopology",
        "dw_constructs.datawarehouse.topology:ReplicationTopology",
        "dw_constructs.datawarehouse.cluster_model:ReplicationProps",
        "examples/replicated/main.py",
    ),
    (
        "DataWarehouseInstance",
        "dw_constructs.datawarehouse.instance:DataWarehouseInstance",
        "dw_constructs.datawarehouse.model:InstanceProps",
        None,
    ),
    (
        "DataWarehouseProvider",
        "dw_constructs.datawarehouse.provider:DataWarehouseProvider",
        "dw_constructs.datawarehouse.model:ProviderProps",
        None,
    ),
    (
        "CnpgPostgisCluster",
        "dw_constructs.cnpg.cluster:CnpgPostgisCluster",
        "dw_constructs.cnpg.model:ClusterProps",
        "examples/cnpg_apply/main.py",
    ),
    ("CnpgOperator", "dw_constructs.cnpg.operator:CnpgOperator", "dw_constructs.cnpg.model:OperatorProps", None),
    (
        "DeltaStreamProvider",
        "dw_constructs.deltastream.provider:DeltaStreamProvider",
        "dw_constructs.deltastream.model:ProviderProps",
        "examples/deltastream/main.py",
    ),
    (
        "DeltaStreamDatabase",
        "dw_constructs.deltastream.database:DeltaStreamDatabase",
        "dw_constructs.deltastream.model:DatabaseProps",
        None,
    ),
    (
        "DeltaStreamNamespace",
        "dw_constructs.deltastream.namespace:DeltaStreamNamespace",
        "dw_constructs.deltastream.model:NamespaceProps",
        None,
    ),
    (
        "DeltaStreamStore",
        "dw_constructs.deltastream.store:DeltaStreamStore",
        "dw_constructs.deltastream.model:StoreProps",
        "examples/deltastream/main.py",
    ),
    (
        "DeltaStreamObject",
        "dw_constructs.deltastream.stream_object:DeltaStreamObject",
        "dw_constructs.deltastream.model:ObjectProps",
        "examples/deltastream/main.py",
    ),
    (
        "DeltaStreamQuery",
        "dw_constructs.deltastream.query:DeltaStreamQuery",
        "dw_constructs.deltastream.model:QueryProps",
        "examples/deltastream_cnpg/main.py",
    ),
    (
        "DeltaStreamEntity",
        "dw_constructs.deltastream.entity:DeltaStreamEntity",
        "dw_constructs.deltastream.model:EntityProps",
        None,
    ),
    (
        "DeltaStreamSecret",
        "dw_constructs.deltastream.secret:DeltaStreamSecret",
        "dw_constructs.deltastream.model:SecretProps",
        None,
    ),
    (
        "DeltaStreamSchemaRegistry",
        "dw_constructs.deltastream.schema_registry:DeltaStreamSchemaRegistry",
        "dw_constructs.deltastream.model:SchemaRegistryProps",
        None,
    ),
]

#: Nested props types documented on their construct's page (page -> props dataclass paths).
NESTED = {
    "CnpgPostgisCluster": [
        "dw_constructs.cnpg.model:BackupProps",
        "dw_constructs.cnpg.model:EsoProps",
        "dw_constructs.cnpg.model:ClusterResources",
        "dw_constructs.cnpg.model:FluxProps",
    ],
    "CnpgOperator": ["dw_constructs.cnpg.model:HelmChartSource"],
    "DataWarehouseCluster": ["dw_constructs.datawarehouse.cluster_model:ProviderEndpoint"],
    "ReplicationTopology": ["dw_constructs.datawarehouse.cluster_model:Endpoint"],
    "DeltaStreamStore": [
        f"dw_constructs.deltastream.model:{k}"
        for k in ("KafkaProps", "ConfluentKafkaProps", "KinesisProps", "SnowflakeProps", "PostgresProps")
    ],
    "DeltaStreamObject": ["dw_constructs.deltastream.model:Column"],
    "DeltaStreamSchemaRegistry": [
        "dw_constructs.deltastream.model:ConfluentRegistryProps",
        "dw_constructs.deltastream.model:ConfluentCloudRegistryProps",
    ],
}

#: Guides linked from a construct's page (page -> path relative to docs/).
GUIDES = {
    "CnpgPostgisCluster": "cnpg.md",
    "DataWarehouseCluster": "datawarehouse.md",
    **{
        page: "deltastream.md"
        for page in (
            "DeltaStreamProvider",
            "DeltaStreamDatabase",
            "DeltaStreamNamespace",
            "DeltaStreamStore",
            "DeltaStreamObject",
            "DeltaStreamQuery",
            "DeltaStreamEntity",
            "DeltaStreamSecret",
            "DeltaStreamSchemaRegistry",
        )
    },
}

#: Docstring sections the generator reads (everything else is prose).
_SECTIONS = ("Args", "Arguments", "Attributes", "Returns", "Raises", "Example", "Examples")

_ROOT = Path(__file__).resolve().parents[1]


def _load(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


# --- docstrings -------------------------------------------------------------------------------


def _is_section(line: str) -> str | None:
    m = re.match(r"^(\w+):(:)?$", line.strip())
    if m and m.group(1) in _SECTIONS and not line.startswith(" "):
        return m.group(1)
    return None


def parse_section(doc: str, name: str) -> dict[str, str]:
    """Section ``name`` (``Args``, ``Attributes``) of a Google-style docstring → {name: description}.
    Continuation lines are joined with single spaces."""
    lines = inspect.cleandoc(doc).splitlines()
    out: dict[str, str] = {}
    try:
        start = next(i for i, line in enumerate(lines) if _is_section(line) == name) + 1
    except StopIteration:
        return out
    current = None
    for line in lines[start:]:
        if not line.strip() or _is_section(line):
            break
        m = re.match(r"^    (\w[\w, ]*): (.*)$", line)
        if m:
            current = m.group(1)
            out[current] = m.group(2).strip()
        elif current and line.startswith("        "):
            out[current] += " " + line.strip()
    return out


def parse_attributes(doc: str) -> dict[str, str]:
    """``Attributes:`` section of a Google-style docstring → {name: description}."""
    return parse_section(doc, "Attributes")


def prose(doc: str) -> str:
    """The docstring without its sections (``Args:``, ``Attributes:``, ``Example::`` ...)."""
    kept: list[str] = []
    skipping = False
    for line in inspect.cleandoc(doc).splitlines():
        if _is_section(line):
            skipping = True
            continue
        if skipping and (line.startswith(" ") or not line.strip()):
            continue
        skipping = False
        kept.append(line)
    return "\n".join(kept).strip()


def example(doc: str) -> str | None:
    """The code of the ``Example::`` section of a docstring, dedented, or None."""
    lines = inspect.cleandoc(doc).splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if _is_section(line) in ("Example", "Examples")) + 1
    except StopIteration:
        return None
    body: list[str] = []
    for line in lines[start:]:
        if line.strip() and not line.startswith(" "):
            break
        body.append(line)
    return inspect.cleandoc("\n".join(body)) or None


_ROLE_RE = re.compile(r":(class|meth|attr|func|data|mod|obj|exc|const):`~?([^`]+)`")


def markdown(text: str) -> str:
    """reStructuredText inline markup → markdown: Sphinx roles become a code span with the
    target's last name (``:class:`cluster_model.ClusterProps``` → `` `ClusterProps` ``; a method
    gets ``()``), ````literal```` becomes `` `literal` ``."""

    def role(m: re.Match[str]) -> str:
        name = m.group(2).rsplit(".", 1)[-1]
        return f"`{name}()`" if m.group(1) in ("meth", "func") else f"`{name}`"

    text = _ROLE_RE.sub(role, text)
    return re.sub(r"``([^`]+)``", r"`\1`", text)


# --- types --------------------------------------------------------------------------------------


def _type_name(t: Any) -> str:
    """An annotation as a page shows it: no ``typing.``, ``collections.abc.`` or module alias
    (``m.ClusterProps`` → ``ClusterProps``)."""
    text = str(t).replace("typing.", "").replace("collections.abc.", "").strip("'\"")
    return re.sub(r"\b[a-z_][a-z0-9_]*\.(?=[A-Z])", "", text)


def enums_in(annotation: Any, namespace: dict[str, Any]) -> list[type[enum.Enum]]:
    """The Enum classes named in a (string) annotation, resolved in ``namespace`` (the module of
    the class that has the annotation; ``m.ClusterMode`` style names too)."""
    found: list[type[enum.Enum]] = []
    for name in re.findall(r"[A-Za-z_][\w.]*", _type_name(annotation)):
        obj: Any = namespace.get(name.split(".")[0])
        for part in name.split(".")[1:]:
            obj = getattr(obj, part, None)
        if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj not in found:
            found.append(obj)
    return found


def _namespace(obj: Any) -> dict[str, Any]:
    return vars(sys.modules[obj.__module__])


def default_text(value: Any) -> str:
    """How a page shows a default taken from a signature."""
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _allowed(enums: list[type[enum.Enum]]) -> str:
    return " ".join("Allowed: " + ", ".join(f"`{e.__name__}.{m.name}` (`{_value(m)}`)" for m in e) + "." for e in enums)


def _value(member: enum.Enum) -> str:
    return f'"{member.value}"' if isinstance(member.value, str) else repr(member.value)


# --- tables ------------------------------------------------------------------------------------


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def _cell(desc: str, required: bool) -> tuple[str, str]:
    """(default, description) of a documented prop: ``Default: x`` → x, else required."""
    m = re.search(r"Default: (.*?)\.?$", desc)
    default = "**required**" if required else (markdown(m.group(1)) if m else "")
    text = re.sub(r"\s*(Required|Default: .*?)\.?$", "", desc).rstrip(".")
    return default, markdown(text)


@dataclasses.dataclass
class _Arg:
    name: str
    type_name: str
    required: bool
    description: str  # with its "Default: ..." / "Required."
    enums: list[type[enum.Enum]]


def construct_args(construct: type, props_cls: type) -> list[_Arg]:
    """The constructor's keyword arguments as the page shows them: the props fields (documented in
    the props dataclass) and the construct's own arguments (``Args:`` of its docstring), in the
    constructor's order. Arguments documented nowhere are shown with an empty description."""
    fields = {f.name: f for f in dataclasses.fields(props_cls)}
    props_docs = parse_attributes(props_cls.__doc__ or "")
    own_docs = parse_section(construct.__doc__ or "", "Args")
    params = [
        p
        for p in inspect.signature(construct.__init__).parameters.values()  # type: ignore[misc]
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    out = []
    for p in params:
        if p.name in fields and p.name not in own_docs:
            f = fields[p.name]
            required = p.default is inspect.Parameter.empty
            desc = props_docs.get(p.name, "")
            if not required and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                # required in the props, optional here (derived from another argument when not given)
                desc = re.sub(r"\s*Required\.?$", "", desc) + f" Default: {default_text(p.default)}."
            out.append(_Arg(p.name, _type_name(f.type), required, desc, enums_in(f.type, _namespace(props_cls))))
        else:
            out.append(
                _Arg(
                    p.name,
                    _type_name(p.annotation),
                    p.default is inspect.Parameter.empty,
                    own_docs.get(p.name, ""),
                    enums_in(p.annotation, _namespace(construct)),
                )
            )
    return out


def _args_table(args: list[_Arg]) -> list[str]:
    rows = ["| prop | type | default | description |", "|---|---|---|---|"]
    for a in args:
        default, text = _cell(a.description, a.required)
        text = f"{text}." if text else ""
        if a.enums:
            text = f"{text} {_allowed(a.enums)}".strip()
        rows.append(_row([f"`{a.name}`", f"`{a.type_name}`", default, text]))
    return rows


def props_table(props_cls: type) -> list[str]:
    docs = parse_attributes(props_cls.__doc__ or "")
    args = []
    for f in dataclasses.fields(props_cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        args.append(
            _Arg(f.name, _type_name(f.type), required, docs.get(f.name, ""), enums_in(f.type, _namespace(props_cls)))
        )
    return _args_table(args)


# --- methods -------------------------------------------------------------------------------------


def public_methods(construct: type) -> Iterator[tuple[str, Callable[..., Any]]]:
    """Public methods and class methods defined by the construct class itself (not by Construct),
    in source order; properties are attributes, not methods."""
    for name, member in vars(construct).items():
        if name.startswith("_") or isinstance(member, property):
            continue
        func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
        if inspect.isfunction(func):
            yield name, getattr(construct, name)


def _signature_line(name: str, method: Callable[..., Any]) -> str:
    parts: list[str] = []
    star = False
    for p in inspect.signature(method).parameters.values():
        if p.name in ("self", "cls"):
            continue
        if p.kind is inspect.Parameter.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            star = True
            parts.append(f"*{p.name}")
        elif p.default is inspect.Parameter.empty:
            parts.append(p.name)
        else:
            parts.append(f"{p.name}={default_text(p.default)}")
    return f"{name}({', '.join(parts)})"


def _method_section(construct: type, name: str, method: Callable[..., Any]) -> list[str]:
    doc = method.__doc__ or ""
    docs = parse_section(doc, "Args")
    sig = inspect.signature(method)
    returns = sig.return_annotation
    head = f"### `{_signature_line(name, method)}`" + (
        f" → `{_type_name(returns)}`" if returns is not inspect.Signature.empty else ""
    )
    parts = [head, "", markdown(prose(doc)) or "(undocumented)", ""]
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls", "scope", "id")]
    if params:
        rows = ["| argument | type | default | description |", "|---|---|---|---|"]
        for p in params:
            default = (
                "**required**"
                if p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_POSITIONAL
                else ""
                if p.default is inspect.Parameter.empty
                else default_text(p.default)
            )
            desc = docs.get(p.name, "")
            documented = re.search(r"Default: (.*?)\.?$", desc)
            if documented and documented.group(1).startswith("-"):
                default = markdown(documented.group(1))
            text = re.sub(r"\s*(Required|Default: .*?)\.?$", "", desc).rstrip(".")
            text = f"{markdown(text)}." if text else ""
            enums = enums_in(p.annotation, _namespace(construct))
            if enums:
                text = f"{text} {_allowed(enums)}".strip()
            rows.append(_row([f"`{p.name}`", f"`{_type_name(p.annotation)}`", default, text]))
        parts += rows + [""]
    code = example(doc)
    if code:
        parts += ["```python", code, "```", ""]
    return parts


# --- pages ----------------------------------------------------------------------------------------


def render_page(title: str, construct_path: str, props_path: str, example_file: str | None) -> str:
    construct = _load(construct_path)
    props = _load(props_path)
    module = construct_path.partition(":")[0]
    parts = [f"# {title}", "", f"`from {module.rsplit('.', 1)[0]} import {title}`", ""]
    parts += [markdown(prose(construct.__doc__ or "")), "", "## Props", ""]
    args = construct_args(construct, props)
    parts += _args_table(args)
    enums = [e for a in args for e in a.enums]
    for nested in NESTED.get(title, []):
        cls = _load(nested)
        parts += ["", f"### `{cls.__name__}`", "", markdown(prose(cls.__doc__ or "").split("\n\n")[0]), ""]
        parts += props_table(cls)
        enums += [e for f in dataclasses.fields(cls) for e in enums_in(f.type, _namespace(cls))]
    methods = list(public_methods(construct))
    for _name, method in methods:
        enums += [
            e
            for p in inspect.signature(method).parameters.values()
            for e in enums_in(p.annotation, _namespace(construct))
        ]
    if enums:
        parts += ["", "## Enums", "", "Pass a member or its value (a string).", ""]
        for e in dict.fromkeys(enums):
            parts += [f"### `{e.__name__}`", "", f"`from {e.__module__.rsplit('.', 1)[0]} import {e.__name__}`", ""]
            if e.__doc__ and e.__doc__ != enum.Enum.__doc__ and not e.__doc__.startswith("An enumeration"):
                parts += [markdown(inspect.cleandoc(e.__doc__)), ""]
            parts += ["| member | value |", "|---|---|"] + [_row([f"`{m.name}`", f"`{_value(m)}`"]) for m in e]
            parts += [""]
    attributes = parse_attributes(construct.__doc__ or "")
    if attributes:
        parts += ["", "## Attributes", ""] + [f"- `{k}`: {markdown(v)}" for k, v in attributes.items()]
    if methods:
        parts += ["", "## Methods", ""]
        for name, method in methods:
            parts += _method_section(construct, name, method)
    parts += [""] + ([f"Guide: [docs/{GUIDES[title]}](../{GUIDES[title]})."] if title in GUIDES else [])
    if example_file:
        found = re.search(r"^class .*?(?=\n\n\n)", _ROOT.joinpath(example_file).read_text(), re.S | re.M)
        if found is None:
            raise ValueError(f"{example_file}: no stack class to show")
        parts += [
            "",
            "## Example",
            "",
            f"From [`{example_file}`](../../{example_file}) (synthesized and validated by the tests):",
            "",
            "```python",
            found.group(0),
            "```",
        ]
    parts += ["", "<!-- generated by `python -m dw_constructs._docs docs/constructs`; do not edit -->", ""]
    text = "\n".join(parts)
    return re.sub(r"\n{3,}", "\n\n", text)


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
