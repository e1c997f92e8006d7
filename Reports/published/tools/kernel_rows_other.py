# Kernel-level rows other than the FlashAttention figures. Values are as printed by the source unless value_kind says otherwise.
rows=[]
def add(**k):
    base=dict(gpu="",library="",operator="",direction="",dtype="",causal="",head_dim="",seq_len="",batch="",heads="",kv_heads="",m="",n="",k="",achieved_tflops="",achieved_bandwidth_gbs="",time_us="",peak_reference_tflops="",peak_reference_bandwidth_gbs="",fraction_of_peak="",metric_definition="",source="",note="",value_kind="")
    base.update(k); rows.append(base)

# ---- peaks ----
MLE="stas00/ml-engineering compute/accelerator/README.md @b9e29720eebd4aa946fa9678975385efbc90a777"
FIB="flashinfer-ai/flashinfer-ai.github.io _posts/2024-01-03-introduce-flashinfer.md @0620b49153aff13bed7aef05829e5dc659dd3f00 (hardware table)"
for gpu,tf,bw,src,note in [
 ("H100-SXM5-80GB",989,3350,MLE+" (TFLOPS comparison table: bf16 989 dense; memory table: 3.35 TBps HBM3)","dense (no sparsity) bf16/fp16 tensor-core peak; NVIDIA datasheet figure 1,979 TFLOPS is with 2:4 sparsity. FA3 paper App. C.1: 989 TFLOPS is computed at 1830 MHz"),
 ("H100-SXM5-80GB",989,3352,FIB,"FlashInfer blog hardware table: 989 TFLOPs/s tensor peak, 3,352 GB/s"),
 ("H200-SXM-141GB",989,4800,MLE,"same compute as H100 SXM; 4.8 TBps HBM3e"),
 ("A100-SXM4-80GB",312,2000,MLE+" (memory table lists A100 SXM 80GB HBM2e 2.00 TBps; NVIDIA's A100 80GB SXM datasheet figure is 2,039 GB/s, not read here)","bf16/fp16 dense tensor-core peak 312 TFLOPS"),
 ("A100-PCIe-80GB",312,1935,FIB,"FlashInfer blog hardware table (A100 PCIe 80GB): 312 TFLOPs/s, 1,935 GB/s"),
 ("A100-PCIe-80GB",312,1940,MLE,"ml-engineering memory table: 1.94 TBps"),
]:
    add(gpu=gpu,library="datasheet",operator="peak_reference",dtype="bf16/fp16 dense tensor core",peak_reference_tflops=tf,peak_reference_bandwidth_gbs=bw,metric_definition="theoretical peak (no sparsity)",source=src,note=note,value_kind="spec")
add(gpu="H100-SXM5-80GB",library="datasheet",operator="peak_reference",dtype="fp8 dense tensor core",peak_reference_tflops=1979,metric_definition="theoretical peak (no sparsity)",source=MLE,note="fp8 dense peak (3,958 with sparsity)",value_kind="spec")

# ---- dense GEMM: Maximum Achievable Matmul FLOPS (torch.matmul -> cuBLAS) ----
MDEF="MAMF: best mean TFLOPS of torch matmul over a brute-force search of M x N x K shapes (mean of 100 iterations after 50 warm-up, cache reset between runs in the v2 table); efficiency = MAMF/theoretical peak"
for gpu,v,peak,shape,tv,ver in [("A100-SXM4-80GB",271.2,312,"1024x10240x5120","bf16","torch 2.6.0+cu126"),("H100-SXM5-80GB",794.5,989,"2048x2048x13312","bf16","torch 2.7.0+cu126"),("A100-PCIe-80GB",252.9,312,"2048x5120x6144","bf16","torch 2.5.1+cu124"),("GH200-141GB (H100-class, 900W)",828.6,989,"1024x15360x4096","bf16","torch 2.6.0+cu126"),("H100-SXM5-80GB",1402.6,1979,"1024x9216x14336","fp8 e4m3","torch 2.7.0+cu126")]:
    m,n,k=shape.split('x')
    add(gpu=gpu,library="cublas (via torch.matmul)",operator="dense_gemm",dtype=tv,m=m,n=n,k=k,achieved_tflops=v,peak_reference_tflops=peak,fraction_of_peak=round(v/peak,3),metric_definition=MDEF,source=MLE+" section 'Maximum Achievable Matmul FLOPS comparison table' (v2 table)",note=ver+"; best shape found by the search, i.e. an upper envelope, not the efficiency at an arbitrary shape",value_kind="table")
