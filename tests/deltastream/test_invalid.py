"""Every DeltaStream rule, table-driven: each bad input raises one PropsError, before any child
exists, naming the construct path, the prop, the value given and what is allowed, and never a
secret value."""

from __future__ import annotations

import re

import pytest
from cdktf import Fn, TerraformStack, TerraformVariable, Testing

from dw_constructs.deltastream import (
    ConfluentCloudRegistryProps,
    ConfluentKafkaProps,
    ConfluentRegistryProps,
    DeltaStreamDatabase,
    DeltaStreamEntity,
    DeltaStreamNamespace,
    DeltaStreamObject,
    DeltaStreamProvider,
    DeltaStreamQuery,
    DeltaStreamSchemaRegistry,
    DeltaStreamSecret,
    DeltaStreamStore,
    KafkaProps,
    KinesisProps,
    ObjectKind,
    PostgresProps,
    QueryChange,
    SnowflakeProps,
    StoreLookup,
    cnpg_postgres_store,
)
from dw_constructs.errors import PropsError

SECRET = "s3cr3t-literal-value"
PEM = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"


class Env:
    """One stack with a provider and the objects the cases refer to."""

    def __init__(self) -> None:
        self.stack = TerraformStack(Testing.app(), "ds")
        st = self.stack
        self.provider = DeltaStreamProvider(st, "DeltaStream")
        self.secret_var = TerraformVariable(st, "pw", type="string", sensitive=True)
        self.plain_var = TerraformVariable(st, "plain", type="string")
        self.pw = self.secret_var.string_value
        self.db = DeltaStreamDatabase(st, "Db", name="analytics")
        self.ns = DeltaStreamNamespace(st, "Ns", database=self.db, name="raw")
        self.kafka = DeltaStreamStore(
            st,
            "Kafka",
            name="kafka",
            kafka=KafkaProps(
                uris="b-1.example:9096", sasl_hash_function="SHA512", sasl_username="u", sasl_password=self.pw
            ),
        )
        self.kinesis = DeltaStreamStore(
            st,
            "Kinesis",
            name="kinesis",
            kinesis=KinesisProps(uris="https://kinesis.eu-central-1.amazonaws.com", aws_account_id="123456789012"),
        )
        cols = [("viewtime", "BIGINT"), ("userid", "VARCHAR")]
        self.src = DeltaStreamObject(st, "Src", namespace=self.ns, store=self.kafka, name="src", columns=cols)
        self.sink = DeltaStreamObject(st, "Sink", namespace=self.ns, store=self.kafka, name="sink", columns=cols)
        self.registry = DeltaStreamSchemaRegistry(
            st, "Registry", name="reg", confluent=ConfluentRegistryProps(uris="https://sr.example")
        )


@pytest.fixture(scope="module")
def env() -> Env:
    return Env()


def kafka(**kw):
    base = dict(uris="b-1.example:9096", sasl_hash_function="SHA512", sasl_username="u", sasl_password="${PW}")
    return {**base, **kw}


def insert(e: Env, body: str = None) -> str:
    return body if body is not None else f"INSERT INTO {e.sink.fqn} SELECT * FROM {e.src.fqn};"


COLS = [("viewtime", "BIGINT"), ("userid", "VARCHAR")]

