"""Governance of the DeltaStream constructs: tenant constraints on their props (allowed store
kinds, strict queries, ...) at synth time, and the policy pack's DeltaStream rules (plaintext
credentials, TLS off) on the synthesized JSON."""

from __future__ import annotations

import json

import pytest
from cdktf import App, TerraformStack, TerraformVariable, Testing

from dw_constructs.deltastream import (
    DeltaStreamDatabase,
    DeltaStreamObject,
    DeltaStreamProvider,
    DeltaStreamQuery,
    DeltaStreamStore,
    KafkaProps,
    PostgresProps,
)
from dw_constructs.governance import GovernanceError, check_app, enforce, parse_constraints
from dw_constructs.governance.inputs import from_documents
from dw_constructs.governance.policies import run_policies

DOC = parse_constraints(
    {
        "version": 1,
        "tenants": {
            "streaming": {
                "constructs": {
                    "DeltaStreamStore": {"parameters": {"kind": {"allowed": ["kafka", "confluent_kafka"]}}},
                    "DeltaStreamQuery": {"parameters": {"on_change": {"equals": "fail"}}},
                    "DeltaStreamDatabase": {"max_instances": 1},
                }
            },
            "open": {},
        },
    }
)


def _app(*, postgres: bool, tls_disabled: bool = False) -> App:
    app = Testing.app()
    st = TerraformStack(app, "gov")
    DeltaStreamProvider(st, "DeltaStream")
    pw = TerraformVariable(st, "pw", type="string", sensitive=True).string_value
    db = DeltaStreamDatabase(st, "Db", name="db")
    kafka = DeltaStreamStore(
        st,
        "Kafka",
        name="kafka",
        kafka=KafkaProps(
            uris="b:9096", sasl_hash_function="PLAIN", sasl_username="u", sasl_password=pw, tls_disabled=tls_disabled
        ),
    )
    if postgres:
        DeltaStreamStore(st, "Pg", name="pg", postgres=PostgresProps("postgresql://db:5432/app", "u", pw))
    a = DeltaStreamObject(st, "A", database=db, store=kafka, name="a", columns=[("x", "INT")])
    b = DeltaStreamObject(st, "B", database=db, store=kafka, name="b", columns=[("x", "INT")])
    DeltaStreamQuery(st, "Q", sink=b, sources=[a], sql=f"INSERT INTO {b.fqn} SELECT * FROM {a.fqn};")
    return app


def test_tenant_constraints_apply_to_deltastream_constructs():
    report = check_app(_app(postgres=True), DOC, "streaming")
    lines = {(v.path, v.parameter, json.dumps(v.value)) for v in report.violations}
    assert lines == {("gov/Pg", "kind", '"postgres"'), ("gov/Q", "on_change", '"replace"')}


def test_allowed_store_kind_passes():
    report = check_app(_app(postgres=False), DOC, "open")
    assert report.ok


def test_enforced_at_synth(tmp_path):
    app = App(outdir=str(tmp_path))
    st = TerraformStack(app, "gov")
    DeltaStreamProvider(st, "DeltaStream")
    pw = TerraformVariable(st, "pw", type="string", sensitive=True).string_value
    DeltaStreamStore(st, "Pg", name="pg", postgres=PostgresProps("postgresql://db:5432/app", "u", pw))
    enforce(app, DOC, "streaming")
    with pytest.raises(Exception) as err:
        app.synth()
    assert '[gov/Pg] kind = "postgres": not an allowed value' in str(err.value)


def test_unknown_parameter_is_rejected_in_the_document():
    with pytest.raises(GovernanceError) as err:
        parse_constraints(
            {
                "version": 1,
                "tenants": {"t": {"constructs": {"DeltaStreamStore": {"parameters": {"flavour": {"allowed": ["x"]}}}}}},
            }
        )
    assert "flavour" in str(err.value)


def _policy(doc: dict, only: str) -> list:
    return run_policies(from_documents([doc]), only=[only])


def test_tls_disabled_store_is_flagged():
    doc = json.loads(Testing.synth(_app(postgres=False, tls_disabled=True).node.children[0]))
    found = _policy(doc, "deltastream-tls")
    assert [(v.parameter, v.value) for v in found] == [("kafka.tls_disabled", True)]
    assert found[0].path.startswith("stack/deltastream_store.Kafka_")  # Testing.synth keeps no construct paths


def test_our_constructs_pass_the_deltastream_policies():
    doc = json.loads(Testing.synth(_app(postgres=True).node.children[0]))
    assert _policy(doc, "deltastream-tls") == [] and _policy(doc, "deltastream-credentials") == []


def _raw_doc() -> dict:
    """What the generated classes let through: literal credentials, http endpoints, TLS off."""
    from dw_cdktf_provider_deltastream.provider import DeltastreamProvider
    from dw_cdktf_provider_deltastream.schema_registry import SchemaRegistry, SchemaRegistryConfluent
    from dw_cdktf_provider_deltastream.secret import Secret
    from dw_cdktf_provider_deltastream.store import Store, StoreKafka, StorePostgres, StoreSnowflake

    st = TerraformStack(Testing.app(), "raw")
    DeltastreamProvider(st, "ds", api_key="literal-key", server="http://api.example/v2", insecure_skip_verify=True)
    Store(
        st,
        "k",
        name="k",
        kafka=StoreKafka(
            uris="b:9092",
            sasl_hash_function="PLAIN",
            sasl_username="u",
            sasl_password="literal-pw",
            tls_disabled=True,
            tls_verify_server_hostname=False,
        ),
    )
    Store(
        st,
        "p",
        name="p",
        postgres=StorePostgres(uris="postgresql://db:5432/app?sslmode=disable", username="u", password="literal-pw"),
    )
    Store(
        st,
        "s",
        name="s",
        snowflake=StoreSnowflake(
            uris="https://a.snowflakecomputing.com",
            account_id="a",
            cloud_region="r",
            warehouse_name="w",
            role_name="r",
            username="u",
            client_key_file="literal-key-file",
            client_key_passphrase="${var.pass}",
        ),
    )
    SchemaRegistry(
        st,
        "r",
        name="r",
        confluent=SchemaRegistryConfluent(uris="http://sr.example", username="u", password="literal-pw"),
    )
    Secret(st, "x", name="x", type="generic_string", string_value="literal-secret")
    return json.loads(Testing.synth(st))


def test_plaintext_credentials_are_flagged():
    found = sorted((v.path, v.parameter) for v in _policy(_raw_doc(), "deltastream-credentials"))
    assert found == [
        ("stack/deltastream_schema_registry.r", "confluent.password"),
        ("stack/deltastream_secret.x", "string_value"),
        ("stack/deltastream_store.k", "kafka.sasl_password"),
        ("stack/deltastream_store.p", "postgres.password"),
        ("stack/deltastream_store.s", "snowflake.client_key_file"),
        ("stack/provider.deltastream", "api_key"),
    ]
    assert all(v.value == "<literal hidden>" for v in _policy(_raw_doc(), "deltastream-credentials"))


def test_tls_off_is_flagged():
    found = sorted((v.path, v.parameter) for v in _policy(_raw_doc(), "deltastream-tls"))
    assert found == [
        ("stack/deltastream_schema_registry.r", "confluent.uris"),
        ("stack/deltastream_store.k", "kafka.tls_disabled"),
        ("stack/deltastream_store.k", "kafka.tls_verify_server_hostname"),
        ("stack/deltastream_store.p", "postgres.uris"),
        ("stack/provider.deltastream", "insecure_skip_verify"),
        ("stack/provider.deltastream", "server"),
    ]
