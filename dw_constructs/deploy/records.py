"""The workspace's records: a SQLite database (``<root>/deploy.sqlite3``) with the stack records,
plans, approvals, operations and the audit log, and a JSON-lines copy of the audit log
(``<root>/audit.jsonl``) for log shippers (plain Python, standard library only).

Why SQLite: it is in the standard library (no dependency, no server), one file next to the local
state, transactional (an operation's record and its audit events are written atomically, and two
processes updating the same stack do not interleave half-written rows), safe for concurrent
processes on one machine, and queryable by a host application with plain SQL
(``sqlite3 .dw-deploy/deploy.sqlite3 "select * from operations"``). Triggers make the ``audit``
table append-only: an ``UPDATE`` or ``DELETE`` aborts. It is not for many machines sharing one
file over a network file system: keep one workspace root per deployment host (docs/deploy.md).

No secret is stored: outputs marked sensitive are masked, error texts have the workspace's
variable values masked, and states are never copied (only their fingerprints and addresses).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from dw_constructs.deploy.errors import DeployUsageError

DB_FILE, AUDIT_FILE = "deploy.sqlite3", "audit.jsonl"
SCHEMA_VERSION = 1
#: Operation statuses, in lifecycle order.
STATUSES = ("pending", "running", "succeeded", "failed", "compensated")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS stacks (
    stack TEXT PRIMARY KEY, tenant TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    last_operation TEXT, last_status TEXT, outputs TEXT, resources TEXT);
CREATE TABLE IF NOT EXISTS plans (
    plan_id TEXT PRIMARY KEY, plan_hash TEXT NOT NULL, stack TEXT NOT NULL, tenant TEXT, kind TEXT NOT NULL,
    config_hash TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL, actor TEXT, path TEXT NOT NULL,
    changes INTEGER NOT NULL, summary TEXT NOT NULL, applied_by TEXT);
CREATE TABLE IF NOT EXISTS approvals (
    plan_id TEXT NOT NULL, plan_hash TEXT NOT NULL, stack TEXT NOT NULL, tenant TEXT, actor TEXT NOT NULL,
    at TEXT NOT NULL, comment TEXT, via TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY, stack TEXT NOT NULL, tenant TEXT, actor TEXT, kind TEXT NOT NULL, status TEXT NOT NULL,
    plan_id TEXT, plan_hash TEXT, config_hash TEXT, approval TEXT, started_at TEXT NOT NULL, finished_at TEXT,
    duration_seconds REAL, error TEXT, outputs TEXT, created TEXT, compensation TEXT, resources TEXT);
CREATE INDEX IF NOT EXISTS operations_stack ON operations (stack, started_at);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, stack TEXT NOT NULL, tenant TEXT, actor TEXT,
    event TEXT NOT NULL, operation TEXT, plan_id TEXT, status TEXT, detail TEXT);
CREATE INDEX IF NOT EXISTS audit_stack ON audit (stack, seq);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@dataclass(frozen=True)
class Approval:
    """A recorded approval of one plan: its id and the sha256 of its binary plan."""

    plan_id: str
    plan_hash: str
    stack: str
    actor: str
    at: str
    via: str = "approve"
    comment: str | None = None
    tenant: str | None = None


@dataclass(frozen=True)
class OperationRecord:
    """One apply or destroy of a stack (a row of ``operations``).

    Attributes:
        status: ``pending`` (accepted by the gate), ``running`` (``tofu apply`` started),
            ``succeeded``, ``failed``, ``compensated`` (failed, and compensation removed everything
            it had created).
        outputs: the stack's outputs after a successful operation; sensitive ones masked.
        created: resource instances this operation created (state after minus state before).
        compensation: what compensation of a failed apply did: ``status`` (``complete``,
            ``partial``, ``failed``, ``nothing to do``, ``disabled``), ``destroyed``, ``kept`` (with
            reasons), ``error``.
        resources: resource instances in the state after the operation.
    """

    id: str
    stack: str
    kind: str
    status: str
    started_at: str
    tenant: str | None = None
    actor: str | None = None
    plan_id: str | None = None
    plan_hash: str | None = None
    config_hash: str | None = None
    approval: Mapping[str, Any] | None = None
    finished_at: str | None = None
    duration_seconds: float | None = None
    error: str | None = None
    outputs: Mapping[str, Any] | None = None
    created: tuple[str, ...] = ()
    compensation: Mapping[str, Any] | None = None
    resources: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> OperationRecord:
        return cls(
            id=row["id"],
            stack=row["stack"],
            kind=row["kind"],
            status=row["status"],
            started_at=row["started_at"],
            tenant=row["tenant"],
            actor=row["actor"],
            plan_id=row["plan_id"],
            plan_hash=row["plan_hash"],
            config_hash=row["config_hash"],
            approval=_load(row["approval"]),
            finished_at=row["finished_at"],
            duration_seconds=row["duration_seconds"],
            error=row["error"],
            outputs=_load(row["outputs"]),
            created=tuple(_load(row["created"]) or ()),
            compensation=_load(row["compensation"]),
            resources=tuple(_load(row["resources"])) if row["resources"] is not None else None,
        )


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit log."""

    seq: int
    at: str
    stack: str
    event: str
    tenant: str | None = None
    actor: str | None = None
    operation: str | None = None
    plan_id: str | None = None
    status: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        bits = [self.at, self.event]
        if self.status:
            bits.append(self.status)
        if self.operation:
            bits.append(f"operation {self.operation}")
        if self.plan_id:
            bits.append(f"plan {self.plan_id}")
        if self.actor:
            bits.append(f"by {self.actor}")
        reason = self.detail.get("reason") or self.detail.get("error")
        text = " ".join(bits)
        return f"{text}: {reason.splitlines()[0]}" if isinstance(reason, str) and reason else text