# (case id, construct, kwargs(env) -> dict, prop, value shown (or a callable check), allowed substring)
CASES = [
    # --- provider -------------------------------------------------------------------------
    (
        "provider-api-key-literal",
        DeltaStreamProvider,
        lambda e: {"api_key": SECRET},
        "api_key",
        "<literal hidden>",
        "never a literal",
    ),
    (
        "provider-api-key-not-sensitive-var",
        DeltaStreamProvider,
        lambda e: {"api_key": e.plain_var},
        "api_key",
        "var.plain",
        "this variable is not sensitive",
    ),
    (
        "provider-api-key-not-sensitive-ref",
        DeltaStreamProvider,
        lambda e: {"api_key": e.plain_var.string_value},
        "api_key",
        "var.plain",
        "sensitive reference",
    ),
    (
        "provider-organization-not-uuid",
        DeltaStreamProvider,
        lambda e: {"organization": "acme"},
        "organization",
        "acme",
        "a UUID",
    ),
    (
        "provider-server-http",
        DeltaStreamProvider,
        lambda e: {"server": "http://api.example/v2"},
        "server",
        "http://api.example/v2",
        "'https://'",
    ),
    (
        "provider-role-quote",
        DeltaStreamProvider,
        lambda e: {"role": 'sys"admin'},
        "role",
        'sys"admin',
        "without leading/trailing spaces",
    ),
    # --- identifiers (database) -----------------------------------------------------------
    ("name-empty", DeltaStreamDatabase, lambda e: {"name": ""}, "name", "", "1..255 characters"),
    ("name-too-long", DeltaStreamDatabase, lambda e: {"name": "d" * 256}, "name", "d" * 256, "256 characters"),
    ("name-double-quote", DeltaStreamDatabase, lambda e: {"name": 'a"b'}, "name", 'a"b', 'contains "'),
    ("name-single-quote", DeltaStreamDatabase, lambda e: {"name": "o'brien"}, "name", "o'brien", "contains '"),
    ("name-backtick", DeltaStreamDatabase, lambda e: {"name": "a`b"}, "name", "a`b", "contains `"),
    ("name-backslash", DeltaStreamDatabase, lambda e: {"name": "a\\b"}, "name", "a\\b", "contains \\"),
    (
        "name-leading-space",
        DeltaStreamDatabase,
        lambda e: {"name": " analytics"},
        "name",
        " analytics",
        "leading or trailing whitespace",
    ),
    ("name-control-char", DeltaStreamDatabase, lambda e: {"name": "a\tb"}, "name", "a\tb", "control"),
    ("name-not-a-string", DeltaStreamDatabase, lambda e: {"name": 42}, "name", 42, "not a string"),
    ("owner-bad", DeltaStreamDatabase, lambda e: {"name": "db", "owner": "x'y"}, "owner", "x'y", "contains '"),
    (
        "prevent-destroy-not-bool",
        DeltaStreamDatabase,
        lambda e: {"name": "db", "prevent_destroy": "yes"},
        "prevent_destroy",
        "yes",
        "True or False",
    ),
    # --- namespace ------------------------------------------------------------------------
    (
        "namespace-public",
        DeltaStreamNamespace,
        lambda e: {"database": e.db, "name": "public"},
        "name",
        "public",
        "every database has 'public'",
    ),
    (
        "namespace-database-type",
        DeltaStreamNamespace,
        lambda e: {"database": 3, "name": "raw"},
        "database",
        "int",
        "a DeltaStreamDatabase",
    ),
    # --- stores ---------------------------------------------------------------------------
    ("store-no-kind", DeltaStreamStore, lambda e: {"name": "s"}, "kind", None, "exactly one of kafka"),
    (
        "store-two-kinds",
        DeltaStreamStore,
        lambda e: {
            "name": "s",
            "kafka": kafka(sasl_password=e.pw),
            "postgres": PostgresProps("postgresql://h:5432/d", "u", e.pw),
        },
        "kind",
        ["kafka", "postgres"],
        "silently uses the first block",
    ),
    (
        "kafka-scram-no-username",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(sasl_username=None, sasl_password=e.pw)},
        "kafka.sasl_username",
        None,
        "(required)",
    ),
    (
        "kafka-scram-no-password",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(sasl_password=None)},
        "kafka.sasl_password",
        None,
        "sensitive reference",
    ),
    (
        "kafka-password-literal",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(sasl_password=SECRET)},
        "kafka.sasl_password",
        "<literal hidden>",
        "never a literal",
    ),
    (
        "kafka-password-not-sensitive",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(sasl_password=e.plain_var.string_value)},
        "kafka.sasl_password",
        "var.plain",
        "not sensitive",
    ),
    (
        "kafka-none-with-username",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(sasl_hash_function="NONE", sasl_password=None)},
        "kafka.sasl_username",
        "u",
        "None with sasl_hash_function 'NONE'",
    ),
    (
        "kafka-msk-no-role",
        DeltaStreamStore,
        lambda e: {
            "name": "s",
            "kafka": kafka(
                sasl_hash_function="AWS_MSK_IAM", sasl_username=None, sasl_password=None, msk_aws_region="eu-central-1"
            ),
        },
        "kafka.msk_iam_role_arn",
        None,
        "IAM role ARN",
    ),
    (
        "kafka-msk-bad-region",
        DeltaStreamStore,
        lambda e: {
            "name": "s",
            "kafka": kafka(
                sasl_hash_function="AWS_MSK_IAM",
                sasl_username=None,
                sasl_password=None,
                msk_iam_role_arn="arn:aws:iam::123456789012:role/ds",
                msk_aws_region="Frankfurt",
            ),
        },
        "kafka.msk_aws_region",
        "Frankfurt",
        "AWS region",
    ),
    (
        "kafka-bad-mechanism",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(sasl_hash_function="MD5", sasl_password=e.pw)},
        "kafka.sasl_hash_function",
        "MD5",
        "one of 'NONE'",
    ),
    (
        "kafka-uri-no-port",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(uris="broker", sasl_password=e.pw)},
        "kafka.uris",
        "broker",
        "host:port",
    ),
    (
        "kafka-uri-space",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(uris=["a:1", "b :2"], sasl_password=e.pw)},
        "kafka.uris",
        "b :2",
        "host:port",
    ),
    (
        "kafka-uri-duplicate",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(uris="a:1,a:1", sasl_password=e.pw)},
        "kafka.uris",
        "a:1",
        "distinct URIs",
    ),
    (
        "kafka-unknown-field",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": {**kafka(sasl_password=e.pw), "tls_ca_cert_file": "x"}},
        "kafka.tls_ca_cert_file",
        "x",
        "a field of KafkaProps",
    ),
    (
        "kafka-tls-not-bool",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(sasl_password=e.pw, tls_disabled="no")},
        "kafka.tls_disabled",
        "no",
        "True or False",
    ),
    (
        "confluent-kafka-none-mechanism",
        DeltaStreamStore,
        lambda e: {"name": "s", "confluent_kafka": ConfluentKafkaProps("pkc.example:9092", "key", e.pw, "NONE")},
        "confluent_kafka.sasl_hash_function",
        "NONE",
        "one of 'PLAIN', 'SHA256', 'SHA512'",
    ),
    (
        "kinesis-account-id",
        DeltaStreamStore,
        lambda e: {"name": "s", "kinesis": KinesisProps("https://kinesis.eu-central-1.amazonaws.com", "12345")},
        "kinesis.aws_account_id",
        "12345",
        "12-digit",
    ),
    (
        "kinesis-key-without-secret",
        DeltaStreamStore,
        lambda e: {
            "name": "s",
            "kinesis": KinesisProps("https://kinesis.eu-central-1.amazonaws.com", "123456789012", access_key_id="AKIA"),
        },
        "kinesis.secret_access_key",
        None,
        "set together with access_key_id",
    ),
    (
        "kinesis-http-uri",
        DeltaStreamStore,
        lambda e: {"name": "s", "kinesis": KinesisProps("http://kinesis.example", "123456789012")},
        "kinesis.uris",
        "http://kinesis.example",
        "https:// URLs",
    ),
    (
        "snowflake-missing-passphrase",
        DeltaStreamStore,
        lambda e: {
            "name": "s",
            "snowflake": SnowflakeProps(
                "https://acme.snowflakecomputing.com", "acme", "eu", "wh", "role", "ds", e.pw, None
            ),
        },
        "snowflake.client_key_passphrase",
        None,
        "(required)",
    ),
    (
        "snowflake-key-literal",
        DeltaStreamStore,
        lambda e: {
            "name": "s",
            "snowflake": SnowflakeProps(
                "https://acme.snowflakecomputing.com", "acme", "eu", "wh", "role", "ds", PEM, e.pw
            ),
        },
        "snowflake.client_key_file",
        "<literal hidden>",
        "never a literal",
    ),
    (
        "snowflake-quote-in-field",
        DeltaStreamStore,
        lambda e: {
            "name": "s",
            "snowflake": SnowflakeProps(
                "https://acme.snowflakecomputing.com", "acme", "eu", "w'h", "role", "ds", e.pw, e.pw
            ),
        },
        "snowflake.warehouse_name",
        "w'h",
        "without '",
    ),
    (
        "postgres-uri-scheme",
        DeltaStreamStore,
        lambda e: {"name": "s", "postgres": PostgresProps("jdbc:postgresql://h/d", "u", e.pw)},
        "postgres.uris",
        "jdbc:postgresql://h/d",
        "postgresql://host:port/database",
    ),
    (
        "postgres-password-plain-var",
        DeltaStreamStore,
        lambda e: {"name": "s", "postgres": PostgresProps("postgresql://h:5432/d", "u", e.plain_var)},
        "postgres.password",
        "var.plain",
        "not sensitive",
    ),
    (
        "store-registry-type",
        DeltaStreamStore,
        lambda e: {"name": "s", "kafka": kafka(sasl_password=e.pw), "schema_registry": "reg"},
        "schema_registry",
        "str",
        "a DeltaStreamSchemaRegistry",
    ),
    (
        "store-registry-not-kafka",
        DeltaStreamStore,
        lambda e: {
            "name": "s",
            "postgres": PostgresProps("postgresql://h:5432/d", "u", e.pw),
            "schema_registry": e.registry,
        },
        "schema_registry",
        "ds/Registry",
        "kafka store",
    ),
    # --- objects --------------------------------------------------------------------------
    (
        "object-no-columns",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o"},
        "columns",
        [],
        "at least one column",
    ),
    (
        "object-bad-type",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "columns": [("a", "BIGINT; DROP")]},
        "columns[0].type",
        "BIGINT; DROP",
        "a DeltaStream SQL type",
    ),
    (
        "object-duplicate-column",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "columns": [("a", "INT"), ("a", "INT")]},
        "columns",
        "a",
        "distinct column names",
    ),
    (
        "object-pk-not-column",
        DeltaStreamObject,
        lambda e: {
            "namespace": e.ns,
            "store": e.kafka,
            "name": "o",
            "kind": ObjectKind.CHANGELOG,
            "columns": COLS,
            "primary_key": ["pageid"],
        },
        "primary_key",
        "pageid",
        "one of the columns: viewtime, userid",
    ),
    (
        "object-changelog-no-pk",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "kind": "CHANGELOG", "columns": COLS},
        "primary_key",
        [],
        "a CHANGELOG is keyed",
    ),
    (
        "object-stream-with-pk",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "columns": COLS, "primary_key": ["userid"]},
        "primary_key",
        ["userid"],
        "only a CHANGELOG or TABLE",
    ),
    (
        "object-property-store",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "columns": COLS, "properties": {"store": "x"}},
        "properties.store",
        "x",
        "the store comes from the store prop",
    ),
    (
        "object-property-key",
        DeltaStreamObject,
        lambda e: {
            "namespace": e.ns,
            "store": e.kafka,
            "name": "o",
            "columns": COLS,
            "properties": {"Key Format": "x"},
        },
        "properties",
        "Key Format",
        "option names like",
    ),
    (
        "object-value-format",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "columns": COLS, "value_format": "xml"},
        "value_format",
        "xml",
        "one of 'json'",
    ),
    (
        "object-name-unknown",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": e.plain_var.string_value, "columns": COLS},
        "name",
        "<reference>",
        "known at synth time",
    ),
    (
        "object-sql-empty",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "sql": " \n"},
        "sql",
        "",
        "a non-empty CREATE",
    ),
    (
        "object-sql-not-ddl",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "sql": "SELECT * FROM x;"},
        "sql",
        "SELECT * FROM x;",
        "a CREATE STREAM, CREATE CHANGELOG or CREATE TABLE",
    ),
    (
        "object-sql-as-select",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "sql": "CREATE STREAM o AS SELECT * FROM x;"},
        "sql",
        "CREATE ... AS SELECT",
        "DeltaStreamQuery",
    ),
    (
        "object-sql-name-mismatch",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "sql": "CREATE STREAM other (a INT);"},
        "sql",
        "other",
        "creating the object named 'o'",
    ),
    (
        "object-sql-mixed-case-unquoted",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "PageViews", "sql": "CREATE STREAM PageViews (a INT);"},
        "sql",
        "PageViews",
        'write "PageViews"',
    ),
    (
        "object-sql-non-ascii-unquoted",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "东西", "sql": "CREATE STREAM 东西 (a INT);"},
        "sql",
        "东西",
        'the name quoted: "东西"',
    ),
    (
        "object-sql-other-database",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "sql": "CREATE STREAM other_db.raw.o (a INT);"},
        "sql",
        "other_db",
        "the object's database 'analytics'",
    ),
    (
        "object-sql-store-mismatch",
        DeltaStreamObject,
        lambda e: {
            "namespace": e.ns,
            "store": e.kafka,
            "name": "o",
            "sql": "CREATE STREAM o (a INT) WITH ('store' = 'other');",
        },
        "sql",
        "'store' = 'other'",
        "the object's store 'kafka'",
    ),
    (
        "object-sql-two-statements",
        DeltaStreamObject,
        lambda e: {"namespace": e.ns, "store": e.kafka, "name": "o", "sql": "CREATE STREAM o (a INT); DROP STREAM o;"},
        "sql",
        "<sql>",
        "exactly one statement",
    ),
    (
        "object-sql-unterminated",
        DeltaStreamObject,
        lambda e: {
            "namespace": e.ns,
            "store": e.kafka,
            "name": "o",
            "sql": "CREATE STREAM o (a INT) WITH ('topic' = 'x);",
        },
        "sql",
        "<sql>",
        "unterminated '",
    ),
    (
        "object-sql-and-columns",
        DeltaStreamObject,
        lambda e: {
            "namespace": e.ns,
            "store": e.kafka,
            "name": "o",
            "sql": "CREATE STREAM o (a INT);",
            "columns": COLS,
        },
        "sql",
        "<sql>",
        "either sql or columns",
    ),
    (
        "object-no-database",
        DeltaStreamObject,
        lambda e: {"store": e.kafka, "name": "o", "columns": COLS},
        "database",
        None,
        "a DeltaStreamDatabase or the name",
    ),
    (
        "object-entity-other-store",
        DeltaStreamObject,
        lambda e: {
            "namespace": e.ns,
            "store": e.kafka,
            "name": "o",
            "columns": COLS,
            "topic": DeltaStreamEntity(
                e.stack, f"Ent{len(e.stack.node.children)}", store=e.kinesis, entity_path=["t"], prevent_destroy=False
            ),
        },
        "topic",
        lambda v: v.startswith("ds/Ent"),
        "an entity of store 'kafka'",
    ),
    # --- queries --------------------------------------------------------------------------
    (
        "query-empty-body",
        DeltaStreamQuery,
        lambda e: {"sql": "", "sink": e.sink, "sources": [e.src]},
        "sql",
        "",
        "an empty query body",
    ),
    (
        "query-blank-body",
        DeltaStreamQuery,
        lambda e: {"sql": "  ;\n ", "sink": e.sink, "sources": [e.src]},
        "sql",
        "",
        "an empty query body",
    ),
    (
        "query-not-insert",
        DeltaStreamQuery,
        lambda e: {"sql": f"SELECT * FROM {e.src.fqn};", "sink": e.sink, "sources": [e.src]},
        "sql",
        lambda v: v.startswith("SELECT * FROM"),
        "an INSERT INTO <sink> SELECT",
    ),
    (
        "query-sink-mismatch",
        DeltaStreamQuery,
        lambda e: {"sql": insert(e), "sink": e.src, "sources": [e.src]},
        "sink",
        '"analytics"."raw"."src"',
        'the relation the SQL inserts into, "analytics"."raw"."sink"',
    ),
    (
        "query-undeclared-source",
        DeltaStreamQuery,
        lambda e: {
            "sql": f'INSERT INTO {e.sink.fqn} SELECT * FROM {e.src.fqn} JOIN "analytics"."raw"."dim" ON true;',
            "sink": e.sink,
            "sources": [e.src],
        },
        "sources",
        ['"analytics"."raw"."src"'],
        'also "analytics"."raw"."dim"',
    ),
    (
        "query-unread-source",
        DeltaStreamQuery,
        lambda e: {"sql": insert(e), "sink": e.sink, "sources": [e.src, '"analytics"."raw"."dim"']},
        "sources",
        '"analytics"."raw"."dim"',
        "only relations the SQL reads",
    ),
    (
        "query-unqualified-source",
        DeltaStreamQuery,
        lambda e: {"sql": f"INSERT INTO {e.sink.fqn} SELECT * FROM src;", "sink": e.sink, "sources": [e.src]},
        "sql",
        "src",
        "fully qualified",
    ),
    (
        "query-unqualified-sink",
        DeltaStreamQuery,
        lambda e: {"sql": f"INSERT INTO sink SELECT * FROM {e.src.fqn};", "sink": e.sink, "sources": [e.src]},
        "sql",
        "sink",
        "the sink fully qualified",
    ),
    (
        "query-folded-mixed-case",
        DeltaStreamQuery,
        lambda e: {
            "sql": f"INSERT INTO {e.sink.fqn} SELECT * FROM analytics.raw.Src;",
            "sink": e.sink,
            "sources": [e.src],
        },
        "sql",
        "Src",
        "DeltaStream reads it as 'src'",
    ),
    (
        "query-no-sources",
        DeltaStreamQuery,
        lambda e: {"sql": insert(e), "sink": e.sink, "sources": []},
        "sources",
        (),
        "at least one",
    ),
    (
        "query-sink-type",
        DeltaStreamQuery,
        lambda e: {"sql": insert(e), "sink": 5, "sources": [e.src]},
        "sink",
        "int",
        "a DeltaStreamObject or a fully qualified name",
    ),
    (
        "query-sql-unknown",
        DeltaStreamQuery,
        lambda e: {"sql": e.plain_var.string_value, "sink": e.sink, "sources": [e.src]},
        "sql",
        "<reference>",
        "known at synth time",
    ),
    (
        "query-strict-without-pin",
        DeltaStreamQuery,
        lambda e: {"sql": insert(e), "sink": e.sink, "sources": [e.src], "on_change": QueryChange.FAIL},
        "pinned_fingerprint",
        None,
        "this SQL has sha256:",
    ),
    (
        "query-strict-changed",
        DeltaStreamQuery,
        lambda e: {
            "sql": insert(e),
            "sink": e.sink,
            "sources": [e.src],
            "on_change": "fail",
            "pinned_fingerprint": "sha256:" + "0" * 64,
        },
        "sql",
        lambda v: v.startswith("sha256:"),
        "Create a new query",
    ),
    (
        "query-pin-format",
        DeltaStreamQuery,
        lambda e: {
            "sql": insert(e),
            "sink": e.sink,
            "sources": [e.src],
            "on_change": "fail",
            "pinned_fingerprint": "abc",
        },
        "pinned_fingerprint",
        "abc",
        "sha256:<64 hex digits>",
    ),
    (
        "query-pin-without-strict",
        DeltaStreamQuery,
        lambda e: {"sql": insert(e), "sink": e.sink, "sources": [e.src], "pinned_fingerprint": "sha256:" + "0" * 64},
        "pinned_fingerprint",
        "sha256:" + "0" * 64,
        "None unless on_change=QueryChange.FAIL",
    ),
    (
        "query-on-change",
        DeltaStreamQuery,
        lambda e: {"sql": insert(e), "sink": e.sink, "sources": [e.src], "on_change": "ignore"},
        "on_change",
        "ignore",
        "one of 'replace', 'fail'",
    ),
    # --- entities -------------------------------------------------------------------------
    (
        "entity-empty-path",
        DeltaStreamEntity,
        lambda e: {"store": e.kafka, "entity_path": []},
        "entity_path",
        (),
        "a non-empty list",
    ),
    (
        "entity-kafka-settings-on-kinesis",
        DeltaStreamEntity,
        lambda e: {"store": e.kinesis, "entity_path": ["t"], "topic_partitions": 3},
        "topic_partitions",
        3,
        "None for a kinesis store",
    ),
    (
        "entity-partitions-zero",
        DeltaStreamEntity,
        lambda e: {"store": e.kafka, "entity_path": ["t"], "topic_partitions": 0},
        "topic_partitions",
        0,
        "an integer 1..100000",
    ),
    (
        "entity-shards-on-kafka",
        DeltaStreamEntity,
        lambda e: {"store": e.kafka, "entity_path": ["t"], "kinesis_shards": 2},
        "kinesis_shards",
        2,
        "None for a kafka store",
    ),
    # --- secrets --------------------------------------------------------------------------
    (
        "secret-literal",
        DeltaStreamSecret,
        lambda e: {"name": "t", "string_value": SECRET},
        "string_value",
        "<literal hidden>",
        "never a literal",
    ),
    (
        "secret-not-sensitive",
        DeltaStreamSecret,
        lambda e: {"name": "t", "string_value": e.plain_var},
        "string_value",
        "var.plain",
        "not sensitive",
    ),
    (
        "secret-description-quote",
        DeltaStreamSecret,
        lambda e: {"name": "t", "string_value": e.pw, "description": "it's"},
        "description",
        "it's",
        "without '",
    ),
    (
        "secret-property-quote",
        DeltaStreamSecret,
        lambda e: {"name": "t", "string_value": e.pw, "custom_properties": {"k": "v'"}},
        "custom_properties.k",
        "v'",
        "without '",
    ),
    # --- schema registries ----------------------------------------------------------------
    (
        "registry-no-kind",
        DeltaStreamSchemaRegistry,
        lambda e: {"name": "r"},
        "kind",
        None,
        "exactly one of confluent, confluent_cloud",
    ),
    (
        "registry-username-without-password",
        DeltaStreamSchemaRegistry,
        lambda e: {"name": "r", "confluent": ConfluentRegistryProps("https://sr.example", username="u")},
        "confluent.password",
        None,
        "set together with username",
    ),
    (
        "registry-http",
        DeltaStreamSchemaRegistry,
        lambda e: {"name": "r", "confluent": ConfluentRegistryProps("http://sr.example")},
        "confluent.uris",
        "http://sr.example",
        "https:// URLs",
    ),
    (
        "registry-cloud-secret-literal",
        DeltaStreamSchemaRegistry,
        lambda e: {"name": "r", "confluent_cloud": ConfluentCloudRegistryProps("https://sr.example", "k", SECRET)},
        "confluent_cloud.secret",
        "<literal hidden>",
        "never a literal",
    ),
    # --- lookups --------------------------------------------------------------------------
    ("lookup-nothing-to-match", StoreLookup, lambda e: {}, "name", None, "a singular lookup needs something"),
    ("lookup-bad-name", StoreLookup, lambda e: {"name": "a'b"}, "name", "a'b", "contains '"),
]


