#!/usr/bin/env python3
"""Element-wise kernel rows from Vidur's A100 operator profile (issue 15, seventh session).

Reads microsoft/vidur data/profiling/compute/a100/meta-llama/Llama-2-7b-hf/mlp.csv at 7d47513
(path given as argv[1], e.g. from `git show 7d47513:<path> > mlp.csv`), keeps the tensor-parallel-1
rows at num_tokens 1, 2, 4, ..., 4096 (the first line of each: 4096 and 2048 appear twice), and
prints, for four kernels, the kernel-efficiency.csv rows (starting at the id in argv[2]) and the
efficiency-file rows (to stdout, separated by a line `--`).

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
KERNELS = [
    ("norm", "input_layernorm", lambda r: E * (2 * r * D + D), "2 (2 R d + d), RMSNorm read and write R x d and its d weight"),
    ("act_mul", "mlp_act", lambda r: E * 3 * r * I, "2 (3 R I), SiLU(gate) * up: read 2 R x I, write R x I"),
    ("rope", "attn_rope", lambda r: E * 2 * r * (H + HKV) * DH, "2 (2 R (h + hkv) dh), q and k read and written"),
    ("add", "add", lambda r: E * 3 * r * D, "2 (3 R d), residual add: read 2 R x d, write R x d"),
]

def main():
    rows = list(csv.reader(open(sys.argv[1])))
    header, first_id = rows[0], int(sys.argv[2])
    col = {name: i for i, name in enumerate(header)}
    seen = {}
    for line, r in enumerate(rows[1:], start=2):
        n, tp = int(r[col["num_tokens"]]), int(r[col["num_tensor_parallel_workers"]])
        if tp == 1 and n & (n - 1) == 0 and n <= 4096 and n not in seen:
            seen[n] = (line, r)
    kernel_rows, eff_rows, k = [], [], first_id
    for name, column, bytes_of, rule in KERNELS:
        for n in sorted(seen):
            line, r = seen[n]
            ms = float(r[col[f"time_stats.{column}.median"]])
            b = bytes_of(n)
            gbs = b / (ms * 1e-3) / 1e9
            frac = gbs / BW
            rid = f"k{k:03d}"
            k += 1
            kernel_rows.append([rid, "A100 80GB (SXM or PCIe: not stated)", "torch / sarathi-serve custom ops (via Vidur's profiler)",
                                f"elementwise_{name}", "", "fp16", "", "", "", "1", "", "", str(n), "", "", "", f"{gbs:.1f}",
                                f"{ms * 1000:.1f}", "", f"{BW:g}", f"{frac:.4f}",
                                f"Vidur operator profile: kernel time (torch.profiler record_function) of one {name} launch over num_tokens rows, median over 20 layers after 2 warm-up passes, in ms as printed (3 decimals: +-10% at 5 us); bytes = {rule}; fraction = bytes / time / 2039 GB/s",
                                "table", f"microsoft/vidur {PATH} @{COMMIT}, column time_stats.{column}.median, line {line}",
                                f"Llama-2-7B tp1 {column} at num_tokens {n}: {ms:g} ms; {b} bytes"])
            eff_rows.append(["elementwise", name, "any", "", "", str(b), "", f"{frac:.4f}", rid, "table",
                             f"Vidur's operator profile (microsoft/vidur; A100 80GB; kernel time): Llama-2-7B tp1 {column} at num_tokens {n}, {ms:g} ms; bytes {rule}"])
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerows(kernel_rows)
    print("--")
    w.writerows(eff_rows)

main()
