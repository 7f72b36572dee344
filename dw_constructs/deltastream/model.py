"""Plain-Python model of the DeltaStream constructs: frozen props with documented defaults, one
validate function per construct (every rule DeltaStream or provider 1.0.3 would only report at
apply time, or not at all), and builders that turn props into the provider's arguments and the SQL
we emit. Nothing here imports cdktf or jsii; the construct modules are a thin layer over this one.

Values may be Terraform references (cdktf tokens) wherever the value is only passed on; props we
must read at synth time (an object's name and SQL, a query's SQL, sink and sources) must be known.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from dw_constructs import _checks as c
from dw_constructs.deltastream import sql as s
from dw_constructs.deltastream.enums import (
    ObjectKind,
    QueryChange,
    SaslHashFunction,
    SchemaRegistryKind,
    StoreKind,
    ValueFormat,
    value_of,
)
from dw_constructs.errors import Problem

#: The provider's API endpoint when ``server`` is not set (provider 1.0.3, provider.go).
DEFAULT_SERVER = "https://api.deltastream.io/v2"
#: The role the provider acts as when ``role`` is not set (provider 1.0.3 warns and uses it).
DEFAULT_ROLE = "sysadmin"
#: The namespace every DeltaStream database has (upstream examples use it without creating it).
DEFAULT_NAMESPACE = "public"
#: The only secret type provider 1.0.3 accepts.
SECRET_TYPE = "generic_string"

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:([0-9]{1,5})$")
_AWS_ACCOUNT = re.compile(r"^[0-9]{12}$")
_AWS_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$")
_IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$")
_COLUMN_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\s*[(<][A-Za-z0-9_ ,<>()\"]*[)>])?(\s+[A-Za-z]+)*$")
_PROPERTY_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
FINGERPRINT = re.compile(r"^sha256:[0-9a-f]{64}$")

_SQL_SAFE = "a value without ' (provider 1.0.3 puts it into a single-quoted SQL string without escaping)"


# --- shared checks ---------------------------------------------------------------------------------


def name_problems(prop: str, value: Any, *, required: bool = True) -> list[Problem]:
    """A DeltaStream name (see :mod:`dw_constructs.deltastream.sql`), or a string reference."""
    if value is None and not required:
        return []
    if c.is_string_token(value):
        return []
    why = s.identifier_problem(value)
    return [Problem(prop, value, f"{s.IDENTIFIER_ALLOWED} ({why})")] if why else []


def known_name_problems(prop: str, value: Any, why: str) -> list[Problem]:
    """A DeltaStream name we must know at synth time (``why`` says what needs it)."""
    return c.known(prop, value, why) or name_problems(prop, value)


def _sql_safe(prop: str, value: Any) -> list[Problem]:
    if isinstance(value, str) and not c.is_string_token(value) and "'" in value:
        return [Problem(prop, value, _SQL_SAFE)]
    return []


def plain_or_reference(prop: str, value: Any, *, required: bool = True) -> list[Problem]:
    """A non-empty string without ``'`` (the provider quotes it unescaped), or a reference."""
    if value is None:
        return [Problem(prop, None, "a non-empty string or a reference (required)")] if required else []
    return c.non_empty_str(prop, value) or _sql_safe(prop, value)


def credential(prop: str, value: Any, *, required: bool = True) -> list[Problem]:
    """A secret: a reference, never a literal (the construct layer also checks it is sensitive)."""
    if value is None:
        return (
            [Problem(prop, None, "a sensitive reference, e.g. TerraformVariable(..., sensitive=True) (required)")]
            if required
            else []
        )
    return c.secret_reference(prop, value)


def owner_problems(prop: str, value: Any) -> list[Problem]:
    return name_problems(prop, value, required=False)


def split_uris(value: Any) -> list[str] | None:
    """``"a:1,b:2"`` or ``["a:1", "b:2"]`` as a list of entries; None when not strings."""
    if isinstance(value, str):
        return [u.strip() for u in value.split(",")]
    if isinstance(value, (list, tuple)) and all(isinstance(u, str) for u in value):
        return [u.strip() for u in value]
    return None


def uris_problems(prop: str, value: Any, kind: str) -> list[Problem]:
    """``kind``: ``host:port`` (Kafka brokers), ``https`` (an https URL), ``postgres`` (a
    ``postgresql://host:port/database`` URL). A reference passes (checked by DeltaStream)."""
    if c.is_string_token(value):
        return []
    entries = split_uris(value)
    allowed = {
        "host:port": "host:port broker addresses (a list or one comma-separated string), e.g. "
        "['b-1.kafka.example:9096', 'b-2.kafka.example:9096']",
        "https": "https:// URLs (a list or one comma-separated string)",
        "postgres": "postgresql://host:port/database URLs",
    }[kind]
    if not entries or any(not e for e in entries):
        return [Problem(prop, c.shown(value), allowed)]
    problems = []
    for e in entries:
        if c.is_string_token(e):
            continue
        if "'" in e or any(ch.isspace() for ch in e):
            problems.append(Problem(prop, e, f"{allowed}, without ' or spaces"))
        elif kind == "host:port":
            m = _HOST_PORT.match(e)
            if not m or not 1 <= int(m.group(2)) <= 65535:
                problems.append(Problem(prop, e, allowed))
        elif (kind == "https" and not re.match(r"^https://[^/:?#]+", e)) or (
            kind == "postgres" and not re.match(r"^postgres(ql)?://[^/:?#@]+(:[0-9]{1,5})?/[^/?#]+", e)
        ):
            problems.append(Problem(prop, e, allowed))
    problems += c.duplicates(prop, [e for e in entries if not c.is_string_token(e)], what="distinct URIs")
    return problems


def join_uris(value: Any) -> str:
    """The ``uris`` string we emit: entries sorted (order carries no meaning) and comma-joined,
    so reordering them in code changes nothing."""
    if c.is_string_token(value):
        return str(value)  # a string token is a str
    return ",".join(sorted(split_uris(value) or []))


def _pattern(prop: str, value: Any, rx: re.Pattern[str], allowed: str, *, required: bool = True) -> list[Problem]:
    if value is None:
        return [Problem(prop, None, f"{allowed} (required)")] if required else []
    if c.is_string_token(value):
        return []
    if not isinstance(value, str) or not rx.match(value):
        return [Problem(prop, value, allowed)]
    return []


def _enum_value(v: Any) -> Any:
    return value_of(v) if v is not None else None