@pytest.mark.parametrize("case,cls,kwargs,prop,value,allowed", CASES, ids=[c[0] for c in CASES])
def test_invalid_props(env, case, cls, kwargs, prop, value, allowed):
    kw = kwargs(env)
    if "kafka" in kw and isinstance(kw["kafka"], dict) and kw["kafka"].get("sasl_password") == "${PW}":
        kw["kafka"]["sasl_password"] = env.pw
    before = len(env.stack.node.children)
    with pytest.raises(PropsError) as info:
        cls(env.stack, "Bad", **kw)
    err = info.value
    assert len(env.stack.node.children) == before, "no child may be created before the error"
    assert err.construct_path == "ds/Bad" and err.construct_type == cls.__name__
    matches = [p for p in err.problems if p.prop == prop]
    assert matches, f"no problem for {prop!r} in:\n{err}"
    p = matches[0]
    if callable(value):
        assert value(p.value), p
    else:
        assert p.value == value, p
    assert allowed in p.allowed, p
    text = str(err)
    assert "'ds/Bad'" in text and f"{prop}: got " in text and allowed in text
    assert SECRET not in text and "BEGIN PRIVATE KEY" not in text


def test_every_problem_is_reported_at_once(env):
    """Several bad props of one construct: one error listing each of them."""
    with pytest.raises(PropsError) as info:
        DeltaStreamStore(env.stack, "Bad", name="a'b", owner="o'", kafka=kafka(uris="nohost", sasl_password=SECRET))
    props = sorted(p.prop for p in info.value.problems)
    assert props == ["kafka.sasl_password", "kafka.uris", "name", "owner"]


