#!/usr/bin/env python3
"""Vidur's H100 operator profile: dense products by shape, one-row products, element-wise kernels
(issue 15, eighth session). The same rules as the A100 rows of kernel_rows_other.py (dense k601-k705,
streaming k706-k745) and kernel_rows_elementwise.py (k746-k797), applied to Vidur's H100 tables.

Source: microsoft/vidur data/profiling/compute/h100/<model>/mlp.csv at 7d47513 (added in e26eb8f and
683364e, 2024-05-14; Vidur's README names the device "H100 DGX", an SXM part). Same profiler as the A100
tables: sarathi-serve's layers in fp16 (vidur/profiling/mlp/mlp_wrapper.py: `.to(dtype=torch.float16)`,
2 warm-up steps), kernel time per operator from torch.profiler, median over the profiled layers, in ms
as printed (3 decimals: +-10% at 5 us, +-50% at 1 us). The medians are copied below with their file
lines (`git show 7d47513:<path>`); run this file with the directory that holds the four models'
folders (data/profiling/compute/h100) as argv[1] to check the copy.

Models: the A100 rule's five in its order where the H100 has a table: Llama-2-7B, Llama-2-70B,
CodeLlama-34B, phi-2 (Meta-Llama-3-8B has no H100 table). Chosen by that rule before the suite was
rerun; Qwen-72B and internlm-20b, which the H100 folder also holds, are not read (the A100 rule did not
read them either).
  DENSE        every product (attn_pre_proj: the fused q k v, N = (n_head + 2 n_kv_head) hd, K = n_embd;
               attn_post_proj: N = n_embd, K = n_head hd; mlp_up_proj: N = 2 n_expanded_embd when gated,
               K = n_embd; mlp_down_proj: N = n_embd, K = n_expanded_embd) at num_tokens 128, 256, ...,
               4096, the first line of each at num_tensor_parallel_workers 1; a product whose N x K equals
               one already taken is left out (CodeLlama-34B's q k v and output are Llama-2-70B's, phi-2's
               down is its up). Efficiency = 2 M N K / time / 989 TFLOP/s. Llama-2-7B's output projection
               at M 256-4096 is already in kernel_rows_other.py (k608, k610, k612-k614, the first line of
               each M) and is not repeated here.
  STREAMING    num_tokens 1 of the same tables at every tensor parallel degree they hold (1, 2, 4, 8;
               phi-2 1 only; one GPU's shard: N / tp for the q k v and up projections, K / tp for the
               output and down), the same four products, a point whose bytes equal one already taken left
               out. Bytes = 2 (N K + K + N); fraction of 3350 GB/s (the H100 SXM profile's figure).
  ELEMENTWISE  Llama-2-7B tp 1 input_layernorm, mlp_act, attn_rope, add at num_tokens 1, 2, 4, ..., 4096
               (the first line of each); bytes per launch as in kernel_rows_elementwise.py; fraction of
               3350 GB/s (up to 1.07 for the add at 25-50 MB: its operands sit in the 50 MB L2).
"""
import csv, os, sys

COMMIT = "7d47513363ec447a741ac5e47241580b47724fbf"
PATH = "data/profiling/compute/h100/{p}/mlp.csv"
PEAK_TFLOPS, BW_GBS = 989, 3350
GPU = "H100 (Vidur h100: H100 DGX, SXM)"
SRC = "microsoft/vidur " + PATH + " @" + COMMIT + ", column time_stats.{col}.median, line {ln}"
# Llama-2-7B's output projection at M 256-4096 is k608, k610, k612, k613, k614 (kernel_rows_other.py)
IN_OTHER = {("meta-llama/Llama-2-7b-hf", "attn_post_proj", m) for m in (256, 512, 1024, 2048, 4096)}