add(gpu="H200-SXM-141GB",library="cublas (via torch.matmul)",operator="dense_gemm",dtype="fp8 e4m3",m=1280,n=4096,k=12032,achieved_tflops=1453.4,peak_reference_tflops=1979,fraction_of_peak=round(1453.4/1979,3),metric_definition=MDEF,source="stas00/ml-engineering compute/accelerator/README.md, newest stored version (index file id 58395098631; commit not returned by the index)",note="torch 2.7.1+cu128",value_kind="table")
for gpu,v,peak,shape in [("A100-SXM4-80GB",267.9,312,"6912x2048x16384"),("H100-SXM5-80GB",792.1,989,"6144x2816x17920")]:
    m,n,k=shape.split('x')
    add(gpu=gpu,library="cublas (via torch.matmul)",operator="dense_gemm",dtype="bf16",m=m,n=n,k=k,achieved_tflops=v,peak_reference_tflops=peak,fraction_of_peak=round(v/peak,3),metric_definition="MAMF v1 table (no cache reset between iterations)",source=MLE+" (older v1 table, CUDA-12.1)",note="kept for comparison; v1 did not flush caches",value_kind="table")

# ---- decode attention: Flash-Decoding blog micro-benchmark (exact table) ----
FD="pytorch/pytorch.github.io blog post 'Flash-Decoding for long-context inference' (Dao, Haziza, Massa, Sizov, Oct 2023), section 'Component-level micro-benchmarks' table; same table at crfm.stanford.edu/2023/10/12/flashdecoding.html"
FDDEF="run-time in us of scaled multi-head attention for decoding (1 query token), A100, f16, 16 query heads, 2 KV heads, head dim 128 (CodeLlama-34b on 4 GPUs); achieved_bandwidth_gbs DERIVED here = K+V bytes (2*B*seqlen*2*128*2) / time, Q/O bytes ignored"
tab=[(256,256,3058.6,390.5,63.4),(128,512,3151.4,366.3,67.7),(64,1024,3160.4,364.8,77.7),(32,2048,3158.3,352,58.5),(16,4096,3157,401.7,57),(8,8192,3173.1,529.2,56.4),(4,16384,3223,582.7,58.2),(2,32768,3224.1,1156.1,60.3),(1,65536,1335.6,2300.6,64.4),(1,131072,2664,4592.2,106.6)]
for B,L,pt,fa,fd in tab:
    kvbytes=2*B*L*2*128*2
    for lib,t in [("pytorch_eager",pt),("flash2 v2.0.9 (no split-KV)",fa),("flash-decoding (split-KV)",fd)]:
        bw=round(kvbytes/(t*1e-6)/1e9,1)
        add(gpu="A100 (form factor not stated)",library=lib,operator="decode_attention",direction="forward",dtype="fp16",head_dim=128,seq_len=L,batch=B,heads=16,kv_heads=2,time_us=t,achieved_bandwidth_gbs=bw,peak_reference_bandwidth_gbs="2039 (SXM4 80GB) / 1555 (40GB) - unknown which",metric_definition=FDDEF,source=FD,note="time exact as printed; bandwidth derived; the text says 'We set the batch size to 1' but the table varies B (B*seqlen = 65536 except the last row)",value_kind="table (time) / derived (bandwidth)")

# ---- decode attention: FlashInfer blog figures (read from figure) ----
FIS="flashinfer-ai/flashinfer-ai.github.io assets/imgs/single-decode-benchmark.png (Figure 5 of post _posts/2024-01-03-introduce-flashinfer.md) @13d192bdc89ca7dbb90344207e783607d985b5db (image last changed 1543b2e4914b60ab5ed28dd3a54c681c99b731a4)"
FIDEF="GPU memory bandwidth utilization = bytes read by the kernel / kernel latency / hardware bandwidth (blog 'Metrics'); nvbench cold L2 (flushed before each launch); Llama-7B setting: 32 qo heads = 32 kv heads, head dim 128, fp16; FlashInfer 0.0.1, FlashAttention 2.4.2, vLLM 0.2.6, CUDA 12.3.1"
single={"H100-SXM5-80GB":{"flashinfer (split-KV)":[(2048,36.5),(4096,47.5),(8192,61.5),(16384,74.2),(32768,83.5),(65536,89.0)],"flash2 2.4.2 (flash-decoding)":[(2048,34.1),(4096,43.2),(8192,57.7),(16384,70.0),(32768,78.9),(65536,83.9)],"flashinfer (no split-KV)":[(2048,30.2),(4096,36.7),(8192,41.5),(16384,44.6),(32768,46.4),(65536,47.2)]},
 "A100-PCIe-80GB":{"flashinfer (split-KV)":[(2048,41.2),(4096,53.0),(8192,66.8),(16384,77.5),(32768,83.9),(65536,87.3)],"flash2 2.4.2 (flash-decoding)":[(2048,35.3),(4096,44.4),(8192,58.0),(16384,66.8),(32768,72.2),(65536,75.7)],"flashinfer (no split-KV)":[(2048,43.6),(4096,48.2),(8192,52.5),(16384,54.7),(32768,56.1),(65536,56.7)]}}
pk={"H100-SXM5-80GB":3352,"A100-PCIe-80GB":1935}
for gpu,libs in single.items():
  for lib,pts in libs.items():
    for L,u in pts:
      prec="+-2 pp" if L>=8192 else "+-5 pp (curves overlap at short lengths)"
      add(gpu=gpu,library=lib,operator="decode_attention",direction="forward",dtype="fp16",head_dim=128,seq_len=L,batch=1,heads=32,kv_heads=32,fraction_of_peak=round(u/100,3),peak_reference_bandwidth_gbs=pk[gpu],metric_definition=FIDEF+"; single request (batch 1)",source=FIS,note=f"read from figure by pixel position of the markers (assumed at powers of two), precision {prec}",value_kind="read_from_figure")
