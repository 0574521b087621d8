# Tether — the two commands: `make run` and `make test`. Everything else is a helper of those.
SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 20

.PHONY: all deps build ui run test unit-test web-test check-includes integration-test e2e-test \
        asan-test fuzz-test bench clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

ui: deps
	cd web && npm run --silent build

build: deps ui $(BUILD)/build.ninja
	ninja -C $(BUILD) -j $(JOBS)

# Starts tetherd in the foreground with its data under ./var (certificate generated there,
# one-time setup link printed on first start).
run: build
	$(BUILD)/bin/tetherd --data-dir ./var $(ARGS)

test: build
	@scripts/run-tests

unit-test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

web-test: deps
	cd web && npm test --silent

check-includes:
	@scripts/check-includes

integration-test: build
	node --test --test-concurrency=1 tests/integration/

e2e-test: build
	node --test --test-concurrency=1 tests/e2e/

asan-test: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTETHER_SANITIZE=ON
	ninja -C $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)
	TETHER_BUILD_DIR=$(CURDIR)/$(ASAN_BUILD) node --test --test-concurrency=1 tests/integration/

fuzz-test: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DTETHER_FUZZ=ON
	ninja -C $(FUZZ_BUILD) -j $(JOBS) fuzz_targets
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/run-fuzzers $(FUZZ_BUILD)

bench: build
	bench/run-all $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) web/dist