DENSE = [  # (model path, product column, N, K, M, median ms as printed, file line)
    ('meta-llama/Llama-2-7b-hf', 'attn_pre_proj', 12288, 4096, 128, '0.041', 244),
    ('meta-llama/Llama-2-7b-hf', 'attn_pre_proj', 12288, 4096, 256, '0.052000000000000005', 228),
    ('meta-llama/Llama-2-7b-hf', 'attn_pre_proj', 12288, 4096, 512, '0.09', 196),
    ('meta-llama/Llama-2-7b-hf', 'attn_pre_proj', 12288, 4096, 1024, '0.151', 132),
    ('meta-llama/Llama-2-7b-hf', 'attn_pre_proj', 12288, 4096, 2048, '0.281', 67),
    ('meta-llama/Llama-2-7b-hf', 'attn_pre_proj', 12288, 4096, 4096, '0.584', 2),
    ('meta-llama/Llama-2-7b-hf', 'attn_post_proj', 4096, 4096, 128, '0.02', 244),
    ('meta-llama/Llama-2-7b-hf', 'attn_post_proj', 4096, 4096, 256, '0.022', 228),
    ('meta-llama/Llama-2-7b-hf', 'attn_post_proj', 4096, 4096, 512, '0.029', 196),
    ('meta-llama/Llama-2-7b-hf', 'attn_post_proj', 4096, 4096, 1024, '0.049', 132),
    ('meta-llama/Llama-2-7b-hf', 'attn_post_proj', 4096, 4096, 2048, '0.096', 67),
    ('meta-llama/Llama-2-7b-hf', 'attn_post_proj', 4096, 4096, 4096, '0.193', 2),
    ('meta-llama/Llama-2-7b-hf', 'mlp_up_proj', 22016, 4096, 128, '0.07100000000000001', 244),
    ('meta-llama/Llama-2-7b-hf', 'mlp_up_proj', 22016, 4096, 256, '0.13', 228),
    ('meta-llama/Llama-2-7b-hf', 'mlp_up_proj', 22016, 4096, 512, '0.134', 196),
    ('meta-llama/Llama-2-7b-hf', 'mlp_up_proj', 22016, 4096, 1024, '0.256', 132),
    ('meta-llama/Llama-2-7b-hf', 'mlp_up_proj', 22016, 4096, 2048, '0.492', 67),
    ('meta-llama/Llama-2-7b-hf', 'mlp_up_proj', 22016, 4096, 4096, '0.987', 2),
    ('meta-llama/Llama-2-7b-hf', 'mlp_down_proj', 4096, 11008, 128, '0.048', 244),
    ('meta-llama/Llama-2-7b-hf', 'mlp_down_proj', 4096, 11008, 256, '0.056', 228),
    ('meta-llama/Llama-2-7b-hf', 'mlp_down_proj', 4096, 11008, 512, '0.0755', 196),
    ('meta-llama/Llama-2-7b-hf', 'mlp_down_proj', 4096, 11008, 1024, '0.109', 132),
    ('meta-llama/Llama-2-7b-hf', 'mlp_down_proj', 4096, 11008, 2048, '0.218', 67),
    ('meta-llama/Llama-2-7b-hf', 'mlp_down_proj', 4096, 11008, 4096, '0.441', 2),
    ('meta-llama/Llama-2-70b-hf', 'attn_pre_proj', 10240, 8192, 128, '0.066', 244),
    ('meta-llama/Llama-2-70b-hf', 'attn_pre_proj', 10240, 8192, 256, '0.0875', 228),
    ('meta-llama/Llama-2-70b-hf', 'attn_pre_proj', 10240, 8192, 512, '0.156', 196),
    ('meta-llama/Llama-2-70b-hf', 'attn_pre_proj', 10240, 8192, 1024, '0.2715', 132),
    ('meta-llama/Llama-2-70b-hf', 'attn_pre_proj', 10240, 8192, 2048, '0.4955', 67),
    ('meta-llama/Llama-2-70b-hf', 'attn_pre_proj', 10240, 8192, 4096, '0.9824999999999999', 2),
    ('meta-llama/Llama-2-70b-hf', 'attn_post_proj', 8192, 8192, 128, '0.052000000000000005', 244),
    ('meta-llama/Llama-2-70b-hf', 'attn_post_proj', 8192, 8192, 256, '0.064', 228),
    ('meta-llama/Llama-2-70b-hf', 'attn_post_proj', 8192, 8192, 512, '0.094', 196),
    ('meta-llama/Llama-2-70b-hf', 'attn_post_proj', 8192, 8192, 1024, '0.258', 132),
    ('meta-llama/Llama-2-70b-hf', 'attn_post_proj', 8192, 8192, 2048, '0.395', 67),
    ('meta-llama/Llama-2-70b-hf', 'attn_post_proj', 8192, 8192, 4096, '0.7885', 2),
    ('meta-llama/Llama-2-70b-hf', 'mlp_up_proj', 57344, 8192, 128, '0.327', 244),
    ('meta-llama/Llama-2-70b-hf', 'mlp_up_proj', 57344, 8192, 256, '0.385', 228),
    ('meta-llama/Llama-2-70b-hf', 'mlp_up_proj', 57344, 8192, 512, '0.65', 196),
    ('meta-llama/Llama-2-70b-hf', 'mlp_up_proj', 57344, 8192, 1024, '1.3835000000000002', 132),
    ('meta-llama/Llama-2-70b-hf', 'mlp_up_proj', 57344, 8192, 2048, '2.732', 67),
    ('meta-llama/Llama-2-70b-hf', 'mlp_up_proj', 57344, 8192, 4096, '5.6685', 2),
    ('meta-llama/Llama-2-70b-hf', 'mlp_down_proj', 8192, 28672, 128, '0.166', 244),
    ('meta-llama/Llama-2-70b-hf', 'mlp_down_proj', 8192, 28672, 256, '0.1825', 228),
    ('meta-llama/Llama-2-70b-hf', 'mlp_down_proj', 8192, 28672, 512, '0.269', 196),
    ('meta-llama/Llama-2-70b-hf', 'mlp_down_proj', 8192, 28672, 1024, '0.846', 132),
    ('meta-llama/Llama-2-70b-hf', 'mlp_down_proj', 8192, 28672, 2048, '1.2805', 67),
    ('meta-llama/Llama-2-70b-hf', 'mlp_down_proj', 8192, 28672, 4096, '2.6470000000000002', 2),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_up_proj', 44032, 8192, 128, '0.271', 244),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_up_proj', 44032, 8192, 256, '0.2925', 228),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_up_proj', 44032, 8192, 512, '0.555', 196),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_up_proj', 44032, 8192, 1024, '1.0405', 132),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_up_proj', 44032, 8192, 2048, '2.16', 67),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_up_proj', 44032, 8192, 4096, '4.219', 2),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_down_proj', 8192, 22016, 128, '0.132', 244),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_down_proj', 8192, 22016, 256, '0.153', 228),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_down_proj', 8192, 22016, 512, '0.225', 196),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_down_proj', 8192, 22016, 1024, '0.662', 132),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_down_proj', 8192, 22016, 2048, '1.0150000000000001', 67),
    ('codellama/CodeLlama-34b-Instruct-hf', 'mlp_down_proj', 8192, 22016, 4096, '1.9875', 2),
    ('microsoft/phi-2', 'attn_pre_proj', 7680, 2560, 128, '0.02', 244),
    ('microsoft/phi-2', 'attn_pre_proj', 7680, 2560, 256, '0.023', 228),
    ('microsoft/phi-2', 'attn_pre_proj', 7680, 2560, 512, '0.04', 196),
    ('microsoft/phi-2', 'attn_pre_proj', 7680, 2560, 1024, '0.08549999999999999', 132),
    ('microsoft/phi-2', 'attn_pre_proj', 7680, 2560, 2048, '0.112', 67),
    ('microsoft/phi-2', 'attn_pre_proj', 7680, 2560, 4096, '0.209', 2),
    ('microsoft/phi-2', 'attn_post_proj', 2560, 2560, 128, '0.011', 244),
    ('microsoft/phi-2', 'attn_post_proj', 2560, 2560, 256, '0.014', 228),
    ('microsoft/phi-2', 'attn_post_proj', 2560, 2560, 512, '0.019', 196),
    ('microsoft/phi-2', 'attn_post_proj', 2560, 2560, 1024, '0.031', 132),
    ('microsoft/phi-2', 'attn_post_proj', 2560, 2560, 2048, '0.045', 67),
    ('microsoft/phi-2', 'attn_post_proj', 2560, 2560, 4096, '0.0845', 2),
    ('microsoft/phi-2', 'mlp_up_proj', 10240, 2560, 128, '0.026000000000000002', 244),
    ('microsoft/phi-2', 'mlp_up_proj', 10240, 2560, 256, '0.033', 228),
    ('microsoft/phi-2', 'mlp_up_proj', 10240, 2560, 512, '0.052000000000000005', 196),
    ('microsoft/phi-2', 'mlp_up_proj', 10240, 2560, 1024, '0.121', 132),
    ('microsoft/phi-2', 'mlp_up_proj', 10240, 2560, 2048, '0.147', 67),
    ('microsoft/phi-2', 'mlp_up_proj', 10240, 2560, 4096, '0.295', 2),
]
STREAMING = [  # (model path, tensor parallel, product column, N, K, median ms as printed, file line)
    ('meta-llama/Llama-2-7b-hf', 1, 'attn_pre_proj', 12288, 4096, '0.038', 262),
    ('meta-llama/Llama-2-7b-hf', 1, 'attn_post_proj', 4096, 4096, '0.016', 262),
    ('meta-llama/Llama-2-7b-hf', 1, 'mlp_up_proj', 22016, 4096, '0.064', 262),
    ('meta-llama/Llama-2-7b-hf', 1, 'mlp_down_proj', 4096, 11008, '0.038', 262),
    ('meta-llama/Llama-2-7b-hf', 2, 'attn_pre_proj', 6144, 4096, '0.02', 523),
    ('meta-llama/Llama-2-7b-hf', 2, 'attn_post_proj', 4096, 2048, '0.009000000000000001', 523),
    ('meta-llama/Llama-2-7b-hf', 2, 'mlp_down_proj', 4096, 5504, '0.02', 523),
    ('meta-llama/Llama-2-7b-hf', 4, 'attn_pre_proj', 3072, 4096, '0.014', 784),
    ('meta-llama/Llama-2-7b-hf', 4, 'attn_post_proj', 4096, 1024, '0.006', 784),
    ('meta-llama/Llama-2-7b-hf', 4, 'mlp_down_proj', 4096, 2752, '0.0115', 784),
    ('meta-llama/Llama-2-7b-hf', 8, 'attn_pre_proj', 1536, 4096, '0.007', 1045),
    ('meta-llama/Llama-2-7b-hf', 8, 'attn_post_proj', 4096, 512, '0.004', 1045),
    ('meta-llama/Llama-2-7b-hf', 8, 'mlp_down_proj', 4096, 1376, '0.006', 1045),
    ('meta-llama/Llama-2-70b-hf', 1, 'attn_pre_proj', 10240, 8192, '0.063', 262),
    ('meta-llama/Llama-2-70b-hf', 1, 'attn_post_proj', 8192, 8192, '0.048', 262),
    ('meta-llama/Llama-2-70b-hf', 1, 'mlp_up_proj', 57344, 8192, '0.311', 262),
    ('meta-llama/Llama-2-70b-hf', 1, 'mlp_down_proj', 8192, 28672, '0.171', 262),
    ('meta-llama/Llama-2-70b-hf', 2, 'attn_pre_proj', 5120, 8192, '0.032', 523),
    ('meta-llama/Llama-2-70b-hf', 2, 'attn_post_proj', 8192, 4096, '0.025', 523),
    ('meta-llama/Llama-2-70b-hf', 2, 'mlp_down_proj', 8192, 14336, '0.081', 523),
    ('meta-llama/Llama-2-70b-hf', 4, 'attn_pre_proj', 2560, 8192, '0.019', 784),
    ('meta-llama/Llama-2-70b-hf', 4, 'attn_post_proj', 8192, 2048, '0.016', 784),
    ('meta-llama/Llama-2-70b-hf', 4, 'mlp_down_proj', 8192, 7168, '0.043000000000000003', 784),
    ('meta-llama/Llama-2-70b-hf', 8, 'attn_pre_proj', 1280, 8192, '0.013000000000000001', 1045),
    ('meta-llama/Llama-2-70b-hf', 8, 'attn_post_proj', 8192, 1024, '0.009000000000000001', 1045),
    ('meta-llama/Llama-2-70b-hf', 8, 'mlp_down_proj', 8192, 3584, '0.022', 1045),
    ('codellama/CodeLlama-34b-Instruct-hf', 1, 'mlp_up_proj', 44032, 8192, '0.2405', 262),
    ('codellama/CodeLlama-34b-Instruct-hf', 1, 'mlp_down_proj', 8192, 22016, '0.125', 262),
    ('codellama/CodeLlama-34b-Instruct-hf', 2, 'mlp_down_proj', 8192, 11008, '0.068', 523),
    ('codellama/CodeLlama-34b-Instruct-hf', 4, 'mlp_down_proj', 8192, 5504, '0.032', 784),
    ('codellama/CodeLlama-34b-Instruct-hf', 8, 'mlp_down_proj', 8192, 2752, '0.018000000000000002', 1045),
    ('microsoft/phi-2', 1, 'attn_pre_proj', 7680, 2560, '0.016', 262),
    ('microsoft/phi-2', 1, 'attn_post_proj', 2560, 2560, '0.009000000000000001', 262),
    ('microsoft/phi-2', 1, 'mlp_up_proj', 10240, 2560, '0.022', 262),
]
ELEMENTWISE_MS = {  # num_tokens: (file line, input_layernorm, mlp_act, attn_rope, add medians in ms as printed)
    1: (262, '0.004', '0.006', '0.004', '0.001'),
    2: (261, '0.004', '0.007', '0.004', '0.001'),
    4: (260, '0.004', '0.007', '0.004', '0.001'),
    8: (259, '0.004', '0.007', '0.004', '0.001'),
    16: (258, '0.004', '0.007', '0.004', '0.0015'),
    32: (256, '0.004', '0.007', '0.005', '0.002'),
    64: (252, '0.004', '0.007', '0.004', '0.002'),
    128: (244, '0.004', '0.005', '0.004', '0.002'),
    256: (228, '0.004', '0.008', '0.007', '0.003'),
    512: (196, '0.007', '0.017', '0.011', '0.004'),
    1024: (132, '0.013000000000000001', '0.037', '0.021', '0.007'),
    2048: (67, '0.026000000000000002', '0.07', '0.041', '0.014499999999999999'),
    4096: (2, '0.0665', '0.139', '0.0835', '0.031'),
}

