"""dw_constructs.validation against the real Kubernetes OpenAPI schemas (kubernetes-validate) and
the vendored CRD schemas. No mocks: every manifest goes through the real validators."""

from __future__ import annotations

import copy
import json
import re

import pytest

from dw_constructs import validation
from dw_constructs.validation import (
    ManifestValidationError,
    validate_manifest,
    validate_manifests,
)

LABELS = {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "dw"}


def deployment(**spec_overrides):
    spec = {
        "replicas": 3,
        "selector": {"matchLabels": LABELS},
        "template": {
            "metadata": {"labels": LABELS},
            "spec": {
                "containers": [
                    {
                        "name": "web",
                        "image": "nginx:1.27",
                        "ports": [{"containerPort": 80, "name": "http"}],
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                        "readinessProbe": {"httpGet": {"path": "/", "port": "http"}},
                    }
                ]
            },
        },
    }
    spec.update(spec_overrides)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "dw", "labels": LABELS},
        "spec": spec,
    }


def cnpg_cluster():
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": "warehouse", "namespace": "dw"},
        "spec": {
            "instances": 3,
            "imageName": "ghcr.io/cloudnative-pg/postgis:16-3.4",
            "storage": {"size": "20Gi", "storageClass": "standard"},
            "bootstrap": {
                "initdb": {
                    "database": "warehouse",
                    "owner": "warehouse",
                    "postInitTemplateSQL": [
                        "CREATE EXTENSION IF NOT EXISTS postgis;",
                        "CREATE EXTENSION IF NOT EXISTS postgis_topology;",
                    ],
                }
            },
            "postgresql": {"parameters": {"max_connections": "200", "shared_buffers": "256MB"}},
            "plugins": [
                {
                    "name": "barman-cloud.cloudnative-pg.io",
                    "isWALArchiver": True,
                    "parameters": {"barmanObjectName": "warehouse-backups"},
                }
            ],
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}},
        },
    }


def raises(obj) -> ManifestValidationError:
    with pytest.raises(ManifestValidationError) as info:
        validate_manifest(obj)
    return info.value


# ---------------------------------------------------------------------------------------------
# Built-in kinds


def test_valid_deployment_passes():
    validate_manifest(deployment())


def test_valid_service_passes():
    validate_manifest(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "dw"},
            "spec": {
                "type": "ClusterIP",
                "selector": LABELS,
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            },
        }
    )


def test_valid_statefulset_passes():
    validate_manifest(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "dw"},
            "spec": {
                "serviceName": "db",
                "replicas": 1,
                "selector": {"matchLabels": {"app": "db"}},
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "db",
                                "image": "postgres:16",
                                "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                            }
                        ]
                    },
                },
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}},
                    }
                ],
            },
        }
    )


