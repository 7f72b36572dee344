#!/usr/bin/env bash
# Build the verification tools (OpenTofu, helm, kustomize, the real provider binaries, a throwaway
# Kubernetes control plane) from Go modules
# into a per-user cache outside the repo, keyed by version. Idempotent: a tool already built (or on
# PATH at exactly the pinned version) is reused. Fails loudly when a build fails.
#
#   scripts/tools.sh            build what is missing, print a summary
#   scripts/tools.sh --env      print `export ...` lines for the built toolchain (eval-able)
#
# Pins: tools/versions.env. Cache: $DW_TOOLS_CACHE (default ~/.cache/dw-constructs/tools).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../tools/versions.env
. "$ROOT/tools/versions.env"
CACHE=${DW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dw-constructs/tools}
MIRROR="$CACHE/providers"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

TOFU_BIN="$CACHE/tofu/$TOFU_VERSION/tofu"
HELM_BIN="$CACHE/helm/$HELM_VERSION/helm"
KUSTOMIZE_BIN="$CACHE/kustomize/$KUSTOMIZE_VERSION/kustomize"
APISERVER_BIN="$CACHE/kube-apiserver/$KUBE_VERSION/kube-apiserver"
KCM_BIN="$CACHE/kube-controller-manager/$KUBE_VERSION/kube-controller-manager"
ETCD_BIN="$CACHE/etcd/$ETCD_VERSION/etcd"
# cdktf CLI (npm), keyed by its lockfile so a pin change installs a new copy.
CDKTF_KEY=$(cat "$ROOT/tools/cdktf-cli/package.json" "$ROOT/tools/cdktf-cli/package-lock.json" | sha256sum | cut -c1-16)
CDKTF_DIR="$CACHE/cdktf-cli/$CDKTF_KEY"
CDKTF_BIN="$CDKTF_DIR/node_modules/.bin/cdktf"
CLI_CONFIG="$CACHE/tofurc"

print_env() {
  cat <<EOF
export DW_TOOLS_CACHE="$CACHE"
export DW_TOFU="$TOFU_BIN"
export DW_HELM="$HELM_BIN"
export DW_CDKTF="$CDKTF_BIN"
export DW_KUSTOMIZE="$KUSTOMIZE_BIN"
export DW_KUBE_APISERVER="$APISERVER_BIN"
export DW_KUBE_CONTROLLER_MANAGER="$KCM_BIN"
export DW_ETCD="$ETCD_BIN"
export TERRAFORM_BINARY_NAME="$TOFU_BIN"
export TF_CLI_CONFIG_FILE="$CLI_CONFIG"
export TF_PLUGIN_CACHE_DIR="$CACHE/plugin-cache"
export CHECKPOINT_DISABLE=1
EOF
}

if [[ ${1:-} == --env ]]; then print_env; exit 0; fi

mkdir -p "$CACHE" "$MIRROR" "$CACHE/plugin-cache"
exec 9>"$CACHE/.lock"
flock 9   # one build at a time per cache (CI and a developer shell may race)

BUILT=()
now() { date +%s; }

# build_step NAME TARGET FUNC [ARGS...]: run FUNC ARGS unless TARGET exists; report the time.
build_step() {
  local name=$1 target=$2 fn=$3 t0; shift 3
  if [[ -x $target ]]; then echo "tools: $name cached at $target"; return; fi
  t0=$(now)
  echo "tools: building $name (this takes minutes on a cold cache) ..."
  local log="$CACHE/build-$name.log"
  # Run in the background and wait: a function called as `if ! fn` runs with errexit disabled
  # inside (bash), so a failing step would not stop it; an asynchronous command keeps set -e.
  "$fn" "$@" >"$log" 2>&1 &
  if ! wait $!; then
    echo "tools: FAILED to build $name; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  [[ -x $target ]] || { echo "tools: $name build produced no $target" >&2; exit 1; }
  BUILT+=("$name $(( $(now) - t0 ))s")
  echo "tools: built $name in $(( $(now) - t0 ))s"
}