D, I, H, HKV, DH, E = 4096, 11008, 32, 32, 128, 2  # Llama-2-7B, fp16
# kernel, Vidur column, index in ELEMENTWISE_MS's tuple, bytes of one launch at R rows, the rule in words
KERNELS = [
    ("norm", "input_layernorm", 1, lambda r: E * (2 * r * D + D), "2 (2 R d + d), RMSNorm read and write R x d and its d weight"),
    ("act_mul", "mlp_act", 2, lambda r: E * 3 * r * I, "2 (3 R I), SiLU(gate) * up: read 2 R x I, write R x I"),
    ("rope", "attn_rope", 3, lambda r: E * 2 * r * (H + HKV) * DH, "2 (2 R (h + hkv) dh), q and k read and written"),
    ("add", "add", 4, lambda r: E * 3 * r * D, "2 (3 R d), residual add: read 2 R x d, write R x d"),
]
DDEF = ("Vidur operator profile: kernel time (torch.profiler record_function) of one M x N x K fp16 product, median over the "
        "profiled layers after 2 warm-up passes, in ms as printed; efficiency = 2 M N K / time / peak")
WDEF = ("Vidur operator profile: kernel time (torch.profiler record_function) of one 1 x N x K fp16 product (M = 1), median over "
        "the profiled layers after 2 warm-up passes, in ms as printed; bytes = 2 (N K + K + N); fraction = bytes / time / 3350 GB/s")


