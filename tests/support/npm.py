"""Throwaway TypeScript cdktf apps that install one of our npm tarballs (plain helpers shared by the
npm package tests of each provider binding)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

# What a TypeScript user installs next to our tarball, pinned.
DEPENDENCIES = ("cdktf@0.21.0", "constructs@10.4.2", "typescript@5.8.3", "@types/node@20.19.0")

TSCONFIG = {
    "compilerOptions": {
        "target": "ES2020",
        "module": "commonjs",
        "strict": True,
        "esModuleInterop": True,
        "skipLibCheck": False,
        "outDir": "out",
        "types": ["node"],
    },
    "files": ["main.ts"],
}


def run(app: Path, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in ``app`` (output captured as text; jsii/cdktf notices silenced)."""
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "CHECKPOINT_DISABLE": "1"}
    return subprocess.run(cmd, cwd=app, env=env, check=check, capture_output=True, text=True)


def typescript_app(app: Path, tgz: Path, main_ts: str, *, tsconfig: bool = True) -> Path:
    """Create the app ``app`` (package.json, ``main.ts``, tsconfig.json unless ``tsconfig`` is false)
    and npm-install the tarball ``tgz`` with :data:`DEPENDENCIES` into it; return ``app``."""
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": app.name, "version": "0.0.0", "private": True}))
    if tsconfig:
        (app / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    (app / "main.ts").write_text(main_ts)
    run(
        app,
        "npm",
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        str(tgz),
        *DEPENDENCIES,
    )
    return app


def synthesize(app: Path, stack: str) -> Any:
    """Compile ``app`` with tsc, run it with node and return the synthesized ``stack``'s JSON."""
    run(app, "npx", "--no-install", "tsc", "-p", ".")
    run(app, "node", "out/main.js")
    return json.loads((app / "cdktf.out" / "stacks" / stack / "cdk.tf.json").read_text())