FIBS="flashinfer-ai/flashinfer-ai.github.io assets/imgs/batch-decode-benchmark.png (Figure 6 of the same post) @13d192bdc89ca7dbb90344207e783607d985b5db"
Ls=[32,64,128,256,512,1024,2048,4096,8192,16384,32768,65536]
batch={"H100-SXM5-80GB":{("flashinfer paged",64):[41,51,64,76,83,88],("vllm 0.2.6 PagedAttention v2",64):[28,44,58,69.5,77,85],("flashinfer paged",16):[18.5,29,40.5,51.5,64,76,84,89],("vllm 0.2.6 PagedAttention v2",16):[15.5,26,37,47,61,71,77,85],("flashinfer paged",1):[1.5,3,6,7,15,22,35,45,59.5,73,82.5,88],("vllm 0.2.6 PagedAttention v2",1):[1.5,2.5,4,6,8,14.5,25,41,59.5,69.5,75,82.5]},
 "A100-PCIe-80GB":{("flashinfer paged",64):[41,52,65.5,76.5,83.5,87],("vllm 0.2.6 PagedAttention v2",64):[33,47.5,60,70.5,77.5,80.5],("flashinfer paged",16):[23.5,33,42,52,67,75.5,81,84],("vllm 0.2.6 PagedAttention v2",16):[18.5,28.5,37,46.5,57.5,70,77,80.5],("flashinfer paged",1):[3.5,5.5,10,16,24.5,32,42,52.5,67.5,77.5,83.5,87],("vllm 0.2.6 PagedAttention v2",1):[2,3.5,6,9.5,12.5,22.5,33.5,46.5,56.5,69,76,79.5]}}
for gpu,d in batch.items():
  for (lib,b),vals in d.items():
    for L,u in zip(Ls,vals):
      add(gpu=gpu,library=lib,operator="decode_attention",direction="forward",dtype="fp16",head_dim=128,seq_len=L,batch=b,heads=32,kv_heads=32,fraction_of_peak=round(u/100,3),peak_reference_bandwidth_gbs=pk[gpu],metric_definition=FIDEF+"; batch decode with paged KV cache, sequence length per request",source=FIBS,note="read from figure by eye on a full-resolution crop (log x axis, markers at powers of two), precision +-3 pp",value_kind="read_from_figure")

# ---- launch overhead ----
CG="NVIDIA Technical Blog 'Getting Started with CUDA Graphs' (A. Gray, 2019) https://developer.nvidia.com/blog/cuda-graphs/ - primary page not in the stored corpora; numbers as quoted in two independent public notes found by find_string (index file ids 71162083087 and 57935530675)"
for t,what in [(2.9,"kernel execution time of the short kernel itself"),(9.6,"time per kernel incl. overheads, launch + cudaStreamSynchronize after every kernel"),(3.8,"time per kernel incl. overheads, launches queued on a stream, one sync per step"),(3.4,"time per kernel incl. overheads, whole step captured in a CUDA graph")]:
    add(gpu="V100 (CUDA 10.1)",library="cuda runtime",operator="launch_overhead",time_us=t,metric_definition="20 short kernels per step, repeated; "+what,source=CG,note="V100 not A100/H100; graph creation+instantiation about 400 us, one-off; secondary quotation, verify against the primary page before relying on it",value_kind="secondary_quote")

# ---- FA3 fp8 statements ----
add(gpu="H100-SXM5-80GB",library="flash3",operator="prefill_attention",direction="forward",dtype="fp8 e4m3",achieved_tflops="close to 1200 (text claim)",peak_reference_tflops=1979,metric_definition="abstract/blog claim: 'With FP8, FlashAttention-3 reaches close to 1.2 PFLOPS'",source="pytorch/pytorch.github.io _posts/2024-07-11-flashattention-3.md (FA3 blog); arXiv:2407.08608 abstract",note="per-shape FP8 values are only in the paper's Fig. 7/9 images, which were not readable here",value_kind="text_claim")
add(gpu="H100-SXM5-80GB",library="flash3",operator="prefill_attention",direction="forward",dtype="fp16",achieved_tflops="up to 740 (text claim)",peak_reference_tflops=989,fraction_of_peak=0.75,metric_definition="blog claim: '1.5-2.0x faster than FlashAttention-2 with FP16, up to 740 TFLOPS, i.e. 75% utilization of H100 theoretical max FLOPS'",source="pytorch/pytorch.github.io _posts/2024-07-11-flashattention-3.md",note="the figure rows above (max 756 at hd256) are the per-shape evidence",value_kind="text_claim")
add(gpu="H100-SXM5-80GB",library="flash2",operator="prefill_attention",direction="forward",dtype="fp16",achieved_tflops="",fraction_of_peak=0.35,metric_definition="blog claim: 'FlashAttention-2 achieving only 35% utilization of theoretical max FLOPs on the H100 GPU'",source="pytorch/pytorch.github.io _posts/2024-07-11-flashattention-3.md",note="",value_kind="text_claim")