def test_valid_namespace_passes():
    validate_manifest({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dw", "labels": {"team": "data"}}})


def test_string_replicas_rejected_naming_spec_replicas():
    err = raises(deployment(replicas="3"))
    assert "spec.replicas: expected integer, got string '3'" in err.errors
    assert 'apps/v1 Deployment "dw/web" failed validation against Kubernetes 1.34' in str(err)
    assert isinstance(err, ValueError)


def test_every_error_is_listed_with_its_path():
    dep = deployment(replicas="3")
    container = dep["spec"]["template"]["spec"]["containers"][0]
    container["ports"][0]["containerPort"] = "80"
    container["imagePullPolicy2"] = "Always"
    del dep["spec"]["selector"]
    err = raises(dep)
    assert err.errors == [
        "spec.replicas: expected integer, got string '3'",
        "spec.selector: required field is missing",
        'spec.template.spec.containers[0].imagePullPolicy2: unknown field "imagePullPolicy2"',
        "spec.template.spec.containers[0].ports[0].containerPort: expected integer, got string '80'",
    ]


def test_unknown_field_in_builtin_metadata_rejected():
    dep = deployment()
    dep["metadata"]["label"] = {"a": "b"}
    err = raises(dep)
    assert err.errors == ['metadata.label: unknown field "label"']


def test_missing_name_apiversion_kind_rejected():
    dep = deployment()
    del dep["metadata"]["name"]
    assert raises(dep).errors == ["metadata.name: required field is missing"]
    err = raises({"kind": "Deployment", "metadata": {"name": "x"}})
    assert err.errors == ["apiVersion: required field is missing"]
    err = raises({"apiVersion": "v1", "kind": "", "metadata": {"name": "x"}})
    assert err.errors == ["kind: expected a non-empty string, got ''"]


def test_non_mapping_rejected():
    assert raises(["not", "a", "manifest"]).errors == ["(root): expected a mapping, got array"]


def test_unknown_kind_rejected():
    err = raises({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    assert len(err.errors) == 1
    assert err.errors[0].startswith(
        "(root): no schema for apiVersion 'example.com/v1' kind 'Widget': not a built-in kind of "
        "Kubernetes 1.34 nor a vendored custom resource"
    )


def test_builtin_kind_under_foreign_group_is_unknown():
    # the schema file name would match (deployment-apps-v1.json); the group must too
    err = raises({"apiVersion": "apps.example.com/v1", "kind": "Deployment", "metadata": {"name": "x"}})
    assert "no schema for apiVersion 'apps.example.com/v1' kind 'Deployment'" in str(err)


def test_removed_api_version_is_unknown():
    err = raises(
        {
            "apiVersion": "policy/v1beta1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "x"},
            "spec": {"minAvailable": 1},
        }
    )
    assert "no schema for apiVersion 'policy/v1beta1' kind 'PodDisruptionBudget'" in str(err)
    validate_manifest(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "x"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"a": "b"}}},
        }
    )


def test_kubernetes_version_override():
    assert "1.34" in validation.available_kubernetes_versions()
    validate_manifest(deployment(), kubernetes_version="1.36")
    with pytest.raises(ValueError, match="no schemas for Kubernetes 1.2"):
        validate_manifest(deployment(), kubernetes_version="1.2")


# ---------------------------------------------------------------------------------------------
# CloudNativePG


def test_valid_cnpg_postgis_cluster_with_barman_plugin_passes():
    validate_manifest(cnpg_cluster())


def test_cnpg_cluster_zero_instances_rejected():
    cluster = cnpg_cluster()
    cluster["spec"]["instances"] = 0
    err = raises(cluster)
    assert err.errors == ["spec.instances: 0 is less than the minimum of 1"]
    assert "vendored schema cnpg-1.30.0/postgresql.cnpg.io_v1_cluster.json" in str(err)


def test_cnpg_required_field_with_default_may_be_omitted():
    cluster = cnpg_cluster()
    del cluster["spec"]["instances"]  # required, but defaulted to 1 by the API server
    validate_manifest(cluster)


def test_unknown_field_in_custom_resource_rejected():
    cluster = cnpg_cluster()
    cluster["spec"]["bootstrap"]["initdb"]["extensions"] = ["postgis"]
    cluster["spec"]["replicas"] = 3
    err = raises(cluster)
    assert err.errors == [
        'spec.bootstrap.initdb.extensions: unknown field "extensions"',
        'spec.replicas: unknown field "replicas"',
    ]


def test_unknown_field_in_custom_resource_metadata_rejected():
    cluster = cnpg_cluster()
    cluster["metadata"]["lables"] = {"a": "b"}
    cluster["metadata"]["annotations"] = {"a": 1}
    err = raises(cluster)
    assert err.errors == [
        "metadata.annotations.a: expected string, got integer 1",
        'metadata.lables: unknown field "lables"',
    ]


def test_cnpg_type_errors_and_int_or_string():
    cluster = cnpg_cluster()
    cluster["spec"]["instances"] = "3"
    cluster["spec"]["plugins"][0]["parameters"]["retries"] = 3  # map of strings
    cluster["spec"]["resources"]["requests"]["cpu"] = ["1"]  # int-or-string quantity
    err = raises(cluster)
    assert err.errors == [
        "spec.instances: expected integer, got string '3'",
        "spec.plugins[0].parameters.retries: expected string, got integer 3",
        'spec.resources.requests.cpu: expected integer or string, got array ["1"]',
    ]


