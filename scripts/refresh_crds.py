#!/usr/bin/env python3
"""Re-vendor the custom-resource schemas used by ``dw_constructs.validation``.

The validator checks custom resources against the ``openAPIV3Schema`` of the *served* versions of
the upstream CustomResourceDefinitions (and the Kustomize ``kustomization.yaml`` file format
against SchemaStore's JSON schema). The extracted schemas live in
``dw_constructs/schemas/crds/<upstream>-<version>/<group>_<version>_<kind>.json`` together with
``sources.json`` (the index the validator reads: apiVersion/kind -> file, plus provenance) and
``SOURCES.md`` (the same provenance for humans). This script regenerates all three.

What is vendored, from where, at which tag, is declared once in ``UPSTREAMS`` below; bump a
version by editing it (or for one run with ``--ref NAME=TAG``).

Where the upstream files are read from, per upstream (``--from NAME=LOCATION``):

* a git directory (bare, or a checkout containing ``.git``): files are read with
  ``git show REF:PATH``, the commit is ``git rev-parse REF^{commit}``;
* a plain directory holding the files, either at their repo-relative path or by base name
  (give the commit with ``--commit NAME=SHA``, else it is recorded as "unknown" unless the
  directory is inside a git checkout, whose HEAD is then used);
* an ``http(s)://`` URL prefix that the repo-relative path is appended to.

Without ``--from`` the files are downloaded from ``https://raw.githubusercontent.com/<repo>/<ref>/``
and the commit is resolved through the GitHub API (needs network access to GitHub).

An upstream with an ``archive`` (a packaged Helm chart, ``.tgz``) is read from that archive instead:
its file paths are member paths inside the archive. ``--from NAME=`` then names the archive file
(or a directory holding it by its file name); without ``--from`` it is downloaded from
``archive_url``. The archive's sha256 must equal the pin ``archive_sha256_env`` names in
``tools/versions.env`` (the same pin the tests check the archive against), and the index records
the archive's file name and sha256 as the source. A CRD inside a chart's ``templates/`` may be
wrapped in whole-line template guards (``{{- if .Values.crds.create }}`` ... ``{{- end }}``); those
lines are dropped, any other template action is an error (the CRD would depend on values).

Usage::

    # everything straight from GitHub
    python scripts/refresh_crds.py

    # from local clones / bare mirrors (no network needed)
    python scripts/refresh_crds.py \\
        --from cnpg=~/src/cloudnative-pg --from barman-cloud=../shared/upstream/charts \\
        --from external-secrets=~/src/external-secrets --from helm-controller=~/src/helm-controller \\
        --from source-controller=~/src/source-controller \\
        --from kustomize-controller=~/src/kustomize-controller --from schemastore=~/src/schemastore \\
        --from cert-manager=~/src/cert-manager

    # bump one upstream, leave the other vendored files untouched
    python scripts/refresh_crds.py --only cnpg --ref cnpg=v1.30.1

    # the Barman Cloud ObjectStore CRD from the pinned chart archive (offline)
    python scripts/refresh_crds.py --only barman-cloud \\
        --from barman-cloud=../shared/upstream/charts/plugin-barman-cloud-0.7.0.tgz

    # list the upstreams and exit
    python scripts/refresh_crds.py --list

Options: ``--out DIR`` (default: the package's schemas/crds), ``--date YYYY-MM-DD`` (the
"vendored" date recorded, default today, UTC), ``--check`` (extract and compare with what is
vendored; exit 1 if anything would change, write nothing).

Needs PyYAML (and jsonschema, if installed, to sanity-check every extracted schema).
After a refresh run ``pytest tests/test_validation.py``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "dw_constructs" / "schemas" / "crds"
VERSIONS_ENV = ROOT / "tools" / "versions.env"
INDEX_NAME = "sources.json"
MD_NAME = "SOURCES.md"
INDEX_FORMAT = 1


@dataclass(frozen=True)
class CrdFile:
    """A CustomResourceDefinition YAML file; every served version of every kind in `kinds` is
    extracted (all kinds in the file when `kinds` is empty)."""

    path: str
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class JsonSchemaFile:
    """A plain JSON schema file (not a CRD) validating a document with this apiVersion/kind."""

    path: str
    api_version: str
    kind: str
    dialect: str  # json-schema-draft-07, ...
    requires_name: bool = True
    scope: str = "File"


@dataclass
class Upstream:
    name: str
    repo: str  # GitHub owner/name
    ref: str  # tag (or commit) the files are taken from
    license: str  # SPDX id of the upstream repository's license
    dirname: str  # output sub-directory; "{version}" = the version at the end of ref, "v" dropped
    files: list = field(default_factory=list)
    #: a packaged chart the files are read from ("{version}" as above); None: the repository itself
    archive: str | None = None
    #: where the archive is downloaded from without --from ("{ref}", "{archive}" filled in)
    archive_url: str | None = None
    #: key in tools/versions.env of the archive's pinned sha256 (required with an archive)
    archive_sha256_env: str | None = None
    #: the commit of ``ref`` when the files come from an archive (recorded for reference; the
    #: archive's sha256 is what is checked)
    commit: str | None = None

    @property
    def version(self) -> str:
        """``v1.30.0`` -> ``1.30.0``; ``plugin-barman-cloud-v0.7.0`` -> ``0.7.0``; a commit -> 12 chars."""
        m = re.search(r"(?:^|-)v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)$", self.ref)
        return m.group(1) if m else self.ref[:12]

    @property
    def out_dir(self) -> str:
        return self.dirname.format(version=self.version)

    @property
    def archive_name(self) -> str | None:
        return None if self.archive is None else self.archive.format(version=self.version)


UPSTREAMS: list[Upstream] = [
    Upstream(
        name="cnpg",
        repo="cloudnative-pg/cloudnative-pg",
        ref="v1.30.0",
        license="Apache-2.0",
        dirname="cnpg-{version}",
        files=[
            CrdFile("config/crd/bases/postgresql.cnpg.io_clusters.yaml"),
            CrdFile("config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml"),
            CrdFile("config/crd/bases/postgresql.cnpg.io_databases.yaml"),
            CrdFile("config/crd/bases/postgresql.cnpg.io_poolers.yaml"),
        ],
    ),
    Upstream(
        # The ObjectStore CRD that the pinned plugin-barman-cloud chart (0.7.0, plugin v0.13.0,
        # dw_constructs/cnpg/versions.py) installs: validate against what is deployed, not against
        # the plugin repository's newest release. Read from the chart archive itself.
        name="barman-cloud",
        repo="cloudnative-pg/charts",
        ref="plugin-barman-cloud-v0.7.0",
        license="Apache-2.0",
        dirname="plugin-barman-cloud-chart-{version}",
        files=[CrdFile("plugin-barman-cloud/templates/crds/crds.yaml")],
        archive="plugin-barman-cloud-{version}.tgz",
        archive_url="https://github.com/cloudnative-pg/charts/releases/download/{ref}/{archive}",
        archive_sha256_env="BARMAN_PLUGIN_CHART_ARCHIVE_SHA256",
        commit="83bd9c59514cb7ff3692049d85ba604dcb458700",  # tag plugin-barman-cloud-v0.7.0
    ),
    Upstream(
        name="external-secrets",
        repo="external-secrets/external-secrets",
        ref="v2.9.0",
        license="Apache-2.0",
        dirname="external-secrets-{version}",
        files=[
            CrdFile("config/crds/bases/external-secrets.io_externalsecrets.yaml"),
            CrdFile("config/crds/bases/external-secrets.io_clustersecretstores.yaml"),
        ],
    ),
    Upstream(
        name="helm-controller",
        repo="fluxcd/helm-controller",
        ref="v1.6.3",
        license="Apache-2.0",
        dirname="flux-helm-controller-{version}",
        files=[CrdFile("config/crd/bases/helm.toolkit.fluxcd.io_helmreleases.yaml")],
    ),
    Upstream(
        name="source-controller",
        repo="fluxcd/source-controller",
        ref="v1.9.1",
        license="Apache-2.0",
        dirname="flux-source-controller-{version}",
        files=[CrdFile("config/crd/bases/source.toolkit.fluxcd.io_helmrepositories.yaml")],
    ),
    Upstream(
        name="kustomize-controller",
        repo="fluxcd/kustomize-controller",
        ref="v1.9.4",
        license="Apache-2.0",
        dirname="flux-kustomize-controller-{version}",
        files=[CrdFile("config/crd/bases/kustomize.toolkit.fluxcd.io_kustomizations.yaml")],
    ),
    Upstream(
        name="schemastore",
        repo="SchemaStore/schemastore",
        # SchemaStore has no releases: pin the last commit that changed kustomization.json.
        ref="8a7f1de10fb52fef096aa5f199fd5ba30abdba8a",
        license="Apache-2.0",
        dirname="schemastore",
        files=[
            JsonSchemaFile(
                "src/schemas/json/kustomization.json",
                api_version="kustomize.config.k8s.io/v1beta1",
                kind="Kustomization",
                dialect="json-schema-draft-07",
                requires_name=False,  # a kustomization.yaml has no (required) metadata
            )
        ],
    ),
    Upstream(
        # The CloudNativePG Barman Cloud plugin chart creates an Issuer and Certificates.
        name="cert-manager",
        repo="cert-manager/cert-manager",
        ref="v1.21.1",
        license="Apache-2.0",
        dirname="cert-manager-{version}",
        files=[
            CrdFile("deploy/crds/cert-manager.io_issuers.yaml"),
            CrdFile("deploy/crds/cert-manager.io_certificates.yaml"),
        ],
    ),
]


# --------------------------------------------------------------------------------------------
# Reading upstream files


class Source:
    def read(self, path: str) -> str:
        raise NotImplementedError

    def commit(self) -> tuple[str, str]:
        """(commit sha, commit date ISO-8601) of the ref, or ("unknown", "")."""
        raise NotImplementedError


class GitSource(Source):
    def __init__(self, git_dir: Path, ref: str):
        self.git_dir, self.ref = git_dir, ref

    def _git(self, *args: str) -> str:
        res = subprocess.run(["git", f"--git-dir={self.git_dir}", *args], capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"git {' '.join(args)} in {self.git_dir} failed: {res.stderr.strip()}")
        return res.stdout

    def read(self, path: str) -> str:
        return self._git("show", f"{self.ref}:{path}")

    def commit(self) -> tuple[str, str]:
        sha = self._git("rev-parse", f"{self.ref}^{{commit}}").strip()
        date = self._git("log", "-1", "--format=%cI", sha).strip()
        return sha, date


class DirSource(Source):
    def __init__(self, directory: Path, commit: str | None):
        self.directory, self._commit = directory, commit

    def read(self, path: str) -> str:
        for candidate in (self.directory / path, self.directory / Path(path).name):
            if candidate.is_file():
                return candidate.read_text(encoding="utf-8")
        raise SystemExit(f"{path} not found in {self.directory} (nor by its base name)")

    def commit(self) -> tuple[str, str]:
        if self._commit:
            return self._commit, ""
        res = subprocess.run(
            ["git", "-C", str(self.directory), "log", "-1", "--format=%H %cI", "HEAD"],
            capture_output=True,
            text=True,
        )
        if res.returncode == 0 and res.stdout.strip():
            sha, date = res.stdout.split()
            return sha, date
        return "unknown", ""


class UrlSource(Source):
    def __init__(self, prefix: str, repo: str, ref: str, commit: str | None):
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self.repo, self.ref, self._commit = repo, ref, commit

    @staticmethod
    def _get(url: str, accept: str | None = None) -> bytes:
        req = urllib.request.Request(url, headers={"User-Agent": "dw-constructs-refresh-crds"})
        if accept:
            req.add_header("Accept", accept)
        token = os.environ.get("GITHUB_TOKEN")
        if token and url.startswith("https://api.github.com/"):
            req.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 (fixed https hosts)
            return resp.read()

    def read(self, path: str) -> str:
        return self._get(self.prefix + path).decode("utf-8")

    def commit(self) -> tuple[str, str]:
        if self._commit:
            return self._commit, ""
        try:
            data = json.loads(
                self._get(
                    f"https://api.github.com/repos/{self.repo}/commits/{self.ref}",
                    accept="application/vnd.github+json",
                )
            )
            return data["sha"], data["commit"]["committer"]["date"]
        except Exception as exc:  # network/API trouble: still vendor, but say so
            print(f"warning: could not resolve {self.repo}@{self.ref} to a commit: {exc}", file=sys.stderr)
            return "unknown", ""


def _pinned_sha256(key: str) -> str:
    for line in VERSIONS_ENV.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.lstrip().startswith("#") and name.strip() == key:
            return value.strip()
    raise SystemExit(f"{VERSIONS_ENV}: no {key}= line (the archive's pinned sha256)")


class ArchiveSource(Source):
    """Files inside a packaged chart (``.tgz``), checked against the pinned sha256 first."""

    def __init__(self, up: Upstream, data: bytes, origin: str, commit: str | None):
        self.up, self.origin = up, origin
        self.sha256 = hashlib.sha256(data).hexdigest()
        pinned = _pinned_sha256(up.archive_sha256_env) if up.archive_sha256_env else None
        if pinned is None:
            raise SystemExit(f"{up.name}: an archive upstream needs archive_sha256_env (a pin in {VERSIONS_ENV})")
        if self.sha256 != pinned:
            raise SystemExit(f"{origin}: sha256 {self.sha256} is not the pinned {up.archive_sha256_env}={pinned}")
        self._tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 - read on demand, lives with self
        self._commit = commit or up.commit

    def read(self, path: str) -> str:
        for name in (path, f"./{path}"):
            try:
                member = self._tar.getmember(name)
            except KeyError:
                continue
            handle = self._tar.extractfile(member) if member.isfile() else None
            if handle is not None:
                return handle.read().decode("utf-8")
        raise SystemExit(f"{path} not found in {self.origin}")

    def commit(self) -> tuple[str, str]:
        return (self._commit or "unknown"), ""

    def provenance(self) -> dict[str, str]:
        return {"archive": self.up.archive_name, "archiveSha256": self.sha256}


def make_archive_source(up: Upstream, location: str | None, commit: str | None) -> ArchiveSource:
    name = up.archive_name
    if location is None or re.match(r"^https?://", location):
        url = location or up.archive_url.format(ref=up.ref, archive=name)
        return ArchiveSource(up, UrlSource._get(url), url, commit)
    path = Path(location).expanduser()
    if path.is_dir():
        path = path / name
    if not path.is_file():
        raise SystemExit(f"--from {up.name}={location}: no chart archive {name} there")
    if path.name != name:
        raise SystemExit(f"--from {up.name}={location}: expected the archive {name}, got {path.name}")
    return ArchiveSource(up, path.read_bytes(), str(path), commit)


def make_source(up: Upstream, location: str | None, commit: str | None) -> Source:
    if up.archive is not None:
        return make_archive_source(up, location, commit)
    if location is None:
        return UrlSource(f"https://raw.githubusercontent.com/{up.repo}/{up.ref}/", up.repo, up.ref, commit)
    if re.match(r"^https?://", location):
        return UrlSource(location, up.repo, up.ref, commit)
    path = Path(location).expanduser()
    if (path / ".git").exists():
        return GitSource(path / ".git", up.ref)
    if (path / "HEAD").is_file() and (path / "objects").is_dir():
        return GitSource(path, up.ref)
    if path.is_dir():
        return DirSource(path, commit)
    raise SystemExit(f"--from {up.name}={location}: not a directory, git dir or URL")


# --------------------------------------------------------------------------------------------
# Extraction


def _yaml():
    try:
        import yaml
    except ImportError:  # pragma: no cover
        raise SystemExit("refresh_crds.py needs PyYAML (pip install pyyaml)") from None
    return yaml


_TEMPLATE_GUARD_RE = re.compile(r"^\s*\{\{-?\s*(if|end|else)\b[^}]*-?\}\}\s*$")


def strip_template_guards(text: str, where: str) -> str:
    """A CRD file from a chart's ``templates/``: drop whole-line ``{{- if ... }}`` / ``{{- else }}`` /
    ``{{- end }}`` guards; any other template action means the CRD depends on values: an error."""
    lines = [line for line in text.splitlines() if not _TEMPLATE_GUARD_RE.match(line)]
    left = [line for line in lines if "{{" in line]
    if left:
        raise SystemExit(f"{where}: template actions other than whole-line guards: {left[:3]}")
    return "\n".join(lines) + "\n"


def extract_crd(text: str, want_kinds: tuple[str, ...]) -> list[dict]:
    """[{apiVersion, kind, group, version, scope, plural, schema}] for every served version."""
    yaml = _yaml()
    out = []
    for doc in yaml.safe_load_all(text):
        if not doc or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc["spec"]
        kind, group = spec["names"]["kind"], spec["group"]
        if want_kinds and kind not in want_kinds:
            continue
        for ver in spec["versions"]:
            if not ver.get("served", False):
                continue
            schema = (ver.get("schema") or {}).get("openAPIV3Schema")
            if schema is None:
                raise SystemExit(f"{group}/{ver['name']} {kind}: served version without schema")
            out.append(
                {
                    "apiVersion": f"{group}/{ver['name']}",
                    "kind": kind,
                    "group": group,
                    "version": ver["name"],
                    "scope": spec.get("scope", "Namespaced"),
                    "plural": spec["names"].get("plural"),
                    "storage": bool(ver.get("storage", False)),
                    "deprecated": bool(ver.get("deprecated", False)),
                    "schema": schema,
                }
            )
    if not out:
        raise SystemExit(f"no served CRD versions found (wanted kinds: {want_kinds or 'all'})")
    return out


def dump_schema(schema: dict) -> str:
    # Compact but diff-able: one key per line, 1-space indent, upstream key order.
    return json.dumps(schema, indent=1, ensure_ascii=False) + "\n"


def sanity_check(entry: dict, schema: dict) -> None:
    """Every `pattern` must compile with Python's re; the schema must be a valid JSON schema."""
    bad = []

    def walk(node, where):
        if isinstance(node, dict):
            pat = node.get("pattern")
            if isinstance(pat, str):
                try:
                    re.compile(pat)
                except re.error as exc:
                    bad.append(f"{where}: pattern {pat!r}: {exc}")
            for k, v in node.items():
                walk(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}/{i}")

    walk(schema, "")
    if bad:
        raise SystemExit(f"{entry['file']}: patterns Python cannot compile:\n  " + "\n  ".join(bad))
    try:
        import jsonschema
    except ImportError:
        return
    cls = jsonschema.Draft7Validator if entry["dialect"] == "json-schema-draft-07" else jsonschema.Draft4Validator
    cls.check_schema(schema)