def _props_of(cls: type, value: Any, prop: str) -> tuple[Any, list[Problem]]:
    """``value`` as a ``cls`` (an instance, or a mapping of its fields)."""
    if value is None or isinstance(value, cls):
        return value, []
    if isinstance(value, Mapping):
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - names)
        if unknown:
            return None, [
                Problem(f"{prop}.{k}", value[k], f"a field of {cls.__name__}: {', '.join(sorted(names))}")
                for k in unknown
            ]
        try:
            return cls(**value), []
        except TypeError as e:
            return None, [Problem(prop, c.shown(dict(value)), f"a {cls.__name__} ({e})")]
    return None, [Problem(prop, type(value).__name__, f"a {cls.__name__} or a dict of its fields")]


def coerce(cls: type, value: Any, prop: str) -> tuple[Any, list[Problem]]:
    return _props_of(cls, value, prop)


# --- provider --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderProps:
    """Configuration of the ``deltastreaminc/deltastream`` provider.

    Attributes:
        api_key: API token, as a sensitive reference: a ``TerraformVariable(..., sensitive=True)``
            (or its ``string_value``) or an expression wrapped in ``Fn.sensitive``; a literal or a
            non-sensitive reference is rejected (the provider does not mark ``api_key`` sensitive).
            Default: - a sensitive variable ``<id>_api_key`` (set ``TF_VAR_<id>_api_key``).
        organization: organization id, a UUID, or a reference.
            Default: - a variable ``<id>_organization`` (set ``TF_VAR_<id>_organization``).
        server: API endpoint, an ``https://`` URL (the API key travels with every request).
            Default: "https://api.deltastream.io/v2".
        role: DeltaStream role the provider acts as (and owner of what it creates unless an
            ``owner`` says otherwise). Default: "sysadmin".
    """

    api_key: str | None = None
    organization: str | None = None
    server: str = DEFAULT_SERVER
    role: str = DEFAULT_ROLE


def validate_provider(p: ProviderProps) -> list[Problem]:
    return c.collect(
        credential("api_key", p.api_key, required=False),
        _pattern(
            "organization",
            p.organization,
            _UUID,
            "an organization id: a UUID such as '0d9b1f5e-7c1a-4c8e-9f0a-2b6f4a1d3c55', or a reference",
            required=False,
        ),
        c.url("server", p.server, schemes=("https",)),
        name_problems("role", p.role),
    )


def provider_config(p: ProviderProps, api_key: str, organization: str) -> dict[str, Any]:
    return {"api_key": api_key, "organization": organization, "server": p.server, "role": p.role}


# --- database and namespace ------------------------------------------------------------------------


@dataclass(frozen=True)
class DatabaseProps:
    """A ``deltastream_database``.

    Attributes:
        name: database name (case-sensitive, stored as written). Changing it replaces the
            database (provider 1.0.3 cannot rename). Required.
        owner: owning role. Default: - the provider's role.
        prevent_destroy: refuse to destroy (or replace) the database in plan: dropping it drops
            the catalog of everything in it. Default: True.
    """

    name: str
    owner: str | None = None
    prevent_destroy: bool = True


def validate_database(p: DatabaseProps) -> list[Problem]:
    return c.collect(
        name_problems("name", p.name), owner_problems("owner", p.owner), c.boolean("prevent_destroy", p.prevent_destroy)
    )


def database_config(p: DatabaseProps) -> dict[str, Any]:
    return _drop_none({"name": p.name, "owner": p.owner})


@dataclass(frozen=True)
class NamespaceProps:
    """A ``deltastream_namespace`` (a schema of a database).

    Attributes:
        database: name of its database (taken from the ``database`` construct when one is given).
            Required.
        name: namespace name; not ``public``, which every database has already. Changing it
            replaces the namespace. Required.
        owner: owning role. Default: - the provider's role.
        prevent_destroy: refuse to destroy (or replace) the namespace in plan. Default: True.
    """

    database: str
    name: str
    owner: str | None = None
    prevent_destroy: bool = True


def validate_namespace(p: NamespaceProps) -> list[Problem]:
    problems = c.collect(
        name_problems("database", p.database),
        name_problems("name", p.name),
        owner_problems("owner", p.owner),
        c.boolean("prevent_destroy", p.prevent_destroy),
    )
    if p.name == DEFAULT_NAMESPACE:
        problems.append(
            Problem(
                "name",
                p.name,
                f"a name other than '{DEFAULT_NAMESPACE}': every database has "
                f"'{DEFAULT_NAMESPACE}' already (objects use it by default)",
            )
        )
    return problems


def namespace_config(p: NamespaceProps) -> dict[str, Any]:
    return _drop_none({"database": p.database, "name": p.name, "owner": p.owner})


# --- stores ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KafkaProps:
    """A Kafka store (``kafka`` block).

    Attributes:
        uris: broker ``host:port`` addresses, a list or one comma-separated string (emitted
            sorted). Required.
        sasl_hash_function: SASL mechanism; NONE needs no credentials, PLAIN/SHA256/SHA512 need
            ``sasl_username`` and ``sasl_password``, AWS_MSK_IAM needs ``msk_iam_role_arn`` and
            ``msk_aws_region``. Required.
        sasl_username: SASL user name (a literal or a reference).
            Default: - none (required with PLAIN/SHA256/SHA512).
        sasl_password: SASL password, a sensitive reference.
            Default: - none (required with PLAIN/SHA256/SHA512).
        msk_iam_role_arn: IAM role DeltaStream assumes for Amazon MSK.
            Default: - none (required with AWS_MSK_IAM).
        msk_aws_region: AWS region of the MSK cluster. Default: - none (required with AWS_MSK_IAM).
        schema_registry: name of the schema registry the store decodes with (or give the
            construct to the store). Default: - none.
        tls_disabled: connect without TLS (credentials and data in plaintext; the policy pack
            flags it). Default: False.
        tls_verify_server_hostname: check the broker certificate's name. Default: True.
    """

    uris: str | Sequence[str]
    sasl_hash_function: SaslHashFunction | str
    sasl_username: str | None = None
    sasl_password: str | None = None
    msk_iam_role_arn: str | None = None
    msk_aws_region: str | None = None
    schema_registry: str | None = None
    tls_disabled: bool = False
    tls_verify_server_hostname: bool = True


@dataclass(frozen=True)
class ConfluentKafkaProps:
    """A Confluent Cloud Kafka store (``confluent_kafka`` block).

    Attributes:
        uris: bootstrap ``host:port`` addresses (emitted sorted). Required.
        sasl_username: the API key (a literal or a reference). Required.
        sasl_password: the API secret, a sensitive reference. Required.
        sasl_hash_function: PLAIN, SHA256 or SHA512. Default: SaslHashFunction.PLAIN.
    """

    uris: str | Sequence[str]
    sasl_username: str
    sasl_password: str
    sasl_hash_function: SaslHashFunction | str = SaslHashFunction.PLAIN


