"""Closed sets of the DataWarehouse constructs. Those of the provider must match
schema.meta.json `allowed` (tests/test_schema.py checks that they do); ClusterMode and
AntiAffinity are the chart's."""

from __future__ import annotations

import enum


class OperationalProfile(str, enum.Enum):
    """Speed/safety trade-off of an instance. Default: BALANCED."""

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
    NONE = "none"
    LZ4 = "lz4"
    ZSTD = "zstd"
    SNAPPY = "snappy"
    GZIP = "gzip"


class VdeReplicationMode(str, enum.Enum):
    SYNC = "sync"
    SEMI_SYNC = "semi-sync"
    ASYNC = "async"


class TopologyMode(str, enum.Enum):
    ACTIVE_ACTIVE = "active-active"
    ACTIVE_PASSIVE = "active-passive"


class NodeRole(str, enum.Enum):
    PRIMARY = "primary"
    REPLICA = "replica"


class PolicyFeature(str, enum.Enum):
    RETENTION = "retention"
    MASKING = "masking"
    ENCRYPTION = "encryption"
    COMPRESSION = "compression"
    AUDIT = "audit"
    ACCESS = "access"


class CascadeStrategy(str, enum.Enum):
    INHERIT = "inherit"
    OVERRIDE = "override"
    NONE = "none"


def value_of(member_or_value: "enum.Enum | str") -> str:
    """The Terraform value of an enum member or of an already-validated plain string."""
    return member_or_value.value if isinstance(member_or_value, enum.Enum) else member_or_value