def collect(up: Upstream, src: Source, vendored: str) -> tuple[list[dict], dict[str, str]]:
    sha, date = src.commit()
    upstream_meta = {
        "name": up.name,
        "repo": f"https://github.com/{up.repo}",
        "ref": up.ref,
        "commit": sha,
        "commitDate": date,
        "license": up.license,
    }
    if isinstance(src, ArchiveSource):
        upstream_meta.update(src.provenance())
    entries, files = [], {}
    for f in up.files:
        text = src.read(f.path)
        if isinstance(f, CrdFile):
            if isinstance(src, ArchiveSource) and "/templates/" in f"/{f.path}":
                text = strip_template_guards(text, f"{up.archive_name}:{f.path}")
            for crd in extract_crd(text, f.kinds):
                rel = f"{up.out_dir}/{crd['group']}_{crd['version']}_{crd['kind'].lower()}.json"
                entry = {
                    "apiVersion": crd["apiVersion"],
                    "kind": crd["kind"],
                    "file": rel,
                    "dialect": "openapi-v3-structural",
                    "scope": crd["scope"],
                    "requiresName": True,
                    "storageVersion": crd["storage"],
                    "deprecated": crd["deprecated"],
                    "upstream": {**upstream_meta, "path": f.path},
                    "vendored": vendored,
                }
                if isinstance(src, ArchiveSource):
                    # the file name says nothing about the resource: record its plural
                    entry["plural"] = crd["plural"]
                files[rel] = dump_schema(crd["schema"])
                entries.append(entry)
        else:
            schema = json.loads(text)
            group, _, version = f.api_version.rpartition("/")
            rel = f"{up.out_dir}/{group}_{version}_{f.kind.lower()}.json"
            entry = {
                "apiVersion": f.api_version,
                "kind": f.kind,
                "file": rel,
                "dialect": f.dialect,
                "scope": f.scope,
                "requiresName": f.requires_name,
                "upstream": {**upstream_meta, "path": f.path},
                "vendored": vendored,
            }
            files[rel] = dump_schema(schema)
            entries.append(entry)
    for entry in entries:
        content = files[entry["file"]]
        sanity_check(entry, json.loads(content))
        entry["sha256"] = hashlib.sha256(content.encode("utf-8")).hexdigest()
    return entries, files