def test_cnpg_list_map_duplicates_rejected():
    cluster = cnpg_cluster()
    # x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [name]
    cluster["spec"]["resources"]["claims"] = [{"name": "gpu"}, {"name": "gpu"}]
    err = raises(cluster)
    assert err.errors == ["spec.resources.claims[1]: duplicate entry with name='gpu' (also at [0])"]


def test_valid_scheduled_backup_passes():
    validate_manifest(
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "ScheduledBackup",
            "metadata": {"name": "warehouse-daily", "namespace": "dw"},
            "spec": {
                "schedule": "0 0 2 * * *",
                "backupOwnerReference": "self",
                "cluster": {"name": "warehouse"},
                "method": "plugin",
                "pluginConfiguration": {"name": "barman-cloud.cloudnative-pg.io"},
                "immediate": True,
            },
        }
    )


def test_scheduled_backup_bad_enum_rejected():
    err = raises(
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "ScheduledBackup",
            "metadata": {"name": "b"},
            "spec": {"schedule": "0 0 2 * * *", "cluster": {"name": "w"}, "method": "barman"},
        }
    )
    assert err.errors == ["spec.method: 'barman' is not one of ['barmanObjectStore', 'volumeSnapshot', 'plugin']"]


def test_valid_cnpg_database_and_pooler_pass():
    validate_manifest(
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "Database",
            "metadata": {"name": "analytics", "namespace": "dw"},
            "spec": {
                "name": "analytics",
                "owner": "analytics",
                "cluster": {"name": "warehouse"},
                "extensions": [{"name": "postgis", "ensure": "present"}],
            },
        }
    )
    validate_manifest(
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "Pooler",
            "metadata": {"name": "warehouse-rw", "namespace": "dw"},
            "spec": {
                "cluster": {"name": "warehouse"},
                "instances": 2,
                "type": "rw",
                "pgbouncer": {"poolMode": "session", "parameters": {"max_client_conn": "1000"}},
            },
        }
    )


def test_valid_barman_object_store_passes():
    validate_manifest(
        {
            "apiVersion": "barmancloud.cnpg.io/v1",
            "kind": "ObjectStore",
            "metadata": {"name": "warehouse-backups", "namespace": "dw"},
            "spec": {
                "retentionPolicy": "30d",
                "configuration": {
                    "destinationPath": "s3://dw-backups/warehouse",
                    "endpointURL": "https://s3.example.internal",
                    "s3Credentials": {
                        "accessKeyId": {"name": "backup-creds", "key": "ACCESS_KEY_ID"},
                        "secretAccessKey": {"name": "backup-creds", "key": "ACCESS_SECRET_KEY"},
                    },
                    "wal": {"compression": "gzip", "maxParallel": 4},
                    "data": {"compression": "gzip", "jobs": 2},
                },
            },
        }
    )


def test_barman_object_store_missing_required_rejected():
    err = raises(
        {
            "apiVersion": "barmancloud.cnpg.io/v1",
            "kind": "ObjectStore",
            "metadata": {"name": "s"},
            "spec": {"configuration": {"s3Credentials": {"accessKeyId": {"name": "c"}}}},
        }
    )
    assert err.errors == [
        "spec.configuration.destinationPath: required field is missing",
        "spec.configuration.s3Credentials.accessKeyId.key: required field is missing",
    ]


# ---------------------------------------------------------------------------------------------
# External Secrets


def test_valid_external_secret_v1_passes():
    validate_manifest(
        {
            "apiVersion": "external-secrets.io/v1",
            "kind": "ExternalSecret",
            "metadata": {"name": "warehouse-app", "namespace": "dw"},
            "spec": {
                "refreshInterval": "1h",
                "secretStoreRef": {"kind": "ClusterSecretStore", "name": "vault"},
                "target": {"name": "warehouse-app", "creationPolicy": "Owner"},
                "data": [{"secretKey": "password", "remoteRef": {"key": "dw/warehouse", "property": "password"}}],
            },
        }
    )


