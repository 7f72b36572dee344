"""Shared test set-up. Runs before any test module imports cdktf, because the jsii kernel (a node
process) copies the environment when it starts: the toolchain variables and a private TMPDIR
(Testing.full_synth/app leave temp dirs behind; we delete ours at the end) must be set first."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from tests.support.apiserver import fresh_kube_api, kube_api  # noqa: F401  (real control planes)
from tests.support.toolchain import toolchain, toolchain_env

os.environ.update(
    JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
    JSII_SILENCE_SUPPORT_WARNING="1",
    CHECKPOINT_DISABLE="1",
)
os.environ.update(toolchain_env())
_TMP = tempfile.mkdtemp(prefix="dw-tests-")
os.environ["TMPDIR"] = _TMP
tempfile.tempdir = None  # re-read TMPDIR

from cdktf import Testing  # noqa: E402

Testing.__test__ = False  # not a test class, despite its name


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def tools():
    """The real OpenTofu/helm toolchain (fails loudly if scripts/tools.sh did not build it)."""
    return toolchain()