class Store:
    """The database and audit log of one workspace root."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.db_path = self.root / DB_FILE
        self.audit_path = self.root / AUDIT_FILE
        self._audit_lock = threading.Lock()
        self._local = threading.local()
        with self._connect() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise DeployUsageError(
                    f"{self.db_path}: database schema {version}, this version reads {SCHEMA_VERSION}"
                )
            db.executescript(_SCHEMA)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.db_path, timeout=60, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        finally:
            db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; the audit lines it adds go to ``audit.jsonl`` after it commits."""
        self._local.lines = []
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                self._local.lines = []
                raise
            db.execute("COMMIT")
        lines, self._local.lines = self._local.lines, []
        if lines:
            with self._audit_lock:
                fd = os.open(self.audit_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, "".join(line + "\n" for line in lines).encode())
                finally:
                    os.close(fd)

    # ------------------------------------------------------------------------------------ stacks
    def stack(self, stack: str) -> dict[str, Any] | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM stacks WHERE stack = ?", (stack,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["outputs"], out["resources"] = _load(row["outputs"]), _load(row["resources"])
        return out

    def bind_tenant(self, stack: str, tenant: str | None, actor: str | None) -> None:
        """The first governed use of a stack binds it to its tenant; another tenant (or none) is
        refused, so one tenant's rules cannot be bypassed by naming its stack as another."""
        with self.transaction() as db:
            row = db.execute("SELECT tenant FROM stacks WHERE stack = ?", (stack,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO stacks (stack, tenant, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    (stack, tenant, now(), now()),
                )
                self._audit(db, "stack-registered", stack, tenant=tenant, actor=actor)
            elif row["tenant"] != tenant:
                if row["tenant"] is None and tenant is not None:
                    db.execute("UPDATE stacks SET tenant = ?, updated_at = ? WHERE stack = ?", (tenant, now(), stack))
                    self._audit(db, "stack-governed", stack, tenant=tenant, actor=actor)
                else:
                    raise DeployUsageError(
                        f"stack {stack} is governed as tenant {row['tenant']!r} in {self.root}; "
                        f"refusing to operate it as {'no tenant' if tenant is None else repr(tenant)}"
                    )

    def update_stack(self, db: sqlite3.Connection, stack: str, **fields: Any) -> None:
        cols = {k: (_dump(v) if k in ("outputs", "resources") else v) for k, v in fields.items()}
        cols["updated_at"] = now()
        db.execute(f"UPDATE stacks SET {', '.join(f'{k} = ?' for k in cols)} WHERE stack = ?", (*cols.values(), stack))

    # ------------------------------------------------------------------------------------- plans
    def add_plan(self, art: Any) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO plans (plan_id, plan_hash, stack, tenant, kind, config_hash, state, created_at, "
                "actor, path, changes, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    art.plan_id,
                    art.plan_hash,
                    art.stack,
                    art.tenant,
                    art.kind,
                    art.config_hash,
                    _dump(dict(art.state)),
                    art.created_at,
                    art.actor,
                    str(art.path),
                    int(art.changes),
                    _dump(art.summary.to_dict()),
                ),
            )
            self._audit(
                db,
                "planned",
                art.stack,
                tenant=art.tenant,
                actor=art.actor,
                plan_id=art.plan_id,
                detail={
                    "kind": art.kind,
                    "plan_hash": art.plan_hash,
                    "config_hash": art.config_hash,
                    "state": dict(art.state),
                    "changes": art.changes,
                    "counts": art.summary.counts,
                    "data_at_risk": [c.address for c in art.summary.data_at_risk],
                    "kept": [k.address for k in art.summary.kept],
                    "path": str(art.path),
                },
            )

    def plan(self, plan_id: str) -> dict[str, Any] | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM plans WHERE plan_id = ?", (plan_id,)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["state"] = _load(row["state"])
        return out

    # --------------------------------------------------------------------------------- approvals
    def add_approval(self, a: Approval) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO approvals (plan_id, plan_hash, stack, tenant, actor, at, comment, via) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (a.plan_id, a.plan_hash, a.stack, a.tenant, a.actor, a.at, a.comment, a.via),
            )
            self._audit(
                db,
                "approved",
                a.stack,
                tenant=a.tenant,
                actor=a.actor,
                plan_id=a.plan_id,
                detail={"via": a.via, "comment": a.comment, "plan_hash": a.plan_hash},
            )

    def approval(self, plan_id: str, plan_hash: str) -> Approval | None:
        """The latest approval of this plan (id and binary plan hash both must match)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM approvals WHERE plan_id = ? AND plan_hash = ? ORDER BY at DESC LIMIT 1",
                (plan_id, plan_hash),
            ).fetchone()
        return (
            None
            if row is None
            else Approval(
                row["plan_id"],
                row["plan_hash"],
                row["stack"],
                row["actor"],
                row["at"],
                row["via"],
                row["comment"],
                row["tenant"],
            )
        )

    # -------------------------------------------------------------------------------- operations
    def start_operation(self, rec: OperationRecord) -> OperationRecord:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO operations (id, stack, tenant, actor, kind, status, plan_id, plan_hash, "
                "config_hash, approval, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rec.id,
                    rec.stack,
                    rec.tenant,
                    rec.actor,
                    rec.kind,
                    rec.status,
                    rec.plan_id,
                    rec.plan_hash,
                    rec.config_hash,
                    _dump(rec.approval),
                    rec.started_at,
                ),
            )
            self.update_stack(db, rec.stack, last_operation=rec.id, last_status=rec.status)
            self._audit(
                db,
                "operation",
                rec.stack,
                tenant=rec.tenant,
                actor=rec.actor,
                operation=rec.id,
                plan_id=rec.plan_id,
                status=rec.status,
                detail={"kind": rec.kind, "approval": rec.approval},
            )
        return rec

    def update_operation(
        self, rec: OperationRecord, *, event_detail: Mapping[str, Any] | None = None, applied_plan: str | None = None
    ) -> OperationRecord:
        """Write ``rec`` (its status changed) and one audit event for the new status."""
        with self.transaction() as db:
            db.execute(
                "UPDATE operations SET status = ?, finished_at = ?, duration_seconds = ?, error = ?, "
                "outputs = ?, created = ?, compensation = ?, resources = ? WHERE id = ?",
                (
                    rec.status,
                    rec.finished_at,
                    rec.duration_seconds,
                    rec.error,
                    _dump(rec.outputs),
                    _dump(list(rec.created)),
                    _dump(rec.compensation),
                    _dump(list(rec.resources)) if rec.resources is not None else None,
                    rec.id,
                ),
            )
            fields: dict[str, Any] = {"last_operation": rec.id, "last_status": rec.status}
            if rec.resources is not None:
                fields["resources"] = list(rec.resources)
            if rec.status == "succeeded":
                fields["outputs"] = rec.outputs or {}
            self.update_stack(db, rec.stack, **fields)
            if applied_plan:
                db.execute("UPDATE plans SET applied_by = ? WHERE plan_id = ?", (rec.id, applied_plan))
            detail = dict(event_detail or {})
            if rec.error and rec.status in ("failed", "compensated"):
                detail.setdefault("error", rec.error)
            if rec.duration_seconds is not None:
                detail.setdefault("duration_seconds", rec.duration_seconds)
            self._audit(
                db,
                "operation",
                rec.stack,
                tenant=rec.tenant,
                actor=rec.actor,
                operation=rec.id,
                plan_id=rec.plan_id,
                status=rec.status,
                detail=detail,
            )
        return rec

    def operation(self, op_id: str) -> OperationRecord | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM operations WHERE id = ?", (op_id,)).fetchone()
        return None if row is None else OperationRecord.from_row(row)

    def operations(self, stack: str, limit: int | None = None) -> list[OperationRecord]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM operations WHERE stack = ? ORDER BY started_at DESC, rowid DESC"
                + (" LIMIT ?" if limit else ""),
                (stack, limit) if limit else (stack,),
            ).fetchall()
        return [OperationRecord.from_row(r) for r in rows]

    # ------------------------------------------------------------------------------------- audit
    def _audit(
        self,
        db: sqlite3.Connection,
        event: str,
        stack: str,
        *,
        tenant: str | None = None,
        actor: str | None = None,
        operation: str | None = None,
        plan_id: str | None = None,
        status: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        at = now()
        cur = db.execute(
            "INSERT INTO audit (at, stack, tenant, actor, event, operation, plan_id, status, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (at, stack, tenant, actor, event, operation, plan_id, status, _dump(dict(detail or {}))),
        )
        line = json.dumps(
            {
                "seq": cur.lastrowid,
                "at": at,
                "stack": stack,
                "tenant": tenant,
                "actor": actor,
                "event": event,
                "operation": operation,
                "plan_id": plan_id,
                "status": status,
                "detail": dict(detail or {}),
            },
            sort_keys=True,
            default=str,
        )
        self._local.lines.append(line)

    def audit(self, event: str, stack: str, **kw: Any) -> None:
        """Append one event (its own transaction)."""
        with self.transaction() as db:
            self._audit(db, event, stack, **kw)

    def events(self, stack: str, limit: int | None = None) -> list[AuditEvent]:
        """The stack's audit events, oldest first (the last ``limit`` ones)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM (SELECT * FROM audit WHERE stack = ? ORDER BY seq DESC"
                + (" LIMIT ?" if limit else "")
                + ") ORDER BY seq",
                (stack, limit) if limit else (stack,),
            ).fetchall()
        return [
            AuditEvent(
                seq=r["seq"],
                at=r["at"],
                stack=r["stack"],
                event=r["event"],
                tenant=r["tenant"],
                actor=r["actor"],
                operation=r["operation"],
                plan_id=r["plan_id"],
                status=r["status"],
                detail=_load(r["detail"]) or {},
            )
            for r in rows
        ]
