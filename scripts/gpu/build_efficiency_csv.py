#!/usr/bin/env python3
"""Write Profiles/hardware/efficiency/<gpu>.csv from Reports/published/kernel-efficiency.csv.

A record of which published rows each GPU's efficiency curves use, and how (the choices are in
CHOICES below, each with its reason). Run from the repository root:
    python3 scripts/gpu/build_efficiency_csv.py
Nothing here is fitted to end-to-end measurements: every value is a kernel-level published row.
"""
import csv
import os

SRC = "Reports/published/kernel-efficiency.csv"
OUT = "Profiles/hardware/efficiency"
HEADER = ["operator", "library", "dtype", "head_dim", "causal", "x", "shape_nk", "value", "source_row", "value_kind", "note"]


def rows():
    with open(SRC, newline="") as f:
        return list(csv.DictReader(f))


def clean(text):
    return text.replace(",", ";").replace('"', "'").replace("\n", " ")


def frac(r):
    return float(r["fraction_of_peak"])


def prefill(all_rows, gpu, library, kernel, direction, note):
    # Causal points only: every attention core the cost model builds is causal (decoder-only
    # models; YOCO's cross layers attend causally to the shared cache), so a non-causal curve
    # would never be read. The non-causal rows stay in kernel-efficiency.csv.
    out = []
    for r in all_rows:
        if r["gpu"] == gpu and r["operator"] == "prefill_attention" and r["library"] == library \
                and r["direction"] == direction and r["fraction_of_peak"] and r["seq_len"] \
                and r["value_kind"] != "text_claim" and r["causal"] == "true":
            out.append(["prefill_attention", kernel, "bf16/fp16", r["head_dim"], r["causal"], r["seq_len"], "",
                        "%.4f" % frac(r), r["row_id"], r["value_kind"], clean(note)])
    return out


def decode_bytes(r):
    # K and V of every cached token of every request, fp16 (2 bytes), read once per launch.
    return int(r["batch"]) * int(r["seq_len"]) * int(r["kv_heads"]) * int(r["head_dim"] or 128) * 2 * 2


def decode(all_rows, gpu, library, batch, note, operator="decode_attention"):
    out = []
    for r in all_rows:
        if r["gpu"] == gpu and r["operator"] == "decode_attention" and r["library"] == library and r["batch"] == batch \
                and r["kv_heads"] == "32":
            out.append([operator, "flashinfer_paged", "any", "", "", str(decode_bytes(r)), "", "%.4f" % frac(r),
                        r["row_id"], r["value_kind"], clean(note)])
    return out


# XLA's H100 bf16 GEMM rows (kernel_rows_other.py): rows M 256 to 4096 at N = K = 4096, k597-k600. The H100
# and H200 dense curves until issue 15's eighth session; read by no profile since (VIDUR_H100_ROWS below).
# The per-shape A100 fp16 GEMM rows (kernel_rows_other.py, Vidur's Llama-2-7B operator table): rows M 128
# to 4096 at N = K = 4096 (M 128, k615, since issue 15's fifth session: its measured kernel is slower than
# the M 256 point held flat would price it). The table lists M 2048 and 4096 twice; the first of each pair
# is read (k601, k603; the second, k602 and k604, reads 0.731 and 0.732). k616-k618 (the other products
# of the layer at M 128, other N and K) and k619-k705 (issue 15's sixth session: Llama-2-7B's other
# products from M 256, and Llama-2-70B's, CodeLlama-34B's, Llama-3-8B's and phi-2's at tensor parallel 1,
# M 128 to 4096) give the curve its shape: one curve over M per product N x K (shape_nk), every
# recorded product and M taken (no point chosen or left out by how it moves an end-to-end row).
VIDUR_A100_ROWS = {"k601", "k603", "k605", "k606", "k607", "k615", "k616", "k617", "k618"} | {"k%03d" % i for i in range(619, 706)}


