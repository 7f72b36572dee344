"""The deltastream bindings: the schema is what the real provider binary reports (re-extracted and
compared), the generated TypeScript is reproducible, every resource and data source synthesizes
with the generated Python classes and validates with real tofu; and the shared pipeline builds
the datawarehouse package byte for byte as before."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cdktf import TerraformStack, TerraformVariable, Testing

from tests.support.bindings import regenerate
from tests.support.toolchain import pinned_versions

ROOT = Path(__file__).resolve().parents[2]
BINDINGS = ROOT / "provider-bindings"
DS = BINDINGS / "deltastream"
SOURCE = "registry.terraform.io/deltastreaminc/deltastream"
SCHEMA = json.loads((DS / "schema.json").read_text())["provider_schemas"][SOURCE]

RESOURCES = {
    "deltastream_database",
    "deltastream_namespace",
    "deltastream_store",
    "deltastream_entity",
    "deltastream_secret",
    "deltastream_object",
    "deltastream_query",
    "deltastream_schema_registry",
}
DATA_SOURCES = {
    "deltastream_database",
    "deltastream_databases",
    "deltastream_namespace",
    "deltastream_namespaces",
    "deltastream_store",
    "deltastream_stores",
    "deltastream_entities",
    "deltastream_entity_data",
    "deltastream_object",
    "deltastream_objects",
    "deltastream_secret",
    "deltastream_secrets",
    "deltastream_schema_registry",
    "deltastream_schema_registries",
}


def test_schema_source_is_recorded():
    """Re-extraction and the pinned version: tests/test_extracted_schemas.py."""
    src = json.loads((DS / "schema.source.json").read_text())
    assert src["provider"] == SOURCE and src["version"] == "1.0.3"
    versions = pinned_versions()
    assert src["upstream"]["go_deltastream_archive_sha256"] == versions["GO_DELTASTREAM_SRC_SHA256"]
    assert src["upstream"]["go_deltastream_commit"].startswith(versions["GO_DELTASTREAM_REV"])


def test_eight_resources_fourteen_data_sources():
    assert set(SCHEMA["resource_schemas"]) == RESOURCES
    assert set(SCHEMA["data_source_schemas"]) == DATA_SOURCES


def test_what_the_provider_leaves_unprotected():
    """Why our layer insists on sensitive references: the provider marks neither the API key nor a
    secret's value sensitive (it does mark the store and registry credentials)."""
    assert not SCHEMA["provider"]["block"]["attributes"]["api_key"].get("sensitive")
    assert not SCHEMA["resource_schemas"]["deltastream_secret"]["block"]["attributes"]["string_value"].get("sensitive")
    store = SCHEMA["resource_schemas"]["deltastream_store"]["block"]["attributes"]
    assert store["postgres"]["nested_type"]["attributes"]["password"]["sensitive"] is True
    assert store["kafka"]["nested_type"]["attributes"]["sasl_password"]["sensitive"] is True


def test_store_kinds_match_the_schema():
    from dw_constructs.deltastream import StoreKind
    from dw_constructs.deltastream.model import KIND_PROPS

    store = SCHEMA["resource_schemas"]["deltastream_store"]["block"]["attributes"]
    blocks = {k for k, a in store.items() if "nested_type" in a}
    assert {k.value for k in StoreKind} == blocks
    for kind, cls in KIND_PROPS.items():
        attrs = store[kind.value]["nested_type"]["attributes"]
        required = {k for k, a in attrs.items() if a.get("required")}
        import dataclasses

        ours = {f.name for f in dataclasses.fields(cls)} - {"schema_registry"}
        assert ours <= set(attrs) | {"schema_registry"}, (kind, ours - set(attrs))
        ours_required = {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING}
        assert required <= ours_required | {"sasl_hash_function"}, (kind, required - ours_required)


def test_generated_sources_reproducible(tmp_path):
    files, diffs = regenerate(DS, tmp_path / "src")
    assert len(files) == 1 + 1 + len(RESOURCES) + len(DATA_SOURCES)  # index, provider, resources, data sources
    assert diffs == []