def test_valid_cluster_secret_store_passes():
    validate_manifest(
        {
            "apiVersion": "external-secrets.io/v1",
            "kind": "ClusterSecretStore",
            "metadata": {"name": "vault"},
            "spec": {
                "provider": {
                    "vault": {
                        "server": "https://vault.example.internal",
                        "path": "secret",
                        "version": "v2",
                        "auth": {
                            "kubernetes": {
                                "role": "external-secrets",
                                "serviceAccountRef": {"name": "external-secrets"},
                            }
                        },
                    }
                }
            },
        }
    )


def test_external_secret_unserved_version_rejected():
    err = raises(
        {"apiVersion": "external-secrets.io/v1beta1", "kind": "ExternalSecret", "metadata": {"name": "x"}, "spec": {}}
    )
    assert "no schema for apiVersion 'external-secrets.io/v1beta1' kind 'ExternalSecret'" in str(err)


# ---------------------------------------------------------------------------------------------
# Flux and Kustomize


def test_valid_helm_release_v2_passes():
    validate_manifest(
        {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "cnpg", "namespace": "cnpg-system"},
            "spec": {
                "interval": "10m",
                "chart": {
                    "spec": {
                        "chart": "cloudnative-pg",
                        "version": "0.26.x",
                        "sourceRef": {"kind": "HelmRepository", "name": "cnpg", "namespace": "flux-system"},
                    }
                },
                "install": {"crds": "CreateReplace", "remediation": {"retries": 3}},
                "upgrade": {"crds": "CreateReplace"},
                # values is x-kubernetes-preserve-unknown-fields: anything goes
                "values": {
                    "replicaCount": 2,
                    "monitoring": {"podMonitorEnabled": False},
                    "anything": [{"nested": True}],
                },
            },
        }
    )


def test_helm_release_unknown_field_outside_values_rejected():
    err = raises(
        {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "cnpg"},
            "spec": {"interval": "10m", "chartRef": {"kind": "OCIRepository", "name": "x"}, "value": {"a": 1}},
        }
    )
    assert err.errors == ['spec.value: unknown field "value"']


def test_valid_helm_repository_v1_passes():
    validate_manifest(
        {
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "HelmRepository",
            "metadata": {"name": "cnpg", "namespace": "flux-system"},
            "spec": {"interval": "1h", "url": "https://cloudnative-pg.github.io/charts"},
        }
    )


def test_valid_flux_kustomization_passes():
    validate_manifest(
        {
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "warehouse", "namespace": "flux-system"},
            "spec": {
                "interval": "10m",
                "path": "./clusters/prod/warehouse",
                "prune": True,
                "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                "targetNamespace": "dw",
            },
        }
    )


def test_valid_kustomization_yaml_passes():
    # the kustomization.yaml file format: no metadata.name needed
    validate_manifest(
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": "dw",
            "resources": ["namespace.yaml", "cluster.yaml", "objectstore.yaml"],
            "labels": [{"pairs": {"app.kubernetes.io/part-of": "dw"}, "includeSelectors": False}],
            "images": [{"name": "postgres", "newName": "ghcr.io/cloudnative-pg/postgis", "newTag": "16-3.4"}],
        }
    )


def test_kustomization_yaml_unknown_field_rejected():
    err = raises({"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resource": ["a.yaml"]})
    assert err.errors == ['resource: unknown field "resource"']


# ---------------------------------------------------------------------------------------------
# cert-manager (the Barman Cloud plugin chart creates an Issuer and Certificates)


def cert_manager_certificate():
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "barman-cloud-server", "namespace": "cnpg-system"},
        "spec": {
            "commonName": "barman-cloud",
            "dnsNames": ["barman-cloud"],
            "duration": "2160h",
            "isCA": False,
            "usages": ["server auth"],
            "secretName": "barman-cloud-server-tls",
            "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": "barman-cloud-selfsigned-issuer"},
        },
    }


