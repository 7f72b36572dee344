#!/usr/bin/env python
"""DeltaStream streaming pipeline on the real deltastreaminc/deltastream provider 1.0.3: a
database and namespace, a Confluent schema registry, a Kafka store (SASL/SCRAM over TLS), a topic
created in it, a stream over the topic, a per-user stream and the continuous query filling it.

    python examples/deltastream/main.py      # writes cdktf.out/stacks/deltastream/cdk.tf.json

Credentials are sensitive variables, never literals: TF_VAR_delta_stream_api_key,
TF_VAR_delta_stream_organization (a UUID), TF_VAR_kafka_sasl_password,
TF_VAR_schema_registry_password. ``tofu validate`` and ``tofu plan`` work offline (the provider
does not connect to plan creates); ``tofu apply`` needs the DeltaStream service.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `examples` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cdktf import App, TerraformStack, TerraformVariable  # noqa: E402
from constructs import Construct  # noqa: E402

from dw_constructs.deltastream import (  # noqa: E402
    Column,
    ConfluentRegistryProps,
    DeltaStreamDatabase,
    DeltaStreamObject,
    DeltaStreamProvider,
    DeltaStreamQuery,
    DeltaStreamSchemaRegistry,
    DeltaStreamStore,
    KafkaProps,
    ObjectKind,
    SaslHashFunction,
    StoresLookup,
)
from examples._common import local_backend, run  # noqa: E402

STACK_NAME = "deltastream"


class DeltaStreamStack(TerraformStack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        local_backend(self, id)
        # api key (sensitive) and organization id come from the variables the provider creates.
        DeltaStreamProvider(self, "DeltaStream")
        kafka_password = TerraformVariable(
            self,
            "kafka_sasl_password",
            type="string",
            sensitive=True,
            nullable=False,
            description="SASL password of the Kafka store.",
        )
        registry_password = TerraformVariable(
            self,
            "schema_registry_password",
            type="string",
            sensitive=True,
            nullable=False,
            description="Password of the schema registry.",
        )

        analytics = DeltaStreamDatabase(self, "Analytics", name="analytics")
        clicks = analytics.add_namespace("Clickstream", name="clickstream")
        registry = DeltaStreamSchemaRegistry(
            self,
            "Registry",
            name="registry",
            confluent=ConfluentRegistryProps(
                uris="https://schema-registry.example.com:8081", username="deltastream", password=registry_password
            ),
        )
        kafka = DeltaStreamStore(
            self,
            "Kafka",
            name="kafka",
            kafka=KafkaProps(
                uris=["b-1.kafka.example.com:9096", "b-2.kafka.example.com:9096"],
                sasl_hash_function=SaslHashFunction.SHA512,
                sasl_username="deltastream",
                sasl_password=kafka_password,
            ),
            schema_registry=registry,
        )
        topic = kafka.add_entity(
            "UserPageviewsTopic", entity_path=["user_pageviews"], topic_partitions=6, topic_replicas=3
        )
        columns = [Column("viewtime", "BIGINT"), Column("userid", "VARCHAR"), Column("pageid", "VARCHAR")]
        self.pageviews = DeltaStreamObject(
            self, "Pageviews", namespace=clicks, store=kafka, name="pageviews", topic="pageviews", columns=columns
        )
        self.user_pageviews = DeltaStreamObject(
            self, "UserPageviews", namespace=clicks, store=kafka, name="UserPageviews", topic=topic, columns=columns
        )
        self.last_page = DeltaStreamObject(
            self,
            "LastPage",
            namespace=clicks,
            store=kafka,
            name="last_page",
            kind=ObjectKind.CHANGELOG,
            topic="last_page",
            columns=columns,
            primary_key=["userid"],
        )
        self.query = DeltaStreamQuery(
            self,
            "UserPageviewsQuery",
            sink=self.user_pageviews,
            sources=[self.pageviews],
            sql=f"""
                INSERT INTO {self.user_pageviews.fqn}
                SELECT viewtime, userid, pageid FROM {self.pageviews.fqn}
                WHERE userid LIKE 'User_%';
            """,
        )
        # Read after the store exists (depends_on defers the read to apply): sorted by name.
        self.stores = StoresLookup(self, "Stores", depends_on=[kafka])


def build(app: App) -> DeltaStreamStack:
    return DeltaStreamStack(app, STACK_NAME)


if __name__ == "__main__":
    run(build, STACK_NAME)