def _all_types_stack(scope) -> TerraformStack:
    from dw_cdktf_provider_deltastream import (
        data_deltastream_database,
        data_deltastream_databases,
        data_deltastream_entities,
        data_deltastream_entity_data,
        data_deltastream_namespace,
        data_deltastream_namespaces,
        data_deltastream_object,
        data_deltastream_objects,
        data_deltastream_schema_registries,
        data_deltastream_schema_registry,
        data_deltastream_secret,
        data_deltastream_secrets,
        data_deltastream_store,
        data_deltastream_stores,
        database,
        entity,
        namespace,
        object_resource,
        provider,
        query,
        schema_registry,
        secret,
        store,
    )

    st = TerraformStack(scope, "bindings")
    key = TerraformVariable(st, "key", type="string", sensitive=True).string_value
    provider.DeltastreamProvider(st, "ds", api_key=key, organization="0d9b1f5e-7c1a-4c8e-9f0a-2b6f4a1d3c55")
    database.Database(st, "db", name="db")
    namespace.Namespace(st, "ns", database="db", name="ns")
    store.Store(
        st, "st", name="st", postgres=store.StorePostgres(uris="postgresql://h:5432/d", username="u", password=key)
    )
    entity.Entity(
        st, "en", store="st", entity_path=["t"], kafka_properties=entity.EntityKafkaProperties(topic_partitions=1)
    )
    secret.Secret(st, "se", name="se", type="generic_string", string_value=key)
    object_resource.ObjectResource(st, "ob", database="db", namespace="ns", store="st", sql="CREATE STREAM o (a INT);")
    query.Query(st, "qu", sql="INSERT INTO a SELECT * FROM b;", sink_relation_fqn="a", source_relation_fqns=["b"])
    schema_registry.SchemaRegistry(
        st, "sr", name="sr", confluent=schema_registry.SchemaRegistryConfluent(uris="https://sr")
    )
    data_deltastream_database.DataDeltastreamDatabase(st, "d1", name="db")
    data_deltastream_databases.DataDeltastreamDatabases(st, "d2")
    data_deltastream_namespace.DataDeltastreamNamespace(st, "d3", database="db", name="ns")
    data_deltastream_namespaces.DataDeltastreamNamespaces(st, "d4", database="db")
    data_deltastream_store.DataDeltastreamStore(st, "d5", name="st")
    data_deltastream_stores.DataDeltastreamStores(st, "d6")
    data_deltastream_entities.DataDeltastreamEntities(st, "d7", store="st")
    data_deltastream_entity_data.DataDeltastreamEntityData(st, "d8", store="st", entity_path=["t"], num_rows=1)
    data_deltastream_object.DataDeltastreamObject(st, "d9", database="db", namespace="ns", name="o")
    data_deltastream_objects.DataDeltastreamObjects(st, "d10", database="db", namespace="ns")
    data_deltastream_secret.DataDeltastreamSecret(st, "d11", name="se")
    data_deltastream_secrets.DataDeltastreamSecrets(st, "d12")
    data_deltastream_schema_registry.DataDeltastreamSchemaRegistry(st, "d13", name="sr")
    data_deltastream_schema_registries.DataDeltastreamSchemaRegistries(st, "d14")
    return st


def test_every_generated_class_synthesizes_and_validates(tools):
    stack = _all_types_stack(Testing.app())
    doc = json.loads(Testing.synth(stack))
    assert set(doc["resource"]) == RESOURCES
    assert set(doc["data"]) == DATA_SOURCES
    assert doc["terraform"]["required_providers"]["deltastream"] == {
        "source": "deltastreaminc/deltastream",
        "version": "1.0.3",
    }
    assert Testing.to_be_valid_terraform(Testing.full_synth(stack))


