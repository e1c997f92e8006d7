#!/usr/bin/env bash
# The main job (make run): validate the cost model against the real kernels on this machine.
# validate calibrates this host first when Profiles/hardware/host-<cpu>.json does not exist,
# runs the default suite, writes Reports/validation/ and prints the summary.
set -euo pipefail
bin=${1:-.build/release/yocoprof}
echo "== yocoprof validate (default suite: every host-* model x 1K, 4K, 16K prompt tokens, 32 decoded; per-operator rows and a drift probe; the 160M pair: make validate-160m) =="
"$bin" validate --format table --wide
echo
echo "== The paper's headline from the profiles: tokens held in 1 GiB of KV memory =="
for m in transformer-65b-gqa yoco-65b; do
  printf '%-20s ' "$m"
  "$bin" capacity --model "$m" --memory 1GiB --kv-only --format csv | tail -n 1 | cut -d, -f5,6
done