def dense(all_rows, ids, dtype, note, shaped=False):
    out = []
    for r in all_rows:
        if r["row_id"] in ids:
            # x = the product's rows M (the curve's variable); shape_nk = N x K when `shaped`, else empty
            # (the row's n and k are in its note either way)
            nk = str(int(r["n"]) * int(r["k"])) if shaped else ""
            out.append(["dense_gemm", "cublas", dtype, "", "", r["m"], nk, "%.4f" % frac(r), r["row_id"], r["value_kind"],
                        clean(note + "; M %s of M x N x K = %s x %s x %s" % (r["m"], r["m"], r["n"], r["k"]))])
    return out


# The per-shape H100 fp16 GEMM rows (issue 15's eighth session): Vidur's H100 tables by the A100 rule above
# (every product of Llama-2-7B, Llama-2-70B, CodeLlama-34B and phi-2 at tensor parallel 1, M 128 to 4096;
# Meta-Llama-3-8B has no H100 table): Llama-2-7B's output projection at M 256-4096 is k608, k610, k612-k614
# (the first line of each M), the rest k798-k870 (Reports/published/tools/kernel_rows_vidur_h100.py). Read
# by the H100 SXM profile and, as the XLA table was, by the H200's (same 989 TFLOP/s tensor peak, k335).
# They replace XLA's N = K = 4096 table (k597-k600, read by no profile since).
VIDUR_H100_ROWS = {"k608", "k610", "k612", "k613", "k614"} | {"k%03d" % i for i in range(798, 871)}


# The A100's streaming curve (issue 15's sixth session): Vidur's measured one-row products (M = 1, weight
# streaming; k706-k745, every model, tensor parallel degree and product of the five tables, distinct bytes),
# x = the bytes the product moves, fraction of 2039 GB/s. Replaces the decode-attention stand-in there.
VIDUR_A100_STREAMING = {"k%03d" % i for i in range(706, 746)}
# The H100's (issue 15's eighth session): the same rule on Vidur's H100 tables of the four models above
# (k871-k904, fraction of 3350 GB/s); replaces the decode-attention stand-in there. The H200's are these
# points moved by a measured H200 / H100 ratio (h200_transfer below).
VIDUR_H100_STREAMING = {"k%03d" % i for i in range(871, 905)}


def streaming_rows(all_rows, ids, note):
    out = []
    for r in all_rows:
        if r["row_id"] in ids:
            by = 2 * (int(r["n"]) * int(r["k"]) + int(r["n"]) + int(r["k"]))
            out.append(["streaming", "cublas_gemv", "any", "", "", str(by), "", "%.4f" % frac(r), r["row_id"], r["value_kind"],
                        clean(note + "; 1 x %s x %s: %s bytes" % (r["n"], r["k"], by))])
    return out


# The A100's element-wise kernels (issue 15's seventh session): Vidur's measured Llama-2-7B tp1 norm,
# act_mul, rope and add kernel times at num_tokens 1, 2, 4, ..., 4096 (k746-k797,
# Reports/published/tools/kernel_rows_elementwise.py), x = the bytes one launch moves (in the row's note),
# fraction of 2039 GB/s; one curve per kernel (CostModel/Roofline+Elementwise.swift).
VIDUR_A100_ELEMENTWISE = {"k%03d" % i for i in range(746, 798)}
# The H100's (issue 15's eighth session): the same columns and rule on Vidur's H100 Llama-2-7B table
# (k905-k956, fraction of 3350 GB/s). The H200's are these points moved by a measured H200 / H100 ratio.
VIDUR_H100_ELEMENTWISE = {"k%03d" % i for i in range(905, 957)}


def elementwise_rows(all_rows, ids, gpu):
    out = []
    for r in all_rows:
        if r["row_id"] in ids:
            name = r["operator"][len("elementwise_"):]
            by = r["note"].rsplit("; ", 1)[1].split(" ")[0]
            column, tokens = r["note"].split(" at num_tokens ")[0].split(" ")[-1], r["m"]
            ms = r["note"].split(": ")[1].split(" ms")[0]
            rule = r["metric_definition"].split("bytes = ")[1].split("; fraction")[0]
            out.append(["elementwise", name, "any", "", "", by, "", r["fraction_of_peak"], r["row_id"], r["value_kind"],
                        clean("Vidur's operator profile (microsoft/vidur; %s; kernel time): Llama-2-7B tp1 %s at num_tokens %s, %s ms; bytes %s"
                              % (gpu, column, tokens, ms, rule))])
    return out