@dataclass(frozen=True)
class KinesisProps:
    """An Amazon Kinesis store (``kinesis`` block).

    Attributes:
        uris: Kinesis endpoint(s), ``https://kinesis.<region>.amazonaws.com``. Required.
        aws_account_id: the 12-digit AWS account id (or a reference). Required.
        access_key_id: IAM access key id (a literal or a reference); with ``secret_access_key``.
            Default: - none.
        secret_access_key: IAM secret access key, a sensitive reference; with ``access_key_id``.
            Default: - none.
    """

    uris: str | Sequence[str]
    aws_account_id: str
    access_key_id: str | None = None
    secret_access_key: str | None = None


@dataclass(frozen=True)
class SnowflakeProps:
    """A Snowflake store (``snowflake`` block); every field is required by the provider.

    Attributes:
        uris: account URL, ``https://<account>.snowflakecomputing.com``. Required.
        account_id: Snowflake account id. Required.
        cloud_region: cloud region of the account. Required.
        warehouse_name: warehouse for store operations. Required.
        role_name: role used after connecting. Required.
        username: login name (a literal or a reference). Required.
        client_key_file: the private key (PEM), a sensitive reference. Required.
        client_key_passphrase: passphrase of the private key, a sensitive reference. Required.
    """

    uris: str | Sequence[str]
    account_id: str
    cloud_region: str
    warehouse_name: str
    role_name: str
    username: str
    client_key_file: str
    client_key_passphrase: str


@dataclass(frozen=True)
class PostgresProps:
    """A PostgreSQL store (``postgres`` block).

    Attributes:
        uris: ``postgresql://host:port/database`` URL(s). Required.
        username: login name (a literal or a reference). Required.
        password: password, a sensitive reference. Required.
    """

    uris: str | Sequence[str]
    username: str
    password: str


KIND_PROPS: dict[StoreKind, type] = {
    StoreKind.KAFKA: KafkaProps,
    StoreKind.CONFLUENT_KAFKA: ConfluentKafkaProps,
    StoreKind.KINESIS: KinesisProps,
    StoreKind.SNOWFLAKE: SnowflakeProps,
    StoreKind.POSTGRES: PostgresProps,
}
#: Fields of each kind that hold a credential (sensitive references only).
CREDENTIAL_FIELDS: dict[StoreKind, tuple[str, ...]] = {
    StoreKind.KAFKA: ("sasl_password",),
    StoreKind.CONFLUENT_KAFKA: ("sasl_password",),
    StoreKind.KINESIS: ("secret_access_key",),
    StoreKind.SNOWFLAKE: ("client_key_file", "client_key_passphrase"),
    StoreKind.POSTGRES: ("password",),
}


@dataclass(frozen=True)
class StoreProps:
    """A ``deltastream_store``: exactly one of ``kafka``, ``confluent_kafka``, ``kinesis``,
    ``snowflake``, ``postgres``. Provider 1.0.3 cannot update a store: any change of its name,
    kind, endpoints or credentials (their values included) replaces it, and its objects and the
    queries on them with it. Rotating a credential therefore means replacing the store.

    Attributes:
        name: store name. Required.
        kafka: a Kafka store. Default: - none.
        confluent_kafka: a Confluent Cloud Kafka store. Default: - none.
        kinesis: an Amazon Kinesis store. Default: - none.
        snowflake: a Snowflake store. Default: - none.
        postgres: a PostgreSQL store. Default: - none.
        owner: owning role. Default: - the provider's role.
        prevent_destroy: refuse to destroy (or replace) the store in plan; off by default because
            credential rotation replaces it. Default: False.
    """

    name: str
    kafka: KafkaProps | None = None
    confluent_kafka: ConfluentKafkaProps | None = None
    kinesis: KinesisProps | None = None
    snowflake: SnowflakeProps | None = None
    postgres: PostgresProps | None = None
    owner: str | None = None
    prevent_destroy: bool = False

    @property
    def kinds(self) -> list[StoreKind]:
        return [k for k in StoreKind if getattr(self, k.value) is not None]

    @property
    def kind(self) -> str | None:
        """The kind's value (``"kafka"``, ``"postgres"``...; what tenant constraints compare), or
        None unless exactly one kind is set."""
        kinds = self.kinds
        return kinds[0].value if len(kinds) == 1 else None

    @property
    def config(self) -> Any:
        return getattr(self, self.kind) if self.kind else None


def _kafka_problems(k: KafkaProps, pre: str) -> list[Problem]:
    problems = uris_problems(f"{pre}.uris", k.uris, "host:port")
    problems += c.one_of(f"{pre}.sasl_hash_function", k.sasl_hash_function, SaslHashFunction)
    mech = _enum_value(k.sasl_hash_function)
    userpass: tuple[str, ...] = ("sasl_username", "sasl_password")
    msk: tuple[str, ...] = ("msk_iam_role_arn", "msk_aws_region")
    if mech in ("PLAIN", "SHA256", "SHA512"):
        problems += plain_or_reference(f"{pre}.sasl_username", k.sasl_username)
        problems += credential(f"{pre}.sasl_password", k.sasl_password)
        unwanted = msk
    elif mech == "AWS_MSK_IAM":
        problems += _pattern(
            f"{pre}.msk_iam_role_arn",
            k.msk_iam_role_arn,
            _IAM_ROLE_ARN,
            "an IAM role ARN, arn:aws:iam::<account>:role/<name>",
        )
        problems += _pattern(f"{pre}.msk_aws_region", k.msk_aws_region, _AWS_REGION, "an AWS region, e.g. eu-central-1")
        unwanted = userpass
    else:
        unwanted = userpass + msk
    for f in unwanted:
        if getattr(k, f) is not None:
            problems.append(
                Problem(
                    f"{pre}.{f}",
                    c.shown(getattr(k, f)) if f != "sasl_password" else "<set>",
                    f"None with sasl_hash_function {mech!r} (the provider would drop it silently)",
                )
            )
    problems += name_problems(f"{pre}.schema_registry", k.schema_registry, required=False)
    problems += c.boolean(f"{pre}.tls_disabled", k.tls_disabled)
    problems += c.boolean(f"{pre}.tls_verify_server_hostname", k.tls_verify_server_hostname)
    return problems


def _confluent_kafka_problems(k: ConfluentKafkaProps, pre: str) -> list[Problem]:
    problems = uris_problems(f"{pre}.uris", k.uris, "host:port")
    if _enum_value(k.sasl_hash_function) not in ("PLAIN", "SHA256", "SHA512") and not c.is_string_token(
        k.sasl_hash_function
    ):
        problems.append(
            Problem(
                f"{pre}.sasl_hash_function", _enum_value(k.sasl_hash_function), "one of 'PLAIN', 'SHA256', 'SHA512'"
            )
        )
    problems += plain_or_reference(f"{pre}.sasl_username", k.sasl_username)
    problems += credential(f"{pre}.sasl_password", k.sasl_password)
    return problems


