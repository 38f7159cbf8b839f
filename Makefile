# Baton — the two commands of the quick start, plus the benchmark.
#   make demo   set up, build, and run the demo on the embedded default
#   make test   set up, build, and pass the tests
#   make bench  release build and benchmarks (numbers, not assertions)

SWIFT ?= swift
DATA ?= ./baton-data
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: deps build demo test bench protos clean

# liblmdb-dev is the one system library Baton needs (CLMDB links it through pkg-config).
deps:
	@if ! pkg-config --exists lmdb 2>/dev/null; then \
		echo "installing liblmdb-dev"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq liblmdb-dev pkg-config >/dev/null; \
	fi

build: deps
	$(SWIFT) build --product baton

demo: build
	@echo "== validate the example workflows"
	.build/debug/baton validate Examples/*.yaml
	@echo "== append a sample run to the durable log in $(DATA) and verify its hash chain"
	.build/debug/baton log-demo --data $(DATA)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: deps
	$(SWIFT) build -c release --product baton-bench
	$(SWIFT) build -c release --product lmdb-baseline
	.build/release/baton-bench log
	.build/release/baton-bench model

# Regenerates Sources/BatonEvents/events.pb.swift from Specs/events.proto (see the script).
protos:
	Tools/generate-protos.sh

clean:
	rm -rf .build $(DATA)
