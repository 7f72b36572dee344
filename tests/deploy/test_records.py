"""The records: the audit log is append-only (enforced by the database), mirrored line for line in
``audit.jsonl``; a database of another schema version is refused."""

from __future__ import annotations

import json
import sqlite3

import pytest

from dw_constructs.deploy import DeployUsageError
from dw_constructs.deploy.records import Store


def test_audit_log_is_append_only_and_mirrored(tmp_path):
    store = Store(tmp_path)
    store.bind_tenant("demo", "open", "alice")
    store.audit("refused", "demo", actor="bob", detail={"reason": "busy"})
    db = sqlite3.connect(tmp_path / "deploy.sqlite3")
    rows = db.execute("SELECT seq, event, actor FROM audit ORDER BY seq").fetchall()
    assert [r[1:] for r in rows] == [("stack-registered", "alice"), ("refused", "bob")]
    for statement in ("UPDATE audit SET event = 'nothing'", "DELETE FROM audit"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(statement)
    assert db.execute("SELECT count(*) FROM audit").fetchone()[0] == 2
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(x["seq"], x["event"], x["actor"]) for x in lines] == rows
    assert [e.event for e in store.events("demo")] == ["stack-registered", "refused"]


def test_a_stack_keeps_its_tenant(tmp_path):
    store = Store(tmp_path)
    store.bind_tenant("demo", None, "alice")
    store.bind_tenant("demo", "analytics", "alice")  # an ungoverned stack may become governed
    with pytest.raises(DeployUsageError, match="governed as tenant 'analytics'"):
        store.bind_tenant("demo", "sandbox", "mallory")
    with pytest.raises(DeployUsageError, match="as no tenant"):
        store.bind_tenant("demo", None, "mallory")


def test_other_schema_version_is_refused(tmp_path):
    Store(tmp_path)
    db = sqlite3.connect(tmp_path / "deploy.sqlite3")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(DeployUsageError, match="database schema 99"):
        Store(tmp_path)
