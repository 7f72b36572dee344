# dw-constructs: the two entry points are `make synth` (main job) and `make test` (whole suite).
# Both set up what they need (virtualenv, npm packages, generated bindings, tools) idempotently.
SHELL := /bin/bash
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_SUPPORT_WARNING := 1
export CHECKPOINT_DISABLE := 1
export DISABLE_VERSION_CHECK := 1
PY := .venv/bin/python
PYTEST_ARGS ?=

.PHONY: synth test tools bootstrap bindings bench clean

## Main job: synthesize the default example into cdktf.out/ and print where the JSON is.
synth: bootstrap
	$(PY) examples/single_node/main.py

## Whole test suite with the real tools (OpenTofu, helm, provider binaries), after the type
## checker (mypy --strict on dw_constructs) and the linter/formatter check (ruff), both
## configured in pyproject.toml.
test: bootstrap tools
	.venv/bin/mypy
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
	eval "$$(bash scripts/tools.sh --env)" && $(PY) -m pytest $(PYTEST_ARGS)

bootstrap:
	bash scripts/bootstrap.sh

## Build the provider bindings (wheel + npm tarball per provider) from the schemas; no-op when unchanged.
bindings:
	bash scripts/bootstrap.sh

## OpenTofu, helm and provider binaries into ~/.cache/dw-constructs/tools (no-op when cached).
tools:
	bash scripts/tools.sh

## Performance against same-run baselines (benchmarks/): in-process ratios, then whole processes (ours
## vs the cdktf core floor vs the prebuilt provider packages: CNPG apply example, 1..1000
## DataWarehouseClusters; writes benchmarks/RESULTS.md and scaling.png). Exits non-zero on a missed
## target. About 8 minutes on 2 cores; BENCH_ARGS="--runs 3 --sizes 1,10,100" for a quicker run.
BENCH_ARGS ?=
bench: bootstrap
	$(PY) benchmarks/bench_constructs.py; a=$$?; $(PY) benchmarks/bench_process.py $(BENCH_ARGS); b=$$?; exit $$((a || b))

clean:
	rm -rf cdktf.out .pytest_cache provider-bindings/*/{src,lib,dist,.jsii,tsconfig.json}