# ---- decode attention, GQA (FlashInfer blog Figs. 8 and 9; read from figure by marker pixel position) ----
GQ="flashinfer-ai/flashinfer-ai.github.io assets/imgs/{f}.png (Figure {n} of _posts/2024-01-03-introduce-flashinfer.md) @13d192bdc89ca7dbb90344207e783607d985b5db"
GQDEF=FIDEF.replace("Llama-7B setting: 32 qo heads = 32 kv heads","llama2-70b tp=2 setting: 32 qo heads, 4 kv heads (GQA group 8)")
sg={"H100-SXM5-80GB":{"flashinfer (tensor cores)":[(2048,8.2),(4096,15.1),(8192,23.8),(16384,33.9),(32768,44.4),(65536,59.2)],"flash2 2.4.2":[(2048,3.6),(4096,8.8),(8192,17.2),(16384,29.4),(32768,39.9),(65536,53.3)],"flashinfer (cuda cores)":[(2048,5.2),(4096,11.0),(8192,20.6),(16384,28.3),(32768,36.3),(65536,42.7)]},
    "A100-PCIe-80GB":{"flashinfer (tensor cores)":[(2048,11.6),(4096,20.8),(8192,29.6),(16384,37.0),(32768,48.3),(65536,63.1)],"flash2 2.4.2":[(2048,9.9),(4096,18.0),(8192,25.1),(16384,32.0),(32768,43.1),(65536,55.6)],"flashinfer (cuda cores)":[(2048,7.9),(4096,14.8),(8192,18.2),(16384,27.0),(32768,35.1),(65536,40.6)]}}
for gpu,libs in sg.items():
  for lib,pts in libs.items():
    for L,u in pts:
      add(gpu=gpu,library=lib,operator="decode_attention",direction="forward",dtype="fp16",head_dim=128,seq_len=L,batch=1,heads=32,kv_heads=4,fraction_of_peak=round(u/100,3),peak_reference_bandwidth_gbs=pk[gpu],metric_definition=GQDEF+"; single request",source=GQ.format(f="single-gqa-benchmark",n=8),note="read from figure by marker pixel position, precision +-2 pp (+-4 pp at 2k-4k where curves overlap)",value_kind="read_from_figure")
bg={"H100-SXM5-80GB":{"flashinfer paged (tensor cores)":[(256,36.1),(512,47.0),(1024,60.5),(2048,73.4),(4096,82.6),(8192,88.6)],"vllm 0.2.6 PagedAttention v2":[(256,15.2),(512,19.3),(1024,23.4),(2048,26.3),(4096,27.8),(8192,28.5)],"flashinfer paged (cuda cores)":[(256,26.0),(512,36.5),(1024,41.8),(2048,47.2),(4096,49.6),(8192,50.9)]},
    "A100-PCIe-80GB":{"flashinfer paged (tensor cores)":[(256,40.6),(512,50.6),(1024,62.9),(2048,71.5),(4096,76.8),(8192,79.4)],"vllm 0.2.6 PagedAttention v2":[(256,18.2),(512,22.3),(1024,23.6),(2048,25.4),(4096,26.0),(8192,26.4)],"flashinfer paged (cuda cores)":[(256,31.3),(512,34.1),(1024,41.9),(2048,42.8),(4096,43.6),(8192,43.8)]}}
for gpu,libs in bg.items():
  for lib,pts in libs.items():
    for L,u in pts:
      add(gpu=gpu,library=lib,operator="decode_attention",direction="forward",dtype="fp16",head_dim=128,seq_len=L,batch=64,heads=32,kv_heads=4,fraction_of_peak=round(u/100,3),peak_reference_bandwidth_gbs=pk[gpu],metric_definition=GQDEF+"; batch decode, paged KV, batch 64, sequence length per request",source=GQ.format(f="batch-gqa-benchmark",n=9),note="read from figure by marker pixel position, precision +-2 pp",value_kind="read_from_figure")

# ---- dense GEMM by rows (issue 15 review): XLA's default matmul performance table ----
# OpenXLA's GPU cost model ships a table of measured cuBLAS matmul rates per (batch, m, n, k) and
# dtype for sm_90 (H100). Rows taken: batch 1, n = k = 4096 (a 7B-class projection), m = 256 ... 4096
# (m = 2048 is not read: interpolated between its neighbours). flops/s as printed; peak 989 TFLOP/s
# (H100 SXM dense bf16, as the other H100 rows here).
XLA="tensorflow/tensorflow third_party/xla/xla/service/gpu/model/matmul_interpolator_data.h @372d578bb861cc5804e56d37d93aec931a59762c (kDefaultMatmulPTable, key sm_90)"
XDEF="measured bf16 x bf16 -> bf16 matmul rate (flops/s) of XLA's default matmul performance table, one entry per b, m, n, k; efficiency = rate / 989 TFLOP/s"
for m,flops in [(256,412026793553338),(512,644116271145770),(1024,738474431911967),(4096,783328793548203)]:
    add(gpu="H100 (sm_90)",library="cublas (via XLA)",operator="dense_gemm",dtype="bf16",batch=1,m=m,n=4096,k=4096,achieved_tflops=round(flops/1e12,1),peak_reference_tflops=989,fraction_of_peak=round(flops/1e12/989,3),metric_definition=XDEF,source=XLA,note="entry b 1, m %d, n 4096, k 4096: %d flops/s; the table names the compute capability, not the H100 variant (the 4096^3 rate, 79%% of 989, matches the SXM MAMF rows k341/k347)" % (m,flops),value_kind="table")

