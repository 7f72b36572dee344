#!/usr/bin/env bash
# Idempotent set-up of everything the Python side needs: .venv, the generated provider bindings
# (npm ci + generator + jsii + pacmak per provider, skipped when its schema is unchanged) and the project
# installed editable with its dev extras. Safe to run any number of times.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV=${VENV:-$ROOT/.venv}
PY="$VENV/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [[ ! -x $PY ]]; then
  python3 -m venv "$VENV"
fi
stamp_of() { cat "$@" | sha256sum | cut -c1-32; }

# 1. Build deps of the wheels (pinned like jsii-pacmak 1.126's requirements-dev.txt).
if ! "$PY" -c 'import setuptools, wheel, sys; sys.exit(not setuptools.__version__.startswith("75.3."))' 2>/dev/null; then
  "$PY" -m pip install --quiet "setuptools~=75.3.2" wheel
fi

# 2. Provider bindings of every provider directory (datawarehouse: our schema; deltastream: the
#    schema extracted from the real provider; kubernetes, helm: the real provider's schema, only the
#    types the constructs emit; terraform: OpenTofu's built-in provider, only terraform_data), one
#    shared recipe; each a no-op when unchanged.
PROVIDERS=(provider-bindings/datawarehouse provider-bindings/deltastream provider-bindings/kubernetes
           provider-bindings/helm provider-bindings/terraform)
PYTHON="$PY" bash provider-bindings/build.sh "${PROVIDERS[@]}"

# 3. The project (editable) + the bindings wheels; reinstalled only when an input changed.
WHEELS=()
for p in "${PROVIDERS[@]}"; do WHEELS+=("$p"/dist/wheels/*.whl); done
want=$(stamp_of pyproject.toml "${WHEELS[@]}")
if [[ ! -f $VENV/.dw-install-stamp || $(cat "$VENV/.dw-install-stamp") != "$want" ]]; then
  "$PY" -m pip install --quiet --force-reinstall --no-deps "${WHEELS[@]}"
  "$PY" -m pip install --quiet $(printf -- '--find-links %s/dist/wheels ' "${PROVIDERS[@]}") -e ".[dev]"
  echo "$want" > "$VENV/.dw-install-stamp"
fi
echo "bootstrap: ready ($VENV)"
