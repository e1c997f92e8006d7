#!/usr/bin/env python3
"""The H200's bandwidth curves from the H100's, by a measured H200 / H100 ratio (issue 15, ninth session).

Until this session the H200 profile read the H100's fractions (Vidur's one-row products and element-wise
kernels, FlashInfer's decode attention) of its own 4.8 TB/s: every memory-bound kernel ran 4.8 / 3.35 =
1.43x faster than on the H100, the small launches (whose time is mostly fixed) included. This file
replaces that rule by two published measurements of both GPUs with one harness each:

  MEMCPY     yencal/gpu-bandwidth-benchmark @fc38883 (2025-11-29): memcpy_benchmark.cu times 100 queued
             launches of a grid-stride copy kernel (1024 threads per block, int8 buffers of 2^8 .. 2^30
             bytes, 1, 2, 4, 8 or 16-byte vector loads) with CUDA events after 100 warm-up launches;
             bandwidth = 2 x array bytes / time (read + write). figures/bandwidth_plot_blocksize1024_h100.png
             and _h200.png plot it for an H100 and an H200. Read here: the 16-byte curve (the widest load,
             the one the GPU libraries use), the marker centres found by colour (#9467bd) at the 23 powers
             of two and mapped through each figure's gridlines (H100: 0 .. 3500 GB/s, 2.6 GB/s a pixel;
             H200: 0 .. 5000 GB/s, 3.4 GB/s a pixel); arrays of 32 KiB and more (below that the markers sit
             within a few pixels of zero). The H100 reaches 3052 GB/s at 1 GiB, 91% of the SXM's 3350 (a
             PCIe part has 2000, an NVL 3900), so it is read as the SXM.
  BABEL      Azure/AI-benchmarking-guide @8fd0c6e Azure_Results/ND_H100_v5_results.md and
             ND_H200_v5_results.md, table "HBM Bandwidth" (BabelStream, CUDA, sm_90, its default arrays;
             Benchmarks/HBMBandwidth.py): H100 80GB HBM3 Copy 2.90, Mul 2.90, Add 2.97, Triad 2.97, Dot
             3.18 TB/s; H200 141GB 4.01, 4.00, 4.15, 4.15, 4.48. A check on the large end only (read by no
             profile): its H200 / H100 ratios, 1.38 .. 1.41, are 3-5% above the memcpy ratio at 1 GiB (1.35).

The rule, fixed before the suite was rerun: for every H100 point of the streaming, element-wise and
decode-attention curves (bytes x per launch, fraction f of 3350 GB/s), the H200 point at the same x is
  f_H200 = f x 3350 / 4800 x r(x),   r(x) = H200 / H100 memcpy bandwidth at 2 x array = x bytes moved,
linear in log2(bytes moved) between the figure's sizes and flat beyond its ends (64 KiB .. 2 GiB moved).
So a kernel the H100 runs in t runs in t / r(x) on the H200: below 2 MB moved r is 0.90-0.94 (the H200
is no faster on a small launch), from 64 MB on 1.32-1.35. The compute curves (dense products, prefill
attention) stay the H100's: same 989 TFLOP/s tensor peak (k335).

Imported by build_kernel_csv.py for the rows (it reads the H100 profile's points); then
scripts/gpu/build_efficiency_csv.py writes the H200 profile's bandwidth rows from the derived ones.
"""
import csv, math, os

MEMCPY_SRC = ("yencal/gpu-bandwidth-benchmark figures/bandwidth_plot_blocksize1024_{g}.png @fc38883 "
              "(memcpy_benchmark.cu: 100 queued launches timed by CUDA events after 100 warm-up; 1024 threads per block; "
              "bandwidth = 2 x array bytes / time)")
# (log2 array bytes, H100 GB/s, H200 GB/s): 16-byte loads, read from the two figures (marker centres)
MEMCPY = [
    (15, 23, 21), (16, 49, 44), (17, 98, 92), (18, 192, 174), (19, 381, 349), (20, 749, 697),
    (21, 1362, 1434), (22, 2374, 2656), (23, 3508, 3870), (24, 3640, 4792), (25, 2598, 3378),
    (26, 2809, 3712), (27, 2925, 3917), (28, 2998, 4026), (29, 3031, 4084), (30, 3052, 4108),
]
BABEL_SRC = "Azure/AI-benchmarking-guide Azure_Results/{f}_results.md @8fd0c6e1bd0f853ef8f0500a3640a7d80a2a92ef, table HBM Bandwidth"
BABEL = [("Copy", 2.90, 4.01), ("Mul", 2.90, 4.00), ("Add", 2.97, 4.15), ("Triad", 2.97, 4.15), ("Dot", 3.18, 4.48)]
H100_BW, H200_BW = 3350, 4800
CURVES = {"streaming": "weight_streaming", "decode_attention": "decode_attention"}  # elementwise: elementwise_<kernel>

