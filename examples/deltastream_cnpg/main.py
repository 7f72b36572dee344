#!/usr/bin/env python
"""One app, a PostGIS database and the streams that read from it: a CloudNativePG PostGIS cluster
(apply mode) registers itself as a DeltaStream PostgreSQL store (endpoint from the cluster, user
and password from its application Secret, never literals); a change-data-capture stream over its
``places`` table feeds a Kafka topic through a continuous query.

    python examples/deltastream_cnpg/main.py   # writes cdktf.out/stacks/deltastream-cnpg/cdk.tf.json

Variables: TF_VAR_delta_stream_api_key (sensitive), TF_VAR_delta_stream_organization (a UUID),
TF_VAR_kafka_sasl_password (sensitive), ``kubeconfig_path`` (default ``~/.kube/config``) and
``places_db_host``: the address DeltaStream reaches the database at (it connects from its own
network, so the cluster's in-cluster Service name only works with a private link or a BYOC
data plane; use a load balancer's name otherwise).

First apply in two steps: the store reads the cluster's application Secret at plan time and
insists it exists (a precondition), so apply the cluster first::

    tofu apply -target=kubernetes_manifest.PlacesDb_Resource_<hash>   # and what it needs
    tofu apply                                                        # then DeltaStream

``tofu apply`` of the DeltaStream resources needs the DeltaStream service.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `examples` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cdktf import App, TerraformStack, TerraformVariable  # noqa: E402
from constructs import Construct  # noqa: E402

from dw_constructs.cnpg import CnpgPostgisCluster, Mode  # noqa: E402
from dw_constructs.deltastream import (  # noqa: E402
    Column,
    DeltaStreamDatabase,
    DeltaStreamObject,
    DeltaStreamProvider,
    DeltaStreamQuery,
    DeltaStreamStore,
    KafkaProps,
    SaslHashFunction,
    cnpg_postgres_store,
)
from examples._common import helm_provider, kubernetes_provider, local_backend, run  # noqa: E402

STACK_NAME = "deltastream-cnpg"

PLACE = [Column("id", "BIGINT"), Column("name", "VARCHAR"), Column("geom_wkt", "VARCHAR")]
CDC = [
    Column("op", "VARCHAR"),
    Column("ts_ms", "BIGINT"),
    Column("before", "STRUCT<id BIGINT, name VARCHAR, geom_wkt VARCHAR>"),
    Column("after", "STRUCT<id BIGINT, name VARCHAR, geom_wkt VARCHAR>"),
]


class DeltaStreamCnpgStack(TerraformStack):
    def __init__(self, scope: Construct, id: str, **cluster_overrides) -> None:
        """``cluster_overrides``: extra CnpgPostgisCluster keywords."""
        super().__init__(scope, id)
        local_backend(self, id)
        helm, kubernetes = helm_provider(self), kubernetes_provider(self)
        self.database = CnpgPostgisCluster(
            self,
            "PlacesDb",
            mode=Mode.APPLY,
            instances=3,
            storage_size="20Gi",
            database_name="places",
            database_owner="places",
            kubernetes_provider=kubernetes,
            helm_provider=helm,
            **cluster_overrides,
        )
        DeltaStreamProvider(self, "DeltaStream")
        db_host = TerraformVariable(
            self,
            "places_db_host",
            type="string",
            nullable=False,
            default=self.database.primary_endpoint,
            description="Address DeltaStream connects to the PostGIS database at.",
        )
        # The cluster as a DeltaStream store: uris from the cluster, credentials from its Secret.
        self.postgres = cnpg_postgres_store(
            self, "PlacesStore", cluster=self.database, name="places_db", host=db_host.string_value
        )
        kafka_password = TerraformVariable(
            self,
            "kafka_sasl_password",
            type="string",
            sensitive=True,
            nullable=False,
            description="SASL password of the Kafka store.",
        )
        kafka = DeltaStreamStore(
            self,
            "Kafka",
            name="kafka",
            kafka=KafkaProps(
                uris="b-1.kafka.example.com:9096",
                sasl_hash_function=SaslHashFunction.SHA512,
                sasl_username="deltastream",
                sasl_password=kafka_password,
            ),
        )
        geo = DeltaStreamDatabase(self, "Geo", name="geo")
        self.places_cdc = DeltaStreamObject(
            self,
            "PlacesCdc",
            database=geo,
            store=self.postgres,
            name="places_cdc",
            columns=CDC,
            properties={
                "postgresql.db.name": "places",
                "postgresql.schema.name": "public",
                "postgresql.table.name": "places",
            },
        )
        self.places = DeltaStreamObject(self, "Places", database=geo, store=kafka, name="places", columns=PLACE)
        self.query = DeltaStreamQuery(
            self,
            "PlacesQuery",
            sink=self.places,
            sources=[self.places_cdc],
            sql=f"INSERT INTO {self.places.fqn} SELECT after->id AS id, after->name AS name, "
            f"after->geom_wkt AS geom_wkt FROM {self.places_cdc.fqn} WHERE op <> 'd';",
        )


def build(app: App, **cluster_overrides) -> DeltaStreamCnpgStack:
    return DeltaStreamCnpgStack(app, STACK_NAME, **cluster_overrides)


if __name__ == "__main__":
    run(build, STACK_NAME)
