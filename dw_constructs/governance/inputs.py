"""Reading what the policy pack checks: a ``cdktf.out`` directory (``stacks/*/cdk.tf.json``), a
directory of rendered manifests (``*.yaml``/``*.yml``/``*.json``, multi-document YAML allowed), or
single files. Plain Python."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from dw_constructs.governance.policies import PolicyInput, TerraformDoc, manifest_docs
from dw_constructs.governance.report import GovernanceError, Violation

#: Directories never entered: VCS/tool state and dependency trees.
_SKIP_DIRS = {".git", ".terraform", "node_modules", "__pycache__", ".venv"}
#: cdktf.out bookkeeping files (not Terraform, not manifests).
_SKIP_FILES = {"manifest.json", "metadata.json", "tree.json"}


def _problem(label: str, message: str) -> Violation:
    return Violation(label, "(file)", None, "readable input", message, "readable-input")


def is_terraform(doc: Any) -> bool:
    return isinstance(doc, Mapping) and any(k in doc for k in ("resource", "provider", "terraform", "output", "data"))


def terraform_doc(doc: Mapping[str, Any], stack: str | None = None, base_dir: Path | None = None) -> TerraformDoc:
    """A synthesized stack (``cdk.tf.json`` parsed); its name from cdktf's metadata unless given."""
    name = stack or ((doc.get("//") or {}).get("metadata") or {}).get("stackName") or "stack"
    return TerraformDoc(name, doc, base_dir)


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in _SKIP_DIRS
            and not d.startswith(".")
            # chart sources (templates are not YAML) and cdktf assets next to a stack
            and not (here / d / "Chart.yaml").is_file()
            and not (d == "assets" and (here / "cdk.tf.json").is_file())
        )
        if (here / "Chart.yaml").is_file() and here != root:
            continue
        for f in sorted(filenames):
            yield here / f


def _read_file(path: Path, label: str, out: PolicyInput, root: str = "") -> None:
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml") or path.name in _SKIP_FILES:
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        out.problems.append(_problem(label, f"cannot read: {exc}"))
        return
    if suffix == ".json":
        try:
            doc = json.loads(text)
        except ValueError as exc:
            out.problems.append(_problem(label, f"not valid JSON: {exc}"))
            return
        if path.name.endswith(".tf.json") or (is_terraform(doc) and "kind" not in doc):
            fallback = path.parent.name if path.name == "cdk.tf.json" else path.name.split(".")[0]
            meta = ((doc.get("//") or {}).get("metadata") or {}).get("stackName")
            out.terraform.append(TerraformDoc(meta or fallback, doc, path.parent))
        elif isinstance(doc, Mapping) and doc.get("kind"):
            out.manifests += manifest_docs(label, [doc], file=label, root=root)
        return
    try:
        docs = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        out.problems.append(_problem(label, f"not valid YAML: {str(exc).splitlines()[0]}"))
        return
    out.manifests += manifest_docs(label, [d for d in docs if isinstance(d, Mapping)], file=label, root=root)


def read_paths(paths: Iterable[str | os.PathLike[str]]) -> PolicyInput:
    """Everything below ``paths`` (directories or files), in a stable order; labels are relative
    to each given directory (a given file is labelled by its path as given)."""
    out = PolicyInput()
    for p in paths:
        root = Path(p)
        if root.is_dir():
            for f in _walk(root):
                _read_file(f, f.relative_to(root).as_posix(), out, root.as_posix())
        elif root.is_file():
            _read_file(root, root.as_posix(), out)
        else:
            raise GovernanceError(f"{p}: no such file or directory")
    return out


def from_documents(
    terraform: Iterable[Mapping[str, Any]] = (),
    manifests: Iterable[Mapping[str, Any]] = (),
    *,
    manifest_label: str = "manifests",
) -> PolicyInput:
    """In-process input: parsed stacks (e.g. ``stack.to_terraform()``) and manifest dicts."""
    out = PolicyInput()
    for doc in terraform:
        out.terraform.append(terraform_doc(doc))
    out.manifests += manifest_docs(manifest_label, list(manifests))
    return out
