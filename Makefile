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