def ratio(moved_bytes):
    """H200 / H100 memcpy bandwidth at `moved_bytes` (2 x array), linear in log2, flat beyond the ends."""
    pts = [(p + 1, h200 / h100) for p, h100, h200 in MEMCPY]  # log2 of bytes moved
    x = math.log2(moved_bytes)
    if x <= pts[0][0]: return pts[0][1]
    if x >= pts[-1][0]: return pts[-1][1]
    for (x0, r0), (x1, r1) in zip(pts, pts[1:]):
        if x0 <= x <= x1: return r0 + (r1 - r0) * (x - x0) / (x1 - x0)

def base(**k):
    r = dict.fromkeys(["direction", "dtype", "causal", "head_dim", "seq_len", "batch", "heads", "kv_heads", "m", "n", "k",
                       "achieved_tflops", "achieved_bandwidth_gbs", "time_us", "peak_reference_tflops", "peak_reference_bandwidth_gbs"], "")
    r.update(k)
    return r

def h100_points(root):
    """The H100 profile's bandwidth points: (operator, library, x, fraction, source row)."""
    with open(os.path.join(root, "Profiles/hardware/efficiency/h100-sxm-80gb.csv"), newline="") as f:
        return [(r["operator"], r["library"], r["x"], r["value"], r["source_row"]) for r in csv.DictReader(f)
                if r["operator"] in ("streaming", "elementwise", "decode_attention")]

def build(root):
    rows = []
    for p, h100, h200 in MEMCPY:
        for g, bw, peak in (("h100", h100, H100_BW), ("h200", h200, H200_BW)):
            rows.append(base(gpu={"h100": "H100 (yencal figure; SXM by its 3052 GB/s)", "h200": "H200"}[g],
                library="memcpy_kernel (grid-stride copy, 16-byte vector loads)", operator="memcpy", dtype="int8",
                achieved_bandwidth_gbs=str(bw), peak_reference_bandwidth_gbs=str(peak), fraction_of_peak=f"{bw / peak:.4f}",
                metric_definition="bandwidth = 2 x array bytes / time of one launch (mean of 100 queued launches after 100 warm-up, CUDA events)",
                value_kind="read_from_figure", source=MEMCPY_SRC.format(g=g),
                note=f"array 2^{p} = {2 ** p} bytes ({2 ** (p + 1)} moved); marker centre of the 16B curve found by colour, mapped through the gridlines (+-1 pixel: +-3 GB/s)"))
    for op, h100, h200 in BABEL:
        for g, f, tbs, peak in (("H100 80GB HBM3 (Azure ND H100 v5)", "ND_H100_v5", h100, H100_BW), ("H200 141GB (Azure ND H200 v5)", "ND_H200_v5", h200, H200_BW)):
            rows.append(base(gpu=g, library="BabelStream (CUDA, sm_90)", operator="stream_" + op.lower(), dtype="fp64",
                achieved_bandwidth_gbs=f"{tbs * 1000:.0f}", peak_reference_bandwidth_gbs=str(peak), fraction_of_peak=f"{tbs * 1000 / peak:.4f}",
                metric_definition="BabelStream's bandwidth of the kernel over its default arrays (TB/s as printed, 2 decimals)",
                value_kind="table", source=BABEL_SRC.format(f=f), note=f"{op} {tbs} TB/s; read by no profile (a check of the memcpy ratio at the large end)"))
    for op, library, x, value, src in h100_points(root):
        r = ratio(float(x))
        fraction = float(value) * H100_BW / H200_BW * r
        rows.append(base(gpu="H200 (derived from the H100 point)", library=library,
            operator=CURVES.get(op, "elementwise_" + library), dtype="fp16",
            achieved_bandwidth_gbs=f"{fraction * H200_BW:.1f}", peak_reference_bandwidth_gbs=str(H200_BW), fraction_of_peak=f"{fraction:.6f}",
            metric_definition=f"H100 point {src} ({value} of 3350 GB/s at {x} bytes per launch) x 3350 / 4800 x r, r = {r:.4f}: the H200 / H100 memcpy bandwidth at {x} bytes moved (memcpy rows of this file, linear in log2 bytes, flat beyond 64 KiB and 2 GiB)",
            value_kind="derived", source="Reports/published/tools/kernel_rows_h200_transfer.py (the H100 row above and the memcpy figure rows)",
            note=f"h200 {op} {library} x={x}"))
    return rows

HERE = os.path.dirname(os.path.abspath(__file__))
rows = build(os.path.normpath(os.path.join(HERE, "../../..")))