def _kinesis_problems(k: KinesisProps, pre: str) -> list[Problem]:
    problems = uris_problems(f"{pre}.uris", k.uris, "https")
    problems += _pattern(f"{pre}.aws_account_id", k.aws_account_id, _AWS_ACCOUNT, "a 12-digit AWS account id")
    if (k.access_key_id is None) != (k.secret_access_key is None):
        missing = "secret_access_key" if k.secret_access_key is None else "access_key_id"
        problems.append(
            Problem(
                f"{pre}.{missing}",
                None,
                "set together with "
                + ("access_key_id" if missing == "secret_access_key" else "secret_access_key")
                + " (or neither, to use the account's role)",
            )
        )
    problems += plain_or_reference(f"{pre}.access_key_id", k.access_key_id, required=False)
    problems += credential(f"{pre}.secret_access_key", k.secret_access_key, required=False)
    return problems


def _snowflake_problems(k: SnowflakeProps, pre: str) -> list[Problem]:
    problems = uris_problems(f"{pre}.uris", k.uris, "https")
    for f in ("account_id", "cloud_region", "warehouse_name", "role_name", "username"):
        problems += plain_or_reference(f"{pre}.{f}", getattr(k, f))
    problems += credential(f"{pre}.client_key_file", k.client_key_file)
    problems += credential(f"{pre}.client_key_passphrase", k.client_key_passphrase)
    return problems


def _postgres_problems(k: PostgresProps, pre: str) -> list[Problem]:
    return (
        uris_problems(f"{pre}.uris", k.uris, "postgres")
        + plain_or_reference(f"{pre}.username", k.username)
        + credential(f"{pre}.password", k.password)
    )


_KIND_CHECKS: dict[StoreKind, Callable[[Any, str], list[Problem]]] = {
    StoreKind.KAFKA: _kafka_problems,
    StoreKind.CONFLUENT_KAFKA: _confluent_kafka_problems,
    StoreKind.KINESIS: _kinesis_problems,
    StoreKind.SNOWFLAKE: _snowflake_problems,
    StoreKind.POSTGRES: _postgres_problems,
}


def validate_store(p: StoreProps) -> list[Problem]:
    problems = c.collect(
        name_problems("name", p.name), owner_problems("owner", p.owner), c.boolean("prevent_destroy", p.prevent_destroy)
    )
    kinds = p.kinds
    names = ", ".join(k.value for k in StoreKind)
    if len(kinds) != 1:
        problems.append(
            Problem(
                "kind",
                [k.value for k in kinds] or None,
                f"exactly one of {names} (provider 1.0.3 silently uses the first block it "
                "finds and ignores the others)",
            )
        )
    for k in kinds:
        value = getattr(p, k.value)
        if not isinstance(value, KIND_PROPS[k]):
            problems.append(Problem(k.value, type(value).__name__, f"a {KIND_PROPS[k].__name__}"))
        else:
            problems += _KIND_CHECKS[k](value, k.value)
    return problems


def store_block(p: StoreProps, schema_registry_name: str | None = None) -> tuple[str, dict[str, Any]]:
    """(block name, its arguments) of the store's one kind; ``schema_registry_name`` overrides
    the Kafka ``schema_registry`` field (a registry construct given to the store)."""
    kind = StoreKind(p.kind)
    k = p.config
    if kind is StoreKind.KAFKA:
        mech = _enum_value(k.sasl_hash_function)
        return kind.value, _drop_none(
            {
                "uris": join_uris(k.uris),
                "sasl_hash_function": mech,
                "sasl_username": k.sasl_username,
                "sasl_password": k.sasl_password,
                "msk_iam_role_arn": k.msk_iam_role_arn,
                "msk_aws_region": k.msk_aws_region,
                "schema_registry_name": schema_registry_name or k.schema_registry,
                "tls_disabled": k.tls_disabled,
                "tls_verify_server_hostname": k.tls_verify_server_hostname,
            }
        )
    if kind is StoreKind.CONFLUENT_KAFKA:
        return kind.value, {
            "uris": join_uris(k.uris),
            "sasl_hash_function": _enum_value(k.sasl_hash_function),
            "sasl_username": k.sasl_username,
            "sasl_password": k.sasl_password,
        }
    if kind is StoreKind.KINESIS:
        return kind.value, _drop_none(
            {
                "uris": join_uris(k.uris),
                "aws_account_id": k.aws_account_id,
                "access_key_id": k.access_key_id,
                "secret_access_key": k.secret_access_key,
            }
        )
    if kind is StoreKind.SNOWFLAKE:
        return kind.value, {
            "uris": join_uris(k.uris),
            "account_id": k.account_id,
            "cloud_region": k.cloud_region,
            "warehouse_name": k.warehouse_name,
            "role_name": k.role_name,
            "username": k.username,
            "client_key_file": k.client_key_file,
            "client_key_passphrase": k.client_key_passphrase,
        }
    return kind.value, {"uris": join_uris(k.uris), "username": k.username, "password": k.password}


def store_credentials(p: StoreProps) -> list[tuple[str, Any]]:
    """(prop path, value) of every credential set on the store (for the sensitivity check)."""
    if p.kind is None:
        return []
    kind = StoreKind(p.kind)
    return [
        (f"{kind.value}.{f}", getattr(p.config, f))
        for f in CREDENTIAL_FIELDS[kind]
        if getattr(p.config, f, None) is not None
    ]