# ---- dense GEMM by rows on the A100 (issue 15, session 3): Vidur's measured operator table ----
# microsoft/vidur profiles each operator of a model with sarathi-serve's layers (fp16, dummy weights,
# one GPU; torch.profiler record_function, kernel time only, median over the 20 profiled layers) and
# commits the times in ms per num_tokens. Llama-2-7B at tensor parallel 1: attn_post_proj is the
# output projection, one M x 4096 x 4096 product (no bias), the shape of the H100 rows above.
# Rows taken: every power of two M from 256 to 4096, where a 4096 x 4096 product is on the compute
# side of the A100's ridge (2 M N K / (2 (M K + N K + M N)) >= 312 / 2.039 = 153 FLOP/byte from
# M 256; M 128 gives 120); the profiler's token list repeats 2048 and 4096, and both rows are kept.
# The repository does not say which A100 80GB part measured it: docs/profiling.md files one compute
# table per SKU, used for both its "A100 80GB DGX" (SXM) and its Azure NC96ads_A100_v4 (PCIe) nodes.
# The H100 rows (data/profiling/compute/h100/..., "H100 DGX") were a cross-check of the method against
# XLA's table (k597-k600); since issue 15's eighth session the H100 and H200 profiles read the first of
# each M with the other shapes of kernel_rows_vidur_h100.py.
VID="microsoft/vidur data/profiling/compute/{g}/meta-llama/Llama-2-7b-hf/mlp.csv @7d47513363ec447a741ac5e47241580b47724fbf (added in bee57dafa1eb2dc422dcaec46a66975599a6a242 (A100) and e26eb8f79fa9a6a7c38eac0f5291302402b20364 (H100), 2024-05-14), column time_stats.attn_post_proj.median, line {ln}"
VDEF="Vidur operator profile: kernel time (torch.profiler record_function) of one M x N x K fp16 product, median over 20 layers after 2 warm-up passes, in ms as printed; efficiency = 2 M N K / time / peak"
for gpu,g,peak,pts,note in [
    ("A100 80GB (SXM or PCIe: not stated)","a100",312,[(4096,0.611,2),(4096,0.603,3),(2048,0.301,67),(2048,0.301,68),(1024,0.176,132),(512,0.088,196),(256,0.052,228)],"read by the A100 SXM profile; peak 312 TFLOP/s (A100 fp16 dense, both SXM and PCIe)"),
    ("H100 (Vidur h100: H100 DGX, SXM)","h100",989,[(4096,0.193,2),(4096,0.195,3),(2048,0.096,67),(2048,0.094,68),(1024,0.049,132),(512,0.029,196),(256,0.022,228)],"the H100 SXM and H200 profiles read the first line of each M (k608, k610, k612-k614) since issue 15's eighth session, with the other shapes of kernel_rows_vidur_h100.py; until then a cross-check against XLA's sm_90 table (k597-k600)")]:
    for m,ms,ln in pts:
        tf=2*m*4096*4096/(ms*1e-3)/1e12
        add(gpu=gpu,library="cublas (via torch F.linear, sarathi-serve RowParallelLinear)",operator="dense_gemm",dtype="fp16",batch=1,m=m,n=4096,k=4096,time_us=round(ms*1e3,1),achieved_tflops=round(tf,1),peak_reference_tflops=peak,fraction_of_peak=round(tf/peak,3),metric_definition=VDEF,source=VID.format(g=g,ln=ln),note="Llama-2-7B tp1 attn_post_proj at num_tokens %d: %s ms; %s" % (m,ms,note),value_kind="table")