# A tool on PATH is used only when its version matches the pin exactly.
adopt_from_path() {
  local cmd=$1 want=$2 target=$3 got
  command -v "$cmd" >/dev/null 2>&1 || return 0
  [[ -x $target ]] && return 0
  got=$("$cmd" version 2>/dev/null | head -n1 || true)
  if [[ $got == *"$want"* ]]; then
    mkdir -p "$(dirname "$target")"; ln -sf "$(command -v "$cmd")" "$target"
    echo "tools: using $cmd from PATH ($got)"
  fi
}

# Each build runs in a subshell ( ... ) so its temp dir and cd stay local to it.
build_tofu() (
  w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
  cd "$w"
  cat >go.mod <<EOF
module example.invalid/build-tofu

go $TOFU_GO

godebug (
	tlsmlkem=0
	winsymlink=0
)

replace $TOFU_HCL_REPLACE
EOF
  go get -tool "github.com/opentofu/opentofu/cmd/tofu@v$TOFU_VERSION"
  mkdir -p "$(dirname "$TOFU_BIN")"
  go build -trimpath -ldflags "-s -w -X 'github.com/opentofu/opentofu/version.dev=no'" \
    -o "$TOFU_BIN.tmp" github.com/opentofu/opentofu/cmd/tofu
  "$TOFU_BIN.tmp" version | grep -q "OpenTofu v$TOFU_VERSION"
  mv "$TOFU_BIN.tmp" "$TOFU_BIN"
)

build_helm() (
  w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
  local k="-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$HELM_KMIN"
  k="$k -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$HELM_KMIN"
  GOBIN="$w" go install -trimpath -ldflags "-s -w \
    -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
    -X helm.sh/helm/v3/internal/version.gitTreeState=clean $k" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  "$w/helm" version --short | grep -q "^$HELM_VERSION"
  mkdir -p "$(dirname "$HELM_BIN")"; mv "$w/helm" "$HELM_BIN"
)

# Schema-serving provider binaries (tools/dwprovider): each serves one provider schema JSON (the
# `providers schema -json` format) over plugin protocol 6, so `tofu init/validate` check
# configurations against the real schema, and plan offline; they cannot apply. See tools/dwprovider/README.md.
DWP_SRC="$ROOT/tools/dwprovider"

# build_schema_provider SOURCE SCHEMA META OUT: build dwprovider with SCHEMA (and META, or `{}`
# when META is empty) embedded, check that it serves SOURCE (namespace/type), write OUT.
build_schema_provider() {
  local source=$1 schema=$2 meta=$3 out=$4 w rc=0; w=$(mktemp -d)
  # //go:embed cannot reach outside the module, so build a copy with the two JSON files in it.
  # (No RETURN trap: it would outlive this function and fire in the callers, where w is unset.)
  mkdir -p "$(dirname "$out")" &&
    cp "$DWP_SRC"/*.go "$DWP_SRC"/go.mod "$DWP_SRC"/go.sum "$w/" &&
    cp "$schema" "$w/schema.json" &&
    if [[ -n $meta ]]; then cp "$meta" "$w/schema.meta.json"; else echo '{}' >"$w/schema.meta.json"; fi &&
    (cd "$w" && go build -trimpath -ldflags "-s -w" -o "$out.tmp" .) &&
    "$out.tmp" -check | tee "$w/check.txt" &&   # the embedded schema and meta load and convert
    grep -q "^ok: [^ ]*/$source (protocol 6)" "$w/check.txt" &&   # ... for the provider we register
    mv "$out.tmp" "$out" || { rc=$?; rm -f "$out.tmp"; }
  rm -rf "$w"
  return "$rc"
}

