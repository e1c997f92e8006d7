#!/usr/bin/env bash
# The main job: memory and capacity of the YOCO paper's 3B and 65B pairs, from the profiles.
set -euo pipefail
bin=${1:-.build/release/yocoprof}
run() { echo "\$ yocoprof $*"; "$bin" "$@"; echo; }

echo "== Memory at 1M prompt + 1,024 generated tokens (bf16, batch 1) =="
for m in yoco-3b transformer-3b; do
  run memory --model "$m" --context 1M --generate 1024 --format table
done
echo "== KV cache per token and the paper's headline: tokens in 1 GiB of KV memory =="
for m in yoco-65b transformer-65b-gqa yoco-3b transformer-3b; do
  run capacity --model "$m" --memory 1GiB --kv-only --format table
done
echo "== Longest context on one H100 SXM 80GB (weights, caches, activations, runtime reserve) =="
for m in yoco-3b transformer-3b; do
  run capacity --model "$m" --hardware h100-sxm-80gb --format table
done
echo "== Largest batch on one H100 SXM 80GB at 32K + 1,024 tokens =="
for m in yoco-3b transformer-3b; do
  run capacity --model "$m" --hardware h100-sxm-80gb --context 32K --generate 1024 --format table
done