def base(**k):
    row = dict(gpu=GPU, library="", operator="", direction="", dtype="fp16", causal="", head_dim="", seq_len="", batch="1", heads="",
               kv_heads="", m="", n="", k="", achieved_tflops="", achieved_bandwidth_gbs="", time_us="", peak_reference_tflops="",
               peak_reference_bandwidth_gbs="", fraction_of_peak="", metric_definition="", value_kind="table", source="", note="")
    row.update({key: str(v) for key, v in k.items()})
    return row


def build():
    out = []
    for p, col, n, k, m, ms, ln in DENSE:
        if (p, col, m) in IN_OTHER:
            continue
        t = float(ms)
        tf = 2 * m * n * k / (t * 1e-3) / 1e12
        out.append(base(library="cublas (via torch F.linear, sarathi-serve parallel linear layers)", operator="dense_gemm", m=m, n=n, k=k,
                        time_us=round(t * 1e3, 1), achieved_tflops=round(tf, 1), peak_reference_tflops=PEAK_TFLOPS,
                        fraction_of_peak=round(tf / PEAK_TFLOPS, 3), metric_definition=DDEF, source=SRC.format(p=p, col=col, ln=ln),
                        note="%s tp1 %s at num_tokens %d: %s ms; N x K = %d x %d (%d); peak 989 TFLOP/s (H100 SXM fp16 dense)"
                             % (p.split("/")[1], col, m, ms, n, k, n * k)))
    for p, tp, col, n, k, ms, ln in STREAMING:
        t = float(ms)
        by = 2 * (n * k + k + n)
        gbs = by / (t * 1e-3) / 1e9
        out.append(base(library="cublas (via torch F.linear, sarathi-serve parallel linear layers)", operator="weight_streaming", m=1, n=n, k=k,
                        time_us=round(t * 1e3, 1), achieved_bandwidth_gbs=round(gbs, 1), peak_reference_bandwidth_gbs=BW_GBS,
                        fraction_of_peak=round(gbs / BW_GBS, 3), metric_definition=WDEF, source=SRC.format(p=p, col=col, ln=ln),
                        note="%s tp%d %s at num_tokens 1: %s ms; N x K = %d x %d; %d bytes" % (p.split("/")[1], tp, col, ms, n, k, by)))
    for name, col, at, bytes_of, rule in KERNELS:
        for r in sorted(ELEMENTWISE_MS):
            ln, t = ELEMENTWISE_MS[r][0], float(ELEMENTWISE_MS[r][at])
            by = bytes_of(r)
            gbs = by / (t * 1e-3) / 1e9
            out.append(base(library="torch / sarathi-serve custom ops (via Vidur's profiler)", operator="elementwise_" + name, m=r,
                            time_us="%.1f" % (t * 1000), achieved_bandwidth_gbs="%.1f" % gbs, peak_reference_bandwidth_gbs=BW_GBS,
                            fraction_of_peak="%.4f" % (gbs / BW_GBS),
                            metric_definition="Vidur operator profile: kernel time (torch.profiler record_function) of one %s launch over num_tokens "
                                              "rows, median over the profiled layers after 2 warm-up passes, in ms as printed (3 decimals: +-10%% "
                                              "at 5 us, +-50%% at 1 us); bytes = %s; fraction = bytes / time / 3350 GB/s" % (name, rule),
                            source=SRC.format(p="meta-llama/Llama-2-7b-hf", col=col, ln=ln),
                            note="Llama-2-7B tp1 %s at num_tokens %d: %g ms; %d bytes" % (col, r, t, by)))
    return out


