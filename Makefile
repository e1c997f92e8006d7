# yocoprof: set-up, build, test and the main job on a fresh Debian machine.
#   make run    install system libraries if missing, build (release), run the main job
#   make test   install system libraries if missing, build, run every test

SWIFT ?= swift
BIN_RELEASE := .build/release/yocoprof
# Select OpenBLAS's AVX-512 kernels before the library loads (see scripts/openblas-coretype.sh).
CORETYPE := $(shell scripts/openblas-coretype.sh)
ifneq ($(CORETYPE),)
export OPENBLAS_CORETYPE := $(CORETYPE)
endif

.PHONY: run test deps build build-debug clean report

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product yocoprof

build-debug: deps
	$(SWIFT) build --build-tests

# The main job: the memory and capacity report for the paper's 3B and 65B pairs.
run: build
	@scripts/main-report.sh $(BIN_RELEASE)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2
	@echo "baseline check against the committed Reports/baselines:"
	.build/debug/yocoprof baseline check --format table

clean:
	rm -rf .build