# ---- dense GEMM at M = 128 on the A100 (issue 15, session 5): the same Vidur table, line 244 ----
# num_tokens 128 of the table above, for Llama-2-7B's four products at tensor parallel 1. attn_post_proj
# (M x 4096 x 4096) extends the A100 rows curve down to M 128: the product is on the memory side of the
# ridge there (120 FLOP/byte), but its measured kernel (32 us) is longer than its compute time at the M 256
# point (26 us) and than its 33.5 MB weight read at the full 2039 GB/s (16.5 us), so holding the M 256
# point flat below 256 priced it a fifth fast. The other three products at their own widths are kept for
# the N and K dependence at small M, read by no profile: attn_pre_proj (the fused q, k, v projection,
# N 12288, K 4096), mlp_up_proj (the fused gate and up projections, N 22016, K 4096), mlp_down_proj
# (N 4096, K 11008).
VID128="microsoft/vidur data/profiling/compute/a100/meta-llama/Llama-2-7b-hf/mlp.csv @7d47513363ec447a741ac5e47241580b47724fbf (added in bee57dafa1eb2dc422dcaec46a66975599a6a242, 2024-05-14), column time_stats.{col}.median, line 244"
for col,n,k,ms,note in [
    ("attn_post_proj",4096,4096,0.032,"the output projection; read by the A100 SXM profile (the rows curve's first point)"),
    ("attn_pre_proj",12288,4096,0.0745,"the fused q, k, v projection; N and K dependence at small M, read by no profile"),
    ("mlp_up_proj",22016,4096,0.157,"the fused gate and up projections; N and K dependence at small M, read by no profile"),
    ("mlp_down_proj",4096,11008,0.088,"the down projection; N and K dependence at small M, read by no profile")]:
    m=128
    tf=2*m*n*k/(ms*1e-3)/1e12
    add(gpu="A100 80GB (SXM or PCIe: not stated)",library="cublas (via torch F.linear, sarathi-serve RowParallelLinear)",operator="dense_gemm",dtype="fp16",batch=1,m=m,n=n,k=k,time_us=round(ms*1e3,1),achieved_tflops=round(tf,1),peak_reference_tflops=312,fraction_of_peak=round(tf/312,3),metric_definition=VDEF,source=VID128.format(col=col),note="Llama-2-7B tp1 %s at num_tokens %d: %s ms; %s; peak 312 TFLOP/s (A100 fp16 dense, both SXM and PCIe)" % (col,m,ms,note),value_kind="table")

