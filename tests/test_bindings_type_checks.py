"""The recipe option ``"runtimeTypeChecking": false`` (package.json, ``cdktf``) of the shared bindings
pipeline (issue 17): the internal slim bindings (kubernetes, helm, terraform) are built without
jsii's Python runtime type checks, the public products (datawarehouse, deltastream) with them; the
only difference in the recipe a package ships is the pacmak flag; a wrong type still fails at
construction (jsii's kernel rejects it), and a bad option value stops the build."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDINGS = ROOT / "provider-bindings"
#: provider directory -> runtime type checks in its Python package
CHECKS = {"datawarehouse": True, "deltastream": True, "kubernetes": False, "helm": False, "terraform": False}
FLAG = " --no-runtime-type-checking"


def _package(provider: str) -> dict:
    return json.loads((BINDINGS / provider / "package.json").read_text())


def test_every_provider_directory_is_listed():
    dirs = {p.parent.name for p in BINDINGS.glob("*/schema.json") if (p.parent / "package.json").exists()}
    assert dirs == set(CHECKS)


@pytest.mark.parametrize("provider", sorted(CHECKS))
def test_option_in_package_json(provider):
    option = _package(provider)["cdktf"].get("runtimeTypeChecking")
    assert option is (None if CHECKS[provider] else False)  # the public products do not set it


@pytest.mark.parametrize("provider", sorted(CHECKS))
def test_shipped_recipe_differs_from_the_datawarehouse_one_only_by_the_flag(provider):
    """The recipe each npm package ships (its build.sh) is the datawarehouse package's, but for the
    provider name and, without checks, the pacmak flag on the Python target."""
    pkg = _package(provider)
    with tarfile.open(BINDINGS / provider / "dist" / "js" / f"provider-{provider}@{pkg['version']}.jsii.tgz") as tf:
        member = tf.getmember("package/build.sh")
        shipped = tf.extractfile(member).read().decode()  # type: ignore[union-attr]
    assert member.mode & 0o777 == 0o755
    assert shipped == (BINDINGS / provider / "build.sh").read_text()
    base = (BINDINGS / "datawarehouse" / "build.sh").read_text().replace("datawarehouse", provider)
    pacmak = "npx --no-install jsii-pacmak -t python --code-only --no-clean"
    expected = base if CHECKS[provider] else base.replace(pacmak + "\n", pacmak + FLAG + "\n")
    assert shipped == expected
    assert (FLAG in shipped) is not CHECKS[provider]


@pytest.mark.parametrize("provider", sorted(CHECKS))
def test_wheel_has_type_checks_only_when_asked(provider):
    """jsii's checks are ``typing.get_type_hints(_typecheckingstub__...)`` + ``check_type`` calls in
    each class: present in every module of a checked package, in none of an unchecked one."""
    pkg = _package(provider)
    dist = pkg["jsii"]["targets"]["python"]["distName"].replace("-", "_")
    (wheel,) = (BINDINGS / provider / "dist" / "wheels").glob(f"{dist}-{pkg['version']}-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        modules = {n: zf.read(n).decode() for n in zf.namelist() if n.endswith("/__init__.py") and "/_jsii/" not in n}
    typed = {n for n, text in modules.items() if "class " in text}
    assert typed
    stubs = {n for n in typed if "_typecheckingstub__" in modules[n]}
    assert stubs == (typed if CHECKS[provider] else set()), sorted(stubs)


def test_a_wrong_type_still_fails_at_construction():
    """Without the Python-side check jsii's kernel rejects the value (a RuntimeError naming the
    property) instead of typeguard (a TypeError); nothing wrong reaches the JSON."""
    from cdktf import TerraformStack, Testing
    from dw_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1

    stack = TerraformStack(Testing.app(), "s")
    with pytest.raises(RuntimeError, match="Key 'metadata'"):
        NamespaceV1(stack, "Ns", metadata={"name": 1})


def test_the_driver_rejects_a_bad_option_value(tmp_path):
    work = tmp_path / "pb"
    shutil.copytree(BINDINGS / "recipe", work / "recipe")
    shutil.copy2(BINDINGS / "build.sh", work / "build.sh")
    dst = work / "terraform"
    dst.mkdir()
    for name in ("schema.json", "package-lock.json", "README.md"):
        shutil.copy2(BINDINGS / "terraform" / name, dst / name)
    pkg = _package("terraform")
    pkg["cdktf"]["runtimeTypeChecking"] = "no"
    (dst / "package.json").write_text(json.dumps(pkg))
    res = subprocess.run(["bash", str(work / "build.sh"), str(dst)], capture_output=True, text=True, timeout=60)
    assert res.returncode != 0
    assert "cdktf.runtimeTypeChecking must be true or false" in res.stderr and "'no'" in res.stderr
    assert not (dst / "build.sh").exists()  # stopped before rendering anything
