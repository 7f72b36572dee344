"""A real Kubernetes API server for tests: kube-apiserver + etcd started by ``scripts/apiserver.sh``
(no nodes, no controllers), and a minimal client for what the tests need -- install CRDs, create
namespaces, and **server-side dry-run** creates (``?dryRun=All&fieldValidation=Strict``), which
check what JSON-schema validation cannot: CRD CEL rules (``x-kubernetes-validations``), defaulting,
built-in validation and admission.

* :func:`start_kube_api` / :meth:`KubeApi.stop` -- plain functions;
* :func:`kube_api` -- a session-scoped pytest fixture (one server per test session); import it
  into a conftest (``from tests.support.apiserver import kube_api  # noqa: F401``).

The client uses only the standard library (urllib + ssl) with the admin bearer token the script
writes: no extra test dependency. The binaries must have been built by
``bash scripts/apiserver.sh build``; a missing build fails loudly.
"""

from __future__ import annotations

import atexit
import json
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "apiserver.sh"

#: Query of every dry-run: nothing is persisted; unknown or duplicate fields are errors, not warnings.
DRY_RUN_QUERY = {"dryRun": "All", "fieldValidation": "Strict"}


class KubeApiError(AssertionError):
    """The API server refused a request (4xx/5xx). ``message`` is the server's own Status message."""

    def __init__(self, method: str, path: str, status: int, body: Any):
        self.method, self.path, self.status, self.body = method, path, status, body
        if isinstance(body, Mapping):
            self.reason = body.get("reason", "")
            self.message = body.get("message", "") or json.dumps(body)
            self.causes = [c.get("message", "") for c in (body.get("details") or {}).get("causes") or []]
        else:
            self.reason, self.message, self.causes = "", str(body), []
        super().__init__(f"{method} {path}: HTTP {status} {self.reason}: {self.message}")


