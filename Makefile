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

.PHONY: run test deps build build-debug clean fuzz sanitize-address sanitize-thread

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

# Coverage-guided fuzzing of the profile and config.json parsers (libFuzzer + AddressSanitizer),
# bounded in time. Run longer with `make fuzz FUZZ_SECONDS=3600`; crashes land in Fuzz/crashes/.
FUZZ_SECONDS ?= 60
fuzz:
	cd Fuzz && $(SWIFT) build --scratch-path ../.build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
	mkdir -p Fuzz/crashes .build-fuzz/corpus
	.build-fuzz/debug/ProfileFuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-artifact_prefix=Fuzz/crashes/ .build-fuzz/corpus Fuzz/corpus

# The kernel tests under the address and thread sanitizers; each must come out clean.
sanitize-address: deps
	$(SWIFT) test --scratch-path .build-asan --sanitize=address --filter 'KernelsTests|HardwareCountersTests'

sanitize-thread: deps
	$(SWIFT) test --scratch-path .build-tsan --sanitize=thread --filter 'KernelsTests|HardwareCountersTests'

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan

# The paper's inference setting reproduced by the cost model (docs/COMPUTE.md): yoco-3b against
# transformer-3b on h100-sxm-80gb, prompts 32K..1M, 1,024 generated tokens, batch max (plus batch 1
# for the memory and prefill figures) -> Reports/paper/*.csv and *.svg. Deterministic: rerun and diff.
PAPER_ARGS := --model yoco-3b,transformer-3b --hardware h100-sxm-80gb --context '32K..1M*2' --generate 1024
.PHONY: paper
paper: build
	mkdir -p Reports/paper
	$(BIN_RELEASE) sweep $(PAPER_ARGS) --batch max --format csv --output Reports/paper/estimates-batch-max.csv
	$(BIN_RELEASE) sweep $(PAPER_ARGS) --batch 1 --format csv --output Reports/paper/estimates-batch-1.csv
	$(BIN_RELEASE) plot $(PAPER_ARGS) --batch max --output-dir Reports/paper --format markdown --output Reports/paper/figures.md
