{{/*
Upgrade guard: Kubernetes allows a StatefulSet's replicas, template, updateStrategy,
persistentVolumeClaimRetentionPolicy and minReadySeconds to change, nothing else. A value that
changes another field (serviceName, selector, volumeClaimTemplates) would make `helm upgrade` fail
half-way with the API server's bare "spec: Forbidden: updates to statefulset spec for fields other
than ...". Instead, on upgrade, compare the values with the live StatefulSet (lookup) and fail
before anything is applied, naming each value (old → new) and what to do. Without cluster access
(helm template, lint, --dry-run=client) lookup returns nothing and rendering proceeds.
*/}}
{{- define "datawarehouse.checkImmutableFields" -}}
{{- if .Release.IsUpgrade }}
{{- $fullname := include "datawarehouse.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- $live := lookup "apps/v1" "StatefulSet" $ns $fullname }}
{{- if and $live $live.spec }}
{{- $problems := list }}
{{- $orphan := printf "kubectl -n %s delete statefulset %s --cascade=orphan" $ns $fullname }}
{{- $again := printf "delete the StatefulSet while keeping its pods and claims (%s), then run the upgrade again" $orphan }}

{{- /* Mode: the governing Service is the headless one only when clustered. */}}
{{- $liveService := $live.spec.serviceName | default "" | toString }}
{{- $service := include "datawarehouse.governingServiceName" . }}
{{- if ne $liveService $service }}
{{- $wasClustered := eq $liveService (include "datawarehouse.headlessServiceName" .) }}
{{- if ne $wasClustered .Values.clustering.enabled }}
{{- $problems = append $problems (printf "clustering.enabled: %v → %v (the StatefulSet's serviceName %s → %s). Single-node and clustered mode cannot be switched in place: install a new release in the new mode and move the data to it (chart README, \"Upgrading\")." $wasClustered .Values.clustering.enabled $liveService $service) }}
{{- else }}
{{- $problems = append $problems (printf "the StatefulSet's serviceName: %s → %s; %s." $liveService $service $again) }}
{{- end }}
{{- end }}

{{- /* Selector: only nameOverride (with a fixed fullnameOverride) can change it. */}}
{{- $liveSelector := dict }}
{{- if $live.spec.selector }}
{{- $liveSelector = $live.spec.selector.matchLabels | default dict }}
{{- end }}
{{- $selector := include "datawarehouse.selectorLabels" . | fromYaml }}
{{- if ne (toJson $liveSelector) (toJson $selector) }}
{{- $problems = append $problems (printf "the pod selector (nameOverride): %s → %s. Keep nameOverride as it was: the existing pods' labels would no longer match (a new name is a new release)." (toJson $liveSelector) (toJson $selector)) }}
{{- end }}

{{- /* Data volumes: the claim template "data". */}}
{{- $liveClaim := dict }}
{{- range ($live.spec.volumeClaimTemplates | default list) }}
{{- if eq (.metadata.name | toString) "data" }}
{{- $liveClaim = . }}
{{- end }}
{{- end }}
{{- $wasPersistent := not (empty $liveClaim) }}
{{- if ne $wasPersistent .Values.persistence.enabled }}
{{- $problems = append $problems (printf "persistence.enabled: %v → %v (volumeClaimTemplates). Data volumes cannot be added to or removed from a StatefulSet in place; %s (the pods restart on the new kind of volume and do not carry their data over)." $wasPersistent .Values.persistence.enabled $again) }}
{{- else if $wasPersistent }}
{{- $spec := $liveClaim.spec | default dict }}

{{- $liveSize := "" }}
{{- if and $spec.resources $spec.resources.requests }}
{{- $liveSize = get $spec.resources.requests "storage" | toString }}
{{- end }}
{{- $size := .Values.storage.size | toString }}
{{- if and (ne $liveSize $size) (ne $liveSize "") }}
{{- $a := include "datawarehouse.quantityBytes" $liveSize | float64 }}
{{- $b := include "datawarehouse.quantityBytes" $size | float64 }}
{{- if gt (subf (maxf $a $b) (minf $a $b)) (mulf (maxf $a $b) 0.000000001) }}
{{- if gt $b $a }}
{{- $problems = append $problems (printf "storage.size: %s → %s (volumeClaimTemplates). To grow the data volumes, expand each claim in place (the StorageClass must allow volume expansion): kubectl -n %s patch pvc data-%s-<i> -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"%s\"}}}}' for every pod <i>; then %s." $liveSize $size $ns $fullname $size $again) }}
{{- else }}
{{- $problems = append $problems (printf "storage.size: %s → %s (volumeClaimTemplates). Volumes cannot shrink: keep storage.size at %s, or install a new release with the smaller size and move the data to it." $liveSize $size $liveSize) }}
{{- end }}
{{- end }}
{{- end }}

{{- /* storageClassName: absent = "" (default class), "" = "-" (none), else the class. */}}
{{- $liveClass := "" }}
{{- if hasKey $spec "storageClassName" }}
{{- $liveClass = $spec.storageClassName | default "-" | toString }}
{{- end }}
{{- $class := .Values.storage.storageClass | toString }}
{{- if ne $liveClass $class }}
{{- $problems = append $problems (printf "storage.storageClass: %q → %q (volumeClaimTemplates). Existing claims keep their class; to move the data to the new class, install a new release with it and copy the data over; to use it only for claims created from now on (new pods), %s." $liveClass $class $again) }}
{{- end }}

{{- $liveModes := $spec.accessModes | default list }}
{{- if ne (toJson $liveModes) (toJson .Values.persistence.accessModes) }}
{{- $problems = append $problems (printf "persistence.accessModes: %s → %s (volumeClaimTemplates). Existing claims keep their access modes; %s (only claims of new pods get the new modes)." (toJson $liveModes) (toJson .Values.persistence.accessModes) $again) }}
{{- end }}

{{- $liveAnnotations := dict }}
{{- if $liveClaim.metadata }}
{{- $liveAnnotations = $liveClaim.metadata.annotations | default dict }}
{{- end }}
{{- if ne (toJson $liveAnnotations) (toJson (.Values.persistence.annotations | default dict)) }}
{{- $problems = append $problems (printf "persistence.annotations: %s → %s (volumeClaimTemplates). Annotate the existing claims with kubectl; %s." (toJson $liveAnnotations) (toJson (.Values.persistence.annotations | default dict)) $again) }}
{{- end }}
{{- end }}

{{- if $problems }}
{{- fail (printf "release %q would change immutable fields of its StatefulSet %s/%s, which Kubernetes cannot update in place; nothing was changed:\n  - %s" .Release.Name $ns $fullname (join "\n  - " $problems)) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A storage quantity ("100Gi", "1.5T", "512") in bytes, as a float: the API server stores claim
sizes in canonical form ("1024Mi" comes back as "1Gi"), so sizes are compared by value.
*/}}
{{- define "datawarehouse.quantityBytes" -}}
{{- $q := toString . }}
{{- $suffix := regexFind "[a-zA-Z]+$" $q }}
{{- $factors := dict
      "" 1.0 "m" 0.001
      "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "P" 1000000000000000.0
      "E" 1000000000000000000.0
      "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0
      "Ei" 1152921504606846976.0 }}
{{- if not (hasKey $factors $suffix) }}
{{- fail (printf "unsupported storage quantity %q" $q) }}
{{- end }}
{{- mulf (float64 (trimSuffix $suffix $q)) (get $factors $suffix) }}
{{- end }}