# ---- dense GEMM by shape on the A100 (issue 15, session 6): the same Vidur tables, several models ----
# Vidur's A100 operator tables for five models at tensor parallel 1 (the first row of each num_tokens
# M = 128, 256, ..., 4096 at num_tensor_parallel_workers 1; the file line is given per row). Each
# model's four products with weights, their N x K from the model's header columns (n_head, n_kv_head,
# n_embd, n_expanded_embd, use_gated_mlp; head dim = n_embd / n_head):
#   attn_pre_proj   N = (n_head + 2 n_kv_head) hd, K = n_embd   (the fused q, k, v projection)
#   attn_post_proj  N = n_embd, K = n_head hd                    (the output projection)
#   mlp_up_proj     N = 2 n_expanded_embd (gated) or n_expanded_embd, K = n_embd
#   mlp_down_proj   N = n_embd, K = n_expanded_embd
# Models in this order: Llama-2-7B, Llama-2-70B, CodeLlama-34B, Meta-Llama-3-8B, phi-2; a product whose
# N x K equals one already taken is left out (CodeLlama-34B's q k v and output projections equal
# Llama-2-70B's, Llama-3-8B's output projection equals Llama-2-7B's, phi-2's down projection
# (2560 x 10240) has the N x K of its up projection (10240 x 2560)). Llama-2-7B's output projection
# (k601-k607, k615) and its M 128 products (k616-k618) are above. phi-2's products carry a bias.
VIDS="microsoft/vidur data/profiling/compute/a100/{p}/mlp.csv @7d47513363ec447a741ac5e47241580b47724fbf, column time_stats.{col}.median, line {ln}"
for p,name,col,n,k,m,ms,ln in [
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","attn_pre_proj",12288,4096,256,0.112,228),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","attn_pre_proj",12288,4096,512,0.234,196),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","attn_pre_proj",12288,4096,1024,0.475,132),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","attn_pre_proj",12288,4096,2048,0.979,67),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","attn_pre_proj",12288,4096,4096,1.911,2),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","mlp_up_proj",22016,4096,256,0.229,228),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","mlp_up_proj",22016,4096,512,0.402,196),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","mlp_up_proj",22016,4096,1024,0.877,132),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","mlp_up_proj",22016,4096,2048,1.694,67),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","mlp_up_proj",22016,4096,4096,3.3655,2),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","mlp_down_proj",4096,11008,256,0.1095,228),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","mlp_down_proj",4096,11008,512,0.229,196),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","mlp_down_proj",4096,11008,1024,0.431,132),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","mlp_down_proj",4096,11008,2048,0.851,67),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B","mlp_down_proj",4096,11008,4096,1.604,2),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_pre_proj",10240,8192,128,0.135,244),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_pre_proj",10240,8192,256,0.239,228),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_pre_proj",10240,8192,512,0.3865,196),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_pre_proj",10240,8192,1024,0.8025,132),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_pre_proj",10240,8192,2048,1.45,67),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_pre_proj",10240,8192,4096,2.872,2),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_post_proj",8192,8192,128,0.12,244),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_post_proj",8192,8192,256,0.187,228),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_post_proj",8192,8192,512,0.3555,196),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_post_proj",8192,8192,1024,0.647,132),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_post_proj",8192,8192,2048,1.208,67),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","attn_post_proj",8192,8192,4096,2.377,2),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_up_proj",57344,8192,128,0.72,244),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_up_proj",57344,8192,256,1.1555,228),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_up_proj",57344,8192,512,2.133,196),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_up_proj",57344,8192,1024,4.4245,132),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_up_proj",57344,8192,2048,8.1025,67),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_up_proj",57344,8192,4096,15.9405,2),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_down_proj",8192,28672,128,0.322,244),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_down_proj",8192,28672,256,0.535,228),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_down_proj",8192,28672,512,1.035,196),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_down_proj",8192,28672,1024,2.254,132),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_down_proj",8192,28672,2048,4.08,67),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B","mlp_down_proj",8192,28672,4096,8.0635,2),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_up_proj",44032,8192,128,0.508,244),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_up_proj",44032,8192,256,0.876,228),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_up_proj",44032,8192,512,1.65,196),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_up_proj",44032,8192,1024,3.4065,132),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_up_proj",44032,8192,2048,6.3645,67),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_up_proj",44032,8192,4096,12.1265,2),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_down_proj",8192,22016,128,0.261,244),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_down_proj",8192,22016,256,0.41,228),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_down_proj",8192,22016,512,0.817,196),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_down_proj",8192,22016,1024,1.7515,132),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_down_proj",8192,22016,2048,3.1695,67),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B","mlp_down_proj",8192,22016,4096,6.2015,2),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","attn_pre_proj",6144,4096,128,0.043,439),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","attn_pre_proj",6144,4096,256,0.075,423),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","attn_pre_proj",6144,4096,512,0.13,391),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","attn_pre_proj",6144,4096,1024,0.246,327),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","attn_pre_proj",6144,4096,2048,0.467,262),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","attn_pre_proj",6144,4096,4096,1.013,197),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_up_proj",28672,4096,128,0.191,439),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_up_proj",28672,4096,256,0.291,423),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_up_proj",28672,4096,512,0.516,391),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_up_proj",28672,4096,1024,1.172,327),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_up_proj",28672,4096,2048,2.2485,262),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_up_proj",28672,4096,4096,4.127,197),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_down_proj",4096,14336,128,0.111,439),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_down_proj",4096,14336,256,0.135,423),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_down_proj",4096,14336,512,0.263,391),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_down_proj",4096,14336,1024,0.576,327),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_down_proj",4096,14336,2048,1.049,262),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B","mlp_down_proj",4096,14336,4096,2.052,197),
    ("microsoft/phi-2","phi-2","attn_pre_proj",7680,2560,128,0.043,244),
    ("microsoft/phi-2","phi-2","attn_pre_proj",7680,2560,256,0.071,228),
    ("microsoft/phi-2","phi-2","attn_pre_proj",7680,2560,512,0.101,196),
    ("microsoft/phi-2","phi-2","attn_pre_proj",7680,2560,1024,0.1755,132),
    ("microsoft/phi-2","phi-2","attn_pre_proj",7680,2560,2048,0.3985,67),
    ("microsoft/phi-2","phi-2","attn_pre_proj",7680,2560,4096,0.651,2),
    ("microsoft/phi-2","phi-2","attn_post_proj",2560,2560,128,0.017,244),
    ("microsoft/phi-2","phi-2","attn_post_proj",2560,2560,256,0.025,228),
    ("microsoft/phi-2","phi-2","attn_post_proj",2560,2560,512,0.038,196),
    ("microsoft/phi-2","phi-2","attn_post_proj",2560,2560,1024,0.083,132),
    ("microsoft/phi-2","phi-2","attn_post_proj",2560,2560,2048,0.139,67),
    ("microsoft/phi-2","phi-2","attn_post_proj",2560,2560,4096,0.236,2),
    ("microsoft/phi-2","phi-2","mlp_up_proj",10240,2560,128,0.0505,244),
    ("microsoft/phi-2","phi-2","mlp_up_proj",10240,2560,256,0.071,228),
    ("microsoft/phi-2","phi-2","mlp_up_proj",10240,2560,512,0.126,196),
    ("microsoft/phi-2","phi-2","mlp_up_proj",10240,2560,1024,0.231,132),
    ("microsoft/phi-2","phi-2","mlp_up_proj",10240,2560,2048,0.449,67),
    ("microsoft/phi-2","phi-2","mlp_up_proj",10240,2560,4096,0.867,2),
]:
    tf=2*m*n*k/(ms*1e-3)/1e12
    add(gpu="A100 80GB (SXM or PCIe: not stated)",library="cublas (via torch F.linear, sarathi-serve RowParallelLinear)",operator="dense_gemm",dtype="fp16",batch=1,m=m,n=n,k=k,time_us=round(ms*1e3,1),achieved_tflops=round(tf,1),peak_reference_tflops=312,fraction_of_peak=round(tf/312,3),metric_definition=VDEF,source=VIDS.format(p=p,col=col,ln=ln),note="%s tp1 %s at num_tokens %d: %s ms; N x K = %d x %d; peak 312 TFLOP/s (A100 fp16 dense, both SXM and PCIe)" % (name,col,m,ms,n,k),value_kind="table")