# --- objects ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an object.

    Attributes:
        name: column name (quoted in the SQL we emit, so its case is kept). Required.
        type: DeltaStream SQL type, e.g. ``BIGINT``, ``VARCHAR``, ``STRUCT<a VARCHAR>``. Required.
        not_null: add ``NOT NULL``. Default: False.
    """

    name: str
    type: str
    not_null: bool = False


@dataclass(frozen=True)
class ObjectProps:
    """A ``deltastream_object``: a stream, changelog or table over an entity of a store. Either
    ``columns`` (we write the DDL) or ``sql`` (you write it; we read the kind and name from it).
    Provider 1.0.3 replaces the object when its SQL (so its columns and options), store,
    database or namespace change; we also replace it when its store is replaced.

    Attributes:
        database: database name (from the ``database``/``namespace`` construct when given). Required.
        store: store name (from the ``store`` construct when given). Required.
        name: object name; must match the name the SQL creates. Required.
        namespace: namespace name. Default: "public".
        kind: STREAM, CHANGELOG or TABLE. Default: ObjectKind.STREAM (or the kind ``sql`` creates).
        columns: the columns, in order (the order is part of the schema, never sorted).
            Default: () (then ``sql`` is required).
        primary_key: primary-key columns, in order; required for a CHANGELOG. Default: ().
        topic: the entity (topic or stream) the object reads and writes, the ``'topic'`` option.
            Default: - the object name when the store is a Kafka, Confluent Kafka or Kinesis
            ``DeltaStreamStore``; no ``'topic'`` option otherwise.
        value_format: record serialization. Default: ValueFormat.JSON.
        properties: further ``WITH`` options (emitted sorted by key); not ``store``, ``topic`` or
            ``value.format``, which have their own props. Default: {}.
        sql: the complete ``CREATE STREAM|CHANGELOG|TABLE`` statement instead of ``columns``.
            Default: - none (built from ``columns``).
        owner: owning role. Default: - the provider's role.
    """

    database: str
    store: str
    name: str
    namespace: str = DEFAULT_NAMESPACE
    kind: ObjectKind | str = ObjectKind.STREAM
    columns: Sequence[Column] = ()
    primary_key: Sequence[str] = ()
    topic: str | None = None
    value_format: ValueFormat | str = ValueFormat.JSON
    properties: Mapping[str, str] = field(default_factory=dict)
    sql: str | None = None
    owner: str | None = None

    @property
    def fqn(self) -> str:
        return s.fqn(self.database, self.namespace, self.name)


def coerce_columns(value: Any) -> tuple[tuple[Column, ...], list[Problem]]:
    """Columns given as :class:`Column`, ``(name, type)`` / ``(name, type, not_null)`` tuples or
    dicts of the fields."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return (), [Problem("columns", c.shown(value), "a list of Column(name, type), (name, type) tuples or dicts")]
    out, problems = [], []
    for i, col in enumerate(value):
        if isinstance(col, Column):
            out.append(col)
        elif isinstance(col, (tuple, list)) and 2 <= len(col) <= 3:
            out.append(Column(*col))
        elif isinstance(col, Mapping):
            made, p = _props_of(Column, col, f"columns[{i}]")
            problems += p
            if made is not None:
                out.append(made)
        else:
            problems.append(
                Problem(f"columns[{i}]", c.shown(col), "a Column(name, type), a (name, type) tuple or a dict")
            )
    return tuple(out), problems


def _ddl_name_problems(p: ObjectProps, ddl: s.ObjectDdl) -> list[Problem]:
    problems: list[Problem] = []
    parts = ddl.name
    if not parts or len(parts) > 3:
        return [
            Problem(
                "sql",
                "<sql>",
                "a statement naming the object: CREATE STREAM <name> (...) or <database>.<namespace>.<name>",
            )
        ]
    for part in parts:
        if part.needs_quotes:
            problems.append(
                Problem(
                    "sql",
                    part.written,
                    f"the name quoted: {s.quote(part.written)} "
                    "(unquoted, a non-ASCII or punctuated name does not parse)",
                )
            )
    written = parts[-1]
    if written.resolved != p.name:
        hint = (
            f" (unquoted, {written.written} means {written.resolved!r}: write {s.quote(p.name)})"
            if written.folded and written.written == p.name
            else ""
        )
        problems.append(
            Problem(
                "sql",
                written.written,
                f"a statement creating the object named {p.name!r}, as the 'name' prop says{hint}",
            )
        )
    for part, what, want in zip(parts[:-1][::-1], ("namespace", "database"), (p.namespace, p.database), strict=False):
        if part.resolved != want and not c.is_string_token(want):
            problems.append(
                Problem(
                    "sql",
                    part.written,
                    f"the object's {what} {want!r} (the statement would create "
                    f"it in {part.resolved!r}; provider 1.0.3 refuses that at "
                    "apply)",
                )
            )
    return problems


def _empty_sql_problems(sql: Any, allowed: str) -> list[Problem]:
    """A ``sql`` that is not a string or holds no statement (then nothing else is checked)."""
    if not isinstance(sql, str) or not s.normalize(sql):
        return [Problem("sql", sql if not isinstance(sql, str) else "", allowed)]
    return []


def _statement_problems(sql: str) -> list[Problem]:
    """A non-empty ``sql`` that is not one well-formed statement."""
    problems = []
    toks = s.tokens(sql)
    bad = s.unbalanced(toks)
    if bad:
        problems.append(Problem("sql", "<sql>", f"well-formed SQL (found {bad})"))
    if s.statements(toks) > 1:
        problems.append(Problem("sql", "<sql>", "exactly one statement"))
    return problems