# The H200's bandwidth curves (issue 15's ninth session): no H200 operator table was found, so each H100
# point (decode attention, streaming, element-wise) is moved by the H200 / H100 bandwidth of one copy kernel
# measured on both GPUs at the same bytes: f_H200 = f_H100 x 3350 / 4800 x r(x). The derived rows
# (k999-k1096, value_kind derived) and the figure readings they use (k957-k988) are written by
# Reports/published/tools/kernel_rows_h200_transfer.py; here each H100 row takes its derived row's value.
def h200_transfer(all_rows, h100_rows):
    derived = {r["note"]: r for r in all_rows if r["value_kind"] == "derived" and r["gpu"].startswith("H200")}
    out = []
    for row in h100_rows:
        d = derived["h200 %s %s x=%s" % (row[0], row[1], row[5])]
        ratio = d["metric_definition"].split("r = ")[1].split(":")[0]
        out.append(row[:7] + [d["fraction_of_peak"], d["row_id"], d["value_kind"],
                   clean(row[10] + "; H200: the H100 point %s x 3350 / 4800 x %s (the H200 / H100 memcpy bandwidth at the same bytes moved; "
                         "yencal/gpu-bandwidth-benchmark figures; Reports/published/tools/kernel_rows_h200_transfer.py)" % (row[8], ratio))])
    return out


def launch(all_rows):
    t = {r["row_id"]: float(r["time_us"]) for r in all_rows if r["operator"] == "launch_overhead"}
    note = ("V100 CUDA 10.1 (no A100/H100 figure was found); a 2.9 us kernel (k518) takes %s us per launch; "
            "the launch cost is the difference; secondary quotation of NVIDIA's Getting Started with CUDA Graphs")
    graphs = (t["k521"] - t["k518"]) * 1e-6
    eager = (t["k520"] - t["k518"]) * 1e-6
    return [["launch", "cuda_graphs", "any", "", "", "", "", "%.2e" % graphs, "k521-k518", "secondary_quote (derived)", note % "3.4 inside a CUDA graph (k521)"],
            ["launch", "eager", "any", "", "", "", "", "%.2e" % eager, "k520-k518", "secondary_quote (derived)", note % "3.8 when launches are queued without a sync (k520)"]]