def test_wheel_holds_one_module_per_type():
    (wheel,) = (DS / "dist" / "wheels").glob("dw_cdktf_provider_deltastream-1.0.3-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        modules = {n.split("/")[1] for n in zf.namelist() if n.endswith("/__init__.py") and n.count("/") == 2}
    expected = (
        {"provider", "_jsii"}
        | {r.removeprefix("deltastream_") for r in RESOURCES}
        | {f"data_{d}" for d in DATA_SOURCES}
    )
    expected = {"object_resource" if m == "object" else m for m in expected}  # `object` is a reserved word
    assert modules == expected


# --- the shared pipeline ---------------------------------------------------------------------------

#: sha256 of the recipe files inside the datawarehouse 1.0.0 package (its tarball ships them):
#: rendering the shared recipe for datawarehouse (runtime type checks on: no pacmak options) must
#: give exactly these bytes.
DW_RECIPE_SHA256 = {
    "build.sh": "e7f8b6aa084da1c25a38b440986f8b62f487defd0004cdf8894413ceb7657f2e",
    "generate.js": "fcea54ce742820797a381640ca5997fe12ae4869f04bf7dda1503ca42bc9369e",
}


def test_recipe_renders_the_datawarehouse_files_byte_for_byte():
    for name, digest in DW_RECIPE_SHA256.items():
        template = (BINDINGS / "recipe" / f"{name}.in").read_text()
        rendered = template.replace("@PROVIDER@", "datawarehouse").replace("@PACMAK_PYTHON_OPTIONS@", "")
        assert hashlib.sha256(rendered.encode()).hexdigest() == digest
        assert hashlib.sha256((BINDINGS / "datawarehouse" / name).read_bytes()).hexdigest() == digest


def test_packages_ship_their_recipe_and_modes():
    import tarfile

    for provider, version in (("datawarehouse", "1.0.0"), ("deltastream", "1.0.3")):
        with tarfile.open(BINDINGS / provider / "dist" / "js" / f"provider-{provider}@{version}.jsii.tgz") as tf:
            members = {m.name: m for m in tf.getmembers()}
        assert members["package/build.sh"].mode & 0o777 == 0o755
        assert members["package/generate.js"].mode & 0o777 == 0o644
        assert "package/schema.json" in members


def test_shared_pipeline_rebuilds_datawarehouse_byte_identical(tmp_path):
    """A fresh copy of the datawarehouse directory (no rendered recipe, no stamp) built by the
    shared script gives the same wheel and tarball bytes as the tree's build."""
    work = tmp_path / "pb"
    shutil.copytree(BINDINGS / "recipe", work / "recipe")
    shutil.copy2(BINDINGS / "build.sh", work / "build.sh")
    src = BINDINGS / "datawarehouse"
    dst = work / "datawarehouse"
    dst.mkdir()
    for name in ("schema.json", "schema.meta.json", "package.json", "package-lock.json", "README.md"):  # committed
        shutil.copy2(src / name, dst / name)
    (dst / "node_modules").symlink_to(src / "node_modules")
    res = subprocess.run(
        ["bash", str(work / "build.sh"), str(dst)],
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    for rel in (
        "dist/js/provider-datawarehouse@1.0.0.jsii.tgz",
        "dist/wheels/dw_cdktf_provider_datawarehouse-1.0.0-py3-none-any.whl",
    ):
        assert (dst / rel).read_bytes() == (src / rel).read_bytes(), rel


def test_pipeline_rejects_a_directory_without_inputs(tmp_path):
    res = subprocess.run(["bash", str(BINDINGS / "build.sh"), str(tmp_path)], capture_output=True, text=True)
    assert res.returncode != 0 and "has no schema.json (not a provider directory)" in res.stderr


@pytest.mark.parametrize("provider", ["datawarehouse", "deltastream"])
def test_bootstrap_installs_both_wheels(provider):
    import importlib.metadata

    assert importlib.metadata.version(f"dw-cdktf-provider-{provider}") in ("1.0.0", "1.0.3")