def render_markdown(entries: list[dict]) -> str:
    lines = [
        "# Vendored custom-resource schemas",
        "",
        "Generated by `scripts/refresh_crds.py` (do not edit by hand; edit `UPSTREAMS` there and",
        "re-run). Each file is the `openAPIV3Schema` of a served CRD version, re-serialised as JSON",
        "without other changes (the Kustomize file-format schema is SchemaStore's JSON schema as is).",
        "The machine-readable index the validator uses is `sources.json`.",
        "",
        "| apiVersion / kind | file | upstream repo | ref | commit | path in repo | license | vendored |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for e in entries:
        u = e["upstream"]
        path = f"`{u['path']}`"
        if u.get("archive"):  # read from a chart archive: the path is inside it
            path = f"`{u['path']}` in `{u['archive']}` (sha256 `{u['archiveSha256']}`)"
        lines.append(
            f"| `{e['apiVersion']}` {e['kind']} | `{e['file']}` | {u['repo']} | `{u['ref']}` "
            f"| `{u['commit']}` | {path} | {u['license']} | {e['vendored']} |"
        )
    lines += [
        "",
        "All upstream projects are licensed under the Apache License 2.0; the schemas are",
        "redistributed unmodified in content (only re-serialised from YAML/JSON to JSON).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--from", dest="sources", action="append", default=[], metavar="NAME=LOC")
    ap.add_argument("--ref", action="append", default=[], metavar="NAME=TAG")
    ap.add_argument("--commit", action="append", default=[], metavar="NAME=SHA")
    ap.add_argument("--only", action="append", default=[], metavar="NAME")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--date", default=_dt.datetime.now(_dt.timezone.utc).date().isoformat())
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)

    by_name = {u.name: u for u in UPSTREAMS}

    def pairs(values: list[str], what: str) -> dict[str, str]:
        out = {}
        for v in values:
            name, sep, val = v.partition("=")
            if not sep or name not in by_name:
                raise SystemExit(f"{what} {v!r}: expected NAME=VALUE with NAME in {sorted(by_name)}")
            out[name] = val
        return out

    locations, refs, commits = (pairs(args.sources, "--from"), pairs(args.ref, "--ref"), pairs(args.commit, "--commit"))
    for name, ref in refs.items():
        by_name[name].ref = ref
    if args.list:
        for u in UPSTREAMS:
            origin = f" (chart archive {u.archive_name})" if u.archive else ""
            print(f"{u.name:22} {u.repo}@{u.ref}{origin} -> {u.out_dir}/")
            for f in u.files:
                print(f"{'':22}   {f.path}")
        return 0
    unknown = set(args.only) - set(by_name)
    if unknown:
        raise SystemExit(f"--only: unknown upstream(s) {sorted(unknown)}")
    selected = [u for u in UPSTREAMS if not args.only or u.name in args.only]

    out: Path = args.out
    index_path = out / INDEX_NAME
    old = json.loads(index_path.read_text()) if index_path.is_file() else {"schemas": []}
    keep = [
        e
        for e in old["schemas"]
        if e["upstream"]["name"] not in {u.name for u in selected} and e["upstream"]["name"] in by_name
    ]

    entries, files = list(keep), {}
    for up in selected:
        src = make_source(up, locations.get(up.name), commits.get(up.name))
        new_entries, new_files = collect(up, src, args.date)
        entries += new_entries
        files.update(new_files)
        print(f"{up.name}: {up.repo}@{up.ref} -> {len(new_entries)} schema(s)")
    order = {u.name: i for i, u in enumerate(UPSTREAMS)}
    entries.sort(key=lambda e: (order[e["upstream"]["name"]], e["file"]))
    seen: dict[tuple[str, str], str] = {}
    for e in entries:
        key = (e["apiVersion"], e["kind"])
        if key in seen:
            raise SystemExit(f"{key} vendored twice: {seen[key]} and {e['file']}")
        seen[key] = e["file"]

    index = {
        "format": INDEX_FORMAT,
        "generatedBy": "scripts/refresh_crds.py",
        "schemas": entries,
    }

    if args.check:
        changed = [
            rel for rel, content in files.items() if not (out / rel).is_file() or (out / rel).read_text() != content
        ]
        stale = {e["file"] for e in old["schemas"]} - {e["file"] for e in entries}
        if changed or stale:
            print("out of date:", *sorted(changed), *(f"(stale) {s}" for s in sorted(stale)), sep="\n  ")
            return 1
        print("vendored schemas are up to date (ignoring the vendored date)")
        return 0

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        for rel, content in files.items():
            dest = Path(tmp) / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(content, encoding="utf-8")
        for rel in files:
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(tmp) / rel), out / rel)
    # Drop files of the previous listing that are no longer vendored, then empty directories.
    current = {e["file"] for e in entries}
    for e in old["schemas"]:
        if e["file"] not in current and (out / e["file"]).is_file():
            (out / e["file"]).unlink()
    for d in sorted({(out / e["file"]).parent for e in old["schemas"]}, reverse=True):
        if d.is_dir() and d != out and not any(d.iterdir()):
            d.rmdir()
    index_path.write_text(json.dumps(index, indent=1) + "\n", encoding="utf-8")
    (out / MD_NAME).write_text(render_markdown(entries), encoding="utf-8")
    total = sum((out / e["file"]).stat().st_size for e in entries)
    print(f"wrote {len(entries)} schemas ({total / 1e6:.2f} MB) + {INDEX_NAME}, {MD_NAME} to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
