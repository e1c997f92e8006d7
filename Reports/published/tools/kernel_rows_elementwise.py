#!/usr/bin/env python3
"""Element-wise kernel rows from Vidur's A100 operator profile (issue 15, seventh session).

microsoft/vidur data/profiling/compute/a100/meta-llama/Llama-2-7b-hf/mlp.csv at 7d47513: the
tensor-parallel-1 rows at num_tokens 1, 2, 4, ..., 4096 (the first line of each: 4096 and 2048
appear twice), the median times in ms as printed, copied below with their file lines (`git show
7d47513:<path>`; run this file with that CSV as argv[1] to check the copy). `rows` feeds
build_kernel_csv.py (ids k746-k797 after kernel_rows_other.py's rows).

Bytes moved per launch, fp16 (2 bytes an element), R = num_tokens, Llama-2-7B d 4096, I 11008,
32 query and 32 KV heads of 128 (the rule CostModel/Roofline+Elementwise.swift applies):
  norm     input_layernorm (RMSNorm): read R d, write R d, read the d weight:  2 (2 R d + d)
  act_mul  mlp_act (SiLU(gate) * up):  read 2 R I, write R I:                   2 (3 R I)
  rope     attn_rope (q and k rotated in place): read and write R (h + hkv) dh:  2 (2 R (h + hkv) dh)
  add      add (residual): read 2 R d, write R d:                                2 (3 R d)
post_attention_layernorm is the same kernel at the same bytes as input_layernorm (one x per
curve): not taken.
"""
import csv, sys

PATH = "data/profiling/compute/a100/meta-llama/Llama-2-7b-hf/mlp.csv"
COMMIT = "7d47513363ec447a741ac5e47241580b47724fbf"
D, I, H, HKV, DH, E = 4096, 11008, 32, 32, 128, 2
BW = 2039.0  # GB/s, A100 SXM 80GB HBM2e
# num_tokens: (file line, input_layernorm, mlp_act, attn_rope, add medians in ms as printed)
MEDIANS_MS = {
    1: (262, '0.005', '0.007', '0.005', '0.002'),
    2: (261, '0.004', '0.007', '0.005', '0.002'),
    4: (260, '0.004', '0.008', '0.005', '0.002'),
    8: (259, '0.004', '0.008', '0.005', '0.002'),
    16: (258, '0.004', '0.008', '0.006', '0.002'),
    32: (256, '0.004', '0.008', '0.006', '0.002'),
    64: (252, '0.004', '0.008', '0.006', '0.002'),
    128: (244, '0.005', '0.011', '0.007', '0.003'),
    256: (228, '0.008', '0.022', '0.011', '0.004'),
    512: (196, '0.012', '0.036500000000000005', '0.022', '0.007'),
    1024: (132, '0.022', '0.07', '0.038', '0.012'),
    2048: (67, '0.053', '0.135', '0.076', '0.028'),
    4096: (2, '0.105', '0.266', '0.149', '0.055'),
}
# kernel, Vidur column, index in MEDIANS_MS's tuple, bytes of one launch at R rows, the rule in words
KERNELS = [
    ("norm", "input_layernorm", 1, lambda r: E * (2 * r * D + D), "2 (2 R d + d), RMSNorm read and write R x d and its d weight"),
    ("act_mul", "mlp_act", 2, lambda r: E * 3 * r * I, "2 (3 R I), SiLU(gate) * up: read 2 R x I, write R x I"),
    ("rope", "attn_rope", 3, lambda r: E * 2 * r * (H + HKV) * DH, "2 (2 R (h + hkv) dh), q and k read and written"),
    ("add", "add", 4, lambda r: E * 3 * r * D, "2 (3 R d), residual add: read 2 R x d, write R x d"),
]


def build():
    out = []
    for name, column, at, bytes_of, rule in KERNELS:
        for n in sorted(MEDIANS_MS):
            line, ms = MEDIANS_MS[n][0], float(MEDIANS_MS[n][at])
            b = bytes_of(n)
            gbs = b / (ms * 1e-3) / 1e9
            out.append({
                "gpu": "A100 80GB (SXM or PCIe: not stated)", "library": "torch / sarathi-serve custom ops (via Vidur's profiler)",
                "operator": f"elementwise_{name}", "direction": "", "dtype": "fp16", "causal": "", "head_dim": "", "seq_len": "",
                "batch": "1", "heads": "", "kv_heads": "", "m": str(n), "n": "", "k": "", "achieved_tflops": "",
                "achieved_bandwidth_gbs": f"{gbs:.1f}", "time_us": f"{ms * 1000:.1f}", "peak_reference_tflops": "",
                "peak_reference_bandwidth_gbs": f"{BW:g}", "fraction_of_peak": f"{gbs / BW:.4f}",
                "metric_definition": f"Vidur operator profile: kernel time (torch.profiler record_function) of one {name} launch over num_tokens rows, median over 20 layers after 2 warm-up passes, in ms as printed (3 decimals: +-10% at 5 us); bytes = {rule}; fraction = bytes / time / 2039 GB/s",
                "value_kind": "table", "source": f"microsoft/vidur {PATH} @{COMMIT}, column time_stats.{column}.median, line {line}",
                "note": f"Llama-2-7B tp1 {column} at num_tokens {n}: {ms:g} ms; {b} bytes"})
    return out


rows = build()

if __name__ == "__main__" and len(sys.argv) > 1:
    # check the copy above against Vidur's file
    table = list(csv.reader(open(sys.argv[1])))
    col = {name: i for i, name in enumerate(table[0])}
    for n, (line, *ms) in MEDIANS_MS.items():
        r = table[line - 1]
        assert int(r[col["num_tokens"]]) == n and r[col["num_tensor_parallel_workers"]] == "1", (n, line)
        for (_, column, _, _, _), v in zip(KERNELS, ms):
            assert r[col[f"time_stats.{column}.median"]] == v, (n, column)
    print("the copy matches", sys.argv[1])