def test_valid_cert_manager_issuer_and_certificate_pass():
    validate_manifest(
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Issuer",
            "metadata": {"name": "barman-cloud-selfsigned-issuer", "namespace": "cnpg-system"},
            "spec": {"selfSigned": {}},
        }
    )
    validate_manifest(cert_manager_certificate())


def test_cert_manager_certificate_without_secret_name_rejected():
    cert = cert_manager_certificate()
    del cert["spec"]["secretName"]  # upstream: spec.required = [issuerRef, secretName]
    err = raises(cert)
    assert err.errors == ["spec.secretName: required field is missing"]


# ---------------------------------------------------------------------------------------------
# Many manifests at once


def test_validate_manifests_reports_every_failing_manifest():
    bad_cluster = cnpg_cluster()
    bad_cluster["spec"]["instances"] = 0
    manifests = [deployment(), deployment(replicas="3"), bad_cluster, 42]
    with pytest.raises(ManifestValidationError) as info:
        validate_manifests(manifests)
    err = info.value
    assert str(err).splitlines()[0] == "3 of 4 manifests failed validation"
    assert err.errors == [
        "apps/v1 Deployment \"dw/web\": spec.replicas: expected integer, got string '3'",
        'postgresql.cnpg.io/v1 Cluster "dw/warehouse": spec.instances: 0 is less than the minimum of 1',
        "manifest #3: (root): expected a mapping, got integer",
    ]
    assert len(err.failures) == 3
    validate_manifests(copy.deepcopy(manifests[:1]))


# ---------------------------------------------------------------------------------------------
# Vendored data


def test_vendored_index_lists_every_required_kind_with_provenance():
    kinds = set(validation.supported_custom_kinds())
    assert {
        ("postgresql.cnpg.io/v1", "Cluster"),
        ("postgresql.cnpg.io/v1", "ScheduledBackup"),
        ("postgresql.cnpg.io/v1", "Database"),
        ("postgresql.cnpg.io/v1", "Pooler"),
        ("barmancloud.cnpg.io/v1", "ObjectStore"),
        ("external-secrets.io/v1", "ExternalSecret"),
        ("external-secrets.io/v1", "ClusterSecretStore"),
        ("helm.toolkit.fluxcd.io/v2", "HelmRelease"),
        ("source.toolkit.fluxcd.io/v1", "HelmRepository"),
        ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
        ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
        ("cert-manager.io/v1", "Issuer"),
        ("cert-manager.io/v1", "Certificate"),
    } <= kinds
    index = json.loads((validation.CRD_DIR / "sources.json").read_text())
    for entry in index["schemas"]:
        up = entry["upstream"]
        assert up["repo"].startswith("https://github.com/")
        assert len(up["commit"]) == 40 and up["license"] == "Apache-2.0" and up["path"]
        assert (validation.CRD_DIR / entry["file"]).is_file()
        if "archive" in up:  # read from a chart archive: its name and sha256 are the source
            assert up["archive"].endswith(".tgz") and re.fullmatch(r"[0-9a-f]{64}", up["archiveSha256"])
            assert entry["plural"]
    # one schema per kind: ObjectStore is the CRD the pinned plugin chart installs (0.7.0, plugin
    # v0.13.0), not the plugin repository's newer v0.14.0 (tests/cnpg/test_versions.py compares them)
    (store,) = [e for e in index["schemas"] if e["kind"] == "ObjectStore"]
    assert (store["upstream"]["repo"], store["upstream"]["ref"], store["upstream"]["archive"]) == (
        "https://github.com/cloudnative-pg/charts",
        "plugin-barman-cloud-v0.7.0",
        "plugin-barman-cloud-0.7.0.tgz",
    )


def test_import_is_light():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(validation.__file__).resolve().parents[1]
    code = (
        "import sys, dw_constructs.validation; "
        "print(sorted(m for m in ('jsonschema', 'referencing', 'yaml', 'kubernetes_validate')"
        " if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), *filter(None, [os.environ.get("PYTHONPATH")])])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root, env=env)
    assert out.stdout.strip() == "[]"
