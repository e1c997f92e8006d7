# yocoprof: set-up, build, test and the main job on a fresh Debian machine.
#   make run    install system libraries if missing, build (release), run the main job
#   make test   install system libraries if missing, build, run every test

SWIFT ?= swift
BIN_RELEASE := .build/release/yocoprof
# Select OpenBLAS's AVX-512 kernels before the library loads, and drop a forced core this CPU
# cannot run (see scripts/openblas-coretype.sh).
CORETYPE := $(shell scripts/openblas-coretype.sh)
ifneq ($(CORETYPE),)
export OPENBLAS_CORETYPE := $(CORETYPE)
else
unexport OPENBLAS_CORETYPE
endif

.PHONY: run report test deps build build-debug clean fuzz sanitize-address sanitize-thread check-dump bench validate-160m

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product yocoprof

build-debug: deps
	$(SWIFT) build --build-tests

# The main job: calibrate this host when needed, validate the cost model against the real kernels
# on the default suite, print the summary and where the reports are (Reports/validation/).
run: build
	@scripts/main-job.sh $(BIN_RELEASE)

# The memory and capacity report for the paper's 3B and 65B pairs (the earlier main job).
report: build
	@scripts/main-report.sh $(BIN_RELEASE)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2
	@echo "baseline check against the committed Reports/baselines:"
	.build/debug/yocoprof baseline check --format table
	@scripts/gpu/run-script-tests.sh

# The kernel benchmark (Benchmarks/, a nested package): one table of each kernel's achieved rate
# against sgemm / stream-read ceilings measured in the same run, the issue-13 targets, the SIMD
# path and the OpenBLAS core. About a minute on 2 cores; `make bench BENCH_ARGS=--quick` for a shorter table.
BENCH_ARGS ?=
bench: deps
	cd Benchmarks && $(SWIFT) build -c release --product kernel-bench --scratch-path ../.build-bench
	.build-bench/release/kernel-bench $(BENCH_ARGS)

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
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp \
		$(SWIFT) test --scratch-path .build-asan --sanitize=address --filter 'KernelsTests|HardwareCountersTests'

sanitize-thread: deps
	$(SWIFT) test --scratch-path .build-tsan --sanitize=thread --filter 'KernelsTests|HardwareCountersTests'

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan .build-bench

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

# Independent check of the kernels' numerics: dump one seeded prefill per host model
# (`yocoprof forward --dump`) and recompute it in float64 numpy from docs/KERNELS.md alone
# (scripts/check_dump.py); fails when the final hidden states or last-position logits differ by more
# than 1e-4 relative (fp32 accumulation order vs the float64 reference). 300 tokens cross the gRet
# chunk (256); host-yoco-swa runs 1100 tokens to cross its 1024 window; two temporary copies with a
# 64-token window (YOCO SWA and windowed GQA, batch 2) cover many window edges and batching;
# host-gqa-interleaved (window 64 on layers 0, 2 among full layers) and host-gqa-cla2 (CLA pairs)
# cover the per-layer spans and a slot read by another layer.
DUMP_BIN := .build-dump/debug/yocoprof
DUMP_DIR := .build-dump/check-dump
check-dump: deps
	$(SWIFT) build --product yocoprof --scratch-path .build-dump
	rm -rf $(DUMP_DIR) && mkdir -p $(DUMP_DIR)
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["id"]+="-w64"; p["sliding_window"]=64; json.dump(p,open(sys.argv[2],"w"))' \
		Profiles/models/host-yoco-swa.json $(DUMP_DIR)/host-yoco-swa-w64.json
	python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["id"]+="-w64"; p["sliding_window"]=64; json.dump(p,open(sys.argv[2],"w"))' \
		Profiles/models/host-gqa.json $(DUMP_DIR)/host-gqa-w64.json
	@set -e; fail=0; \
	for spec in host-transformer:300:1 host-gqa:300:1 host-yoco-gret:300:1 host-yoco-swa:1100:1 host-gqa-interleaved:300:2 host-gqa-cla2:300:2 \
	            $(DUMP_DIR)/host-yoco-swa-w64.json:300:2 $(DUMP_DIR)/host-gqa-w64.json:300:2; do \
		m=$${spec%%:*}; rest=$${spec#*:}; n=$${rest%%:*}; b=$${rest#*:}; out=$(DUMP_DIR)/$$(basename $$m .json); \
		echo "== $$m  context $$n  batch $$b"; \
		$(DUMP_BIN) forward --model $$m --context $$n --batch $$b --seed 7 --dump $$out >/dev/null; \
		python3 scripts/check_dump.py $$out --model $$m || fail=1; \
	done; \
	if [ $$fail -ne 0 ]; then echo "check-dump: FAILED"; exit 1; fi; echo "check-dump: all dumps match"

# The published-measurements suite (issue 15): Reports/published/end-to-end.csv beside the cost model
# on the GPU efficiency curves; no kernels run (seconds). Reports in Reports/published/validation/.
.PHONY: validate-published
validate-published: build
	$(BIN_RELEASE) validate --suite published --format table

# When a GPU machine is lent (issue 15, part 3): measure the operators and the 3B pair's whole
# passes with PyTorch on the GPU (random weights), then join them with the predictions.
#   make gpu-measure GPU_HARDWARE=h100-sxm-80gb     -> Reports/gpu/<date>-<hardware>.csv
#   make gpu-join GPU_CSV=Reports/gpu/<file>.csv    -> <file>-joined.csv (predicted, relative_error)
GPU_HARDWARE ?= h100-sxm-80gb
GPU_CSV ?=
.PHONY: gpu-measure gpu-join
gpu-measure:
	mkdir -p Reports/gpu
	python3 scripts/gpu/measure_torch.py --device cuda --hardware $(GPU_HARDWARE) --out Reports/gpu/$$(date -u +%Y-%m-%d)-$(GPU_HARDWARE).csv
gpu-join: build
	@test -n "$(GPU_CSV)" || { echo "make gpu-join GPU_CSV=Reports/gpu/<file>.csv"; exit 64; }
	python3 scripts/gpu/join_predictions.py --bin $(BIN_RELEASE) $(GPU_CSV)

# The paper's smallest pair (yoco-160m, transformer-160m: d 768, 12 layers) in fp32 at 1K, 4K and
# 8K prompt tokens; minutes on 2 cores, so not part of `make run`. Reports: Reports/validation-160m/.
# Calibrated first on the pair's own shapes (products at 1K-8K rows, one-row products, cores at
# their head shape) into a git-ignored profile beside the host's: the host-* models' calibration
# has none of the 160M shapes (d 768, the 100,288-row head).
HOST_160M_PROFILE := Profiles/hardware/host-paper-160m.json
validate-160m: build
	$(BIN_RELEASE) calibrate --model transformer-160m,yoco-160m --rows 1K,4K,8K --id host-paper-160m --profile-output $(HOST_160M_PROFILE)
	$(BIN_RELEASE) validate --suite paper-160m --hardware $(HOST_160M_PROFILE) --output-dir Reports/validation-160m --format table --wide