def validate_object(p: ObjectProps) -> list[Problem]:
    problems = c.collect(
        name_problems("database", p.database),
        name_problems("namespace", p.namespace),
        name_problems("store", p.store),
        known_name_problems("name", p.name, "queries and lookups use the name"),
        owner_problems("owner", p.owner),
    )
    if p.sql is not None:
        if p.columns or p.primary_key or p.topic is not None or p.properties:
            problems.append(Problem("sql", "<sql>", "either sql or columns/primary_key/topic/properties, not both"))
        unknown = c.known("sql", p.sql, "the object's kind and name are read from it")
        if unknown:
            return problems + unknown
        empty = _empty_sql_problems(p.sql, "a non-empty CREATE STREAM|CHANGELOG|TABLE statement")
        if empty:
            return problems + empty
        problems += _statement_problems(p.sql)
        ddl = s.read_object_ddl(p.sql)
        if ddl.kind is None:
            problems.append(
                Problem(
                    "sql",
                    s.normalize(p.sql)[:40],
                    "a CREATE STREAM, CREATE CHANGELOG or CREATE TABLE statement (provider 1.0.3 accepts no other)",
                )
            )
            return problems
        if ddl.as_select:
            problems.append(
                Problem(
                    "sql",
                    "CREATE ... AS SELECT",
                    "a plain CREATE STREAM|CHANGELOG|TABLE: a "
                    "statement with AS SELECT runs a query; declare the object and a DeltaStreamQuery "
                    "that INSERTs INTO it",
                )
            )
        kind = _enum_value(p.kind)
        if kind != ObjectKind.STREAM.value and kind != ddl.kind:
            problems.append(Problem("kind", kind, f"{ddl.kind!r}, the kind the SQL creates (or leave the default)"))
        if isinstance(p.name, str) and not c.is_string_token(p.name):
            problems += _ddl_name_problems(p, ddl)
        if (
            ddl.store is not None
            and isinstance(p.store, str)
            and not c.is_string_token(p.store)
            and ddl.store != p.store
        ):
            problems.append(
                Problem(
                    "sql",
                    f"'store' = '{ddl.store}'",
                    f"the object's store {p.store!r} (provider 1.0.3 refuses a mismatch at apply)",
                )
            )
        return problems
    # built from columns
    problems += c.one_of("kind", p.kind, ObjectKind)
    problems += c.one_of("value_format", p.value_format, ValueFormat)
    cols, col_problems = coerce_columns(p.columns)
    problems += col_problems
    if not cols and not col_problems:
        problems.append(Problem("columns", [], "at least one column (or give the statement as sql)"))
    for i, col in enumerate(cols):
        problems += c.known(f"columns[{i}].name", col.name, "it is written into the DDL")
        problems += name_problems(f"columns[{i}].name", col.name)
        if c.contains_token(col.type) or not isinstance(col.type, str) or not _COLUMN_TYPE.match(col.type.strip()):
            problems.append(
                Problem(
                    f"columns[{i}].type",
                    c.shown(col.type),
                    "a DeltaStream SQL type such as BIGINT, VARCHAR, TIMESTAMP, DECIMAL(10, 2), "
                    "ARRAY<VARCHAR>, STRUCT<a VARCHAR>",
                )
            )
        problems += c.boolean(f"columns[{i}].not_null", col.not_null)
    col_names = [col.name for col in cols]
    problems += c.duplicates("columns", col_names, what="distinct column names")
    pk = p.primary_key
    if isinstance(pk, (str, bytes)) or not isinstance(pk, Sequence):
        problems.append(Problem("primary_key", c.shown(pk), "a list of column names"))
        pk = ()
    for k in pk:
        if k not in col_names:
            problems.append(Problem("primary_key", k, f"one of the columns: {', '.join(map(str, col_names))}"))
    problems += c.duplicates("primary_key", list(pk), what="distinct column names")
    kind = _enum_value(p.kind)
    if kind == ObjectKind.CHANGELOG.value and not pk:
        problems.append(Problem("primary_key", [], "at least one column: a CHANGELOG is keyed by its primary key"))
    if kind == ObjectKind.STREAM.value and pk:
        problems.append(Problem("primary_key", list(pk), "() for a STREAM (only a CHANGELOG or TABLE has a key)"))
    problems += name_problems("topic", p.topic, required=False)
    properties: object = p.properties  # typed Mapping; checked as given
    if c.is_token(properties) or not isinstance(properties, Mapping):
        problems.append(Problem("properties", c.shown(properties), "a dict of option name to string value"))
    else:
        for k, v in properties.items():
            if not isinstance(k, str) or not _PROPERTY_KEY.match(k):
                problems.append(
                    Problem(
                        "properties",
                        k,
                        "option names like 'timestamp' or 'key.format': lower-case words, digits, '_' and '.'",
                    )
                )
            elif k in ("store", "topic", "value.format"):
                problems.append(
                    Problem(
                        f"properties.{k}",
                        v,
                        f"not set here: use the {k.replace('value.', 'value_')} prop"
                        if k != "store"
                        else "not set here: the store comes from the store prop",
                    )
                )
            if not isinstance(v, str) and not c.is_string_token(v):
                problems.append(Problem(f"properties.{k}", c.shown(v), "a string"))
    return problems


def object_sql(p: ObjectProps) -> str:
    """The DDL we emit: columns in their order, options sorted by name, every identifier quoted."""
    if p.sql is not None:
        return s.normalize(p.sql)
    cols, _ = coerce_columns(p.columns)
    lines = [
        f"  {s.quote(col.name)} {' '.join(col.type.split())}" + (" NOT NULL" if col.not_null else "") for col in cols
    ]
    if p.primary_key:
        lines.append(f"  PRIMARY KEY({', '.join(s.quote(k) for k in p.primary_key)})")
    options = {"value.format": _enum_value(p.value_format), **dict(p.properties)}
    if p.topic is not None:
        options["topic"] = p.topic
    with_ = ", ".join(f"{s.string_literal(k)} = {s.string_literal(options[k])}" for k in sorted(options))
    kind = _enum_value(p.kind)
    return f"CREATE {kind} {s.quote(p.name)} (\n" + ",\n".join(lines) + f"\n) WITH ({with_});"


def object_kind(p: ObjectProps) -> str:
    if p.sql is not None and isinstance(p.sql, str):
        return s.read_object_ddl(p.sql).kind or value_of(p.kind)
    return value_of(p.kind)


# --- queries ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryProps:
    """A ``deltastream_query``: a continuous ``INSERT INTO <sink> SELECT ... FROM <sources>``.
    A query's SQL, sink and sources cannot change (provider 1.0.3 plans an in-place update that
    fails at apply): with ``on_change=QueryChange.REPLACE`` a change replaces the query, with
    ``QueryChange.FAIL`` synth fails unless ``pinned_fingerprint`` matches. Identical SQL (also
    after re-indenting it) changes nothing.

    Attributes:
        sql: the ``INSERT INTO`` statement; relations written fully qualified
            (``"db"."namespace"."name"``, e.g. ``obj.fqn``), since a query has no default database.
            Required.
        sink: fully qualified name of the relation it writes (from the sink object). Required.
        sources: fully qualified names of the relations it reads (from the source objects;
            emitted sorted). Required.
        on_change: what a change of sql, sink or sources does. Default: QueryChange.REPLACE.
        pinned_fingerprint: with QueryChange.FAIL: the fingerprint of the deployed query
            (``sha256:...``, the ``<id>_fingerprint`` output). Default: - none (required with FAIL).
        owner: owning role. Default: - the provider's role.
    """

    sql: str
    sink: str
    sources: Sequence[str]
    on_change: QueryChange | str = QueryChange.REPLACE
    pinned_fingerprint: str | None = None
    owner: str | None = None


def _fqn_of(parts: Sequence[s.Name]) -> str:
    return s.fqn(*(p.resolved for p in parts))


