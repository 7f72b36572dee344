"""Plan artifacts: what a preview leaves on disk, and what an apply accepts (plain Python).

One directory per plan, ``<root>/stacks/<stack>/plans/<plan id>/``, files mode 0600:

- ``plan.tfplan``: the binary plan of ``tofu plan -out``, the only thing ``up`` applies. Like every
  saved plan it holds the values of the variables it was made with: keep it private.
- ``plan.json``: ``tofu show -json`` of it, sensitive values redacted.
- ``summary.txt``: the readable summary (:mod:`summary`).
- ``artifact.json``: what the plan is bound to: stack, tenant, kind, the hash of the synthesized
  configuration, the state fingerprint, the targets, the plan hash (sha256 of ``plan.tfplan``).
- ``approval.json``: a copy of the approval, once recorded (the record of truth is the database).

The plan id (``<UTC time>-<6 hex digits>``, unique per preview) names the directory; two previews of
the same configuration against the same state are two plans, each approved and applied on its own.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dw_constructs.deploy.errors import DeployUsageError
from dw_constructs.deploy.summary import PlanSummary

ARTIFACT_FORMAT = 1
PLAN_FILE, JSON_FILE, SUMMARY_FILE, META_FILE, APPROVAL_FILE = (
    "plan.tfplan",
    "plan.json",
    "summary.txt",
    "artifact.json",
    "approval.json",
)
KINDS = ("apply", "destroy")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def config_hash(stack_dir: Path) -> str:
    """sha256 over the synthesized stack directory (``cdk.tf.json`` and its assets): each file's
    relative path and content digest, in path order."""
    h = hashlib.sha256()
    files = sorted(p for p in Path(stack_dir).rglob("*") if p.is_file())
    for p in files:
        h.update(p.relative_to(stack_dir).as_posix().encode() + b"\0" + sha256_file(p).encode() + b"\n")
    return h.hexdigest()


def write_private(path: Path, data: str | bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


@dataclass(frozen=True)
class PlanArtifact:
    """One saved plan and what it is bound to (module docstring)."""

    path: Path
    plan_id: str
    plan_hash: str
    stack: str
    kind: str
    config_hash: str
    state: Mapping[str, Any]
    created_at: str
    actor: str
    changes: bool
    summary: PlanSummary
    tenant: str | None = None
    targets: tuple[str, ...] | None = None
    exclude_providers: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    tofu_version: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def plan_file(self) -> Path:
        return self.path / PLAN_FILE

    @property
    def json_file(self) -> Path:
        return self.path / JSON_FILE

    @property
    def has_changes(self) -> bool:
        """Whether OpenTofu planned any change (``plan -detailed-exitcode`` answered 2)."""
        return self.changes

    def show(self) -> dict[str, Any]:
        """The redacted ``tofu show -json`` document."""
        doc: dict[str, Any] = json.loads(self.json_file.read_text(encoding="utf-8"))
        return doc

    def header(self) -> str:
        st = self.state
        against = (
            f"state serial {st.get('serial')} ({st.get('resources', 0)} resources, lineage {st.get('lineage')})"
            if st.get("lineage")
            else "an empty state"
        )
        lines = [
            f"Plan {self.plan_id}: {self.kind} of stack {self.stack}"
            + (f", tenant {self.tenant}" if self.tenant else "")
            + f", by {self.actor} at {self.created_at}",
            f"Configuration sha256 {self.config_hash[:16]}..., planned against {against}",
        ]
        if self.targets is not None:
            lines.append(f"Targets ({len(self.targets)}): " + (", ".join(self.targets) or "none"))
        if self.exclude_providers:
            lines.append(f"Providers left out: {', '.join(self.exclude_providers)}")
        lines += [f"Governance warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def text(self) -> str:
        return f"{self.header()}\n{self.summary.text()}"

    def meta(self) -> dict[str, Any]:
        return {
            "format": ARTIFACT_FORMAT,
            "plan_id": self.plan_id,
            "plan_hash": self.plan_hash,
            "stack": self.stack,
            "tenant": self.tenant,
            "kind": self.kind,
            "config_hash": self.config_hash,
            "state": dict(self.state),
            "created_at": self.created_at,
            "actor": self.actor,
            "changes": self.changes,
            "targets": list(self.targets) if self.targets is not None else None,
            "exclude_providers": list(self.exclude_providers),
            "warnings": list(self.warnings),
            "tofu_version": self.tofu_version,
            "summary": self.summary.to_dict(),
            **dict(self.extra),
        }

    def save(self) -> PlanArtifact:
        write_private(self.path / META_FILE, json.dumps(self.meta(), indent=2, sort_keys=True) + "\n")
        write_private(self.path / SUMMARY_FILE, self.text() + "\n")
        return self

    def moved_to(self, path: Path) -> PlanArtifact:
        return replace(self, path=path)

    # ----------------------------------------------------------------------------------- loading
    @classmethod
    def load(cls, where: str | os.PathLike[str]) -> PlanArtifact:
        """Read an artifact directory (or any file in it) and check that the binary plan is the one
        it was made with. Raises :class:`DeployUsageError` for anything that is not an intact
        artifact."""
        p = Path(where)
        d = p.parent if p.is_file() else p
        meta_path = d / META_FILE
        if not meta_path.is_file():
            raise DeployUsageError(f"{where}: not a plan artifact (no {META_FILE}); give the directory a preview wrote")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != ARTIFACT_FORMAT:
                raise ValueError(
                    f"format {meta.get('format') if isinstance(meta, dict) else None!r}, expected {ARTIFACT_FORMAT}"
                )
            if meta.get("kind") not in KINDS:
                raise ValueError(f"kind {meta.get('kind')!r}")
            art = cls(
                path=d,
                plan_id=str(meta["plan_id"]),
                plan_hash=str(meta["plan_hash"]),
                stack=str(meta["stack"]),
                kind=meta["kind"],
                config_hash=str(meta["config_hash"]),
                state=dict(meta["state"]),
                created_at=str(meta["created_at"]),
                actor=str(meta["actor"]),
                changes=bool(meta["changes"]),
                summary=PlanSummary.from_dict(meta["summary"]),
                tenant=meta.get("tenant"),
                targets=tuple(meta["targets"]) if meta.get("targets") is not None else None,
                exclude_providers=tuple(meta.get("exclude_providers") or ()),
                warnings=tuple(meta.get("warnings") or ()),
                tofu_version=str(meta.get("tofu_version", "")),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DeployUsageError(f"{meta_path}: not a valid plan artifact ({type(exc).__name__}: {exc})") from None
        if not art.plan_file.is_file():
            raise DeployUsageError(f"{d}: the binary plan {PLAN_FILE} is missing")
        actual = sha256_file(art.plan_file)
        if actual != art.plan_hash:
            raise DeployUsageError(
                f"{art.plan_file}: corrupted or replaced: its sha256 is {actual[:12]}..., "
                f"plan {art.plan_id} was made with {art.plan_hash[:12]}...; nothing applied"
            )
        return art
