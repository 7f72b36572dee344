"""The generated provider bindings under provider-bindings/ (plain helpers shared by their tests)."""

from __future__ import annotations

import filecmp
import os
import subprocess
from pathlib import Path


def regenerate(binding: Path, out: Path) -> tuple[set[str], list[str]]:
    """Run ``binding/generate.js`` into ``out`` (no Terraform CLI configuration); return the
    generated ``index.ts`` files (relative to ``out``) and the files that differ from, or are
    missing on one side of, the checked-in ``binding/src``."""
    subprocess.run(
        ["node", str(binding / "generate.js"), str(out)],
        check=True,
        capture_output=True,
        env={
            "PATH": os.environ["PATH"],
            "CHECKPOINT_DISABLE": "1",
            "TF_CLI_CONFIG_FILE": str(out.parent / "empty.tfrc"),
        },
    )

    def diffs(c: filecmp.dircmp[str]) -> list[str]:
        return c.left_only + c.right_only + c.diff_files + [d for sub in c.subdirs.values() for d in diffs(sub)]

    files = {p.relative_to(out).as_posix() for p in out.rglob("index.ts")}
    return files, diffs(filecmp.dircmp(binding / "src", out))