# ---- weight streaming at one row on the A100 (issue 15, session 6): the same Vidur tables at M = 1 ----
# num_tokens 1 of the five models' tables above, at every tensor parallel degree the tables hold (1, 2,
# 4, 8: one GPU's shard of each product, N or K divided by tp as sarathi-serve's column- and row-parallel
# layers split them), the same four products. A 1 x N x K fp16 product reads its N K weights and writes
# next to nothing: bytes = 2 (N K + K + N) (weights, input row, output row), bandwidth = bytes / time,
# fraction of 2039 GB/s (the A100 80GB SXM datasheet figure, the profile's; Vidur does not say SXM or
# PCIe, and at the PCIe part's 1935 GB/s every fraction would be 5% higher). Models in the order above,
# then tp 1, 2, 4, 8, then the four products; a point whose bytes equal one already taken is left out.
WDEF="Vidur operator profile: kernel time (torch.profiler record_function) of one 1 x N x K fp16 product (M = 1), median over 20 layers after 2 warm-up passes, in ms as printed; bytes = 2 (N K + K + N); fraction = bytes / time / 2039 GB/s"
WSRC="microsoft/vidur data/profiling/compute/a100/{p}/mlp.csv @7d47513363ec447a741ac5e47241580b47724fbf, column time_stats.{col}.median, line {ln}"
for p,name,tp,col,n,k,ms,ln in [
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",1,"attn_pre_proj",12288,4096,0.065,262),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",1,"attn_post_proj",4096,4096,0.025,262),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",1,"mlp_up_proj",22016,4096,0.116,262),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",1,"mlp_down_proj",4096,11008,0.06,262),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",2,"attn_pre_proj",6144,4096,0.033,523),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",2,"attn_post_proj",4096,2048,0.015,523),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",2,"mlp_down_proj",4096,5504,0.032,523),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",4,"attn_pre_proj",3072,4096,0.021,784),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",4,"attn_post_proj",4096,1024,0.009,784),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",4,"mlp_down_proj",4096,2752,0.019,784),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",8,"attn_pre_proj",1536,4096,0.014,1045),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",8,"attn_post_proj",4096,512,0.006,1045),
    ("meta-llama/Llama-2-7b-hf","Llama-2-7B",8,"mlp_down_proj",4096,1376,0.012,1045),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",1,"attn_pre_proj",10240,8192,0.11,262),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",1,"attn_post_proj",8192,8192,0.092,262),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",1,"mlp_up_proj",57344,8192,0.58,262),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",1,"mlp_down_proj",8192,28672,0.29,262),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",2,"attn_pre_proj",5120,8192,0.058,523),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",2,"attn_post_proj",8192,4096,0.045,523),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",2,"mlp_down_proj",8192,14336,0.143,523),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",4,"attn_pre_proj",2560,8192,0.032,784),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",4,"attn_post_proj",8192,2048,0.026,784),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",4,"mlp_down_proj",8192,7168,0.076,784),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",8,"attn_pre_proj",1280,8192,0.019,1045),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",8,"attn_post_proj",8192,1024,0.015,1045),
    ("meta-llama/Llama-2-70b-hf","Llama-2-70B",8,"mlp_down_proj",8192,3584,0.041,1045),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B",1,"mlp_up_proj",44032,8192,0.447,262),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B",1,"mlp_down_proj",8192,22016,0.2275,262),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B",2,"mlp_down_proj",8192,11008,0.112,523),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B",4,"mlp_down_proj",8192,5504,0.059,784),
    ("codellama/CodeLlama-34b-Instruct-hf","CodeLlama-34B",8,"mlp_down_proj",8192,2752,0.033,1045),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B",1,"mlp_up_proj",28672,4096,0.142,457),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B",1,"mlp_down_proj",4096,14336,0.076,457),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B",2,"mlp_down_proj",4096,7168,0.041,913),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B",4,"mlp_down_proj",4096,3584,0.023,1369),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B",8,"attn_pre_proj",768,4096,0.008,1825),
    ("meta-llama/Meta-Llama-3-8B","Llama-3-8B",8,"mlp_down_proj",4096,1792,0.013,1825),
    ("microsoft/phi-2","phi-2",1,"attn_pre_proj",7680,2560,0.03,262),
    ("microsoft/phi-2","phi-2",1,"attn_post_proj",2560,2560,0.014,262),
    ("microsoft/phi-2","phi-2",1,"mlp_up_proj",10240,2560,0.038,262),
]:
    by=2*(n*k+k+n)
    gbs=by/(ms*1e-3)/1e9
    add(gpu="A100 80GB (SXM or PCIe: not stated)",library="cublas (via torch F.linear, sarathi-serve parallel linear layers)",operator="weight_streaming",dtype="fp16",batch=1,m=1,n=n,k=k,time_us=round(ms*1e3,1),achieved_bandwidth_gbs=round(gbs,1),peak_reference_bandwidth_gbs=2039,fraction_of_peak=round(gbs/2039,3),metric_definition=WDEF,source=WSRC.format(p=p,col=col,ln=ln),note="%s tp%d %s at num_tokens 1: %s ms; N x K = %d x %d; %d bytes" % (name,tp,col,ms,n,k,by),value_kind="table")
