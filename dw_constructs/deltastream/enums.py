"""Closed sets of the DeltaStream constructs. Those the provider validates itself must match the
validators of deltastreaminc/deltastream 1.0.3 (tests/deltastream/test_schema.py reads them from
the schema and the provider source where the schema cannot carry them)."""

from __future__ import annotations

import enum


class StoreKind(str, enum.Enum):
    """The kind of a store: the name of the provider's nested block that configures it."""

    KAFKA = "kafka"
    CONFLUENT_KAFKA = "confluent_kafka"
    KINESIS = "kinesis"
    SNOWFLAKE = "snowflake"
    POSTGRES = "postgres"


class SaslHashFunction(str, enum.Enum):
    """SASL mechanism of a Kafka store (``kafka.sasl_hash_function``). Confluent Kafka stores take
    PLAIN, SHA256 or SHA512 only."""

    NONE = "NONE"
    AWS_MSK_IAM = "AWS_MSK_IAM"
    PLAIN = "PLAIN"
    SHA256 = "SHA256"
    SHA512 = "SHA512"


class ObjectKind(str, enum.Enum):
    """What a ``deltastream_object`` DDL creates (the provider accepts CREATE STREAM, CREATE
    CHANGELOG and CREATE TABLE statements only)."""

    STREAM = "STREAM"
    CHANGELOG = "CHANGELOG"
    TABLE = "TABLE"


class ValueFormat(str, enum.Enum):
    """Serialization of an object's records (``'value.format'``)."""

    JSON = "json"
    AVRO = "avro"
    PROTOBUF = "protobuf"
    PRIMITIVE = "primitive"


class QueryChange(str, enum.Enum):
    """What a change of a query's SQL, sink or sources does. DeltaStream queries are immutable
    (provider 1.0.3 plans such a change as an in-place update that fails at apply).

    REPLACE: the query is replaced (terminated, then started again from the new SQL).
    FAIL: synth fails and tells you to create a new query (strict mode).
    """

    REPLACE = "replace"
    FAIL = "fail"


class SchemaRegistryKind(str, enum.Enum):
    """The kind of a schema registry: the provider block that configures it."""

    CONFLUENT = "confluent"
    CONFLUENT_CLOUD = "confluent_cloud"


def value_of(v: enum.Enum | str) -> str:
    return v.value if isinstance(v, enum.Enum) else v
