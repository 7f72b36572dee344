"""The plain-Python SQL reading of the DeltaStream model: identifiers, normalization, statements."""

from __future__ import annotations

import pytest

from dw_constructs.deltastream import sql as s


@pytest.mark.parametrize(
    "name,problem",
    [
        ("pageviews", None),
        ("Page Views-东西.v2", None),
        ("a" * 255, None),
        ("", "empty"),
        ("a" * 256, "256 characters (at most 255)"),
        (" a", "leading or trailing whitespace"),
        ('a"b', 'contains "'),
        ("a\u200bb", "contains a control or format character"),
    ],
)
def test_identifier_rules(name, problem):
    assert s.identifier_problem(name) == problem


def test_quote_and_fqn():
    assert s.quote("Page Views") == '"Page Views"'
    assert s.fqn("db", "Raw", "东西") == '"db"."Raw"."东西"'
    assert s.needs_quotes("pageviews") is False and s.needs_quotes("PageViews") is True


def test_normalize_keeps_literals_and_comments():
    text = "\n    INSERT INTO a\n      SELECT 'x   y', \"Col  A\"  -- note  here\n    FROM b ;  ;\n"
    assert s.normalize(text) == "INSERT INTO a\nSELECT 'x   y', \"Col  A\" -- note  here\nFROM b;"
    assert s.normalize("  \n ; ") == ""


def test_read_insert():
    q = s.read_insert(
        'INSERT INTO "db"."ns"."Sink" SELECT * FROM db.ns.src s JOIN "db"."ns"."Dim" d ON s.k = d.k '
        "WHERE s.v IN (SELECT v FROM db.ns.other);"
    )
    assert [n.resolved for n in q.target] == ["db", "ns", "Sink"]
    assert [[n.resolved for n in parts] for parts in q.sources] == [
        ["db", "ns", "src"],
        ["db", "ns", "Dim"],
        ["db", "ns", "other"],
    ]


def test_read_insert_skips_ctes():
    q = s.read_insert("INSERT INTO a.b.c WITH x AS (SELECT * FROM a.b.d) SELECT * FROM x;")
    assert q.ctes == frozenset({"x"})


def test_read_object_ddl():
    ddl = s.read_object_ddl(
        "CREATE OR REPLACE CHANGELOG Db.\"Ns\".Obj (a INT, PRIMARY KEY(a)) WITH ('store' = 'k''s', 'topic' = 't');"
    )
    assert ddl.kind == "CHANGELOG" and [n.resolved for n in ddl.name] == ["db", "Ns", "obj"]
    assert ddl.name[2].folded and not ddl.name[1].folded
    assert ddl.store == "k's" and not ddl.as_select
    assert s.read_object_ddl("CREATE STREAM x AS SELECT * FROM y;").as_select


def test_unbalanced_and_statements():
    assert s.unbalanced(s.tokens("SELECT 'a")) == "an unterminated ' at offset 7"
    assert s.unbalanced(s.tokens("SELECT (a")) == "a '(' that is never closed"
    assert s.statements(s.tokens("SELECT 1; SELECT 2;")) == 2
    assert s.statements(s.tokens("SELECT ';'; ")) == 1
