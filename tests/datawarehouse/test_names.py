"""Names Terraform (or Kubernetes) wants unique, and construct ids (issue 13, items 4 and 11):
a collision is a PropsError naming both construct paths when the second construct is created,
never a configuration Terraform rejects later, a silent merge by cdktf, or a jsii stack trace."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformStack, TerraformVariable, Testing
from constructs import Construct

from dw_constructs import PropsError
from dw_constructs.datawarehouse import (
    DataWarehouseCluster,
    DataWarehouseInstance,
    DataWarehouseProvider,
    ProviderEndpoint,
)
from tests.support.synth import synth_to

IN_CLUSTER = ProviderEndpoint.in_cluster()


def _stack(app=None, id: str = "s") -> TerraformStack:
    from cdktf_cdktf_provider_helm.provider import HelmProvider
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    stack = TerraformStack(app or Testing.app(), id)
    stack.helm = HelmProvider(stack, "Helm")
    stack.kubernetes = KubernetesProvider(stack, "Kubernetes")
    return stack


def _cluster(scope, id, **kwargs):
    return DataWarehouseCluster(scope, id, **{"endpoint": IN_CLUSTER, **kwargs})


def _error(fn, *args, **kwargs) -> str:
    with pytest.raises(PropsError) as err:
        fn(*args, **kwargs)
    msg = str(err.value)
    assert "JavaScriptError" not in msg and "addChild" not in msg
    return msg


# --- the premise: what Terraform and cdktf do with such collisions -------------------------------


def test_terraform_rejects_two_provider_configurations_with_one_alias(tools, tmp_path):
    """Why a second provider alias must fail early: real OpenTofu refuses the configuration."""
    from dw_cdktf_provider_datawarehouse.provider import DatawarehouseProvider

    def build(app):
        stack = TerraformStack(app, "dup")
        pw = TerraformVariable(stack, "pw", type="string", sensitive=True)
        for id in ("A", "B"):
            DatawarehouseProvider(stack, id, alias="dw", host="h", username="u", password=pw.string_value)
        return stack

    res = tools.run(
        tools.tofu, "init", "-backend=false", "-input=false", "-no-color", cwd=synth_to(tmp_path, build), check=False
    )
    assert res.returncode != 0 and "Duplicate provider configuration" in res.stderr, res.stderr


def test_cdktf_merges_two_variables_with_one_name_silently():
    """Why a second variable name must fail early: cdktf keeps one of the two, without a word."""
    stack = TerraformStack(Testing.app(), "s")
    for id, default in (("A", "a"), ("B", "b")):
        TerraformVariable(stack, id, type="string", default=default).override_logical_id("same")
    assert json.loads(Testing.synth(stack))["variable"] == {"same": {"default": "b", "type": "string"}}


# --- 4. collisions -------------------------------------------------------------------------------


def test_two_clusters_with_one_name_in_different_namespaces():
    stack = _stack()
    _cluster(stack, "A", name="dw", namespace="one")
    msg = _error(_cluster, stack, "B", name="dw", namespace="two")
    assert msg.startswith("Invalid props for DataWarehouseCluster at 's/B':")
    assert "name: got 'dw'; allowed: a name no other DataWarehouseCluster of the stack has: 's/A' has it" in msg
    assert stack.node.try_find_child("B") is None


def test_cluster_name_against_other_providers_and_variables():
    stack = _stack()
    DataWarehouseProvider(stack, "Remote", host="dw.example.com", alias="dw")
    msg = _error(_cluster, stack, "Dw", name="dw")
    assert "name: got 'dw'; allowed: a name that is not the alias of another datawarehouse provider" in msg
    assert "('s/Remote/Resource' has it)" in msg

    var = TerraformVariable(stack, "Mine", type="string", sensitive=True)
    var.override_logical_id("other_admin_password")
    msg = _error(_cluster, stack, "Other", name="other")
    assert "name: got 'other'; allowed: a name whose variable 'other_admin_password'" in msg and "'s/Mine'" in msg
    # With a password reference no variable is declared: no collision.
    _cluster(stack, "Other", name="other", admin_password=var.string_value)


def test_outputs_of_two_clusters_with_one_id_under_different_parents():
    stack = _stack()
    _cluster(Construct(stack, "TeamA"), "Warehouse", name="a", namespace="a")
    msg = _error(_cluster, Construct(stack, "TeamB"), "Warehouse", name="b", namespace="b")
    assert "at 's/TeamB/Warehouse'" in msg
    assert "id: got 'Warehouse'; allowed: an id whose outputs ('warehouse_*') the stack does not declare already" in msg
    assert "'s/TeamA/Warehouse/EndpointHost'" in msg


def test_release_name_and_namespace_of_the_same_helm_provider():
    from cdktf_cdktf_provider_helm.provider import HelmProvider
    from cdktf_cdktf_provider_helm.release import Release

    stack = _stack()
    Release(stack, "Raw", name="dw", chart="oci://example/dw", namespace="datawarehouse")
    msg = _error(_cluster, stack, "Dw", name="dw")
    assert "name: got 'dw'; allowed: a release name not installed in namespace 'datawarehouse' already ('s/Raw'" in msg
    _cluster(stack, "Other", name="dw", namespace="elsewhere")  # another namespace: fine
    other_cluster = HelmProvider(stack, "OtherCluster", alias="other")
    _cluster(stack, "Third", name="dw3", namespace="datawarehouse", create_namespace=False)
    Release(stack, "Raw2", name="dw4", chart="c", namespace="x", provider=other_cluster)
    _cluster(stack, "Fourth", name="dw4", namespace="x", helm_provider=stack.helm)  # another Kubernetes cluster


def test_two_clusters_creating_one_namespace():
    stack = _stack()
    _cluster(stack, "A", name="a")
    msg = _error(_cluster, stack, "B", name="b")
    assert (
        "create_namespace: got True; allowed: False: 's/A/Namespace' creates namespace 'datawarehouse' already" in msg
    )
    _cluster(stack, "B", name="b", create_namespace=False)
    doc = json.loads(Testing.synth(stack))
    assert len(doc["resource"]["kubernetes_namespace_v1"]) == 1 and len(doc["resource"]["helm_release"]) == 2


def test_users_and_providers():
    stack = _stack()
    dw = _cluster(stack, "Dw", name="dw")
    dw.add_user("Etl", username="etl")
    msg = _error(dw.add_user, "Etl2", username="etl")
    assert "username: got 'etl'; allowed: a username no other user of 's/Dw' has ('s/Dw/Etl' has it)" in msg
    # tf names fold '-' to '_': cluster 'dw' user 'a-b' and cluster 'dw-a' user 'b' share a variable.
    _cluster(stack, "DwA", name="dw-a", namespace="a").add_user("B", username="b")
    msg = _error(dw.add_user, "AB", username="a-b")
    assert "password variable 'dw_a_b_password'" in msg and "'s/DwA/B/Password'" in msg

    DataWarehouseProvider(stack, "P1", host="h", alias="remote")
    msg = _error(DataWarehouseProvider, stack, "P2", host="h", alias="remote")
    assert (
        "alias: got 'remote'; allowed: an alias no other datawarehouse provider of the stack has "
        "('s/P1/Resource' has it)" in msg
    )
    msg = _error(DataWarehouseProvider, Construct(stack, "Elsewhere"), "P1", host="h", alias="other")
    assert "password variable 'p1_password'" in msg and "'s/P1/Password'" in msg


def test_distinct_names_synthesize_and_validate(tools, tmp_path):
    """Two clusters that pass the checks are a valid configuration for real OpenTofu."""

    def build(app):
        stack = _stack(app, "two")
        _cluster(stack, "A", name="a", namespace="one")
        _cluster(stack, "B", name="b", namespace="two")
        return stack

    result = tools.tofu_validate(synth_to(tmp_path, build))
    assert result["valid"] is True, result


# --- 11. duplicate construct ids -----------------------------------------------------------------


def _cnpg_cluster(scope, id):
    from dw_constructs.cnpg import CnpgPostgisCluster, Mode

    return CnpgPostgisCluster(scope, id, mode=Mode.RENDER, instances=1)


def _cnpg_operator(scope, id):
    from dw_constructs.cnpg import CnpgOperator

    return CnpgOperator(scope, id, namespace=f"cnpg-{id.lower()}")


CONSTRUCTS = {
    "DataWarehouseCluster": lambda s, id: _cluster(
        s, id, name=f"c{len(s.node.children)}", namespace=f"n{len(s.node.children)}"
    ),
    "DataWarehouseProvider": lambda s, id: DataWarehouseProvider(s, id, host="h", password=s.pw.string_value),
    "DataWarehouseInstance": lambda s, id: DataWarehouseInstance(s, id, name="i", storage_size_gb=1),
    "DataWarehouseUser": lambda s, id: s.dw.add_user(id, username=f"u{len(s.dw.node.children)}"),
    "ReplicatedVde": lambda s, id: s.dw.add_vde(id, name="v"),
    "DataWarehousePolicy": lambda s, id: s.dw.add_policy(id, name="p", target_path="/", feature="audit"),
    "DataWarehousePlugin": lambda s, id: s.dw.add_plugin(id, plugin_id="geo"),
    "InstanceStatus": lambda s, id: s.dw.status(id),
    "Capabilities": lambda s, id: s.dw.capabilities(id),
    "PluginCatalog": lambda s, id: s.dw.plugin_catalog(id),
    "CnpgPostgisCluster": _cnpg_cluster,
    "CnpgOperator": _cnpg_operator,
}


@pytest.mark.parametrize("kind", CONSTRUCTS)
def test_a_taken_id_is_a_props_error_not_a_jsii_stack_trace(kind):
    stack = _stack()
    stack.pw = TerraformVariable(stack, "pw", type="string", sensitive=True)
    stack.dw = _cluster(stack, "Dw", name="dw")
    parent = (
        stack.dw
        if kind
        in (
            "DataWarehouseUser",
            "ReplicatedVde",
            "DataWarehousePolicy",
            "DataWarehousePlugin",
            "InstanceStatus",
            "Capabilities",
            "PluginCatalog",
        )
        else stack
    )
    make = CONSTRUCTS[kind]
    first = make(stack, "Twice")
    msg = _error(make, stack, "Twice")
    assert f"Invalid props for {kind} at '{parent.node.path}/Twice':" in msg
    assert f"id: got 'Twice'; allowed: an id no other child of '{parent.node.path}' has" in msg
    assert first is not None


@pytest.mark.parametrize("child", ["Provider", "Instance", "Release", "AdminPassword"])
def test_a_verb_cannot_take_the_id_of_a_child_the_cluster_created(child):
    """The cluster's constructor creates its children without asking jsii whether their ids are
    free (they are: fixed and distinct); ids given later, to its verbs, are checked."""
    stack = _stack()
    dw = _cluster(stack, "Dw", name="dw")
    msg = _error(dw.add_vde, child, name="v")
    assert f"Invalid props for ReplicatedVde at 's/Dw/{child}':" in msg
    assert f"an id no other child of 's/Dw' has ('s/Dw/{child}' is a" in msg
