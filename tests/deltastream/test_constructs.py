"""Each DeltaStream construct, synthesized once per module: cdktf Testing matchers on what it
creates, the parsed JSON for what the matchers cannot say (lifecycles, ordering), and
determinism. Real tofu checks are in test_plan.py."""

from __future__ import annotations

import json

import pytest
from cdktf import Fn, TerraformStack, TerraformVariable, Testing

from dw_constructs.deltastream import (
    ConfluentCloudRegistryProps,
    ConfluentKafkaProps,
    DatabaseLookup,
    DatabasesLookup,
    DeltaStreamDatabase,
    DeltaStreamEntity,
    DeltaStreamNamespace,
    DeltaStreamObject,
    DeltaStreamProvider,
    DeltaStreamQuery,
    DeltaStreamSchemaRegistry,
    DeltaStreamSecret,
    DeltaStreamStore,
    EntitiesLookup,
    KafkaProps,
    KinesisProps,
    NamespaceLookup,
    NamespacesLookup,
    ObjectKind,
    ObjectLookup,
    ObjectsLookup,
    PostgresProps,
    QueryChange,
    SchemaRegistriesLookup,
    SchemaRegistryLookup,
    SecretLookup,
    SecretsLookup,
    SnowflakeProps,
    StoreLookup,
    StoresLookup,
)
from tests.support.synth import assert_deterministic

PW = "pw"  # variable names below; values never appear in the JSON


def build(app) -> TerraformStack:
    st = TerraformStack(app, "ds")
    sens = {
        n: TerraformVariable(st, n, type="string", sensitive=True).string_value
        for n in ("api_key", "kafka_pw", "cc_secret", "aws_secret", "sf_key", "sf_pass", "pg_pw", "reg_secret", "token")
    }
    DeltaStreamProvider(st, "DeltaStream", api_key=sens["api_key"], organization="0d9b1f5e-7c1a-4c8e-9f0a-2b6f4a1d3c55")
    db = DeltaStreamDatabase(st, "Db", name="Analytics-东西")
    ns = DeltaStreamNamespace(st, "Ns", database=db, name="Raw Events")
    reg = DeltaStreamSchemaRegistry(
        st,
        "Registry",
        name="registry",
        confluent_cloud=ConfluentCloudRegistryProps(
            uris="https://psrc.example", key="SRKEY", secret=sens["reg_secret"]
        ),
    )
    kafka = DeltaStreamStore(
        st,
        "Kafka",
        name="kafka",
        schema_registry=reg,
        kafka=KafkaProps(
            uris=["b-2.example:9096", "b-1.example:9096"],
            sasl_hash_function="SHA256",
            sasl_username="svc",
            sasl_password=sens["kafka_pw"],
        ),
    )
    DeltaStreamStore(
        st,
        "Confluent",
        name="confluent",
        confluent_kafka=ConfluentKafkaProps(
            uris="pkc-1.example:9092", sasl_username="KEY", sasl_password=sens["kafka_pw"]
        ),
    )
    kinesis = DeltaStreamStore(
        st,
        "Kinesis",
        name="kinesis",
        kinesis=KinesisProps(
            uris="https://kinesis.eu-central-1.amazonaws.com",
            aws_account_id="123456789012",
            access_key_id="AKIAEXAMPLE",
            secret_access_key=sens["aws_secret"],
        ),
    )
    DeltaStreamStore(
        st,
        "Snowflake",
        name="snowflake",
        snowflake=SnowflakeProps(
            uris="https://acme.snowflakecomputing.com",
            account_id="acme",
            cloud_region="AWS_EU_CENTRAL_1",
            warehouse_name="WH",
            role_name="DS",
            username="ds",
            client_key_file=sens["sf_key"],
            client_key_passphrase=sens["sf_pass"],
        ),
    )
    DeltaStreamStore(
        st,
        "Postgres",
        name="postgres",
        postgres=PostgresProps(uris="postgresql://db.example:5432/app", username="app", password=sens["pg_pw"]),
    )
    topic = kafka.add_entity("Topic", entity_path=["pageviews"], topic_partitions=6, topic_replicas=3)
    DeltaStreamEntity(st, "Stream", store=kinesis, entity_path=["clicks"], kinesis_shards=2, prevent_destroy=False)
    cols = [("viewtime", "BIGINT"), ("userid", "VARCHAR", True), {"name": "Page Id", "type": "VARCHAR"}]
    pv = DeltaStreamObject(
        st,
        "Pageviews",
        namespace=ns,
        store=kafka,
        name="PageViews",
        topic=topic,
        columns=cols,
        properties={"timestamp": "viewtime", "key.format": "json"},
    )
    last = DeltaStreamObject(
        st,
        "Last",
        namespace=ns,
        store=kafka,
        name="last_page",
        kind=ObjectKind.CHANGELOG,
        columns=cols,
        primary_key=["userid"],
    )
    DeltaStreamObject(
        st,
        "Raw",
        database="existing",
        store="existing_store",
        name="raw",
        sql="  CREATE STREAM raw (a BIGINT) WITH ('topic' = 'raw');\n",
    )
    DeltaStreamQuery(
        st,
        "Query",
        sink=last,
        sources=[pv],
        sql=f"""
                         INSERT INTO {last.fqn}
                         SELECT * FROM {pv.fqn};
                     """,
    )
    DeltaStreamQuery(
        st,
        "Strict",
        sink=last,
        sources=[pv],
        on_change=QueryChange.FAIL,
        sql=f"INSERT INTO {last.fqn} SELECT * FROM {pv.fqn} WHERE userid <> 'x';",
        pinned_fingerprint=STRICT_FP,
    )
    DeltaStreamSecret(
        st,
        "Secret",
        name="token",
        string_value=sens["token"],
        description="API token",
        custom_properties={"b": "2", "a": "1"},
    )
    DatabasesLookup(st, "Databases", depends_on=[db])
    DatabaseLookup(st, "DbLookup", name="Analytics-东西", depends_on=[db])
    NamespacesLookup(st, "Namespaces", database=db, depends_on=[ns])
    NamespaceLookup(st, "NsLookup", database=db, name="Raw Events", depends_on=[ns])
    StoresLookup(st, "Stores", depends_on=[kafka])
    StoreLookup(st, "StoreLookup", type="kafka", owner="sysadmin", depends_on=[kafka])
    ObjectsLookup(st, "Objects", namespace=ns, depends_on=[pv])
    ObjectLookup(st, "ObjLookup", namespace=ns, name="PageViews", depends_on=[pv])
    SecretsLookup(st, "Secrets")
    SecretLookup(st, "SecretLookup", name="token")
    SchemaRegistriesLookup(st, "Registries")
    SchemaRegistryLookup(st, "RegLookup", name="registry")
    EntitiesLookup(st, "Entities", store=kafka)
    return st


