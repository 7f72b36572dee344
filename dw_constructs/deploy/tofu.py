"""Running OpenTofu (or Terraform) in a stack's working directory (plain Python, subprocess).

The binary is, in this order: the ``binary`` given, ``$TERRAFORM_BINARY_NAME`` (cdktf's variable,
which our toolchain sets), ``tofu`` on ``PATH``, ``terraform`` on ``PATH``. Every command runs with
``TF_IN_AUTOMATION=1`` and ``TF_INPUT=0``; variables are passed as ``TF_VAR_<name>`` in the
environment, never on a command line, and their values are masked in every text kept from a run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dw_constructs.deploy.errors import DeployUsageError, TofuError

#: What a masked value is replaced with.
MASK = "(sensitive)"
#: Values shorter than this are not masked in free text (they would mask ordinary words).
_MIN_MASK_LEN = 4


def find_binary(binary: str | os.PathLike[str] | None = None) -> str:
    """The OpenTofu/Terraform executable (module docstring)."""
    for candidate in (binary, os.environ.get("TERRAFORM_BINARY_NAME"), "tofu", "terraform"):
        if not candidate:
            continue
        found = shutil.which(str(candidate))
        if found:
            return found
        if binary is not None and candidate == binary:
            raise DeployUsageError(f"OpenTofu binary {binary} not found or not executable")
    raise DeployUsageError("no OpenTofu binary: set TERRAFORM_BINARY_NAME, pass tofu=..., or put tofu on PATH")


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret (longest first) replaced by :data:`MASK`."""
    for value in sorted({s for s in secrets if isinstance(s, str) and len(s) >= _MIN_MASK_LEN}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


@dataclass
class Tofu:
    """One working directory, one binary, one environment."""

    binary: str
    workdir: Path
    env: Mapping[str, str]
    secrets: Sequence[str] = ()

    def run(self, *args: str, ok: Sequence[int] = (0,), what: str | None = None) -> Result:
        t0 = time.monotonic()
        env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0", **self.env}
        proc = subprocess.run([self.binary, *args], cwd=self.workdir, env=env, capture_output=True, text=True)
        res = Result(list(args), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)
        if proc.returncode not in ok:
            raise TofuError(what or args[0], proc.returncode, self.error_text(res))
        return res

    def error_text(self, res: Result, limit: int = 8000) -> str:
        """The error output of a run (stderr, else stdout), masked, at most ``limit`` characters
        (the end: OpenTofu prints its errors last)."""
        text = res.stderr.strip() or res.stdout.strip()
        text = mask(text, self.secrets)
        return text if len(text) <= limit else "...\n" + text[-limit:]