def validate_query(p: QueryProps) -> list[Problem]:
    problems = c.collect(
        c.known("sql", p.sql, "its sink and sources are checked against it"),
        c.known("sink", p.sink, "the query is replaced when it changes"),
        c.known("sources", p.sources, "the query is replaced when they change"),
        c.one_of("on_change", p.on_change, QueryChange),
        owner_problems("owner", p.owner),
    )
    if problems:
        return problems
    empty = _empty_sql_problems(p.sql, "a non-empty INSERT INTO ... SELECT statement (an empty query body)")
    if empty:
        return empty
    problems += _statement_problems(p.sql)
    q = s.read_insert(p.sql)
    if not q.is_insert or not q.target:
        problems.append(
            Problem(
                "sql",
                s.normalize(p.sql)[:40],
                "an INSERT INTO <sink> SELECT ... statement (provider 1.0.3 runs no other kind of query)",
            )
        )
        return problems
    sources = list(p.sources) if isinstance(p.sources, (list, tuple)) else None
    if sources is None or not sources or not all(isinstance(x, str) for x in sources):
        problems.append(
            Problem(
                "sources", c.shown(p.sources), "the objects (or fully qualified names) the query reads, at least one"
            )
        )
        sources = []
    problems += c.duplicates("sources", sources, what="distinct relations")
    if len(q.target) != 3:
        problems.append(
            Problem(
                "sql",
                ".".join(n.written for n in q.target),
                'the sink fully qualified, "db"."namespace"."name" (use the sink object\'s fqn)',
            )
        )
    else:
        problems += _folded("sql", q.target)
        if _fqn_of(q.target) != p.sink:
            problems.append(
                Problem(
                    "sink",
                    p.sink,
                    f"the relation the SQL inserts into, {_fqn_of(q.target)} "
                    "(provider 1.0.3 refuses a mismatch at apply)",
                )
            )
    read = []
    for parts in q.sources:
        if len(parts) == 1 and parts[0].resolved in q.ctes:
            continue
        if len(parts) != 3:
            problems.append(
                Problem(
                    "sql",
                    ".".join(n.written for n in parts),
                    'relations fully qualified, "db"."namespace"."name" (a query has no default '
                    "database; use the source object's fqn)",
                )
            )
            continue
        problems += _folded("sql", parts)
        read.append(_fqn_of(parts))
    for name in sorted(set(read) - set(sources)):
        problems.append(
            Problem(
                "sources",
                sorted(sources),
                f"every relation the SQL reads, also {name} (provider 1.0.3 refuses an undeclared source at apply)",
            )
        )
    for name in sorted(set(sources) - set(read)):
        problems.append(Problem("sources", name, "only relations the SQL reads (FROM/JOIN)"))
    on_change = _enum_value(p.on_change)
    if on_change == QueryChange.FAIL.value:
        current = query_fingerprint(p)
        if p.pinned_fingerprint is None:
            problems.append(
                Problem(
                    "pinned_fingerprint",
                    None,
                    f"the fingerprint of the deployed query with on_change=QueryChange.FAIL; this SQL has {current}",
                )
            )
        elif not isinstance(p.pinned_fingerprint, str) or not FINGERPRINT.match(p.pinned_fingerprint):
            problems.append(Problem("pinned_fingerprint", p.pinned_fingerprint, "sha256:<64 hex digits>"))
        elif p.pinned_fingerprint != current:
            problems.append(
                Problem(
                    "sql",
                    current,
                    f"the deployed query ({p.pinned_fingerprint}): a DeltaStream "
                    "query's "
                    "SQL, sink and sources cannot change. Create a new query (a new "
                    "DeltaStreamQuery with its own id) for the new SQL and remove this "
                    "one, or use on_change=QueryChange.REPLACE to have this one "
                    "replaced",
                )
            )
    elif p.pinned_fingerprint is not None:
        problems.append(Problem("pinned_fingerprint", p.pinned_fingerprint, "None unless on_change=QueryChange.FAIL"))
    return problems


def _folded(prop: str, parts: Sequence[s.Name]) -> list[Problem]:
    out = []
    for n in parts:
        if n.needs_quotes:
            out.append(
                Problem(
                    prop,
                    n.written,
                    f"the name quoted: {s.quote(n.written)} (unquoted, a non-ASCII or punctuated name does not parse)",
                )
            )
        elif n.folded:
            out.append(
                Problem(
                    prop,
                    n.written,
                    f"{s.quote(n.written)} if the relation is named {n.written!r} "
                    f"(unquoted, DeltaStream reads it as {n.resolved!r}); or write "
                    f"{n.resolved}",
                )
            )
    return out


def query_fingerprint(p: QueryProps) -> str:
    """``sha256:`` of the normalized SQL, the sink and the sorted sources: what must not change."""
    doc = {"sql": s.normalize(p.sql), "sink": p.sink, "sources": sorted(p.sources)}
    return "sha256:" + hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def query_config(p: QueryProps) -> dict[str, Any]:
    return _drop_none(
        {
            "sql": s.normalize(p.sql),
            "sink_relation_fqn": p.sink,
            "source_relation_fqns": sorted(p.sources),
            "owner": p.owner,
        }
    )


# --- entities --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntityProps:
    """A ``deltastream_entity``: a topic (Kafka) or stream (Kinesis) created in a store. Dropping it
    deletes its data, so it is protected by default. Provider 1.0.3 cannot update an entity: a
    change replaces it.

    Attributes:
        store: store name (from the ``store`` construct when given). Required.
        entity_path: path of the entity in the store, e.g. ``["pageviews"]`` (order is the path,
            never sorted). Required.
        topic_partitions: Kafka partitions. Default: - the store's default.
        topic_replicas: Kafka replication factor. Default: - the store's default.
        kinesis_shards: Kinesis shards. Default: - the store's default.
        prevent_destroy: refuse to destroy (or replace) the entity in plan. Default: True.
    """

    store: str
    entity_path: Sequence[str]
    topic_partitions: int | None = None
    topic_replicas: int | None = None
    kinesis_shards: int | None = None
    prevent_destroy: bool = True


def validate_entity(p: EntityProps, store_kind: str | None = None) -> list[Problem]:
    problems = c.collect(name_problems("store", p.store), c.boolean("prevent_destroy", p.prevent_destroy))
    path = p.entity_path
    if c.is_list_token(path):
        pass
    elif isinstance(path, (str, bytes)) or not isinstance(path, Sequence) or not path:
        problems.append(Problem("entity_path", c.shown(path), "a non-empty list of names, e.g. ['pageviews']"))
    else:
        for i, part in enumerate(path):
            problems += name_problems(f"entity_path[{i}]", part)
    for f in ("topic_partitions", "topic_replicas", "kinesis_shards"):
        problems += c.optional(c.int_range, f, getattr(p, f), 1, 100000)
    kafka = p.topic_partitions is not None or p.topic_replicas is not None
    if kafka and p.kinesis_shards is not None:
        problems.append(
            Problem("kinesis_shards", p.kinesis_shards, "None with topic_partitions/topic_replicas (Kafka) settings")
        )
    if store_kind is not None:
        if kafka and store_kind not in (StoreKind.KAFKA.value, StoreKind.CONFLUENT_KAFKA.value):
            problems.append(
                Problem(
                    "topic_partitions",
                    p.topic_partitions,
                    f"None for a {store_kind} store (Kafka settings are ignored there)",
                )
            )
        if p.kinesis_shards is not None and store_kind != StoreKind.KINESIS.value:
            problems.append(
                Problem(
                    "kinesis_shards",
                    p.kinesis_shards,
                    f"None for a {store_kind} store (Kinesis settings are ignored there)",
                )
            )
    return problems