STRICT_FP = None  # filled below: the fingerprint of the strict query's SQL (computed independently)


def _strict_fp() -> str:
    import hashlib

    sql = (
        'INSERT INTO "Analytics-东西"."Raw Events"."last_page" SELECT * FROM "Analytics-东西"."Raw Events".'
        "\"PageViews\" WHERE userid <> 'x';"
    )
    doc = json.dumps(
        {
            "sink": '"Analytics-东西"."Raw Events"."last_page"',
            "sources": ['"Analytics-东西"."Raw Events"."PageViews"'],
            "sql": sql,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return "sha256:" + hashlib.sha256(doc.encode()).hexdigest()


STRICT_FP = _strict_fp()


@pytest.fixture(scope="module")
def synth() -> str:
    return Testing.synth(build(Testing.app()))


@pytest.fixture(scope="module")
def doc(synth) -> dict:
    return json.loads(synth)


def one(doc, rtype: str, prefix: str) -> dict:
    (found,) = [v for k, v in doc["resource"][rtype].items() if k.startswith(prefix + "_")]
    return found


def test_provider(synth, doc):
    assert Testing.to_have_provider_with_properties(
        synth,
        "deltastream",
        {
            "api_key": "${var.api_key}",
            "organization": "0d9b1f5e-7c1a-4c8e-9f0a-2b6f4a1d3c55",
            "server": "https://api.deltastream.io/v2",
            "role": "sysadmin",
        },
    )
    assert doc["terraform"]["required_providers"]["deltastream"] == {
        "source": "deltastreaminc/deltastream",
        "version": "1.0.3",
    }


def test_provider_creates_its_variables():
    st = TerraformStack(Testing.app(), "vars")
    p = DeltaStreamProvider(st, "DeltaStream")
    doc = json.loads(Testing.synth(st))
    assert doc["variable"]["delta_stream_api_key"]["sensitive"] is True
    assert "sensitive" not in doc["variable"]["delta_stream_organization"]
    assert doc["provider"]["deltastream"][0]["api_key"] == "${var.delta_stream_api_key}"
    assert p.api_key_variable is not None and p.organization_variable is not None


def test_database_and_namespace(synth, doc):
    assert Testing.to_have_resource_with_properties(synth, "deltastream_database", {"name": "Analytics-东西"})
    assert Testing.to_have_resource_with_properties(
        synth, "deltastream_namespace", {"database": "Analytics-东西", "name": "Raw Events"}
    )
    db, ns = one(doc, "deltastream_database", "Db"), one(doc, "deltastream_namespace", "Ns")
    assert db["lifecycle"]["prevent_destroy"] is True and ns["lifecycle"]["prevent_destroy"] is True
    db_rev = [k for k in doc["resource"]["terraform_data"] if k.startswith("Db_Revision_")][0]
    assert db["lifecycle"]["replace_triggered_by"] == [f"terraform_data.{db_rev}"]
    db_addr = "deltastream_database." + [k for k in doc["resource"]["deltastream_database"]][0]
    assert db_addr in ns["lifecycle"]["replace_triggered_by"] and ns["depends_on"] == [db_addr]


@pytest.mark.parametrize(
    "kind,props",
    [
        (
            "kafka",
            {
                "uris": "b-1.example:9096,b-2.example:9096",
                "sasl_hash_function": "SHA256",
                "sasl_username": "svc",
                "sasl_password": "${var.kafka_pw}",
                "schema_registry_name": "registry",
                "tls_disabled": False,
                "tls_verify_server_hostname": True,
            },
        ),
        (
            "confluent_kafka",
            {
                "uris": "pkc-1.example:9092",
                "sasl_hash_function": "PLAIN",
                "sasl_username": "KEY",
                "sasl_password": "${var.kafka_pw}",
            },
        ),
        (
            "kinesis",
            {
                "uris": "https://kinesis.eu-central-1.amazonaws.com",
                "aws_account_id": "123456789012",
                "access_key_id": "AKIAEXAMPLE",
                "secret_access_key": "${var.aws_secret}",
            },
        ),
        (
            "snowflake",
            {"client_key_file": "${var.sf_key}", "client_key_passphrase": "${var.sf_pass}", "warehouse_name": "WH"},
        ),
        ("postgres", {"uris": "postgresql://db.example:5432/app", "username": "app", "password": "${var.pg_pw}"}),
    ],
)
def test_each_store_kind(synth, doc, kind, props):
    assert Testing.to_have_resource_with_properties(synth, "deltastream_store", {kind: props})
    (store,) = [s for s in doc["resource"]["deltastream_store"].values() if kind in s]
    others = {"kafka", "confluent_kafka", "kinesis", "snowflake", "postgres"} - {kind}
    assert not others & set(store), "exactly one kind block"
    assert "prevent_destroy" not in store["lifecycle"]


def test_store_revision_is_computed_from_credential_values(doc):
    """The Revision fingerprints the credentials themselves (a Terraform expression evaluated at
    plan time), not the variable names, so a new password value changes it."""
    rev = [v for k, v in doc["resource"]["terraform_data"].items() if k.startswith("Kafka_Revision_")][0]
    fp = rev["input"]["fingerprint"]
    assert fp.startswith("${sha256(jsonencode(") and "(var.kafka_pw)" in fp


def test_objects(synth, doc):
    pv = one(doc, "deltastream_object", "Pageviews")
    assert pv["sql"] == (
        'CREATE STREAM "PageViews" (\n  "viewtime" BIGINT,\n  "userid" VARCHAR NOT NULL,\n'
        "  \"Page Id\" VARCHAR\n) WITH ('key.format' = 'json', 'timestamp' = 'viewtime', "
        "'topic' = 'pageviews', 'value.format' = 'json');"
    )
    assert (pv["database"], pv["namespace"], pv["store"]) == ("Analytics-东西", "Raw Events", "kafka")
    last = one(doc, "deltastream_object", "Last")
    assert 'PRIMARY KEY("userid")' in last["sql"] and last["sql"].startswith('CREATE CHANGELOG "last_page"')
    assert "'topic' = 'last_page'" in last["sql"]
    raw = one(doc, "deltastream_object", "Raw")
    assert raw["sql"] == "CREATE STREAM raw (a BIGINT) WITH ('topic' = 'raw');"
    assert (raw["database"], raw["namespace"], raw["store"]) == ("existing", "public", "existing_store")
    assert "depends_on" not in raw
    triggers = pv["lifecycle"]["replace_triggered_by"]
    assert any(t.startswith("deltastream_store.Kafka_") for t in triggers)
    assert any(t.startswith("deltastream_entity.Kafka_Topic_") for t in triggers)


def test_queries(synth, doc):
    q = one(doc, "deltastream_query", "Query")
    assert q["sql"] == (
        'INSERT INTO "Analytics-东西"."Raw Events"."last_page"\nSELECT * FROM '
        '"Analytics-东西"."Raw Events"."PageViews";'
    )
    assert q["sink_relation_fqn"] == '"Analytics-东西"."Raw Events"."last_page"'
    assert q["source_relation_fqns"] == ['"Analytics-东西"."Raw Events"."PageViews"']
    assert any(t.startswith("terraform_data.Query_Revision_") for t in q["lifecycle"]["replace_triggered_by"])
    strict = one(doc, "deltastream_query", "Strict")
    assert not any(t.startswith("terraform_data.") for t in strict["lifecycle"]["replace_triggered_by"]), (
        "strict mode fails synth instead of replacing"
    )
    assert doc["output"]["strict_fingerprint"]["value"] == STRICT_FP


def test_entities(synth, doc):
    assert Testing.to_have_resource_with_properties(
        synth,
        "deltastream_entity",
        {
            "store": "kafka",
            "entity_path": ["pageviews"],
            "kafka_properties": {"topic_partitions": 6, "topic_replicas": 3},
        },
    )
    assert Testing.to_have_resource_with_properties(
        synth, "deltastream_entity", {"store": "kinesis", "kinesis_properties": {"kinesis_shards": 2}}
    )
    assert one(doc, "deltastream_entity", "Kafka_Topic")["lifecycle"]["prevent_destroy"] is True
    assert "prevent_destroy" not in one(doc, "deltastream_entity", "Stream")["lifecycle"]


def test_secret(synth):
    assert Testing.to_have_resource_with_properties(
        synth,
        "deltastream_secret",
        {
            "name": "token",
            "type": "generic_string",
            "string_value": "${var.token}",
            "description": "API token",
            "custom_properties": {"a": "1", "b": "2"},
        },
    )


def test_schema_registry(synth):
    assert Testing.to_have_resource_with_properties(
        synth,
        "deltastream_schema_registry",
        {
            "name": "registry",
            "confluent_cloud": {"uris": "https://psrc.example", "key": "SRKEY", "secret": "${var.reg_secret}"},
        },
    )


def test_lookups(doc):
    data = doc["data"]
    assert set(data) == {
        "deltastream_databases",
        "deltastream_namespaces",
        "deltastream_stores",
        "deltastream_objects",
        "deltastream_secrets",
        "deltastream_schema_registries",
        "deltastream_entities",
    }
    store_lookup = [v for k, v in data["deltastream_stores"].items() if k.startswith("StoreLookup_")][0]
    (post,) = store_lookup["lifecycle"]["postcondition"]
    assert post["condition"] == (
        '${length([for i in self.items : i if lower(i.type) == lower("kafka") && i.owner == "sysadmin"]) == 1}'
    )
    assert "Expected exactly one DeltaStream store with type 'kafka', owner 'sysadmin'" in post["error_message"]
    plural = [v for k, v in data["deltastream_stores"].items() if k.startswith("Stores_")][0]
    assert "lifecycle" not in plural


def test_lookup_values_are_sorted_expressions():
    st = TerraformStack(Testing.app(), "look")
    DeltaStreamProvider(st, "P")
    stores = StoresLookup(st, "Stores")
    one_store = StoreLookup(st, "One", name="kafka")
    from cdktf import TerraformOutput

    TerraformOutput(st, "names", value=stores.names)
    TerraformOutput(st, "items", value=stores.items)
    TerraformOutput(st, "state", value=one_store.state)
    out = json.loads(Testing.synth(st))["output"]
    addr = "data.deltastream_stores." + stores.data.friendly_unique_id
    assert out["names"]["value"] == f"${{sort([for i in {addr}.items : i.name])}}"
    assert out["items"]["value"] == (
        f"${{[for n in sort([for i in {addr}.items : i.name]) : [for i in {addr}.items : i if i.name == n][0]]}}"
    )
    one_addr = "data.deltastream_stores." + one_store.data.friendly_unique_id
    assert out["state"]["value"] == f'${{one([for i in {one_addr}.items : i if i.name == "kafka"]).state}}'


def test_no_credential_value_in_the_output(synth):
    for literal in ("pw", "s3cr3t"):
        assert f'"{literal}"' not in synth


def test_deterministic(tmp_path):
    assert_deterministic(tmp_path, build)


def test_sensitive_expression_reaches_the_provider():
    st = TerraformStack(Testing.app(), "wrap")
    DeltaStreamProvider(st, "P")
    plain = TerraformVariable(st, "from_elsewhere", type="string")
    DeltaStreamSecret(st, "S", name="s", string_value=Fn.sensitive(plain.string_value))
    doc = json.loads(Testing.synth(st))
    (secret,) = doc["resource"]["deltastream_secret"].values()
    assert secret["string_value"] == "${sensitive(var.from_elsewhere)}"
