"""Closed sets of the DataWarehouse constructs. Those of the provider must match
schema.meta.json `allowed` (tests/test_schema.py checks that they do); ClusterMode and
AntiAffinity are the chart's."""

from __future__ import annotations

import enum


class OperationalProfile(str, enum.Enum):
    """Trade-off between speed and safety applied to an instance, from the fastest (``Speed``) to
    the most careful (``Paranoid``)."""

    SPEED = "Speed"
    BALANCED = "Balanced"
    STANDARD = "Standard"
    STRICT = "Strict"
    PARANOID = "Paranoid"


class ClusterMode(str, enum.Enum):
    """Deployment shape. SINGLE: one pod. CLUSTERED: a raft cluster of >= 3 pods."""

    SINGLE = "single"
    CLUSTERED = "clustered"


class AntiAffinity(str, enum.Enum):
    """Pod anti-affinity of a clustered deployment (chart value clustering.antiAffinity)."""

    SOFT = "soft"
    HARD = "hard"


class CompressionCodec(str, enum.Enum):
    """Compression codec of a VDE's stored blocks."""

    NONE = "none"
    LZ4 = "lz4"
    ZSTD = "zstd"
    SNAPPY = "snappy"
    GZIP = "gzip"


class VdeReplicationMode(str, enum.Enum):
    """How a VDE's writes are replicated between the instance's nodes: synchronously,
    semi-synchronously or asynchronously."""

    SYNC = "sync"
    SEMI_SYNC = "semi-sync"
    ASYNC = "async"


class TopologyMode(str, enum.Enum):
    """Replication between DataWarehouse servers: every member a primary (``active-active``), or
    one primary and replicas (``active-passive``)."""

    ACTIVE_ACTIVE = "active-active"
    ACTIVE_PASSIVE = "active-passive"


class NodeRole(str, enum.Enum):
    """Role of a member of a replication topology."""

    PRIMARY = "primary"
    REPLICA = "replica"


class PolicyFeature(str, enum.Enum):
    """The feature a data policy governs."""

    RETENTION = "retention"
    MASKING = "masking"
    ENCRYPTION = "encryption"
    COMPRESSION = "compression"
    AUDIT = "audit"
    ACCESS = "access"


class CascadeStrategy(str, enum.Enum):
    """How a data policy propagates to the paths below its target path."""

    INHERIT = "inherit"
    OVERRIDE = "override"
    NONE = "none"


def value_of(member_or_value: enum.Enum | str) -> str:
    """The Terraform value of an enum member or of an already-validated plain string."""
    if isinstance(member_or_value, enum.Enum):
        value: str = member_or_value.value
        return value
    return member_or_value
