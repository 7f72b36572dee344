#!/usr/bin/env bash
# Build the datawarehouse provider bindings: schema.json → cdktf provider generator (TypeScript,
# src/) → jsii (lib/, .jsii) → jsii-pacmak → npm tarball (dist/js) + Python wheel (dist/wheels).
# Offline once node_modules (npm ci) and the Python build deps (setuptools~=75.3, wheel) exist.
# Skips everything when no input changed since the last successful build (stamp file).
#
#   PYTHON=/path/to/python bash build.sh      # PYTHON must have setuptools~=75.3 + wheel
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON=${PYTHON:-python3}
export CHECKPOINT_DISABLE=1 JSII_SILENCE_SUPPORT_WARNING=1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export DISABLE_VERSION_CHECK=1
# @cdktf/commons runs `terraform version` when loaded; give it an empty CLI config of our own so
# it neither warns about a missing ~/.terraformrc (which this machine's env points at) nor reads one.
TF_CLI_CONFIG_FILE=$(mktemp); trap 'rm -f "$TF_CLI_CONFIG_FILE"' EXIT; export TF_CLI_CONFIG_FILE
# Reproducible archives: fixed timestamps (1980-01-01, the zip epoch) and a fixed umask.
export SOURCE_DATE_EPOCH=315532800
umask 022

inputs=(schema.json package.json package-lock.json generate.js build.sh README.md)
stamp=$(cat "${inputs[@]}" | sha256sum | cut -c1-32)
if [[ -f dist/.stamp && $(cat dist/.stamp) == "$stamp" ]] && compgen -G "dist/wheels/*.whl" >/dev/null \
   && compgen -G "dist/js/*.tgz" >/dev/null; then
  echo "bindings: up to date (schema unchanged): $(ls dist/wheels/*.whl dist/js/*.tgz | tr '\n' ' ')"
  exit 0
fi

t0=$(date +%s.%N)
lock_hash=$(sha256sum package-lock.json | cut -c1-32)
if [[ ! -f node_modules/.dw-lock-hash || $(cat node_modules/.dw-lock-hash) != "$lock_hash" ]]; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.dw-lock-hash
fi

rm -rf src lib dist .jsii tsconfig.json
node generate.js
npx --no-install jsii --silence-warnings=reserved-word
npx --no-install jsii-pacmak -t js
npx --no-install jsii-pacmak -t python --code-only --no-clean
"$PYTHON" -m pip wheel --quiet --no-deps --no-build-isolation dist/python -w dist/wheels
rm -rf dist/python/build
echo "$stamp" > dist/.stamp
echo "bindings: built in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")s: $(ls dist/wheels/*.whl dist/js/*.tgz | tr '\n' ' ')"