# schema_provider SOURCE VERSION SCHEMA [META]: build (cached by the content hash of the schema,
# the meta file and the dwprovider sources) and link the binary into the mirror for both hosts.
schema_provider() {
  local source=$1 version=$2 schema=$3 meta=${4:-} type=${1#*/} key bin host d f
  for f in "$schema" ${meta:+"$meta"}; do
    [[ -f $f ]] || { echo "tools: $f (schema for $source) is missing" >&2; exit 1; }
  done
  key=$({ sha256sum "$schema" "$DWP_SRC"/*.go "$DWP_SRC"/go.mod "$DWP_SRC"/go.sum | cut -d' ' -f1
          if [[ -n $meta ]]; then sha256sum "$meta" | cut -d' ' -f1; else echo "no meta"; fi
        } | sha256sum | cut -c1-16)
  bin="$CACHE/dwprovider/$key/terraform-provider-$type"
  build_step "$type-provider-$key" "$bin" build_schema_provider "$source" "$schema" "$meta" "$bin"
  for host in registry.opentofu.org registry.terraform.io; do
    d="$MIRROR/$host/$source/$version/linux_amd64"
    mkdir -p "$d"
    ln -sfn "$bin" "$d/terraform-provider-${type}_v$version"
  done
  # Older builds of the same provider (previous schema or source) are no longer linked: drop them.
  for f in "$CACHE"/dwprovider/*/"terraform-provider-$type"; do
    [[ $f == "$bin" || ! -e $f ]] || rm -rf "$(dirname "$f")"
  done
}

adopt_from_path tofu "OpenTofu v$TOFU_VERSION" "$TOFU_BIN"
adopt_from_path helm "$HELM_VERSION" "$HELM_BIN"
build_step "tofu-$TOFU_VERSION" "$TOFU_BIN" build_tofu
build_step "helm-$HELM_VERSION" "$HELM_BIN" build_helm

# One after another: each go build uses all cores, and the later ones reuse the Go build cache.
schema_provider datawarehouse/datawarehouse "$DW_PROVIDER_VERSION" \
  "$ROOT/provider-bindings/datawarehouse/schema.json" "$ROOT/provider-bindings/datawarehouse/schema.meta.json"
# --- The real hashicorp/kubernetes, hashicorp/helm and deltastreaminc/deltastream providers -------
# The Go module proxy refuses these modules (HTTP 403), so they are built from source archives of the
# upstream tags (sha256-pinned in tools/versions.env). Where the archives come from:
#   $DW_PROVIDER_SOURCES   a directory holding the *-src.tar.xz archives named in versions.env;
#                          default: ../shared/upstream/providers beside the repository, if present.
# Where the public registry is reachable, fill the mirror with `tofu providers mirror` instead
# (README, "Provider mirror"); this script then finds the providers there and builds nothing.
PROVIDER_SOURCES=${DW_PROVIDER_SOURCES:-$ROOT/../shared/upstream/providers}

# verified_archive NAME SHA256: path of the archive, after checking its checksum.
verified_archive() {
  local f="$PROVIDER_SOURCES/$1" got
  [[ -f $f ]] || { echo "tools: provider source archive $f not found. Set DW_PROVIDER_SOURCES to the" \
    "directory holding it, or fill the mirror $MIRROR from the public registry (README, 'Provider mirror')." >&2
    return 1; }
  got=$(sha256sum "$f" | cut -d' ' -f1)
  [[ $got == "$2" ]] || { echo "tools: $f: sha256 $got, expected $2 (tools/versions.env)" >&2; return 1; }
  echo "$f"
}

# build_real_provider OUT ARCHIVE SHA256 VERSION_VAR VERSION [REPLACE_MODULE ARCHIVE SHA256]: unpack
# the upstream module, optionally point a dependency at a second verified archive, build OUT.
build_real_provider() (
  local out=$1 archive=$2 sha=$3 vvar=$4 version=$5 w src
  w=$(mktemp -d); trap 'chmod -R u+w "$w"; rm -rf "$w"' EXIT
  src=$(verified_archive "$archive" "$sha")
  mkdir "$w/src" && tar -xJf "$src" -C "$w/src"
  if [[ $# -ge 8 ]]; then
    local dep; dep=$(verified_archive "$7" "$8")
    mkdir "$w/dep" && tar -xJf "$dep" -C "$w/dep"
    (cd "$w/src" && go mod edit -replace "$6=../dep")
  fi
  mkdir -p "$(dirname "$out")"
  (cd "$w/src" && go build -trimpath -ldflags "-s -w -X main.$vvar=$version" -o "$out.tmp" .)
  mv "$out.tmp" "$out"
)

# real_provider SOURCE VERSION ARCHIVE SHA256 VERSION_VAR [REPLACE_MODULE ARCHIVE SHA256]: build (cached
# by version and archive checksums) and link into the mirror for both registry hosts.
real_provider() {
  local source=$1 version=$2 type=${1#*/} host d key bin f
  key=$(echo "${@:3}" | sha256sum | cut -c1-12)
  bin="$CACHE/provider-builds/$source/$version-$key/terraform-provider-${type}_v$version"
  # Filled from the public registry (`tofu providers mirror`, packed or unpacked): nothing to build.
  if [[ ! -x $bin ]] && compgen -G "$MIRROR/registry.*/$source/terraform-provider-${type}_${version}_linux_amd64.zip" >/dev/null; then
    echo "tools: $source $version found in the mirror (registry package)"; return 0
  fi
  build_step "$type-provider-$version" "$bin" build_real_provider "$bin" "${@:3}"
  for host in registry.opentofu.org registry.terraform.io; do
    d="$MIRROR/$host/$source/$version/linux_amd64"
    mkdir -p "$d"
    ln -sfn "$bin" "$d/terraform-provider-${type}_v$version"
  done
  for f in "$CACHE"/provider-builds/"$source"/*/; do   # other builds of this provider: unused now
    [[ ${f%/} == "$(dirname "$bin")" ]] || rm -rf "$f"
  done
  for f in "$CACHE"/dwprovider/*/; do   # the retired schema-serving stand-ins of this provider
    if [[ -e $f/terraform-provider-$type || -z $(ls -A "$f") ]]; then rm -rf "$f"; fi
  done
}

real_provider hashicorp/kubernetes "$K8S_PROVIDER_VERSION" \
  "terraform-provider-kubernetes-$K8S_PROVIDER_VERSION-src.tar.xz" "$K8S_PROVIDER_SRC_SHA256" Version "$K8S_PROVIDER_VERSION"
real_provider hashicorp/helm "$HELM_PROVIDER_VERSION" \
  "terraform-provider-helm-$HELM_PROVIDER_VERSION-src.tar.xz" "$HELM_PROVIDER_SRC_SHA256" Version "$HELM_PROVIDER_VERSION"
real_provider deltastreaminc/deltastream "$DELTASTREAM_PROVIDER_VERSION" \
  "terraform-provider-deltastream-$DELTASTREAM_PROVIDER_VERSION-src.tar.xz" "$DELTASTREAM_PROVIDER_SRC_SHA256" \
  version "$DELTASTREAM_PROVIDER_VERSION" \
  github.com/deltastreaminc/go-deltastream "go-deltastream-$GO_DELTASTREAM_REV-src.tar.xz" "$GO_DELTASTREAM_SRC_SHA256"

build_kustomize() (
  w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
  GOBIN="$w" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
  "$w/kustomize" version | grep -q "$KUSTOMIZE_VERSION"
  mkdir -p "$(dirname "$KUSTOMIZE_BIN")"; mv "$w/kustomize" "$KUSTOMIZE_BIN"
)
build_step "kustomize-$KUSTOMIZE_VERSION" "$KUSTOMIZE_BIN" build_kustomize

# kube-apiserver and kube-controller-manager (same module, same wrapper; the controller manager runs
# the namespace and garbage-collector controllers, so namespace deletion and cascades complete).
# k8s.io/kubernetes has replace directives, so `go install` is impossible: a wrapper module copies
# upstream's go/godebug lines and points each staging module at its published v0.X.Y version.
build_kube_component() (
  local cmd=$1 bin=$2
  w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
  cd "$w"
  local staging=v0.${KUBE_VERSION#v1.} m p ldf="-s -w"
  {
    printf 'module example.invalid/build-%s\n\ngo %s\n\n' "$cmd" "$KUBE_GO"
    printf 'godebug default=%s\n\nreplace (\n' "$KUBE_GODEBUG"
    for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider \
             cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api \
             cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms \
             kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics \
             mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller; do
      printf '\tk8s.io/%s => k8s.io/%s %s\n' "$m" "$m" "$staging"
    done
    printf ')\n'
  } >go.mod
  go get -tool "k8s.io/kubernetes/cmd/$cmd@$KUBE_VERSION"
  # Version stamps as hack/lib/version.sh sets them (else /version says v0.0.0-master).
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldf="$ldf -X $p.gitVersion=$KUBE_VERSION -X $p.gitCommit=$KUBE_GIT_COMMIT -X $p.gitTreeState=clean"
    ldf="$ldf -X $p.buildDate=$KUBE_BUILD_DATE -X $p.gitMajor=1 -X $p.gitMinor=$(cut -d. -f2 <<<"$KUBE_VERSION")"
  done
  mkdir -p "$(dirname "$bin")"
  # -pgo=off: the default.pgo profile makes the build much slower; irrelevant for tests.
  go build -trimpath -pgo=off -ldflags "$ldf" -o "$bin.tmp" "k8s.io/kubernetes/cmd/$cmd"
  "$bin.tmp" --version | grep -qx "Kubernetes $KUBE_VERSION"
  mv "$bin.tmp" "$bin"
)

# go.etcd.io/etcd/server/v3 has replaces too, but they only point at sibling modules it already
# requires at the same version (and two guards), so the wrapper needs none.
build_etcd() (
  w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
  cd "$w"
  printf 'module example.invalid/build-etcd\n\ngo %s\n' "$ETCD_GO" >go.mod
  go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  mkdir -p "$(dirname "$ETCD_BIN")"
  go build -trimpath -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_GIT_SHA" \
    -o "$ETCD_BIN.tmp" go.etcd.io/etcd/server/v3
  "$ETCD_BIN.tmp" --version | grep -qx "etcd Version: ${ETCD_VERSION#v}"
  mv "$ETCD_BIN.tmp" "$ETCD_BIN"
)

build_step "etcd-$ETCD_VERSION" "$ETCD_BIN" build_etcd
build_step "kube-apiserver-$KUBE_VERSION" "$APISERVER_BIN" build_kube_component kube-apiserver "$APISERVER_BIN"
build_step "kube-controller-manager-$KUBE_VERSION" "$KCM_BIN" build_kube_component kube-controller-manager "$KCM_BIN"

build_cdktf_cli() (
  mkdir -p "$CDKTF_DIR"
  cp "$ROOT/tools/cdktf-cli/package.json" "$ROOT/tools/cdktf-cli/package-lock.json" "$CDKTF_DIR/"
  cd "$CDKTF_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  "$CDKTF_BIN" --version
)
build_step "cdktf-cli-$CDKTF_KEY" "$CDKTF_BIN" build_cdktf_cli

# CLI config: only the filesystem mirror, never the network.
cat >"$CLI_CONFIG.tmp" <<EOF
# Generated by scripts/tools.sh: providers come only from the local mirror.
provider_installation {
  filesystem_mirror {
    path    = "$MIRROR"
    include = ["registry.opentofu.org/*/*", "registry.terraform.io/*/*"]
  }
}
EOF
mv "$CLI_CONFIG.tmp" "$CLI_CONFIG"

echo "tools: ready in $CACHE ($(du -sh "$CACHE" 2>/dev/null | cut -f1)); built this run: ${BUILT[*]:-nothing}"