rows = build()

if __name__ == "__main__" and len(sys.argv) > 1:
    # check the copy above against Vidur's files
    def table(p):
        t = list(csv.reader(open(os.path.join(sys.argv[1], p, "mlp.csv"))))
        return t, {name: i for i, name in enumerate(t[0])}
    def first(t, c, tokens, tp):  # the first line of num_tokens `tokens` at tensor parallel `tp`
        return next(i for i, r in enumerate(t[1:], 2) if int(r[c["num_tokens"]]) == tokens and int(r[c["num_tensor_parallel_workers"]]) == tp)

    def shape(r, c, col, tp):  # N, K of one GPU's shard of a product, from the table's header columns
        h, kv, d, f = (int(r[c[x]]) for x in ("n_head", "n_kv_head", "n_embd", "n_expanded_embd"))
        up = (2 if r[c["use_gated_mlp"]] == "True" else 1) * f
        return {"attn_pre_proj": ((h + 2 * kv) * (d // h) // tp, d), "attn_post_proj": (d, d // tp),
                "mlp_up_proj": (up // tp, d), "mlp_down_proj": (d, f // tp)}[col]
    for p, col, n, k, m, ms, ln in DENSE:
        t, c = table(p)
        r = t[ln - 1]
        assert ln == first(t, c, m, 1) and shape(r, c, col, 1) == (n, k), (p, col, m)
        assert (int(r[c["num_tokens"]]), r[c["num_tensor_parallel_workers"]], r[c["time_stats.%s.median" % col]]) == (m, "1", ms), (p, col, m)
    for p, tp, col, n, k, ms, ln in STREAMING:
        t, c = table(p)
        r = t[ln - 1]
        assert ln == first(t, c, 1, tp) and shape(r, c, col, tp) == (n, k), (p, tp, col)
        assert (r[c["num_tokens"]], int(r[c["num_tensor_parallel_workers"]]), r[c["time_stats.%s.median" % col]]) == ("1", tp, ms), (p, tp, col)
    t, c = table("meta-llama/Llama-2-7b-hf")
    for r_, (ln, *ms) in ELEMENTWISE_MS.items():
        r = t[ln - 1]
        assert ln == first(t, c, r_, 1), (r_, ln)
        for (_, col, _, _, _), v in zip(KERNELS, ms):
            assert r[c["time_stats.%s.median" % col]] == v, (r_, col)
    print("the copy matches", sys.argv[1])
