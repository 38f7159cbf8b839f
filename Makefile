# Baton — the two commands of the quick start, plus the benchmark.
#   make demo   set up, build, validate the examples and run the daily revenue pipeline
#   make test   set up, build, and pass the tests
#   make integration  the platform adapters against real servers (Ray; installed from PyPI)
#   make bench  release build and benchmarks (numbers, not assertions)

SWIFT ?= swift
DATA ?= ./baton-data
BATON ?= .build/debug/baton
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: deps test-servers integration-servers build demo log-demo test integration bench bench-http bench-platforms protos clean

# liblmdb-dev is the one system library Baton needs (CLMDB links it through pkg-config).
deps:
	@if ! pkg-config --exists lmdb 2>/dev/null; then \
		echo "installing liblmdb-dev"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq liblmdb-dev pkg-config >/dev/null; \
	fi

# The real servers the tests talk to on 127.0.0.1, from PyPI into a virtualenv under .build:
# moto (AWS Secrets Manager in server mode). python3-venv comes from Debian when missing.
MOTO_VENV := .build/venvs/moto
test-servers:
	@if ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then \
		echo "installing python3-venv"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv >/dev/null; \
	fi
	@if [ ! -x $(MOTO_VENV)/bin/python ] || ! $(MOTO_VENV)/bin/python -c "import moto.server, boto3" >/dev/null 2>&1; then \
		echo "installing moto[server] into $(MOTO_VENV)"; \
		rm -rf $(MOTO_VENV) && python3 -m venv $(MOTO_VENV) && $(MOTO_VENV)/bin/pip install -q "moto[server]>=5,<6"; \
	fi

# The real platform servers of `make integration`, from PyPI: Ray (ray[default]: the dashboard and
# its Jobs API) and Airflow 3 (api-server, scheduler, dag-processor on SQLite). A failed install
# fails the target; nothing is skipped.
RAY_VENV := .build/venvs/ray
AIRFLOW_VENV := .build/venvs/airflow
integration-servers: test-servers
	@if [ ! -x $(RAY_VENV)/bin/ray ] || ! $(RAY_VENV)/bin/python -c "import ray.dashboard" >/dev/null 2>&1; then \
		echo "installing ray[default] into $(RAY_VENV)"; \
		rm -rf $(RAY_VENV) && python3 -m venv $(RAY_VENV) && $(RAY_VENV)/bin/pip install -q "ray[default]>=2.60,<3"; \
	fi
	@if [ ! -x $(AIRFLOW_VENV)/bin/airflow ] || ! $(AIRFLOW_VENV)/bin/python -c "import airflow.sdk" >/dev/null 2>&1; then \
		echo "installing apache-airflow into $(AIRFLOW_VENV)"; \
		rm -rf $(AIRFLOW_VENV) && python3 -m venv $(AIRFLOW_VENV) && $(AIRFLOW_VENV)/bin/pip install -q "apache-airflow>=3.1,<4"; \
	fi

build: deps
	$(SWIFT) build --product baton

# A fresh run ID each time, so every `make demo` is a new run of the pipeline (the same ID resumes).
DEMO_RUN := daily_revenue-$(shell date -u +%Y%m%dT%H%M%S)
# A dummy value for {{ secrets.pager_token }} (alert_owner). Baton keeps it out of the log and its
# output; the recipe line that sets it is silent (@) so make does not echo it either.
DEMO_SECRETS := BATON_SECRET_pager_token=demo-not-a-real-token

demo: build
	@echo "== validate the example workflows"
	$(BATON) validate Examples/*.yaml Examples/*.json
	@echo "== run the daily revenue pipeline on the process platform (log and attempts in $(DATA))"
	@rc=0; $(DEMO_SECRETS) $(BATON) run Examples/daily_revenue.yaml --data $(DATA) \
		--run-id $(DEMO_RUN) --param work_dir=$(DATA)/work || rc=$$?; \
	echo "== baton status --data $(DATA) $(DEMO_RUN)"; \
	$(BATON) status --data $(DATA) $(DEMO_RUN) && exit $$rc

# Appends a sample run to the durable log in $(DATA) and verifies its hash chain.
log-demo: build
	$(BATON) log-demo --data $(DATA)

test: deps test-servers
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The suites that need a real server (each starts it on 127.0.0.1 on first use and stops it when
# the test process ends); `make test` runs everything else, the loopback fakes included.
INTEGRATION_SUITES := RayPlatformTests|AirflowPlatformTests|RealPlatformRunTests
integration: deps integration-servers
	$(SWIFT) build --build-tests
	BATON_INTEGRATION=1 $(SWIFT) test --skip-build --filter '$(INTEGRATION_SUITES)'

bench-http: deps
	$(SWIFT) build -c release --product baton
	command -v wrk >/dev/null || apt-get install -y wrk
	Tools/http-bench.sh

# Each remote adapter under `baton run` against its loopback fake (numbers, not assertions).
bench-platforms: deps test-servers
	$(SWIFT) build -c release --product baton
	python3 Tools/platform-bench.py --tasks 1000 --seconds 10

bench: deps
	$(SWIFT) build -c release --product baton-bench
	$(SWIFT) build -c release --product lmdb-baseline
	.build/release/baton-bench log
	.build/release/baton-bench model
	.build/release/baton-bench engine
	.build/release/baton-bench claims

# Regenerates Sources/BatonEvents/events.pb.swift from Specs/events.proto (see the script).
protos:
	Tools/generate-protos.sh

clean:
	rm -rf .build $(DATA)