@dataclass
class KubeApi:
    """Client of one running test API server (see :func:`start_kube_api`)."""

    workdir: Path
    server: str
    token: str
    ca_file: Path
    start_seconds: float = 0.0
    #: ``Warning`` headers of the last request (deprecations, "unknown field" in Warn mode, ...).
    last_warnings: list[str] = field(default_factory=list)
    _ssl: ssl.SSLContext | None = field(default=None, repr=False)
    _resources: dict[str, list[dict]] = field(default_factory=dict, repr=False)

    # -------------------------------------------------------------------------------- transport
    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Any:
        """One request; returns the parsed JSON body; raises :class:`KubeApiError` on HTTP >= 400."""
        if self._ssl is None:
            self._ssl = ssl.create_default_context(cafile=str(self.ca_file))
        url = self.server + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
                "User-Agent": "dw-constructs-tests",
                **({"Content-Type": content_type} if data is not None else {}),
            },
        )
        try:
            with urllib.request.urlopen(req, context=self._ssl, timeout=60) as resp:
                self.last_warnings = resp.headers.get_all("Warning") or []
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            self.last_warnings = exc.headers.get_all("Warning") or []
            raw = exc.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            raise KubeApiError(method, path, exc.code, parsed) from None
        return json.loads(raw) if raw else None

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    # -------------------------------------------------------------------------------- discovery
    @staticmethod
    def _group_path(api_version: str) -> str:
        return "/api/v1" if api_version == "v1" else f"/apis/{api_version}"

    def resource_for(self, api_version: str, kind: str, wait: float = 10.0) -> tuple[str, bool]:
        """``(plural, namespaced)`` of a kind, from discovery. A kind whose CRD was just
        established may take a moment to appear; a kind that never does raises."""
        deadline = time.monotonic() + wait
        while True:
            resources = self._resources.get(api_version)
            if resources is None:
                try:
                    resources = self.get(self._group_path(api_version))["resources"]
                except KubeApiError as exc:
                    if exc.status != 404:
                        raise
                    resources = []
                self._resources[api_version] = resources
            for r in resources:
                if r["kind"] == kind and "/" not in r["name"]:
                    return r["name"], r["namespaced"]
            if time.monotonic() > deadline:
                raise LookupError(f"the API server does not serve {api_version} {kind} (CRD not installed?)")
            self._resources.pop(api_version, None)  # re-discover
            time.sleep(0.2)

    def collection_path(self, obj: Mapping[str, Any], namespace: str | None = None) -> str:
        api_version, kind = obj["apiVersion"], obj["kind"]
        plural, namespaced = self.resource_for(api_version, kind)
        base = self._group_path(api_version)
        if not namespaced:
            return f"{base}/{plural}"
        ns = (obj.get("metadata") or {}).get("namespace") or namespace or "default"
        return f"{base}/namespaces/{ns}/{plural}"

    # -------------------------------------------------------------------------------- actions
    def create(self, obj: Mapping[str, Any], namespace: str | None = None) -> dict:
        """A real (persisted) create."""
        return self.request("POST", self.collection_path(obj, namespace), obj, {"fieldValidation": "Strict"})

    def dry_run(self, obj: Mapping[str, Any], namespace: str | None = None) -> dict:
        """Server-side dry-run create (``dryRun=All&fieldValidation=Strict``): the full admission
        and validation chain, nothing persisted. Returns the object as the server would store it
        (defaults applied); raises :class:`KubeApiError` with the server's message when refused.
        A namespaced object without ``metadata.namespace`` goes to ``namespace`` (default
        ``default``), which must exist."""
        return self.request("POST", self.collection_path(obj, namespace), obj, DRY_RUN_QUERY)

    def dry_run_apply(
        self, obj: Mapping[str, Any], namespace: str | None = None, field_manager: str = "dw-constructs-tests"
    ) -> dict:
        """Server-side dry-run *apply* (``PATCH``, ``application/apply-patch+yaml``): like
        :meth:`dry_run` but also for an object that exists already (e.g. a Namespace the tests
        created)."""
        name = obj["metadata"]["name"]
        return self.request(
            "PATCH",
            f"{self.collection_path(obj, namespace)}/{name}",
            obj,
            {**DRY_RUN_QUERY, "fieldManager": field_manager, "force": "true"},
            content_type="application/apply-patch+yaml",
        )

    def create_namespace(self, name: str) -> None:
        """Create a namespace; one that exists already is fine."""
        try:
            self.request(
                "POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            )
        except KubeApiError as exc:
            if exc.reason != "AlreadyExists":
                raise

    def apply_crds(self, crds: Iterable[Mapping[str, Any] | str | Path], timeout: float = 60.0) -> list[str]:
        """Create CustomResourceDefinitions (dicts, or paths of YAML/JSON files holding one or more)
        and wait until each is Established and served. A CRD that exists already is left as it
        is. Returns the CRD names."""
        objs: list[Mapping[str, Any]] = []
        for item in crds:
            if isinstance(item, Mapping):
                objs.append(item)
            else:
                import yaml  # only for file input

                objs += [d for d in yaml.safe_load_all(Path(item).read_text()) if d]
        names = []
        for crd in objs:
            if crd.get("kind") != "CustomResourceDefinition":
                raise ValueError(f"not a CustomResourceDefinition: {crd.get('kind')!r}")
            try:
                self.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
            except KubeApiError as exc:
                if exc.reason != "AlreadyExists":
                    raise
            names.append(crd["metadata"]["name"])
        deadline = time.monotonic() + timeout
        for crd, name in zip(objs, names, strict=True):
            while True:
                got = self.get(f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
                conds = {c["type"]: c for c in (got.get("status") or {}).get("conditions") or []}
                if conds.get("Established", {}).get("status") == "True":
                    break
                if conds.get("NamesAccepted", {}).get("status") == "False" or time.monotonic() > deadline:
                    raise AssertionError(f"CRD {name} not established: {json.dumps(conds)}")
                time.sleep(0.1)
            spec = crd["spec"]
            for v in spec["versions"]:
                if v.get("served", True):
                    self._resources.pop(f"{spec['group']}/{v['name']}", None)
                    self.resource_for(
                        f"{spec['group']}/{v['name']}",
                        spec["names"]["kind"],
                        wait=max(deadline - time.monotonic(), 1.0),
                    )
        return names

    # -------------------------------------------------------------------------------- lifecycle
    def stop(self) -> None:
        """Stop the servers (``scripts/apiserver.sh stop``)."""
        res = subprocess.run(["bash", str(SCRIPT), "stop", str(self.workdir)], capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"apiserver.sh stop failed:\n{res.stdout}\n{res.stderr}")


def start_kube_api(workdir: Path | str) -> KubeApi:
    """Start etcd + kube-apiserver with data, certificates and logs under ``workdir``
    (``scripts/apiserver.sh start``) and return a client; fails loudly (with the script's output,
    which includes the tail of the server log) when it cannot."""
    workdir = Path(workdir)
    t0 = time.monotonic()
    res = subprocess.run(["bash", str(SCRIPT), "start", str(workdir)], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(
            f"could not start the test API server (is it built? "
            f"`bash scripts/apiserver.sh build`):\n{res.stdout}\n{res.stderr}"
        )
    return KubeApi(
        workdir=workdir,
        server=(workdir / "server").read_text().strip(),
        token=(workdir / "token").read_text().strip(),
        ca_file=workdir / "certs" / "apiserver.crt",
        start_seconds=time.monotonic() - t0,
    )


def kube_api_session() -> Iterator[KubeApi]:
    """Generator behind the fixture: start in a fresh temp dir, yield, stop and clean up (also at
    interpreter exit, should the fixture's teardown never run)."""
    workdir = Path(tempfile.mkdtemp(prefix="dw-kube-api-"))
    api = None

    def cleanup() -> None:
        if api is not None and (workdir / "pids").exists():
            api.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    try:
        api = start_kube_api(workdir)
    except RuntimeError as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        pytest.fail(str(exc), pytrace=False)
    atexit.register(cleanup)
    try:
        yield api
    finally:
        cleanup()
        atexit.unregister(cleanup)


@pytest.fixture(scope="session")
def kube_api() -> Iterator[KubeApi]:
    """A real kube-apiserver (+ etcd) for the whole test session; see :class:`KubeApi`."""
    yield from kube_api_session()


@pytest.fixture(scope="module")
def fresh_kube_api() -> Iterator[KubeApi]:
    """A control plane of its own for one test module: for tests that install cluster-scoped
    objects (CRDs through a chart) which must not exist beforehand, whatever other modules put
    into the session's server."""
    yield from kube_api_session()
