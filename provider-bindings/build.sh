#!/usr/bin/env bash
# Build the cdktf bindings (npm tarball + Python wheel) of one or more provider directories.
#
#   PYTHON=/path/to/python bash provider-bindings/build.sh [DIR...]   # default: every provider dir
#
# A provider directory holds the inputs only: schema.json (`tofu providers schema -json` format),
# package.json (npm name, jsii Python target, `cdktf.provider` {name, source, versionConstraint}),
# package-lock.json and README.md. The recipe lives once, in recipe/: its build.sh and generate.js
# are rendered into each directory (provider name filled in; generated, not committed) and run
# there, so every package is built by the same steps and ships the recipe that built it. The
# rendered recipe skips the build when none of its inputs changed (stamp in dist/.stamp).
#
# Options, in package.json under `cdktf`:
#   "runtimeTypeChecking": false   the Python classes carry no runtime type checks (jsii-pacmak
#       --no-runtime-type-checking for the python target; the recipe is rendered with it, so the
#       package still ships the recipe that built it). For internal bindings only the constructs
#       call: each check costs typeguard calls per construct. Default (absent or true): checks on,
#       and the rendered recipe is byte-for-byte the one without the option.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The recipe runs inside the provider directory: a relative PYTHON path must not depend on that.
if [[ ${PYTHON:-} == */* && $PYTHON != /* ]]; then export PYTHON="$PWD/$PYTHON"; fi

dirs=("$@")
if [[ ${#dirs[@]} -eq 0 ]]; then
  for d in "$HERE"/*/; do
    [[ -f $d/schema.json && -f $d/package.json ]] && dirs+=("${d%/}")
  done
fi

render() {  # render TEMPLATE PROVIDER OUT MODE [PACMAK_PYTHON_OPTIONS]: write only when the content or mode changes
  local tmp
  tmp=$(mktemp)
  sed -e "s/@PROVIDER@/$2/g" -e "s/@PACMAK_PYTHON_OPTIONS@/${5:-}/g" "$1" > "$tmp"
  chmod "$4" "$tmp"  # npm packs the file mode: keep the recipe's (build.sh 0755, generate.js 0644)
  if [[ -f $3 ]] && cmp -s "$tmp" "$3" && [[ $(stat -c %a "$3") == "${4#0}" ]]; then rm -f "$tmp"; else mv "$tmp" "$3"; fi
}

for dir in "${dirs[@]}"; do
  dir=$(cd "$dir" && pwd)
  for f in schema.json package.json package-lock.json README.md; do
    [[ -f $dir/$f ]] || { echo "bindings: $dir has no $f (not a provider directory)" >&2; exit 1; }
  done
  name=$(node -p 'require(process.argv[1]).cdktf.provider.name' "$dir/package.json")
  [[ $name =~ ^[a-z0-9_-]+$ ]] || { echo "bindings: bad cdktf.provider.name '$name' in $dir/package.json" >&2; exit 1; }
  checks=$(node -p 'String(require(process.argv[1]).cdktf.runtimeTypeChecking)' "$dir/package.json")
  case $checks in
    undefined | true) py_options="" ;;
    false) py_options=" --no-runtime-type-checking" ;;
    *) echo "bindings: cdktf.runtimeTypeChecking must be true or false in $dir/package.json, not '$checks'" >&2; exit 1 ;;
  esac
  render "$HERE/recipe/build.sh.in" "$name" "$dir/build.sh" 0755 "$py_options"
  render "$HERE/recipe/generate.js.in" "$name" "$dir/generate.js" 0644
  echo "bindings: $name ($dir)"
  bash "$dir/build.sh"
done
