"""Synthesizing example/test apps into a directory (plain helpers shared by the test modules)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cdktf import App, TerraformStack


def synth_to(outdir: Path, build: Callable[[App], TerraformStack]) -> Path:
    """Synthesize ``build(app)`` into ``outdir``; return the stack's directory (cdk.tf.json, assets)."""
    app = App(outdir=str(outdir))
    stack = build(app)
    app.synth()
    return Path(outdir) / "stacks" / stack.node.id


def assert_deterministic(tmp_path: Path, build: Callable[[App], TerraformStack]) -> bytes:
    """Two synths of the same app are byte-identical and hold no absolute checkout path."""
    first, second = (synth_to(tmp_path / str(i), build).joinpath("cdk.tf.json").read_bytes() for i in range(2))
    assert first == second
    assert str(tmp_path).encode() not in first, "absolute paths make output machine-specific"
    return first
