"""Every external version the CNPG constructs use, pinned in one place.

Where each pin was confirmed (upstream repositories, at the commits named):

* ``cloudnative-pg/charts`` ``charts/cloudnative-pg/Chart.yaml`` at tag ``cloudnative-pg-v0.29.0``
  (release commit d1b5ad6, 2026-06-29): ``version: "0.29.0"``, ``appVersion: "1.30.0"``; the chart
  repository URL from the repository README (``helm repo add cnpg https://cloudnative-pg.github.io/charts``).
* ``cloudnative-pg/charts`` ``charts/plugin-barman-cloud/Chart.yaml`` at tag ``plugin-barman-cloud-v0.7.0``:
  ``version: "0.7.0"``, ``appVersion: "v0.13.0"`` (the newest chart of the plugin; it needs cert-manager).
* ``cloudnative-pg/postgis-containers`` ``image-catalogs/postgis-standard-trixie.yaml`` (catalog date
  20260803, commit b29286a): the ``standard`` PostGIS operand images, by tag and digest. ``standard``
  (no in-tree Barman Cloud) is the right type with the Barman Cloud *plugin*, which brings its own
  sidecar; ``trixie`` is the current Debian base.
* CRD apiVersions: the vendored schemas in ``dw_constructs/schemas/crds`` (CNPG 1.30.0, External
  Secrets 2.9.0, Flux helm-controller 1.6.3 / source-controller 1.9.1 / kustomize-controller 1.9.4;
  the Barman Cloud ``ObjectStore``: see :data:`BARMAN_PLUGIN_CRD_SOURCE`).
"""

from __future__ import annotations

# --- CloudNativePG operator (Helm chart) ---------------------------------------------------------
CNPG_CHART_REPOSITORY = "https://cloudnative-pg.github.io/charts"
CNPG_CHART_NAME = "cloudnative-pg"
CNPG_CHART_VERSION = "0.29.0"
CNPG_APP_VERSION = "1.30.0"
#: Helm release name of the operator (the upstream docs use ``cnpg``).
CNPG_RELEASE_NAME = "cnpg"

# --- Barman Cloud plugin (CNPG-I backup plugin; Helm chart from the same repository) -------------
BARMAN_PLUGIN_CHART_NAME = "plugin-barman-cloud"
BARMAN_PLUGIN_CHART_VERSION = "0.7.0"
BARMAN_PLUGIN_APP_VERSION = "v0.13.0"
BARMAN_PLUGIN_RELEASE_NAME = "barman-cloud"
#: The plugin's name in ``Cluster.spec.plugins`` and ``ScheduledBackup.spec.pluginConfiguration``.
BARMAN_PLUGIN_NAME = "barman-cloud.cloudnative-pg.io"
#: The ``ObjectStore`` schema our manifests are validated against is the CRD this chart installs
#: (plugin v0.13.0): ``templates/crds/crds.yaml`` of this archive (sha256
#: ``BARMAN_PLUGIN_CHART_ARCHIVE_SHA256`` in ``tools/versions.env``), vendored by
#: ``scripts/refresh_crds.py`` into ``dw_constructs/schemas/crds/plugin-barman-cloud-chart-0.7.0/``.
#: Not the plugin repository's newer release (v0.14.0): we validate what is deployed.
BARMAN_PLUGIN_CRD_SOURCE = f"{BARMAN_PLUGIN_CHART_NAME}-{BARMAN_PLUGIN_CHART_VERSION}.tgz"

# --- PostGIS operand images ----------------------------------------------------------------------
#: PostGIS version shipped in every image below (extension versions in the ``Database`` CR).
POSTGIS_VERSION = "3.6.4"
#: PostgreSQL major -> pinned PostGIS image (tag and digest), type ``standard``, Debian ``trixie``.
POSTGIS_IMAGES: dict[int, str] = {
    14: "ghcr.io/cloudnative-pg/postgis:14.23-3.6.4-202608031108-standard-trixie"
    "@sha256:b4c3280f504fa0c836afabd7201ba2a499e1bf23b481d3a05aea9fed716b3dd0",
    15: "ghcr.io/cloudnative-pg/postgis:15.18-3.6.4-202608031108-standard-trixie"
    "@sha256:eb3145070eac119d6a77e0b86054ace8a858c7c2fd2fd1b46f9cbd802c69842b",
    16: "ghcr.io/cloudnative-pg/postgis:16.14-3.6.4-202608031108-standard-trixie"
    "@sha256:ac335edb6c8a52961ee4ffc14f831415d953be040cf6e4b7c8387ae83d9fc458",
    17: "ghcr.io/cloudnative-pg/postgis:17.10-3.6.4-202608031108-standard-trixie"
    "@sha256:11e8d7f5e7d5b8f0a7a37f632f7146e93167fa7c1369e12e4c055cb57b3434b7",
    18: "ghcr.io/cloudnative-pg/postgis:18.4-3.6.4-202608031108-standard-trixie"
    "@sha256:cd33541c84db4a2dd149e40b3baad430861eac01f76ba964ee20d3f750cb0e22",
}
DEFAULT_POSTGRES_MAJOR = 16

# --- API versions of every kind emitted -----------------------------------------------------------
CNPG_API_VERSION = "postgresql.cnpg.io/v1"
BARMAN_API_VERSION = "barmancloud.cnpg.io/v1"
ESO_API_VERSION = "external-secrets.io/v1"
FLUX_HELM_API_VERSION = "helm.toolkit.fluxcd.io/v2"
FLUX_SOURCE_API_VERSION = "source.toolkit.fluxcd.io/v1"
FLUX_KUSTOMIZE_API_VERSION = "kustomize.toolkit.fluxcd.io/v1"
KUSTOMIZE_API_VERSION = "kustomize.config.k8s.io/v1beta1"
