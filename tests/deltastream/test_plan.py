"""Real OpenTofu with the real deltastreaminc/deltastream 1.0.3 provider, offline (see
tests/deltastream/support.py): the example validates and plans its creates; what a change plans
(replacement where DeltaStream cannot update, nothing where nothing changed) is shown by a second
plan against a state written from the first. Apply needs the DeltaStream service, which is not
reachable here: nothing is applied."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from cdktf import TerraformStack, TerraformVariable

from dw_constructs.deltastream import (
    Column,
    DeltaStreamDatabase,
    DeltaStreamObject,
    DeltaStreamProvider,
    DeltaStreamQuery,
    DeltaStreamSecret,
    DeltaStreamStore,
    KafkaProps,
    StoresLookup,
)
from tests.deltastream.support import Tofu, actions, changes_of_type, no_network_prefix, state_from_plan, synth

VARS = {
    "kafka_sasl_password": "first-password",
    "schema_registry_password": "registry-password",
    "token": "token-value",
}


def _changed(plan) -> dict[str, list[str]]:
    return {a: x for a, x in actions(plan).items() if x != ["no-op"]}


def _short(address: str) -> str:
    """``deltastream_query.Query_4F8F20E5`` -> ``deltastream_query.Query``."""
    rtype, name = address.split(".", 1)
    return f"{rtype}.{name.rsplit('_', 1)[0]}"


# --- the example -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example(tools, tmp_path_factory):
    from examples.deltastream.main import build

    tofu = Tofu(tools, synth(tmp_path_factory.mktemp("example"), build), VARS)
    return tofu, tofu.plan()


def test_example_is_valid(example):
    tofu, _ = example
    result = tofu.validate()
    assert result["valid"] is True, result
    assert result["error_count"] == 0


def test_example_plans_its_creates(example):
    _, plan = example
    acts = actions(plan)
    managed = Counter(a.split(".")[0] for a, x in acts.items() if x == ["create"])
    assert managed == {
        "deltastream_database": 1,
        "deltastream_namespace": 1,
        "deltastream_schema_registry": 1,
        "deltastream_store": 1,
        "deltastream_entity": 1,
        "deltastream_object": 3,
        "deltastream_query": 1,
        "terraform_data": 9,
    }
    # the lookup depends on the store being created: read at apply, not now
    assert [a for a, x in acts.items() if x == ["read"]] == [
        a for a in acts if a.startswith("data.deltastream_stores.")
    ]
    after = {_short(r["address"]): r["change"]["after"] for r in plan["resource_changes"]}
    assert (
        after["deltastream_query.UserPageviewsQuery"]["sink_relation_fqn"]
        == '"analytics"."clickstream"."UserPageviews"'
    )
    assert after["deltastream_object.UserPageviews"]["sql"].startswith('CREATE STREAM "UserPageviews" (')
    assert after["deltastream_store.Kafka"]["kafka"]["uris"] == "b-1.kafka.example.com:9096,b-2.kafka.example.com:9096"


def test_example_plan_hides_credentials(example):
    """The provider marks the SASL and registry passwords sensitive; the plan shows neither."""
    _, plan = example
    store = next(iter(changes_of_type(plan, "deltastream_store").values()))
    assert store["change"]["after_sensitive"]["kafka"]["sasl_password"] is True
    rev = [r for a, r in changes_of_type(plan, "terraform_data").items() if "Kafka_Revision" in a][0]
    assert rev["change"]["after_sensitive"]["input"]["fingerprint"] is True


def test_lookup_read_at_plan_needs_the_service(tools, tmp_path):
    """A lookup that depends on nothing being created is read during plan: with no DeltaStream
    service (and no network) the plan fails in the provider's connect, i.e. lookups, like applies,
    need the service."""

    def build(app):
        st = TerraformStack(app, "lookup")
        DeltaStreamProvider(st, "DeltaStream")
        StoresLookup(st, "Stores")
        return st

    res = Tofu(tools, synth(tmp_path, build)).plan(check=False)
    assert res.returncode == 1
    assert "failed to connect" in res.stdout + res.stderr
    if no_network_prefix():  # and the plans here really run without any network
        assert "network is unreachable" in res.stdout + res.stderr


# --- what changes plan -------------------------------------------------------------------------


def pipeline(
    app,
    *,
    where: str = "WHERE userid LIKE 'User_%'",
    indent: str = "",
    extra_column: bool = False,
    raw_query: bool = False,
    db_name: str = "analytics",
    secret_var: str = "token",
) -> TerraformStack:
    """The example's shape, with the knobs the change tests turn (same ids, so same addresses)."""
    st = TerraformStack(app, "pipeline")
    DeltaStreamProvider(st, "DeltaStream")
    pw = TerraformVariable(st, "kafka_sasl_password", type="string", sensitive=True)
    token = TerraformVariable(st, secret_var, type="string", sensitive=True)
    db = DeltaStreamDatabase(st, "Analytics", name=db_name)
    kafka = DeltaStreamStore(
        st,
        "Kafka",
        name="kafka",
        kafka=KafkaProps(
            uris="b-1.kafka.example.com:9096", sasl_hash_function="SHA512", sasl_username="ds", sasl_password=pw
        ),
    )
    topic = kafka.add_entity("Topic", entity_path=["user_pageviews"], topic_partitions=6)
    cols = [Column("viewtime", "BIGINT"), Column("userid", "VARCHAR")]
    src = DeltaStreamObject(
        st,
        "Pageviews",
        database=db,
        store=kafka,
        name="pageviews",
        columns=cols + ([Column("pageid", "VARCHAR")] if extra_column else []),
    )
    sink = DeltaStreamObject(
        st, "UserPageviews", database=db, store=kafka, name="user_pageviews", topic=topic, columns=cols
    )
    sql = f"INSERT INTO {sink.fqn}\n{indent}SELECT viewtime, userid FROM {src.fqn}\n{indent}{where};"
    if raw_query:  # the generated class alone: what the provider plans without our layer
        from dw_cdktf_provider_deltastream.query import Query

        Query(st, "UserPageviewsQuery", sql=sql, sink_relation_fqn=sink.fqn, source_relation_fqns=[src.fqn])
    else:
        DeltaStreamQuery(st, "UserPageviewsQuery", sink=sink, sources=[src], sql=sql)
    DeltaStreamSecret(st, "Token", name="token", string_value=token)
    return st