def main():
    r = rows()
    fa3_note = "FlashAttention-3 paper Fig. 5 / flash3_fp16_fwd.png: H100 SXM5 forward; FLOPs = 4 s^2 d h (halved when causal) over 989 TFLOP/s"
    std_note = fa3_note + "; standard attention = PyTorch matmul-softmax-matmul (unfused)"
    h100_prefill = (prefill(r, "H100-SXM5-80GB", "flash2", "flash2", "forward", fa3_note + "; FlashAttention 2.5.8")
                    + prefill(r, "H100-SXM5-80GB", "flash3", "flash3", "forward", fa3_note)
                    + prefill(r, "H100-SXM5-80GB", "standard_attention", "sdpa", "forward", std_note))
    fi_note = ("FlashInfer blog Fig. 6: batch-1 paged decode; MHA 32 heads of 128; fp16; fraction of %s GB/s; read from the figure (+-3 pp); "
               "x = K+V bytes read per launch (the batch 16 and 64 curves and the GQA curves of Figs. 8-9 lie near the same bytes-to-fraction line)")
    h100_decode = decode(r, "H100-SXM5-80GB", "flashinfer paged", "1", fi_note % "3352 (H100 SXM)")
    h100_stream = streaming_rows(r, VIDUR_H100_STREAMING, "Vidur's operator profile (microsoft/vidur; fp16 torch F.linear at one row -> cuBLAS; "
                                 "kernel time; H100 DGX (SXM)): weight streaming of four models' products at tensor parallel 1-8; fraction of "
                                 "3350 GB/s; below 4.2 MB and above 940 MB the end points hold")
    mamf = "ml-engineering MAMF: best shape of a brute-force search (torch.matmul -> cuBLAS); an upper envelope: no per-shape curve was published"
    vidur_h100 = ("Vidur's operator profile (microsoft/vidur; fp16 torch F.linear -> cuBLAS; kernel time; H100 DGX (SXM)): products of four "
                  "models at tensor parallel 1 by rows M and N x K (shape_nk); below M 128 each curve's first point holds; replaces XLA's "
                  "N = K = 4096 table k597-k600")
    h100_dense = dense(r, VIDUR_H100_ROWS, "bf16/fp16", vidur_h100, shaped=True) + dense(r, {"k344"}, "fp8", mamf)
    h100_elementwise = elementwise_rows(r, VIDUR_H100_ELEMENTWISE, "H100 DGX (SXM)")
    out = {
        "h100-sxm-80gb": h100_dense + h100_prefill + h100_decode + h100_stream + launch(r) + h100_elementwise,
    }
    h200_t = "; transferred from H100 SXM (same 989 TFLOP/s dense peak; k335)"
    out["h200-sxm-141gb"] = (
        dense(r, VIDUR_H100_ROWS, "bf16/fp16", vidur_h100 + "; H100 rows (no H200 table; same tensor peak k335)", shaped=True)
        + dense(r, {"k345"}, "fp8", mamf)
        + [row[:10] + [row[10] + clean(h200_t)] for row in h100_prefill]
        + h200_transfer(r, h100_decode)
        + h200_transfer(r, h100_stream)
        + launch(r)
        + h200_transfer(r, h100_elementwise))
    a100_fa2 = ("FlashAttention-2 README figure flash2_a100_fwd_bwd_benchmark.png: A100 SXM4 80GB FORWARD+BACKWARD (training) "
                "over 312 TFLOP/s; used for the forward pass because no forward-only A100 figure was found")
    a100_std = a100_fa2 + "; PyTorch standard attention"
    vidur = ("Vidur's operator profile (microsoft/vidur; fp16 torch F.linear -> cuBLAS; kernel time; A100 80GB; SXM or PCIe not stated): "
             "products of five models at tensor parallel 1 by rows M and N x K (shape_nk); below M 128 each curve's first point holds; "
             "replaces the best-shape MAMF ceilings k340 and k346")
    a100_dense = dense(r, VIDUR_A100_ROWS, "bf16/fp16", vidur, shaped=True)
    out["a100-sxm-80gb"] = (
        a100_dense
        + prefill(r, "A100-SXM4-80GB", "flash2", "flash2", "forward+backward", a100_fa2)
        + prefill(r, "A100-SXM4-80GB", "pytorch", "sdpa", "forward+backward", a100_std)
        + decode(r, "A100-PCIe-80GB", "flashinfer paged", "1", fi_note % "1935 (A100 PCIe; fraction applied to the SXM part)")
        + streaming_rows(r, VIDUR_A100_STREAMING, "Vidur's operator profile (microsoft/vidur; fp16 torch F.linear at one row -> cuBLAS; kernel time; "
                         "A100 80GB; SXM or PCIe not stated): weight streaming of five models' products at tensor parallel 1-8; fraction of 2039 GB/s; "
                         "below 4.2 MB and above 940 MB the end points hold")
        + launch(r)
        + elementwise_rows(r, VIDUR_A100_ELEMENTWISE, "A100 80GB"))
    os.makedirs(OUT, exist_ok=True)
    for gpu, lines in out.items():
        with open(os.path.join(OUT, gpu + ".csv"), "w", newline="") as f:
            f.write(",".join(HEADER) + "\n")
            for line in lines:
                f.write(",".join(line) + "\n")


if __name__ == "__main__":
    main()
