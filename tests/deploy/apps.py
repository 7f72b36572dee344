"""App factories for the lifecycle tests (importable as ``tests.deploy.apps:<name>`` by the CLI).

The offline ones use only OpenTofu's built-in ``terraform_data`` (no provider, no server), so the
lifecycle runs on real tofu in a second or two: ``demo`` (a protected resource, dependents, a
sensitive variable and outputs), and its variants that fail part-way (a ``local-exec`` provisioner
exiting non-zero after other resources were created) or run slowly. Knobs come from keyword
arguments or, for the CLI, from ``DW_TEST_*`` environment variables.

The live ones are the real examples with the overrides the live tier uses for a node-less cluster
(tests/live): ``cnpg_live`` (operator from the upstream chart archives, no webhooks, no waiting) and
``single_node_live`` (``release_wait=False``).
"""

from __future__ import annotations

import os

from cdktf import (
    App,
    DataResource,
    LocalBackend,
    TerraformOutput,
    TerraformResourceLifecycle,
    TerraformStack,
    TerraformVariable,
)

STACK = "demo"
SECRET_VARIABLE = "demo_password"


def demo(
    app: App,
    *,
    version: str = "1",
    dependents: int = 1,
    protect: bool = True,
    fail: bool = False,
    sleep_seconds: int = 0,
    stack: str = STACK,
    state_path: str | None = None,
) -> TerraformStack:
    """``Base`` (prevent_destroy when ``protect``) <- ``Dependent<i>`` <- [``Bad`` failing | ``Slow``].
    ``state_path``: the local backend's path. Default: ``terraform.<stack>.tfstate`` (relative)."""
    version = os.environ.get("DW_TEST_VERSION", version)
    fail = fail or os.environ.get("DW_TEST_FAIL") == "1"
    sleep_seconds = int(os.environ.get("DW_TEST_SLEEP", sleep_seconds))
    s = TerraformStack(app, stack)
    LocalBackend(s, path=state_path or f"terraform.{stack}.tfstate")
    secret = TerraformVariable(s, SECRET_VARIABLE, type="string", sensitive=True, nullable=False)
    base = DataResource(
        s,
        "Base",
        input={"version": version, "password": secret.string_value},
        lifecycle=TerraformResourceLifecycle(prevent_destroy=True) if protect else None,
    )
    last = base
    for i in range(dependents):
        last = DataResource(s, f"Dependent{i}", input={"n": str(i)}, depends_on=[base])
    if sleep_seconds:
        last = DataResource(
            s,
            "Slow",
            input={"s": str(sleep_seconds)},
            depends_on=[last],
            provisioners=[{"type": "local-exec", "command": f"sleep {sleep_seconds}"}],
        )
    if fail:
        DataResource(
            s,
            "Bad",
            input={"v": "x"},
            depends_on=[last],
            provisioners=[{"type": "local-exec", "command": "echo 'creating Bad failed' >&2; exit 3"}],
        )
    TerraformOutput(s, "base_id", value=base.id)
    TerraformOutput(s, "password", value=secret.string_value, sensitive=True)
    return s


def demo_other(app: App) -> TerraformStack:
    """The same app under another stack name."""
    return demo(app, stack="other")


# ------------------------------------------------------------------------------------------ live
def live_operator():
    from dw_constructs.cnpg import HelmChartSource, OperatorProps
    from tests.cnpg.support import chart_archive

    return OperatorProps(
        chart_source=HelmChartSource(path=str(chart_archive("cloudnative-pg"))),
        plugin_chart_source=HelmChartSource(path=str(chart_archive("plugin-barman-cloud"))),
        values={"webhook": {"mutating": {"create": False}, "validating": {"create": False}}},
        wait=False,
    )


def cnpg_live(app: App, *, prevent_destroy: bool = False, revision: str = "", reject_cluster: bool = False):
    """examples/cnpg_apply for the node-less test cluster. ``revision``: a label on the Cluster (a
    configuration change). ``reject_cluster``: the Cluster also names an ``imageCatalogRef``, which
    the CRD's CEL rule rejects next to ``imageName`` (at apply time: the API server refuses the
    object; nothing catches it before)."""
    from examples.cnpg_apply import main as example

    revision = os.environ.get("DW_TEST_REVISION", revision)
    stack = example.build(app, operator=live_operator(), prevent_destroy=prevent_destroy)
    if revision:
        stack.database.resource.add_override("manifest.metadata.labels.dw-test-revision", revision)
    if reject_cluster:
        stack.database.resource.add_override(
            "manifest.spec.imageCatalogRef",
            {"apiGroup": "postgresql.cnpg.io", "kind": "ImageCatalog", "name": "postgis", "major": 17},
        )
    return stack


def single_node_live(app: App, **overrides):
    from examples.single_node import main as example

    return example.build(app, release_wait=False, prevent_destroy=False, **overrides)


def entangled(app: App, *, version: str = "1") -> TerraformStack:
    """Version 1: ``Old``. Version 2: a new ``New``, ``Old`` changed in place to reference it, then
    ``Bad`` fails: destroying ``New`` would take the pre-existing ``Old`` with it."""
    s = TerraformStack(app, STACK)
    LocalBackend(s, path=f"terraform.{STACK}.tfstate")
    if version == "1":
        DataResource(s, "Old", input={"ref": "none"})
        return s
    new = DataResource(s, "New", input={"v": "new"})
    old = DataResource(s, "Old", input={"ref": new.id})
    DataResource(
        s, "Bad", input={"v": "x"}, depends_on=[old], provisioners=[{"type": "local-exec", "command": "exit 3"}]
    )
    return s


def with_warehouse(app: App, *, lookup: bool = True) -> TerraformStack:
    """``demo`` plus a DataWarehouse provider and instance (a provider that cannot apply here: our
    schema-serving provider plans offline, and answers apply with "No DataWarehouse admin API is
    reachable"); ``lookup``: also a data source of it (read at plan time, so it cannot plan)."""
    from dw_constructs.datawarehouse import DataWarehouseInstance, DataWarehouseProvider
    from dw_constructs.datawarehouse.lookups import Capabilities

    s = demo(app, protect=False)
    secret = TerraformVariable(s, "warehouse_password", type="string", sensitive=True, nullable=False)
    provider = DataWarehouseProvider(s, "Warehouse", host="localhost", password=secret.string_value)
    DataWarehouseInstance(
        s,
        "Instance",
        name="analytics",
        storage_size_gb=10,
        provider=provider.resource,
        depends_on=[s.node.find_child("Base")],
    )
    if lookup:
        Capabilities(s, "Capabilities", provider=provider.resource)  # a data source of the provider
    return s