def test_taken_id_is_a_props_error(env):
    with pytest.raises(PropsError) as info:
        DeltaStreamDatabase(env.stack, "Db", name="other")
    assert info.value.problems[0].prop == "id"


def test_cnpg_helper_rejects_other_constructs(env):
    with pytest.raises(PropsError) as info:
        cnpg_postgres_store(env.stack, "Pg", cluster=env.db)
    assert (info.value.problems[0].prop, info.value.problems[0].value) == ("cluster", "DeltaStreamDatabase")
    assert "a CnpgPostgisCluster" in str(info.value)


def test_sensitive_expression_is_accepted(env):
    """A credential wrapped in Fn.sensitive (e.g. a value read from elsewhere) is accepted."""
    store = DeltaStreamStore(
        env.stack,
        "Wrapped",
        name="wrapped",
        postgres=PostgresProps("postgresql://h:5432/d", "u", Fn.sensitive(env.plain_var.string_value)),
    )
    assert store.kind.value == "postgres"


def test_no_provider_in_stack_is_a_props_error():
    stack = TerraformStack(Testing.app(), "empty")
    with pytest.raises(PropsError) as info:
        DeltaStreamDatabase(stack, "Db", name="db")
    assert info.value.problems[0].prop == "provider"
    assert "DeltaStreamProvider created in the stack before this construct" in str(info.value)


def test_messages_name_what_is_allowed_in_words():
    """A sample message, read as a user would."""
    stack = TerraformStack(Testing.app(), "msg")
    DeltaStreamProvider(stack, "P")
    with pytest.raises(PropsError) as info:
        DeltaStreamDatabase(stack, "Db", name='Sales "EU"')
    assert re.search(
        r"Invalid props for DeltaStreamDatabase at 'msg/Db':\n  - name: got 'Sales \"EU\"'; allowed: "
        r"a name of 1\.\.255 characters .*contains \"",
        str(info.value),
    )