class Scenario:
    """A first configuration planned and 'applied' (a state from its plan), and second plans."""

    def __init__(self, tools, tmp: Path, variables=None, **first) -> None:
        self.tools, self.tmp, self.n = tools, tmp, 0
        self.variables = {**VARS, **(variables or {})}
        tofu = Tofu(tools, synth(tmp / "first", lambda app: pipeline(app, **first)), self.variables)
        self.first = tofu.plan()
        self.state = state_from_plan(self.first)

    def second(self, variables=None, check: bool = True, **changed):
        self.n += 1
        tofu = Tofu(
            self.tools,
            synth(self.tmp / f"second{self.n}", lambda app: pipeline(app, **changed)),
            {**self.variables, **(variables or {})},
        )
        return tofu.plan(state=self.state, check=check)


@pytest.fixture(scope="module")
def scenario(tools, tmp_path_factory):
    return Scenario(tools, tmp_path_factory.mktemp("scenario"))


def test_first_plan_creates_everything(scenario):
    assert set(x[0] for x in actions(scenario.first).values()) == {"create"}


def test_same_configuration_plans_nothing(scenario):
    assert _changed(scenario.second()) == {}


def test_reindented_sql_plans_nothing(scenario):
    """Identical SQL is a no-op, also when only its indentation or trailing whitespace differs."""
    assert _changed(scenario.second(indent="        ")) == {}


def test_query_sql_change_replaces_the_query(scenario):
    plan = scenario.second(where="WHERE userid LIKE 'User_1%'")
    changed = {_short(a): x for a, x in _changed(plan).items()}
    assert changed == {
        "deltastream_query.UserPageviewsQuery": ["delete", "create"],
        "terraform_data.UserPageviewsQuery_Revision": ["update"],
    }
    (query,) = changes_of_type(plan, "deltastream_query").values()
    assert query["action_reason"] == "replace_by_triggers"


def test_without_our_layer_the_provider_plans_an_update(tools, tmp_path):
    """The control for the test above: the generated class alone, same SQL change. Provider 1.0.3
    plans an in-place update (its Update then fails with "query updates not supported")."""
    sc = Scenario(tools, tmp_path, raw_query=True)
    plan = sc.second(raw_query=True, where="WHERE userid LIKE 'User_1%'")
    assert {_short(a): x for a, x in _changed(plan).items()} == {"deltastream_query.UserPageviewsQuery": ["update"]}


