#!/usr/bin/env bash
# Build the verification tools (OpenTofu, helm, provider binaries) from Go modules into a
# per-user cache outside the repo, keyed by version. Idempotent: a tool already built (or on
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
DW_PROVIDER_DIR="datawarehouse/datawarehouse/$DW_PROVIDER_VERSION/linux_amd64"
CLI_CONFIG="$CACHE/tofurc"

print_env() {
  cat <<EOF
export DW_TOOLS_CACHE="$CACHE"
export DW_TOFU="$TOFU_BIN"
export DW_HELM="$HELM_BIN"
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

# build_step NAME TARGET FUNC: run FUNC unless TARGET exists; report the time it took.
build_step() {
  local name=$1 target=$2 fn=$3 t0
  if [[ -x $target ]]; then echo "tools: $name cached at $target"; return; fi
  t0=$(now)
  echo "tools: building $name (this takes minutes on a cold cache) ..."
  local log="$CACHE/build-$name.log"
  if ! "$fn" >"$log" 2>&1; then
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

# Our datawarehouse provider binary: serves provider-bindings/datawarehouse/schema.json over the
# plugin protocol so `tofu init/validate` check configurations against the real schema. Keyed by
# the schema's hash so a schema change rebuilds it.
SCHEMA="$ROOT/provider-bindings/datawarehouse/schema.json"
build_dwprovider() {
  local out="$1" w rc=0; w=$(mktemp -d)
  # //go:embed cannot reach outside the module, so build a copy with the two JSON files in it.
  # (No RETURN trap: it would outlive this function and fire in the callers, where w is unset.)
  cp -R "$ROOT/tools/dwprovider/." "$w/" &&
    cp "$SCHEMA" "$ROOT/provider-bindings/datawarehouse/schema.meta.json" "$w/" &&
    (cd "$w" && go build -trimpath -ldflags "-s -w" -o "$out.tmp" .) &&
    "$out.tmp" -check &&   # the embedded schema and meta load and convert
    mv "$out.tmp" "$out" || rc=$?
  rm -rf "$w"
  return "$rc"
}

adopt_from_path tofu "OpenTofu v$TOFU_VERSION" "$TOFU_BIN"
adopt_from_path helm "$HELM_VERSION" "$HELM_BIN"
build_step "tofu-$TOFU_VERSION" "$TOFU_BIN" build_tofu
build_step "helm-$HELM_VERSION" "$HELM_BIN" build_helm

if [[ -f $SCHEMA ]]; then
  key=$(cat "$SCHEMA" "${SCHEMA%.json}.meta.json" "$ROOT"/tools/dwprovider/*.go "$ROOT"/tools/dwprovider/go.{mod,sum} | sha256sum | cut -c1-16)
  DW_BIN="$CACHE/dwprovider/$key/terraform-provider-datawarehouse"
  build_dwprovider_keyed() { mkdir -p "$(dirname "$DW_BIN")"; build_dwprovider "$DW_BIN"; }
  build_step "datawarehouse-provider-$key" "$DW_BIN" build_dwprovider_keyed
  for host in registry.opentofu.org registry.terraform.io; do
    d="$MIRROR/$host/$DW_PROVIDER_DIR"
    mkdir -p "$d"
    ln -sfn "$DW_BIN" "$d/terraform-provider-datawarehouse_v$DW_PROVIDER_VERSION"
  done
fi

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
