"""The policy pack, plain Python: every policy accepts and rejects (table-driven, exact path,
parameter and message), and the synthesized examples pass every policy."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from dw_constructs.governance.constraints import HelmRepositoryRef, PolicyOptions
from dw_constructs.governance.inputs import from_documents, read_paths
from dw_constructs.governance.policies import (
    POLICY_IDS,
    ManifestDoc,
    PolicyInput,
    TerraformDoc,
    run_policies,
    secret_like,
)
from dw_constructs.governance.report import HIDDEN, Report

ASSET = "assets/Warehouse_Chart_DACC18E3/2AE0FABA35C44767FC1F0343DFF8EFAD"
REL = "s/Warehouse/Release"
CNPG_REPO = "https://cloudnative-pg.github.io/charts"


def dw_values(**over) -> dict:
    values = {
        "fullnameOverride": "dw",
        "replicaCount": 1,
        "tls": {"enabled": True, "secretName": ""},
        "clustering": {"enabled": False, "antiAffinity": "soft"},
        "auth": {"username": "admin", "existingSecret": ""},
    }
    for k, v in over.items():
        values[k] = v
    return values


def release(values: dict | None = None, **attrs) -> dict:
    body = {
        "//": {"metadata": {"path": REL, "uniqueId": "R"}},
        "name": "dw",
        "chart": ASSET,
        "values": [yaml.safe_dump(values or dw_values())],
        "lifecycle": {"prevent_destroy": True},
        "set_sensitive": [{"name": "auth.password", "value": "${var.dw_admin_password}"}],
    }
    body.update(attrs)
    return {k: v for k, v in body.items() if v is not None}


def tf(resources: dict | None = None, **blocks) -> dict:
    doc = {"//": {"metadata": {"stackName": "s"}}, "resource": resources or {}}
    doc.update(blocks)
    return doc


def cnpg_cluster(**spec_over) -> dict:
    spec = {"instances": 3, "storage": {"size": "10Gi"}, "bootstrap": {"initdb": {"database": "app", "owner": "app"}}}
    for k, v in spec_over.items():
        if v is None:
            spec.pop(k, None)
        else:
            spec[k] = v
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": "pg", "namespace": "db"},
        "spec": spec,
    }


def helm_release_cr(version="0.29.0", source=None, **spec_over) -> dict:
    chart_spec = {
        "chart": "cloudnative-pg",
        "version": version,
        "sourceRef": source or {"kind": "HelmRepository", "name": "cloudnative-pg", "namespace": "flux-system"},
    }
    if version is None:
        chart_spec.pop("version")
    spec = {"interval": "1h", "chart": {"spec": chart_spec}, **spec_over}
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "cnpg", "namespace": "cnpg-system"},
        "spec": spec,
    }


def helm_repo(url=CNPG_REPO) -> dict:
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmRepository",
        "metadata": {"name": "cloudnative-pg", "namespace": "flux-system"},
        "spec": {"interval": "1h", "url": url},
    }


def mf(*objs: dict, file: str = "m.yaml") -> list[ManifestDoc]:
    """Objects of one rendered file (``file`` relative to the checked directory)."""
    return [ManifestDoc(f"{file}:{o['kind']}/{o['metadata']['name']}", o, "", file) for o in objs]


def flux_ks(path: str = "./", post_build: bool = True) -> dict:
    """A Flux Kustomization applying ``path`` (with post-build substitution from a Secret)."""
    spec = {"interval": "10m", "path": path, "prune": True, "sourceRef": {"kind": "GitRepository", "name": "repo"}}
    if post_build:
        spec["postBuild"] = {"substituteFrom": [{"kind": "Secret", "name": "vars"}]}
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "spec": spec,
    }


def secret(**string_data) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s3"}, "stringData": string_data}


def run(pid: str, terraform=(), manifests=(), options: PolicyOptions | None = None) -> list[tuple]:
    inputs = PolicyInput([TerraformDoc("s", d) for d in terraform], list(manifests))
    report = Report.of(run_policies(inputs, options, only=[pid]))
    return [(v.path, v.parameter, v.message) for v in report.violations]


CM = "m.yaml:Cluster/pg"
HR = "m.yaml:HelmRelease/cnpg"
OP = "s/Cnpg/Operator"
op_meta = {"//": {"metadata": {"path": OP}}}
RANGE = "must be an exact version such as '1.2.3', not a range"
PREVENT = (
    "must keep prevent_destroy (opt out explicitly with governance.allow_destroy(construct, reason) or "
    "the tenant's policies.allow_destroy)"
)
SECRET = "secret literal; use a reference (a sensitive variable, a secret store)"

# (id, policy, terraform docs, manifests, options, expected (path, parameter, message))
CASES = [
    # --- helm_release version pinned
    (
        "helm-version-pass",
        "helm-release-version-pinned",
        [
            tf(
                {
                    "helm_release": {
                        "op": {**op_meta, "chart": "cloudnative-pg", "repository": CNPG_REPO, "version": "0.29.0"}
                    }
                }
            )
        ],
        [],
        None,
        [],
    ),
    ("helm-asset-chart-pass", "helm-release-version-pinned", [tf({"helm_release": {"dw": release()}})], [], None, []),
    (
        "helm-no-version-fail",
        "helm-release-version-pinned",
        [tf({"helm_release": {"op": {**op_meta, "chart": "cloudnative-pg", "repository": CNPG_REPO}}})],
        [],
        None,
        [(OP, "version", f"chart 'cloudnative-pg' from {CNPG_REPO} has no version (helm would install the latest)")],
    ),
    (
        "helm-range-fail",
        "helm-release-version-pinned",
        [
            tf(
                {
                    "helm_release": {
                        "op": {**op_meta, "chart": "cloudnative-pg", "repository": CNPG_REPO, "version": "~0.29"}
                    }
                }
            )
        ],
        [],
        None,
        [(OP, "version", RANGE)],
    ),
    (
        "helm-local-path-fail",
        "helm-release-version-pinned",
        [tf({"helm_release": {"op": {**op_meta, "chart": "./charts/mine"}}})],
        [],
        None,
        [
            (
                OP,
                "chart",
                "local chart path outside the cdktf assets is not pinned (package it with TerraformAsset so "
                "its path carries the content hash)",
            )
        ],
    ),
    # --- Flux HelmRelease version pinned
    ("flux-version-pass", "flux-chart-version-pinned", [], mf(helm_release_cr()), None, []),
    (
        "flux-version-missing-fail",
        "flux-chart-version-pinned",
        [],
        mf(helm_release_cr(version=None)),
        None,
        [(HR, "spec.chart.spec.version", "not set: Flux would install the latest chart version")],
    ),
    (
        "flux-version-range-fail",
        "flux-chart-version-pinned",
        [],
        mf(helm_release_cr(version=">=0.29.0")),
        None,
        [(HR, "spec.chart.spec.version", RANGE)],
    ),
    (
        "flux-chartref-fail",
        "flux-chart-version-pinned",
        [],
        mf({**helm_release_cr(), "spec": {"chartRef": {"kind": "OCIRepository", "name": "x"}}}),
        None,
        [(HR, "spec.chart.spec", "must use spec.chart.spec with an exact version (spec.chartRef is not checked)")],
    ),
    # --- Flux HelmRelease source
    ("flux-source-in-set-pass", "flux-chart-source", [], mf(helm_release_cr(), helm_repo()), None, []),
    (
        "flux-source-expected-pass",
        "flux-chart-source",
        [],
        mf(helm_release_cr()),
        PolicyOptions(helm_repositories=(HelmRepositoryRef("cloudnative-pg", "flux-system"),)),
        [],
    ),
    (
        "flux-source-kind-fail",
        "flux-chart-source",
        [],
        mf(helm_release_cr(source={"kind": "GitRepository", "name": "charts"}), helm_repo()),
        None,
        [(HR, "spec.chart.spec.sourceRef.kind", "must point at a HelmRepository")],
    ),
    (
        "flux-source-missing-fail",
        "flux-chart-source",
        [],
        mf(helm_release_cr()),
        None,
        [
            (
                HR,
                "spec.chart.spec.sourceRef",
                "HelmRepository flux-system/cloudnative-pg is not among the checked manifests "
                "(none); check the whole tree or list the repository in policies.helm_repositories",
            )
        ],
    ),
    (
        "flux-source-unexpected-fail",
        "flux-chart-source",
        [],
        mf(helm_release_cr(), helm_repo()),
        PolicyOptions(helm_repositories=(HelmRepositoryRef("platform-charts", "flux-system"),)),
        [
            (
                HR,
                "spec.chart.spec.sourceRef",
                "HelmRepository flux-system/cloudnative-pg is not one of the expected "
                "repositories (flux-system/platform-charts)",
            )
        ],
    ),
    (
        "flux-source-url-fail",
        "flux-chart-source",
        [],
        mf(helm_release_cr(), helm_repo("https://evil.example/charts")),
        PolicyOptions(helm_repositories=(HelmRepositoryRef("cloudnative-pg", "flux-system", CNPG_REPO),)),
        [
            (
                "m.yaml:HelmRepository/cloudnative-pg",
                "spec.url",
                f"HelmRepository flux-system/cloudnative-pg must have url {CNPG_REPO}",
            )
        ],
    ),
    # --- CNPG Cluster
    ("cnpg-instances-pass", "cnpg-instances", [], mf(cnpg_cluster()), None, []),
    (
        "cnpg-instances-zero-fail",
        "cnpg-instances",
        [],
        mf(cnpg_cluster(instances=0)),
        None,
        [(CM, "spec.instances", "must be an integer greater than 0")],
    ),
    (
        "cnpg-instances-missing-fail",
        "cnpg-instances",
        [],
        mf(cnpg_cluster(instances=None)),
        None,
        [(CM, "spec.instances", "not set: must be at least 1")],
    ),
    (
        "cnpg-storage-pass",
        "cnpg-storage",
        [],
        mf(cnpg_cluster(storage={"size": "10Gi", "storageClass": "ssd"})),
        PolicyOptions(require_storage_class=True),
        [],
    ),
    (
        "cnpg-storage-size-fail",
        "cnpg-storage",
        [],
        mf(cnpg_cluster(storage={"storageClass": "ssd"})),
        None,
        [(CM, "spec.storage.size", "not set: the Cluster needs a storage size")],
    ),
    (
        "cnpg-storage-class-fail",
        "cnpg-storage",
        [],
        mf(cnpg_cluster()),
        PolicyOptions(require_storage_class=True),
        [(CM, "spec.storage.storageClass", "not set: this tenant requires a StorageClass")],
    ),
    (
        "cnpg-bootstrap-pass",
        "cnpg-bootstrap",
        [],
        mf(cnpg_cluster(bootstrap={"recovery": {"source": "old"}})),
        None,
        [],
    ),
    (
        "cnpg-bootstrap-fail",
        "cnpg-bootstrap",
        [],
        mf(cnpg_cluster(bootstrap=None)),
        None,
        [(CM, "spec.bootstrap", "must say how the cluster is bootstrapped (initdb, recovery or pg_basebackup)")],
    ),
    ("cnpg-backup-not-required-pass", "cnpg-backup", [], mf(cnpg_cluster()), None, []),
    (
        "cnpg-backup-plugin-pass",
        "cnpg-backup",
        [],
        mf(cnpg_cluster(plugins=[{"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": True}])),
        PolicyOptions(require_backup=True),
        [],
    ),
    (
        "cnpg-backup-fail",
        "cnpg-backup",
        [],
        mf(cnpg_cluster()),
        PolicyOptions(require_backup=True),
        [
            (
                CM,
                "spec.plugins",
                "no WAL archiving configured: this tenant requires backups (Barman Cloud plugin with "
                "isWALArchiver, or spec.backup.barmanObjectStore)",
            )
        ],
    ),
    ("cnpg-pdb-pass", "cnpg-pdb", [], mf(cnpg_cluster(instances=1, enablePDB=False)), None, []),
    (
        "cnpg-pdb-fail",
        "cnpg-pdb",
        [],
        mf(cnpg_cluster(enablePDB=False)),
        None,
        [(CM, "spec.enablePDB", "an HA cluster (3 instances) must keep the operator's PodDisruptionBudgets")],
    ),
    # a Cluster applied by kubernetes_manifest: the construct path and manifest.<attribute>
    (
        "cnpg-in-terraform-fail",
        "cnpg-instances",
        [
            tf(
                {
                    "kubernetes_manifest": {
                        "c": {
                            "//": {"metadata": {"path": "s/Pg/Resource"}},
                            "manifest": cnpg_cluster(instances=0),
                            "lifecycle": {"prevent_destroy": True},
                        }
                    }
                }
            )
        ],
        [],
        None,
        [("s/Pg/Resource", "manifest.spec.instances", "must be an integer greater than 0")],
    ),
    # --- DataWarehouse
    (
        "dw-clustered-pass",
        "dw-clustered-replicas",
        [tf({"helm_release": {"dw": release(dw_values(replicaCount=3, clustering={"enabled": True}))}})],
        [],
        None,
        [],
    ),
    ("dw-single-pass", "dw-clustered-replicas", [tf({"helm_release": {"dw": release()}})], [], None, []),
    (
        "dw-clustered-fail",
        "dw-clustered-replicas",
        [tf({"helm_release": {"dw": release(dw_values(replicaCount=2, clustering={"enabled": True}))}})],
        [],
        None,
        [(REL, "values.replicaCount", "a clustered DataWarehouse needs at least 3 replicas")],
    ),
    (
        "dw-clustered-set-fail",
        "dw-clustered-replicas",
        [
            tf(
                {
                    "helm_release": {
                        "dw": release(
                            dw_values(replicaCount=3, clustering={"enabled": True}),
                            set=[{"name": "replicaCount", "value": "1"}],
                        )
                    }
                }
            )
        ],
        [],
        None,
        [(REL, "values.replicaCount", "a clustered DataWarehouse needs at least 3 replicas")],
    ),
    (
        "dw-tls-pass",
        "dw-tls",
        [tf({"helm_release": {"dw": release()}}, provider={"datawarehouse": [{"alias": "dw", "tls_enabled": True}]})],
        [],
        None,
        [],
    ),
    (
        "dw-tls-values-fail",
        "dw-tls",
        [tf({"helm_release": {"dw": release(dw_values(tls={"enabled": False}))}})],
        [],
        None,
        [(REL, "values.tls.enabled", "TLS must not be disabled")],
    ),
    (
        "dw-tls-provider-fail",
        "dw-tls",
        [tf(provider={"datawarehouse": [{"alias": "dw", "tls_enabled": False}]})],
        [],
        None,
        [("s/provider.datawarehouse.dw", "tls_enabled", "TLS must not be disabled")],
    ),
    (
        "dw-tls-verified-pass",
        "dw-tls",
        [
            tf(
                provider={
                    "datawarehouse": [
                        {
                            "alias": "dw",
                            "tls_enabled": True,
                            "tls_skip_verify": False,
                            "ca_cert_pem": '${data.x.y.data["ca.crt"]}',
                        }
                    ]
                }
            )
        ],
        [],
        None,
        [],
    ),
    (
        "dw-tls-skip-verify-fail",
        "dw-tls",
        [tf(provider={"datawarehouse": [{"alias": "dw", "tls_enabled": True, "tls_skip_verify": True}]})],
        [],
        None,
        [("s/provider.datawarehouse.dw", "tls_skip_verify", "the server certificate must be verified")],
    ),
    # --- prevent_destroy
    ("prevent-destroy-pass", "prevent-destroy", [tf({"helm_release": {"dw": release()}})], [], None, []),
    (
        "prevent-destroy-opt-out-pass",
        "prevent-destroy",
        [
            tf(
                {
                    "helm_release": {
                        "dw": release(
                            lifecycle=None,
                            **{"//": {"metadata": {"path": REL}, "dw_governance": {"allow_destroy": "scratch data"}}},
                        )
                    }
                }
            )
        ],
        [],
        None,
        [],
    ),
    (
        "prevent-destroy-tenant-glob-pass",
        "prevent-destroy",
        [
            tf(
                {
                    "datawarehouse_instance": {
                        "i": {"//": {"metadata": {"path": "s/Warehouse/Instance/Resource"}}, "name": "dw"}
                    }
                }
            )
        ],
        [],
        PolicyOptions(allow_destroy=("s/Warehouse/*",)),
        [],
    ),
    (
        "prevent-destroy-deltastream-database-fail",
        "prevent-destroy",
        [
            tf(
                {
                    "deltastream_database": {
                        "db": {"//": {"metadata": {"path": "s/Ds/Analytics/Resource"}}, "name": "analytics"}
                    }
                }
            )
        ],
        [],
        None,
        [("s/Ds/Analytics/Resource", "lifecycle.prevent_destroy", f"stateful deltastream_database {PREVENT}")],
    ),
    (
        "prevent-destroy-fail",
        "prevent-destroy",
        [
            tf(
                {
                    "datawarehouse_vde": {
                        "v": {"//": {"metadata": {"path": "s/Warehouse/Events/Resource"}}, "name": "events"}
                    }
                }
            )
        ],
        [],
        None,
        [("s/Warehouse/Events/Resource", "lifecycle.prevent_destroy", f"stateful datawarehouse_vde {PREVENT}")],
    ),
    (
        "prevent-destroy-opt-out-not-honoured-fail",
        "prevent-destroy",
        [
            tf(
                {
                    "helm_release": {
                        "dw": release(
                            lifecycle=None,
                            **{"//": {"metadata": {"path": REL}, "dw_governance": {"allow_destroy": "scratch data"}}},
                        )
                    }
                }
            )
        ],
        [],
        PolicyOptions(honor_resource_opt_outs=False),
        [(REL, "lifecycle.prevent_destroy", f"stateful helm_release {PREVENT}")],
    ),
    # --- secrets
    (
        "secrets-references-pass",
        "no-secret-literals",
        [
            tf(
                {
                    "helm_release": {"dw": release()},
                    "datawarehouse_user": {
                        "u": {"//": {"metadata": {"path": "s/W/U/Resource"}}, "password": "${var.u_password}"}
                    },
                },
                provider={"datawarehouse": [{"password": "${var.admin_password}", "tls_enabled": True}]},
                variable={"admin_password": {"type": "string", "sensitive": True}},
                output={"admin_secret": {"value": {"name": "dw-auth", "password_key": "password"}}},
            )
        ],
        [],
        None,
        [],
    ),
    (
        "secrets-provider-fail",
        "no-secret-literals",
        [tf(provider={"datawarehouse": [{"password": "hunter2"}]})],
        [],
        None,
        [("s/provider.datawarehouse", "password", SECRET)],
    ),
    (
        "secrets-set-sensitive-fail",
        "no-secret-literals",
        [tf({"helm_release": {"dw": release(set_sensitive=[{"name": "auth.password", "value": "hunter2"}])}})],
        [],
        None,
        [(REL, "set_sensitive[0].value", "set_sensitive holds a literal; use a reference")],
    ),
    (
        "secrets-values-fail",
        "no-secret-literals",
        [tf({"helm_release": {"dw": release(dw_values(auth={"username": "admin", "password": "hunter2"}))}})],
        [],
        None,
        [(REL, "values[0].auth.password", SECRET)],
    ),
    (
        "secrets-set-fail",
        "no-secret-literals",
        [tf({"helm_release": {"dw": release(set=[{"name": "auth.password", "value": "hunter2"}])}})],
        [],
        None,
        [(REL, "set[0].value", "'auth.password' is a secret literal; use a reference (variable, secret lookup)")],
    ),
    (
        "secrets-variable-default-fail",
        "no-secret-literals",
        [tf(variable={"admin_password": {"type": "string", "sensitive": True, "default": "hunter2"}})],
        [],
        None,
        [
            (
                "s/variable.admin_password",
                "default",
                "a sensitive or secret-named variable must not have a literal default",
            )
        ],
    ),
    (
        "secrets-k8s-secret-username-literal-pass",
        "no-secret-literals",
        [
            tf(
                {
                    "kubernetes_secret_v1": {
                        "s": {
                            "//": {"metadata": {"path": "s/Creds"}},
                            "data": {"username": "admin", "password": "${var.pw}"},
                        }
                    }
                }
            )
        ],
        [],
        None,
        [],
    ),
    (
        "secrets-k8s-secret-password-beside-username-fail",
        "no-secret-literals",
        [
            tf(
                {
                    "kubernetes_secret_v1": {
                        "s": {
                            "//": {"metadata": {"path": "s/Creds"}},
                            "data": {"username": "admin", "password": "hunter2"},
                        }
                    }
                }
            )
        ],
        [],
        None,
        [("s/Creds", "data.password", "Secret data holds a literal; use a reference")],
    ),
    (
        "secrets-k8s-secret-resource-fail",
        "no-secret-literals",
        [
            tf(
                {
                    "kubernetes_secret_v1": {
                        "s": {"//": {"metadata": {"path": "s/Creds"}}, "data": {"ACCESS_KEY_ID": "AKIA1"}}
                    }
                }
            )
        ],
        [],
        None,
        [("s/Creds", "data.ACCESS_KEY_ID", "Secret data holds a literal; use a reference")],
    ),
    (
        "secrets-manifest-secret-fail",
        "no-secret-literals",
        [],
        mf(secret(ACCESS_KEY_ID="AKIA1", SECRET="${CNPG_S3_SECRET}")) + mf(flux_ks(), file="flux/apps.yaml"),
        None,
        [("m.yaml:Secret/s3", "stringData.ACCESS_KEY_ID", "Secret stringData holds a literal; use a reference")],
    ),
    (
        "secrets-env-var-fail",
        "no-secret-literals",
        [],
        mf(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "app"},
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {
                                    "name": "c",
                                    "env": [
                                        {"name": "DB_PASSWORD", "value": "hunter2"},
                                        {"name": "DB_PASSWORD_FILE", "value": "/run/secrets/pw"},
                                        {
                                            "name": "API_TOKEN",
                                            "valueFrom": {"secretKeyRef": {"name": "t", "key": "token"}},
                                        },
                                    ],
                                }
                            ]
                        }
                    }
                },
            }
        ),
        None,
        [
            (
                "m.yaml:Deployment/app",
                "spec.template.spec.containers[0].env[0].value",
                "'DB_PASSWORD' is a secret literal; use a reference (variable, secret lookup)",
            )
        ],
    ),
    (
        "secrets-pem-fail",
        "no-secret-literals",
        [],
        mf(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "cfg"},
                "data": {"tls.pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"},
            }
        ),
        None,
        [("m.yaml:ConfigMap/cfg", "data.tls.pem", SECRET)],
    ),
    # --- DeltaStream (tests/deltastream/test_governance.py has the full matrix)
    (
        "deltastream-credentials-pass",
        "deltastream-credentials",
        [
            tf(
                {"deltastream_secret": {"x": {"name": "x", "string_value": "${var.token}"}}},
                provider={"deltastream": [{"api_key": "${var.api_key}"}]},
            )
        ],
        [],
        None,
        [],
    ),
    (
        "deltastream-credentials-fail",
        "deltastream-credentials",
        [
            tf(
                {
                    "deltastream_store": {
                        "p": {
                            "name": "p",
                            "postgres": {"uris": "postgresql://db:5432/app", "username": "u", "password": "hunter2"},
                        }
                    }
                }
            )
        ],
        [],
        None,
        [("s/deltastream_store.p", "postgres.password", "plaintext credential in deltastream_store")],
    ),
    (
        "deltastream-tls-pass",
        "deltastream-tls",
        [tf({"deltastream_store": {"k": {"name": "k", "kafka": {"uris": "b:9092", "tls_disabled": False}}}})],
        [],
        None,
        [],
    ),
    (
        "deltastream-tls-fail",
        "deltastream-tls",
        [tf({"deltastream_store": {"k": {"name": "k", "kafka": {"uris": "b:9092", "tls_disabled": True}}}})],
        [],
        None,
        [
            (
                "s/deltastream_store.k",
                "kafka.tls_disabled",
                "TLS must not be disabled on a store (credentials and data in plaintext)",
            )
        ],
    ),
    (
        "secrets-eso-and-names-pass",
        "no-secret-literals",
        [],
        mf(
            {
                "apiVersion": "external-secrets.io/v1",
                "kind": "ExternalSecret",
                "metadata": {"name": "app"},
                "spec": {
                    "target": {"name": "app", "template": {"data": {"password": "{{ .password }}"}}},
                    "data": [{"secretKey": "password", "remoteRef": {"key": "app", "property": "password"}}],
                },
            },
            cnpg_cluster(superuserSecret={"name": "pg-superuser"}),
        ),
        None,
        [],
    ),
]

SD = "Secret stringData holds a literal; use a reference"
PROVIDER_PW = ("s/provider.datawarehouse", "password", SECRET)
# Literal secrets that merely contain ${, {{ or $( are literals; each substitution counts only
# where something substitutes it (Terraform in Terraform JSON, Flux in the manifests its
# Kustomizations post-build, External Secrets in an ExternalSecret template, Kubernetes in env).
SYNTAX_CASES = [
    # Terraform JSON: only interpolations that reference something
    *[
        (f"terraform-literal-{i}", [tf(provider={"datawarehouse": [{"password": pw}]})], [], [PROVIDER_PW])
        for i, pw in enumerate(
            [
                "pa${ss",
                "{{x",
                "${}",
                "$${var.pw}",
                "${ss}",
                '${upper("pw")}',
                "${var.}",
                "{{ .password }}",
                "$(PASSWORD)",
                "${path.module}",
                "hunter2${",
            ]
        )
    ],
    *[
        (f"terraform-reference-{i}", [tf(provider={"datawarehouse": [{"password": pw}]})], [], [])
        for i, pw in enumerate(
            [
                "${var.pw}",
                "${ sensitive(var.pw) }",
                "${random_password.pw.result}",
                '${data.kubernetes_secret_v1.x.data["password"]}',
                "${module.db.password}",
                '${local.creds["pw"]}',
                '${lookup(var.m, "}")}',
                "x-${var.pw}",
            ]
        )
    ],
    (
        "terraform-variable-default-reference-syntax",
        [tf(variable={"pw": {"sensitive": True, "default": "${var.other}"}})],
        [],
        [("s/variable.pw", "default", "a sensitive or secret-named variable must not have a literal default")],
    ),
    # helm values: Terraform interpolates them, helm does not template them
    (
        "helm-values-go-template",
        [tf({"helm_release": {"dw": release(dw_values(auth={"password": "{{ .Values.pw }}"}))}})],
        [],
        [(REL, "values[0].auth.password", SECRET)],
    ),
    (
        "helm-values-terraform-reference",
        [tf({"helm_release": {"dw": release(dw_values(auth={"password": "${var.pw}"}))}})],
        [],
        [],
    ),
    # Flux: ${NAME} only where a Kustomization with postBuild applies the manifest
    (
        "flux-substituted",
        [],
        mf(secret(SECRET="${CNPG_S3_SECRET}"), file="databases/s.yaml")
        + mf(flux_ks("./databases"), file="flux/databases.yaml"),
        [],
    ),
    (
        "flux-substituted-subtree-checked",
        [],
        mf(secret(SECRET="${CNPG_S3_SECRET}"), file="databases/s.yaml")
        + mf(flux_ks("./clusters/prod/databases"), file="flux/databases.yaml"),
        [],
    ),
    (
        "flux-no-kustomization",
        [],
        mf(secret(SECRET="${CNPG_S3_SECRET}")),
        [("m.yaml:Secret/s3", "stringData.SECRET", SD)],
    ),
    (
        "flux-no-post-build",
        [],
        mf(secret(SECRET="${CNPG_S3_SECRET}")) + mf(flux_ks(post_build=False), file="f.yaml"),
        [("m.yaml:Secret/s3", "stringData.SECRET", SD)],
    ),
    (
        "flux-other-folder",
        [],
        mf(secret(SECRET="${CNPG_S3_SECRET}"), file="apps/s.yaml") + mf(flux_ks("./databases"), file="f.yaml"),
        [("apps/s.yaml:Secret/s3", "stringData.SECRET", SD)],
    ),
    (
        "flux-disabled-on-the-object",
        [],
        mf(
            {
                **secret(SECRET="${CNPG_S3_SECRET}"),
                "metadata": {"name": "s3", "annotations": {"kustomize.toolkit.fluxcd.io/substitute": "disabled"}},
            }
        )
        + mf(flux_ks(), file="f.yaml"),
        [("m.yaml:Secret/s3", "stringData.SECRET", SD)],
    ),
    *[
        (
            f"flux-literal-{i}",
            [],
            mf(secret(SECRET=v)) + mf(flux_ks(), file="f.yaml"),
            [("m.yaml:Secret/s3", "stringData.SECRET", SD)],
        )
        for i, v in enumerate(
            ["pa${ss", "${CNPG_S3_SECRET:=hunter2}", "$${CNPG_S3_SECRET}", "${var.pw}", "{{ .pw }}", "${}"]
        )
    ],
    (
        "flux-in-kubernetes-manifest-is-literal",
        [
            tf(
                {
                    "kubernetes_manifest": {
                        "s": {"//": {"metadata": {"path": "s/S"}}, "manifest": secret(SECRET="${CNPG_S3}")}
                    }
                }
            )
        ],
        [],
        [("s/S", "manifest.stringData.SECRET", SD)],
    ),
    (
        "terraform-in-kubernetes-manifest",
        [
            tf(
                {
                    "kubernetes_manifest": {
                        "s": {"//": {"metadata": {"path": "s/S"}}, "manifest": secret(SECRET="${var.pw}")}
                    }
                }
            )
        ],
        [],
        [],
    ),
    # Go templates: an ExternalSecret's target template, nowhere else
    (
        "go-template-in-plain-secret",
        [],
        mf(secret(password="{{ .password }}")),
        [("m.yaml:Secret/s3", "stringData.password", SD)],
    ),
    (
        "go-template-literal-in-eso",
        [],
        mf(
            {
                "apiVersion": "external-secrets.io/v1",
                "kind": "ExternalSecret",
                "metadata": {"name": "app"},
                "spec": {"target": {"name": "app", "template": {"data": {"password": "{{x", "token": '{{ "lit" }}'}}}},
            }
        ),
        [
            ("m.yaml:ExternalSecret/app", "spec.target.template.data.password", SECRET),
            ("m.yaml:ExternalSecret/app", "spec.target.template.data.token", SECRET),
        ],
    ),
    # Kubernetes $(VAR): in a container's env
    (
        "env-expansion",
        [],
        mf(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "c", "env": [{"name": "DB_PASSWORD", "value": "$(PGPASSWORD)"}]}]},
            }
        ),
        [],
    ),
    (
        "env-expansion-escaped",
        [],
        mf(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "c", "env": [{"name": "DB_PASSWORD", "value": "$$(PGPASSWORD)"}]}]},
            }
        ),
        [
            (
                "m.yaml:Pod/p",
                "spec.containers[0].env[0].value",
                "'DB_PASSWORD' is a secret literal; use a reference (variable, secret lookup)",
            )
        ],
    ),
    (
        "env-expansion-outside-env",
        [],
        mf(secret(password="$(PGPASSWORD)")),
        [("m.yaml:Secret/s3", "stringData.password", SD)],
    ),
]


@pytest.mark.parametrize(
    "terraform,manifests,expected", [c[1:] for c in SYNTAX_CASES], ids=[c[0] for c in SYNTAX_CASES]
)
def test_references_are_real_only_where_substituted(terraform, manifests, expected):
    assert run("no-secret-literals", terraform, manifests) == expected
    assert (
        "hunter2"
        not in Report.of(run_policies(PolicyInput([TerraformDoc("s", d) for d in terraform], list(manifests)))).text()
    )


@pytest.mark.parametrize("pid,terraform,manifests,options,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_policies(pid, terraform, manifests, options, expected):
    assert run(pid, terraform, manifests, options) == expected


def test_every_policy_has_a_passing_and_a_failing_case():
    covered = {c[1]: set() for c in CASES}
    for c in CASES:
        covered[c[1]].add(bool(c[5]))
    missing = [p for p in POLICY_IDS if p != "readable-input" and covered.get(p) != {True, False}]
    assert missing == []


def test_secret_values_never_reach_the_report():
    inputs = from_documents([tf(provider={"datawarehouse": [{"password": "hunter2"}]})])
    report = Report.of(run_policies(inputs))
    assert report.violations[0].value == HIDDEN and "hunter2" not in report.text() + report.to_json()


@pytest.mark.parametrize(
    "name,expected",
    [
        ("password", True),
        ("admin_password", True),
        ("auth.password", True),
        ("clientSecret", True),
        ("api_key", True),
        ("secret_access_key", True),
        ("token", True),
        ("DB_PASSWORD", True),
        ("secretName", False),
        ("existingSecret", False),
        ("password_key", False),
        ("tokenRef", False),
        ("username", False),
        ("password_file", False),
        ("description", False),
    ],
)
def test_secret_like_names(name, expected):
    assert secret_like(name) is expected


def test_skipped_policies_do_not_run():
    doc = tf(provider={"datawarehouse": [{"password": "hunter2", "tls_enabled": False}]})
    inputs = from_documents([doc])
    assert {v.rule for v in run_policies(inputs)} == {"no-secret-literals", "dw-tls"}
    assert {v.rule for v in run_policies(inputs, PolicyOptions(skip=("dw-tls",)))} == {"no-secret-literals"}


def test_several_violations_all_listed_in_deterministic_order():
    bad = tf(
        {
            "helm_release": {
                "dw": release(
                    dw_values(replicaCount=1, clustering={"enabled": True}, tls={"enabled": False}), lifecycle=None
                )
            },
            "datawarehouse_vde": {"v": {"//": {"metadata": {"path": "s/Warehouse/Events/Resource"}}}},
        },
        provider={"datawarehouse": [{"alias": "dw", "password": "hunter2", "tls_enabled": False}]},
    )
    manifests = mf(cnpg_cluster(instances=2, enablePDB=False, bootstrap=None))
    inputs = PolicyInput([TerraformDoc("s", bad)], manifests)
    expected = [
        (CM, "spec.bootstrap", "cnpg-bootstrap"),
        (CM, "spec.enablePDB", "cnpg-pdb"),
        ("s/Warehouse/Events/Resource", "lifecycle.prevent_destroy", "prevent-destroy"),
        (REL, "lifecycle.prevent_destroy", "prevent-destroy"),
        (REL, "values.replicaCount", "dw-clustered-replicas"),
        (REL, "values.tls.enabled", "dw-tls"),
        ("s/provider.datawarehouse.dw", "password", "no-secret-literals"),
        ("s/provider.datawarehouse.dw", "tls_enabled", "dw-tls"),
    ]
    first = Report.of(run_policies(inputs))
    assert [(v.path, v.parameter, v.rule) for v in first.violations] == expected
    shuffled = PolicyInput([TerraformDoc("s", json.loads(json.dumps(bad, sort_keys=True)))], list(reversed(manifests)))
    assert Report.of(run_policies(shuffled)).text() == first.text()


def test_unreadable_files_are_violations(tmp_path):
    (tmp_path / "ok.yaml").write_text(yaml.safe_dump(cnpg_cluster()))
    (tmp_path / "broken.yaml").write_text("kind: [")
    (tmp_path / "broken.json").write_text("{")
    report = Report.of(run_policies(read_paths([tmp_path])))
    assert [(v.path, v.rule) for v in report.violations] == [
        ("broken.json", "readable-input"),
        ("broken.yaml", "readable-input"),
    ]
    assert report.violations[1].message.startswith("not valid YAML: ")


def test_reading_skips_chart_sources_and_assets(tmp_path):
    chart = tmp_path / "charts" / "mine"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("name: mine\nversion: 1.0.0\n")
    (chart / "templates" / "x.yaml").write_text("{{ if .Values.x }}\nkind: [\n{{ end }}\n")
    (tmp_path / "m.yaml").write_text(yaml.safe_dump_all([cnpg_cluster(), helm_repo()]))
    inputs = read_paths([tmp_path])
    assert [m.path for m in inputs.manifests] == ["m.yaml[0]:Cluster/pg", "m.yaml[1]:HelmRepository/cloudnative-pg"]
    assert inputs.problems == []


# --- the synthesized examples: every policy passes (no false positives on our own output) --------


@pytest.fixture(scope="module")
def examples_out(tmp_path_factory):
    from cdktf import App

    from examples.clustered.main import build as clustered
    from examples.cnpg_apply.main import build as cnpg_apply
    from examples.cnpg_render.main import build as cnpg_render
    from examples.replicated.main import build as replicated
    from examples.single_node.main import build as single

    root = tmp_path_factory.mktemp("examples-out")
    app = App(outdir=str(root / "cdktf.out"))
    for build in (single, clustered, replicated, cnpg_apply):
        build(app)
    stack = cnpg_render(app)
    app.synth()
    stack.database.write_rendered(root / "gitops")
    return root


def test_examples_pass_every_policy(examples_out):
    inputs = read_paths([examples_out / "cdktf.out", examples_out / "gitops"])
    assert sorted(t.stack for t in inputs.terraform) == [
        "clustered",
        "cnpg-apply",
        "cnpg-render",
        "replicated",
        "single-node",
    ]
    assert (
        len(inputs.manifests) == 19
    )  # the render tree: 4 folders (Flux Kustomizations, sources, operators, databases)
    strict = PolicyOptions(
        require_backup=True, helm_repositories=(HelmRepositoryRef("cloudnative-pg", "flux-system", CNPG_REPO),)
    )
    assert Report.of(run_policies(inputs, strict)).text() == "dw-constructs governance: no violations"


def test_examples_output_fails_when_tampered(examples_out):
    path = examples_out / "cdktf.out" / "stacks" / "single-node" / "cdk.tf.json"
    doc = json.loads(path.read_text())
    bad = copy.deepcopy(doc)
    (rel,) = bad["resource"]["helm_release"].values()
    del rel["lifecycle"]
    bad["provider"]["datawarehouse"][0]["password"] = "hunter2"
    inputs = PolicyInput([TerraformDoc("single-node", bad, path.parent)])
    assert [(v.path, v.parameter, v.rule) for v in Report.of(run_policies(inputs)).violations] == [
        ("single-node/Warehouse/Release", "lifecycle.prevent_destroy", "prevent-destroy"),
        ("single-node/provider.datawarehouse.analytics", "password", "no-secret-literals"),
    ]