def entity_config(p: EntityProps) -> dict[str, Any]:
    out: dict[str, Any] = {"store": p.store, "entity_path": list(p.entity_path)}
    kafka = _drop_none({"topic_partitions": p.topic_partitions, "topic_replicas": p.topic_replicas})
    if kafka:
        out["kafka_properties"] = kafka
    if p.kinesis_shards is not None:
        out["kinesis_properties"] = {"kinesis_shards": p.kinesis_shards}
    return out


# --- secrets ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretProps:
    """A ``deltastream_secret`` (type ``generic_string``). Provider 1.0.3 neither marks its value
    sensitive nor can update a secret: the value must be a sensitive reference (so plans show
    ``(sensitive value)``), and a change of it replaces the secret.

    Attributes:
        name: secret name. Required.
        string_value: the secret, a sensitive reference. Required.
        description: description (without ``'``). Default: - none.
        custom_properties: extra properties (string to string, without ``'``). Default: {}.
        owner: owning role. Default: - the provider's role.
    """

    name: str
    string_value: str
    description: str | None = None
    custom_properties: Mapping[str, str] = field(default_factory=dict)
    owner: str | None = None


def validate_secret(p: SecretProps) -> list[Problem]:
    problems = c.collect(
        name_problems("name", p.name), credential("string_value", p.string_value), owner_problems("owner", p.owner)
    )
    if p.description is not None:
        problems += c.non_empty_str("description", p.description) or _sql_safe("description", p.description)
    problems += c.str_map("custom_properties", p.custom_properties)
    if isinstance(p.custom_properties, Mapping) and not c.is_map_token(p.custom_properties):
        for k, v in p.custom_properties.items():
            problems += _sql_safe(f"custom_properties.{k}", k) + _sql_safe(f"custom_properties.{k}", v)
    return problems


def secret_config(p: SecretProps) -> dict[str, Any]:
    return _drop_none(
        {
            "name": p.name,
            "type": SECRET_TYPE,
            "string_value": p.string_value,
            "description": p.description,
            "custom_properties": dict(sorted(p.custom_properties.items())) or None,
            "owner": p.owner,
        }
    )


# --- schema registries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfluentRegistryProps:
    """A Confluent schema registry (``confluent`` block).

    Attributes:
        uris: registry URL(s), ``https://``. Required.
        username: user (a literal or a reference); with ``password``. Default: - none.
        password: password, a sensitive reference; with ``username``. Default: - none.
    """

    uris: str | Sequence[str]
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class ConfluentCloudRegistryProps:
    """A Confluent Cloud schema registry (``confluent_cloud`` block).

    Attributes:
        uris: registry URL(s), ``https://``. Required.
        key: API key (a literal or a reference). Required.
        secret: API secret, a sensitive reference. Required.
    """

    uris: str | Sequence[str]
    key: str
    secret: str


@dataclass(frozen=True)
class SchemaRegistryProps:
    """A ``deltastream_schema_registry``: exactly one of ``confluent``, ``confluent_cloud``.
    Provider 1.0.3 cannot update one: any change (credentials included) replaces it.

    Attributes:
        name: registry name. Required.
        confluent: a Confluent schema registry. Default: - none.
        confluent_cloud: a Confluent Cloud schema registry. Default: - none.
        owner: owning role. Default: - the provider's role.
    """

    name: str
    confluent: ConfluentRegistryProps | None = None
    confluent_cloud: ConfluentCloudRegistryProps | None = None
    owner: str | None = None

    @property
    def kind(self) -> str | None:
        kinds = [k.value for k in SchemaRegistryKind if getattr(self, k.value) is not None]
        return kinds[0] if len(kinds) == 1 else None


def validate_schema_registry(p: SchemaRegistryProps) -> list[Problem]:
    problems = c.collect(name_problems("name", p.name), owner_problems("owner", p.owner))
    kinds = [k.value for k in SchemaRegistryKind if getattr(p, k.value) is not None]
    if len(kinds) != 1:
        problems.append(Problem("kind", kinds or None, "exactly one of confluent, confluent_cloud"))
    confluent: object = p.confluent  # typed; checked as given
    if confluent is not None:
        if not isinstance(confluent, ConfluentRegistryProps):
            problems.append(Problem("confluent", type(confluent).__name__, "a ConfluentRegistryProps"))
        else:
            r = confluent
            problems += uris_problems("confluent.uris", r.uris, "https")
            if (r.username is None) != (r.password is None):
                problems.append(
                    Problem(
                        "confluent." + ("password" if r.password is None else "username"),
                        None,
                        "set together with "
                        + ("username" if r.password is None else "password")
                        + " (provider 1.0.3 sends the password only with a username)",
                    )
                )
            problems += plain_or_reference("confluent.username", r.username, required=False)
            problems += credential("confluent.password", r.password, required=False)
    cloud: object = p.confluent_cloud  # typed; checked as given
    if cloud is not None:
        if not isinstance(cloud, ConfluentCloudRegistryProps):
            problems.append(Problem("confluent_cloud", type(cloud).__name__, "a ConfluentCloudRegistryProps"))
        else:
            problems += uris_problems("confluent_cloud.uris", cloud.uris, "https")
            problems += plain_or_reference("confluent_cloud.key", cloud.key)
            problems += credential("confluent_cloud.secret", cloud.secret)
    return problems


def schema_registry_block(p: SchemaRegistryProps) -> tuple[str, dict[str, Any]]:
    if p.confluent is not None:
        r = p.confluent
        return "confluent", _drop_none({"uris": join_uris(r.uris), "username": r.username, "password": r.password})
    cloud = p.confluent_cloud
    if cloud is None:
        raise ValueError("a schema registry of no kind (validate_schema_registry reports it)")
    return "confluent_cloud", {"uris": join_uris(cloud.uris), "key": cloud.key, "secret": cloud.secret}


def schema_registry_credentials(p: SchemaRegistryProps) -> list[tuple[str, Any]]:
    out = []
    if isinstance(p.confluent, ConfluentRegistryProps) and p.confluent.password is not None:
        out.append(("confluent.password", p.confluent.password))
    if isinstance(p.confluent_cloud, ConfluentCloudRegistryProps) and p.confluent_cloud.secret is not None:
        out.append(("confluent_cloud.secret", p.confluent_cloud.secret))
    return out


# --- helpers ---------------------------------------------------------------------------------------


def _drop_none(d: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def canonical(value: Any) -> Any:
    """Plain data for a fingerprint: dataclasses as dicts, enums as values, mappings sorted."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    return value.value if isinstance(value, enum.Enum) else value
