"""Plain-Python model of the DataWarehouse constructs: frozen props, one validate function per
construct, and builders that turn props into Terraform resource arguments (dicts in, dicts out).
Nothing here imports cdktf or jsii; the construct modules are a thin layer over this one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dw_constructs import _checks as c
from dw_constructs.datawarehouse.enums import OperationalProfile, value_of
from dw_constructs.errors import Problem

if TYPE_CHECKING:
    from cdktf import IResolvable


@dataclass(frozen=True)
class ProviderProps:
    """Connection of the ``datawarehouse`` provider.

    Attributes:
        host: server host name or address, as reachable from where Terraform runs (a Service DNS
            name ``<svc>.<ns>.svc.cluster.local`` resolves only inside that Kubernetes cluster).
            Required.
        password: admin password as a reference (a sensitive variable's value, a secret lookup).
            Default: - a sensitive ``TerraformVariable`` named ``<id>_password`` is created.
        port: server port, 1..65535. Default: 5432.
        username: admin user. Default: "admin".
        tls_enabled: connect over TLS. Default: True.
        tls_skip_verify: skip server-certificate verification (encrypted but not authenticated;
            reported by the ``dw-tls`` policy). Default: False.
        ca_cert_pem: PEM of the CA(s) the server certificate is verified with (a literal or a
            reference; not a secret). Default: - the system trust store.
    """

    host: str
    password: str | None = None
    port: int | float = 5432
    username: str = "admin"
    tls_enabled: bool | IResolvable = True
    tls_skip_verify: bool | IResolvable = False
    ca_cert_pem: str | None = None


_PEM_CERT = "-----BEGIN CERTIFICATE-----"


def ca_cert_problems(prop: str, value: Any) -> list[Problem]:
    """A PEM certificate (bundle) or a string reference to one (e.g. ``Fn.file(...)``)."""
    if c.is_token(value) or (isinstance(value, str) and _PEM_CERT in value):
        return []
    return [Problem(prop, value, f"PEM text with a '{_PEM_CERT}' block, or a reference to it")]


def _provider_tls_problems(p: ProviderProps) -> list[Problem]:
    problems = c.optional(ca_cert_problems, "ca_cert_pem", p.ca_cert_pem)
    if p.tls_skip_verify is True and p.ca_cert_pem is not None:
        problems.append(Problem("tls_skip_verify", True, "False when ca_cert_pem is given (verify with that CA)"))
    return problems


def validate_provider(p: ProviderProps) -> list[Problem]:
    return _provider_tls_problems(p) + c.collect(
        c.non_empty_str("host", p.host),
        c.int_range("port", p.port, 1, 65535),
        c.non_empty_str("username", p.username),
        c.secret_reference("password", p.password),
        c.boolean("tls_enabled", p.tls_enabled),
        c.boolean("tls_skip_verify", p.tls_skip_verify),
    )


def provider_config(p: ProviderProps, password: str) -> dict[str, Any]:
    return {
        "host": p.host,
        "port": p.port,
        "username": p.username,
        "password": password,
        "tls_enabled": p.tls_enabled,
        "tls_skip_verify": p.tls_skip_verify,
        "ca_cert_pem": p.ca_cert_pem,
    }


@dataclass(frozen=True)
class InstanceProps:
    """A ``datawarehouse_instance``.

    Attributes:
        name: instance name, a DNS-1123 label; changing it replaces the instance. Required.
        storage_size_gb: reserved storage in GiB, 1..65536. Required.
        replication_factor: copies of every block, 1..7 (at most the number of nodes). Default: 1.
        plugins: plugin ids to enable; ``"*"`` enables all installed plugins. Default: ("*",).
        operational_profile: trade-off between speed and safety applied to the instance.
            Default: OperationalProfile.BALANCED.
        prevent_destroy: refuse to destroy the instance (and its data) in plan. Known at synth time
            (Terraform's lifecycle takes no references). Default: True.
    """

    name: str
    storage_size_gb: int | float
    replication_factor: int | float = 1
    plugins: Sequence[str] = ("*",)
    operational_profile: OperationalProfile | str = OperationalProfile.BALANCED
    prevent_destroy: bool = True


def validate_instance(p: InstanceProps) -> list[Problem]:
    return c.without_shadowed(
        c.collect(
            c.dns_label("name", p.name),
            c.int_range("storage_size_gb", p.storage_size_gb, 1, 65536),
            c.int_range("replication_factor", p.replication_factor, 1, 7),
            c.str_list("plugins", p.plugins, min_items=1),
            c.one_of("operational_profile", p.operational_profile, OperationalProfile),
            c.boolean("prevent_destroy", p.prevent_destroy),
            c.known("prevent_destroy", p.prevent_destroy, "Terraform's lifecycle takes no references"),
        )
    )


def instance_config(p: InstanceProps) -> dict[str, Any]:
    return {
        "name": p.name,
        "storage_size_gb": p.storage_size_gb,
        "replication_factor": p.replication_factor,
        "plugins_enabled": list(p.plugins),
        "operational_profile": value_of(p.operational_profile),
    }