def test_credential_rotation_replaces_store_objects_and_query(scenario):
    """A new password value (same variable): the store cannot be updated, so it is replaced, and
    with it the objects in it and the query on them; the topic (in Kafka) stays."""
    plan = scenario.second(variables={"kafka_sasl_password": "rotated-password"})
    changed = {_short(a): x for a, x in _changed(plan).items()}
    assert changed == {
        "terraform_data.Kafka_Revision": ["update"],
        "deltastream_store.Kafka": ["delete", "create"],
        "deltastream_object.Pageviews": ["delete", "create"],
        "deltastream_object.UserPageviews": ["delete", "create"],
        "deltastream_query.UserPageviewsQuery": ["delete", "create"],
    }
    (store,) = changes_of_type(plan, "deltastream_store").values()
    assert store["action_reason"] == "replace_by_triggers"
    assert store["change"]["after_sensitive"]["kafka"]["sasl_password"] is True


def test_column_change_replaces_the_object_and_its_query(scenario):
    plan = scenario.second(extra_column=True)
    changed = {_short(a): x for a, x in _changed(plan).items()}
    assert changed["deltastream_object.Pageviews"] == ["delete", "create"]
    assert changed["deltastream_query.UserPageviewsQuery"] == ["delete", "create"]
    assert "deltastream_object.UserPageviews" not in changed
    (obj,) = [
        r for a, r in changes_of_type(plan, "deltastream_object").items() if "Pageviews_" in a and "User" not in a
    ]
    assert ["sql"] in obj["change"].get("replace_paths", [])  # the provider's own RequiresReplace on sql


def test_secret_value_change_replaces_the_secret(scenario):
    plan = scenario.second(variables={"token": "rotated-token"})
    changed = {_short(a): x for a, x in _changed(plan).items()}
    assert changed == {"terraform_data.Token_Revision": ["update"], "deltastream_secret.Token": ["delete", "create"]}
    (secret,) = changes_of_type(plan, "deltastream_secret").values()
    assert secret["change"]["after_sensitive"]["string_value"] is True  # the provider alone would show it


def test_database_rename_is_stopped_by_prevent_destroy(scenario):
    """Provider 1.0.3 cannot rename a database; we plan a replacement, which prevent_destroy (on
    by default for databases) refuses: the plan fails instead of an apply failing half-way."""
    res = scenario.second(db_name="analytics_v2", check=False)
    assert res.returncode == 1
    assert "Instance cannot be destroyed" in res.stderr + res.stdout
    assert "deltastream_database.Analytics" in res.stderr + res.stdout


# --- what the provider checks itself ---------------------------------------------------------------


@pytest.mark.parametrize(
    "org,expect",
    [
        ("acme", ["Attribute organization must contain only alphanumeric characters, space, - and _, got: acme"]),
        (
            "0d9b1f5e-7c1a-4c8e-9f0a-2b6f4a1d3c55",
            [
                'Attribute kafka.sasl_hash_function value must be one of: ["NONE" "AWS_MSK_IAM" "PLAIN" "SHA256" "SHA512"], '
                'got: "MD5"',
                'Attribute type value must be one of: ["generic_string"], got: "other"',
            ],
        ),
    ],
)
def test_what_the_provider_checks_itself(tools, tmp_path, org, expect):
    """With the generated classes alone (no construct in front), real tofu validate reports the
    provider's own validators (resources only once the provider block is valid): the organization
    UUID, the SASL mechanism values, the secret type. A store with two kind blocks, a literal
    password and a quote in a name are accepted: those would reach apply."""

    def build(app):
        from dw_cdktf_provider_deltastream.provider import DeltastreamProvider
        from dw_cdktf_provider_deltastream.secret import Secret
        from dw_cdktf_provider_deltastream.store import Store, StoreKafka

        st = TerraformStack(app, "raw")
        DeltastreamProvider(st, "ds", api_key="k", organization=org)
        Store(st, "s", name="s", kafka=StoreKafka(uris="b:9092", sasl_hash_function="MD5"))
        Secret(st, "x", name="x", type="other", string_value="v")
        Store(
            st,
            "t",
            name='two "kinds"',
            kafka=StoreKafka(uris="b:9092", sasl_hash_function="NONE"),
            postgres={"uris": "x", "username": "u", "password": "literal"},
        )
        return st

    result = Tofu(tools, synth(tmp_path, build)).validate()
    assert sorted(d["detail"] for d in result["diagnostics"] if d["severity"] == "error") == sorted(expect)
