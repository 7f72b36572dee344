{{/*
Names, labels and shared values of the datawarehouse chart.
*/}}

{{/* Chart name (nameOverride wins). */}}
{{- define "datawarehouse.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name, truncated to 52 characters: the StatefulSet controller adds
"-<10-character hash>" to it in the controller-revision-hash pod label (63 at most), and
"<fullname>-headless" must stay a valid Service name.
*/}}
{{- define "datawarehouse.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "datawarehouse.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels shared by every object of the release, without a component. */}}
{{- define "datawarehouse.baseLabels" -}}
helm.sh/chart: {{ include "datawarehouse.chart" . }}
app.kubernetes.io/name: {{ include "datawarehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ (default .Chart.AppVersion .Values.image.tag) | toString | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: datawarehouse
{{- end }}

{{/* Labels of the server's objects. */}}
{{- define "datawarehouse.labels" -}}
{{ include "datawarehouse.baseLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{/*
Selector labels of the server pods. The component keeps the helm test pod (component "test")
out of the Services' endpoints.
*/}}
{{- define "datawarehouse.selectorLabels" -}}
app.kubernetes.io/name: {{ include "datawarehouse.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{/* Name of the ServiceAccount the pods run as. */}}
{{- define "datawarehouse.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "datawarehouse.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Name of the admin credentials Secret (existing or generated). */}}
{{- define "datawarehouse.secretName" -}}
{{- if .Values.auth.existingSecret }}
{{- .Values.auth.existingSecret }}
{{- else }}
{{- printf "%s-auth" (include "datawarehouse.fullname" .) }}
{{- end }}
{{- end }}

{{/* Name of the TLS Secret (existing or generated). */}}
{{- define "datawarehouse.tlsSecretName" -}}
{{- if .Values.tls.secretName }}
{{- .Values.tls.secretName }}
{{- else }}
{{- printf "%s-tls" (include "datawarehouse.fullname" .) }}
{{- end }}
{{- end }}

{{/* Name of the client Service. */}}
{{- define "datawarehouse.serviceName" -}}
{{- include "datawarehouse.fullname" . }}
{{- end }}

{{/* Name of the headless Service that gives clustered pods their stable DNS names. */}}
{{- define "datawarehouse.headlessServiceName" -}}
{{- printf "%s-headless" (include "datawarehouse.fullname" .) }}
{{- end }}

{{/*
The StatefulSet's serviceName: the headless Service when clustered; in single-node mode (no
headless Service is rendered) the client Service, so the field always names an existing Service.
*/}}
{{- define "datawarehouse.governingServiceName" -}}
{{- if .Values.clustering.enabled }}
{{- include "datawarehouse.headlessServiceName" . }}
{{- else }}
{{- include "datawarehouse.serviceName" . }}
{{- end }}
{{- end }}

{{/* Name of the ConfigMap holding datawarehouse.yaml. */}}
{{- define "datawarehouse.configMapName" -}}
{{- printf "%s-config" (include "datawarehouse.fullname" .) }}
{{- end }}

{{/* Name of the extra PersistentVolumeClaim. */}}
{{- define "datawarehouse.extraClaimName" -}}
{{- default (printf "%s-extra" (include "datawarehouse.fullname" .)) .Values.extraVolumeClaim.name }}
{{- end }}

{{/* Server image reference; the tag defaults to the chart's appVersion. */}}
{{- define "datawarehouse.image" -}}
{{- printf "%s:%v" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Image of the helm test pod. */}}
{{- define "datawarehouse.testImage" -}}
{{- printf "%s:%s" .Values.tests.image.repository .Values.tests.image.tag }}
{{- end }}

{{/* storageClassName line for a claim: "" → omitted (default class), "-" → "" (none). */}}
{{- define "datawarehouse.storageClass" -}}
{{- if eq . "-" -}}
storageClassName: ""
{{- else if . -}}
storageClassName: {{ . | quote }}
{{- end -}}
{{- end }}

{{/* Paths inside the container. */}}
{{- define "datawarehouse.configDir" -}}/etc/datawarehouse{{- end }}
{{- define "datawarehouse.tlsDir" -}}/etc/datawarehouse/tls{{- end }}

{{/* Raft peer addresses: <fullname>-<i>.<headless>.<namespace>.svc.<clusterDomain>:<raftPort>. */}}
{{- define "datawarehouse.peers" -}}
{{- $fullname := include "datawarehouse.fullname" . }}
{{- $headless := include "datawarehouse.headlessServiceName" . }}
{{- range $i := until (int .Values.replicaCount) }}
- {{ printf "%s-%d.%s.%s.svc.%s:%d" $fullname $i $headless $.Release.Namespace $.Values.clusterDomain (int $.Values.clustering.raftPort) }}
{{- end }}
{{- end }}

{{/*
Generated secret material and its revisions, as YAML: adminPassword (base64) and authRevision
for the chart's admin Secret (unless auth.existingSecret); when the chart makes the TLS
certificate, tlsCrt/tlsKey/caCrt (base64) and tlsRevision. Computed once per render and memoized
in .Values, so secret.yaml and the StatefulSet's pod annotations see the same random values.

Material of an existing release is reused via `lookup`, so upgrades keep the password and the
certificate. A revision is a random, non-secret token (nothing derived from the secret) stored as
the "datawarehouse/revision" annotation of its Secret and copied into the pod template: it is
kept while the Secret's content stays the same (same user name and password, or the reused
certificate) and made anew when it changes, so pods roll exactly on a credential change. Without
cluster access (helm template, lint, --dry-run) lookup returns nothing: fresh material and
revisions every render.
*/}}
{{- define "datawarehouse.generatedSecrets" -}}
{{- if not (hasKey .Values "__datawarehouseGenerated") }}
{{- $gen := dict }}
{{- $fullname := include "datawarehouse.fullname" . }}
{{- $revisionKey := include "datawarehouse.revisionAnnotation" . }}
{{- if not .Values.auth.existingSecret }}
{{- $key := .Values.auth.secretKeys.password }}
{{- $userKey := .Values.auth.secretKeys.username }}
{{- $old := lookup "v1" "Secret" .Release.Namespace (include "datawarehouse.secretName" .) }}
{{- $oldData := dict }}
{{- if and $old $old.data }}
{{- $oldData = $old.data }}
{{- end }}
{{- if .Values.auth.password }}
{{- $_ := set $gen "adminPassword" (.Values.auth.password | toString | b64enc) }}
{{- else if hasKey $oldData $key }}
{{- $_ := set $gen "adminPassword" (index $oldData $key) }}
{{- else }}
{{- $_ := set $gen "adminPassword" (randAlphaNum 32 | b64enc) }}
{{- end }}
{{- /* Compare what the Secret will hold with what it holds (both base64, never published). */}}
{{- $unchanged := and
      (eq (get $oldData $key | toString) $gen.adminPassword)
      (eq (get $oldData $userKey | toString) (.Values.auth.username | toString | b64enc)) }}
{{- $oldRevision := "" }}
{{- if and $old $old.metadata $old.metadata.annotations }}
{{- $oldRevision = get $old.metadata.annotations $revisionKey | toString }}
{{- end }}
{{- $_ := set $gen "authRevision" (ternary $oldRevision (randAlphaNum 16) (and $unchanged (ne $oldRevision ""))) }}
{{- end }}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) }}
{{- $old := lookup "v1" "Secret" .Release.Namespace (include "datawarehouse.tlsSecretName" .) }}
{{- if and $old $old.data (hasKey $old.data "tls.crt") (hasKey $old.data "tls.key") }}
{{- $_ := set $gen "tlsCrt" (index $old.data "tls.crt") }}
{{- $_ := set $gen "tlsKey" (index $old.data "tls.key") }}
{{- $_ := set $gen "caCrt" (index $old.data "ca.crt" | default "") }}
{{- $oldRevision := "" }}
{{- if and $old.metadata $old.metadata.annotations }}
{{- $oldRevision = get $old.metadata.annotations $revisionKey | toString }}
{{- end }}
{{- $_ := set $gen "tlsRevision" (default (randAlphaNum 16) $oldRevision) }}
{{- else }}
{{- $days := int .Values.tls.generatedValidityDays }}
{{- $svc := include "datawarehouse.serviceName" . }}
{{- $headless := include "datawarehouse.headlessServiceName" . }}
{{- $ns := .Release.Namespace }}
{{- $domain := .Values.clusterDomain }}
{{- $sans := list
      $svc
      (printf "%s.%s" $svc $ns)
      (printf "%s.%s.svc" $svc $ns)
      (printf "%s.%s.svc.%s" $svc $ns $domain)
      $headless
      (printf "%s.%s.svc" $headless $ns)
      (printf "%s.%s.svc.%s" $headless $ns $domain)
      (printf "*.%s.%s.svc" $headless $ns)
      (printf "*.%s.%s.svc.%s" $headless $ns $domain)
      "localhost" }}
{{- $ca := genCA (printf "%s-ca" $fullname) $days }}
{{- $cert := genSignedCert $svc (list "127.0.0.1") $sans $days $ca }}
{{- $_ := set $gen "tlsCrt" ($cert.Cert | b64enc) }}
{{- $_ := set $gen "tlsKey" ($cert.Key | b64enc) }}
{{- $_ := set $gen "caCrt" ($ca.Cert | b64enc) }}
{{- $_ := set $gen "tlsRevision" (randAlphaNum 16) }}
{{- end }}
{{- end }}
{{- $_ := set .Values "__datawarehouseGenerated" $gen }}
{{- end }}
{{- toYaml (get .Values "__datawarehouseGenerated") }}
{{- end }}

{{/* Annotation of the chart's Secrets holding their revision (see generatedSecrets). */}}
{{- define "datawarehouse.revisionAnnotation" -}}datawarehouse/revision{{- end }}
