# Builds end-to-end.csv from values transcribed from the cited tables (no value is computed or estimated here).
import csv, sys, subprocess, re
rows=[]
def add(**k):
    base=dict(row_id="",gpu="",gpu_count="",engine="",engine_version="",model="",dtype="",batch_or_concurrency="",input_tokens="",output_tokens="",metric="",value="",unit="",source="",note="")
    base.update(k); rows.append(base)

# --- TensorRT-LLM v0.9.0 perf-overview (static batching, gptSessionBenchmark) ---
S09="WhiteD2125/TensorRT-LLM (fork of NVIDIA/TensorRT-LLM) docs/source/performance/perf-overview.md @6ad7cf1bcc08e31990c62ba929a8e84f35667654; text says 'All data was generated using version 0.9.0'"
TPUT09="Throughput (out tok/s/GPU) from gptSessionBenchmark: static batch of `batch` identical requests, ISL/OSL fixed, no in-flight batching; = batch*output_len/(wall time of one generate incl. context phase)/num_GPUs (definition of the division: our reading of gptSessionBenchmark, which reports latency of a full generate)"
FTL09="1st Token Latency (ms): batch 1, gptSessionBenchmark run with output length 1 (doc: 'benchmark with a single output token in order to find the time to first token latency'), i.e. context/prefill pass + 1 sampling step"
t09={
 ("A100-SXM-80GB","fp16"):[("GPT-J 6B",512,1,128,128,5876),("GPT-J 6B",32,1,128,2048,1549),("GPT-J 6B",32,1,2048,128,545),("GPT-J 6B",32,1,2048,2048,815),
   ("Mistral 7B",896,1,128,128,6251),("Mistral 7B",120,1,128,2048,3776),("Mistral 7B",64,1,2048,128,698),("Mistral 7B",56,1,2048,2048,1576),
   ("LLaMA 7B (Llama-2-7b)",256,1,128,128,5390),("LLaMA 7B (Llama-2-7b)",32,1,128,2048,1484),("LLaMA 7B (Llama-2-7b)",32,1,2048,128,533),("LLaMA 7B (Llama-2-7b)",16,1,2048,2048,603),
   ("LLaMA 70B (Llama-2-70b)",1024,4,128,128,686),("LLaMA 70B (Llama-2-70b)",96,4,2048,128,80)],
 ("H100-SXM-80GB","fp8 (weights+activations+KV, quantised)"):[("GPT-J 6B",1024,1,128,128,25860),("GPT-J 6B",120,1,128,2048,7350),("GPT-J 6B",64,1,2048,128,2570),("GPT-J 6B",64,1,2048,2048,3212),
   ("Mistral 7B",896,1,128,128,20404),("Mistral 7B",120,1,128,2048,8623),("Mistral 7B",84,1,2048,128,2405),("Mistral 7B",56,1,2048,2048,3731),
   ("LLaMA 7B (Llama-2-7b)",896,1,128,128,19854),("LLaMA 7B (Llama-2-7b)",120,1,128,2048,6944),("LLaMA 7B (Llama-2-7b)",84,1,2048,128,2163),("LLaMA 7B (Llama-2-7b)",56,1,2048,2048,2826)],
 ("H200-SXM-141GB","fp8 (weights+activations+KV, quantised)"):[("GPT-J 6B",1024,1,128,128,27304),("GPT-J 6B",64,1,2048,128,2785),("LLaMA 7B (Llama-2-7b)",896,1,128,128,20618),("LLaMA 7B (Llama-2-7b)",64,1,2048,128,2391),("LLaMA 70B (Llama-2-70b)",64,1,2048,128,418),("LLaMA 70B (Llama-2-70b)",64,1,2048,2048,1458)],
}
for (gpu,dt),lst in t09.items():
  for m,b,tp,i,o,v in lst:
    add(gpu=gpu,gpu_count=tp,engine="TensorRT-LLM (gptSessionBenchmark, static batch)",engine_version="0.9.0",model=m,dtype=dt,batch_or_concurrency=b,input_tokens=i,output_tokens=o,metric="throughput_out_tok_per_s_per_gpu (static batch)",value=v,unit="tokens/s/GPU",source=S09+"; section Peak Throughput",note=TPUT09)
f09={
 ("A100-SXM-80GB","fp16"):[("GPT-J 6B",1,128,14.8),("GPT-J 6B",1,2048,136.4),("Mistral 7B",1,128,16.3),("Mistral 7B",1,2048,139.6),("LLaMA 7B (Llama-2-7b)",1,128,16.2),("LLaMA 7B (Llama-2-7b)",1,2048,132.4),("LLaMA 70B (Llama-2-70b)",4,128,45.6),("LLaMA 70B (Llama-2-70b)",8,2048,249.2),("Mixtral 8x7B",2,128,23.8),("Mixtral 8x7B",2,2048,160.9)],
 ("H100-SXM-80GB","fp8 (weights+activations+KV, quantised)"):[("GPT-J 6B",1,128,5.5),("GPT-J 6B",1,2048,23.8),("Mistral 7B",1,128,6.5),("Mistral 7B",1,2048,32.4),("LLaMA 7B (Llama-2-7b)",1,128,6.3),("LLaMA 7B (Llama-2-7b)",1,2048,30.8)],
 ("H200-SXM-141GB","fp8 (weights+activations+KV, quantised)"):[("GPT-J 6B",1,128,5.0),("GPT-J 6B",1,2048,23.5),("Mistral 7B",1,128,5.9),("Mistral 7B",1,2048,31.7),("LLaMA 7B (Llama-2-7b)",1,128,5.7),("LLaMA 7B (Llama-2-7b)",1,2048,30.2)],
}
for (gpu,dt),lst in f09.items():
  for m,tp,i,v in lst:
    add(gpu=gpu,gpu_count=tp,engine="TensorRT-LLM (gptSessionBenchmark)",engine_version="0.9.0",model=m,dtype=dt,batch_or_concurrency=1,input_tokens=i,output_tokens=1,metric="first_token_latency_ms (batch 1)",value=v,unit="ms",source=S09+"; section Low Latency",note=FTL09)

# --- TensorRT-LLM v0.5 / v0.6.1 performance.md (upstream) ---
S05="NVIDIA/TensorRT-LLM docs/source/performance.md @138f96d45f90b9667426f7c47297d8c06bafac73"
for m,b,tp,i,o,v in [("GPT-J 6B",512,1,128,128,6374),("GPT-J 6B",60,1,2048,128,670),("LLaMA 7B (Llama-2-7b)",384,1,128,128,5586),("LLaMA 7B (Llama-2-7b)",60,1,128,2048,1928),("LLaMA 7B (Llama-2-7b)",52,1,2048,128,591)]:
    add(gpu="A100-SXM-80GB",gpu_count=tp,engine="TensorRT-LLM (gptSessionBenchmark, static batch)",engine_version="0.6.1",model=m,dtype="fp16",batch_or_concurrency=b,input_tokens=i,output_tokens=o,metric="throughput_out_tok_per_s (static batch)",value=v,unit="tokens/s",source=S05+"; Peak Throughput, A100 GPUs (FP16) ('updated for v0.6.1, unless specified')",note=TPUT09)
for m,i,v in [("GPT-J 6B",128,12),("GPT-J 6B",2048,129),("LLaMA 7B (Llama-2-7b)",128,16),("LLaMA 7B (Llama-2-7b)",2048,133)]:
    add(gpu="A100-SXM-80GB",gpu_count=1,engine="TensorRT-LLM (gptSessionBenchmark)",engine_version="0.5.0",model=m,dtype="fp16",batch_or_concurrency=1,input_tokens=i,output_tokens=1,metric="first_token_latency_ms (batch 1)",value=v,unit="ms",source=S05+"; Low Latency, A100 GPUs (FP16) ('data is from TensorRT-LLM v0.5')",note=FTL09+"; integer ms as printed")
for m,i,v in [("GPT-J 6B",128,7),("GPT-J 6B",2048,29),("LLaMA 7B (Llama-2-7b)",128,7),("LLaMA 7B (Llama-2-7b)",2048,36)]:
    add(gpu="H100-SXM-80GB",gpu_count=1,engine="TensorRT-LLM (gptSessionBenchmark)",engine_version="0.5.0",model=m,dtype="fp8 (weights+activations+KV, quantised)",batch_or_concurrency=1,input_tokens=i,output_tokens=1,metric="first_token_latency_ms (batch 1)",value=v,unit="ms",source=S05+"; Low Latency, H100 GPUs (FP8)",note=FTL09+"; integer ms as printed")

# --- TensorRT-LLM blog H100 vs A100 (v0.5.0) ---
SB="NVIDIA/TensorRT-LLM docs/source/blogs/H100vsA100.md @15ed78097ea2c14b3831ca017935a32dec54476e; table 'Max Throughput & Min Latency' (TensorRT-LLM v0.5.0, TensorRT 9.1, SXM 80GB, TP1)"
add(gpu="A100-SXM-80GB",gpu_count=1,engine="TensorRT-LLM",engine_version="0.5.0",model="GPT-J 6B",dtype="fp16",batch_or_concurrency=64,input_tokens=128,output_tokens=128,metric="throughput_out_tok_per_s (static batch, max over BS<=64)",value=3679,unit="tokens/s",source=SB,note="'Max throughput calculated by sweeping BS 1,2,...,64. Throughput taken at largest successful.'")
add(gpu="A100-SXM-80GB",gpu_count=1,engine="TensorRT-LLM",engine_version="0.5.0",model="GPT-J 6B",dtype="fp16",batch_or_concurrency=64,input_tokens=128,output_tokens=128,metric="first_token_latency_ms at batch 64",value=481,unit="ms",source=SB,note="1st token latency of the batch-64 run (context of 64x128 tokens)")
add(gpu="A100-SXM-80GB",gpu_count=1,engine="TensorRT-LLM",engine_version="0.5.0",model="GPT-J 6B",dtype="fp16",batch_or_concurrency=1,input_tokens=128,output_tokens=1,metric="first_token_latency_ms (batch 1)",value=12.5,unit="ms",source=SB,note="output length printed as '-'")
add(gpu="H100-SXM-80GB",gpu_count=1,engine="TensorRT-LLM",engine_version="0.5.0",model="GPT-J 6B",dtype="fp8 (weights+activations+KV, quantised)",batch_or_concurrency=64,input_tokens=128,output_tokens=128,metric="throughput_out_tok_per_s (static batch, max over BS<=64)",value=10907,unit="tokens/s",source=SB,note="")
add(gpu="H100-SXM-80GB",gpu_count=1,engine="TensorRT-LLM",engine_version="0.5.0",model="GPT-J 6B",dtype="fp8 (weights+activations+KV, quantised)",batch_or_concurrency=64,input_tokens=128,output_tokens=128,metric="first_token_latency_ms at batch 64",value=102,unit="ms",source=SB,note="")
add(gpu="H100-SXM-80GB",gpu_count=1,engine="TensorRT-LLM",engine_version="0.5.0",model="GPT-J 6B",dtype="fp8 (weights+activations+KV, quantised)",batch_or_concurrency=1,input_tokens=128,output_tokens=1,metric="first_token_latency_ms (batch 1)",value=7.1,unit="ms",source=SB,note="")

# --- TensorRT-LLM current perf-overview (trtllm-bench, in-flight batching, PyTorch backend) ---
SC="NVIDIA/TensorRT-LLM docs/source/performance/perf-overview.md @00f37686aa854010d68bcbd0f4ab000221541ca6 (page mentions 'NEW for v1.0'); table 'Llama 3.1 8B'"
DC="Total Output Throughput (tokens/sec) from `trtllm-bench throughput`: requests fed at infinite rate (all queued), fixed ISL/OSL (stdev 0), num_requests per ISL/OSL from the page's table; = total output tokens / total benchmark time; CUDA graphs on with padding; kv_cache_free_gpu_mem_fraction 0.95 'in many cases'"
l8=[("128/128",27911,28312),("128/2048",26221,22714),("128/4096",18027,14325),("500/2000",20770,17660),("1000/1000",17744,15220),("1000/2000",16828,13899),("2048/128",3538,3450),("2048/2048",12194,9305),("5000/500",3902,3459),("20000/2000",1804,1351)]
for isl_osl,h200,h100 in l8:
  i,o=isl_osl.split('/')
  for gpu,v in [("H200-SXM-141GB",h200),("H100-SXM-80GB",h100)]:
    add(gpu=gpu,gpu_count=1,engine="TensorRT-LLM (trtllm-bench, PyTorch backend, in-flight batching)",engine_version="~1.0 (page text; exact release not stated in the table)",model="Llama-3.1-8B-Instruct (nvidia/Llama-3.1-8B-Instruct-FP8)",dtype="fp8 (ModelOpt checkpoint)",batch_or_concurrency="max (all requests queued; scheduler-chosen batch)",input_tokens=i,output_tokens=o,metric="total_output_throughput_tok_per_s at max load",value=v,unit="tokens/s",source=SC,note=DC)

# --- vLLM nightly/perf CI latency test ---
DV="benchmark_latency: one llm.generate of batch 8 random prompts, input 32, output 128 tokens (ignore EOS), dummy weights, 5 warm-up + 15 timed iterations; value = mean end-to-end latency of the whole batch (prefill + 128 decode steps). Page lists 'Models: llama-3.1 8B'; the test json in the repo names meta-llama/Meta-Llama-3-8B (same shapes except RoPE scaling); dtype default (bf16 from the model config)"
for gpu,v,b,med in [("A100-SXM4-80GB",1579.27,9523,1579.34),("H100 (8xH100 node; TP1 uses one GPU)",997.542,9555,997.365),("H200",834.059,9513,834.014)]:
    add(gpu=gpu,gpu_count=1,engine="vLLM",engine_version=f"main at buildkite performance-benchmark build {b} (version not printed on the page)",model="Llama-3.1-8B (page) / Meta-Llama-3-8B (tests json)",dtype="bf16 (default)",batch_or_concurrency=8,input_tokens=32,output_tokens=128,metric="mean end-to-end batch latency ms",value=v,unit="ms",source=f"https://buildkite.com/vllm/performance-benchmark/builds/{b} (Latency tests table, latency_llama8B_tp1); test parameters: vllm-project/vllm .buildkite/nightly-benchmarks/tests/latency-tests.json @d5ce92492d5188cd0b5f4fcf70ef54a7dfbdba05",note=DV+f"; median {med} ms")

# --- Qwen speed benchmarks (A100 80GB, batch 1, 2048 generated tokens) ---
def qwen(commit, engine_filter, version, envnote, src):
    txt=subprocess.run(['git','-C','/work/.mirror/QwenLM+Qwen2.5/repo','show',commit+':docs/source/benchmark/speed_benchmark.rst'],capture_output=True,text=True).stdout
    section=None; model=None; inlen=None; out=[]
    for line in txt.splitlines():
        m=re.match(r'^-\s+(\S+)\s+\((Transformers?|vLLM)\)',line.strip())
        if m: section=m.group(2); model=None; continue
        if line.startswith('|') and section:
            c=[x.strip() for x in line.strip().strip('|').split('|')]
            if c[0]=='Model': continue
            if c[0]: model=c[0]
            if c[1]: inlen=c[1]
            if len(c)>=5 and c[2]=='BF16' and section.startswith(engine_filter):
                out.append((model,inlen,c[3],c[4],c[-1] if len(c)>5 else ""))
    return out

def setting_def(model,note):
    n=note.lower()
    d=[]
    if 'setting 1' in n or 'setting1' in n:
        d.append('gpu_memory_utilization=0.98 max_model_len=4096 enforce_eager=True (no CUDA graphs)' if '72B' in model else 'gpu_memory_utilization=1.0 max_model_len=32768 enforce_eager=True (no CUDA graphs)')
    if 'setting 4' in n: d.append('gpu_memory_utilization=0.9 max_model_len=65536 enforce_eager=False')
    if 'setting 5' in n: d.append('gpu_memory_utilization=0.9 max_model_len=131072 enforce_eager=False')
    if '64k' in n: d.append('gpu_memory_utilization=0.9 max_model_len=65536 enforce_eager=False')
    if 'default' in n: d.append('gpu_memory_utilization=0.9 max_model_len=32768 enforce_eager=False')
    if 'new sample config' in n: d.append('vllm==0.6.2 and SamplingParams(temperature=0.7,top_p=0.8,top_k=20,repetition_penalty=1,presence_penalty=0,frequency_penalty=0)')
    return '; '.join(d) if d else 'see source'
QDEF="Speed(tokens/s) per the Qwen speed-benchmark script: 2048 / wall time of one generate call at batch 1 (prefill of the whole input + 2048 decode steps), after warm-up; input length is the target prompt length (chat template applied); so speed = 2048/(TTFT + 2047*TPOT) approximately"
SQ25="QwenLM/Qwen2.5 docs/source/benchmark/speed_benchmark.rst @a912d239c2d0e2e5d10bb8d02e6f5685edb43e68 (Qwen2.5 Speed Benchmark); metric script examples/speed-benchmark/speed_benchmark_vllm.py @77fb0c1e20ee5bf36326d0004eaa09df651a0346"
for model,inlen,ngpu,speed,note in qwen('a912d239c2d0e2e5d10bb8d02e6f5685edb43e68','vLLM','',None,None):
    add(gpu="A100-80GB",gpu_count=ngpu,engine="vLLM",engine_version="0.6.3 (PyTorch 2.4.0, FlashAttention 2.6.3, CUDA 12.1)",model=model,dtype="bf16",batch_or_concurrency=1,input_tokens=inlen,output_tokens=2048,metric="generation speed tokens/s (2048 generated / total wall time, batch 1)",value=speed,unit="tokens/s",source=SQ25+"; vLLM tables",note=QDEF+"; default gpu_memory_utilization=0.9 max_model_len=32768 enforce_eager=False (CUDA graphs on)"+("; table note: '"+note+"' = "+setting_def(model,note) if note else ""))
for model,inlen,ngpu,speed,note in qwen('a912d239c2d0e2e5d10bb8d02e6f5685edb43e68','Transformer','',None,None):
    add(gpu="A100-80GB",gpu_count=ngpu,engine="HF transformers (generate)",engine_version="4.46.0 (PyTorch 2.3.1, FlashAttention 2.5.8, CUDA 12.1)",model=model,dtype="bf16",batch_or_concurrency=1,input_tokens=inlen,output_tokens=2048,metric="generation speed tokens/s (2048 generated / total wall time, batch 1)",value=speed,unit="tokens/s",source=SQ25+"; Transformer tables",note=QDEF+"; eager PyTorch, no CUDA graphs: dominated by per-kernel launch/host overhead for small models")
SQ2="QwenLM/Qwen2.5 (repo formerly Qwen2) docs/source/benchmark/speed_benchmark.rst @5c4e69cb61953a590ea724e0f0f0fcb06fa979e7 (Qwen2 Speed Benchmark)"
for model,inlen,ngpu,speed,note in qwen('5c4e69cb61953a590ea724e0f0f0fcb06fa979e7','vLLM','',None,None):
    if not inlen.isdigit(): continue
    add(gpu="A100-80GB",gpu_count=ngpu,engine="vLLM",engine_version="0.4.2 (PyTorch 2.3.0+cu118, FlashAttention 2.5.6, CUDA 11.8)",model=model,dtype="bf16",batch_or_concurrency=1,input_tokens=inlen,output_tokens=2048,metric="generation speed tokens/s (2048 generated, batch 1)",value=speed,unit="tokens/s",source=SQ2+"; vLLM tables",note="same stated protocol as Qwen2.5 (batch 1, generate 2048 tokens); the measuring script of that date is not in the repo, so the exact time window is not confirmed"+("; table note: '"+note+"' = gpu_memory_utilization=0.98 max_model_len=4096 enforce_eager=True (no CUDA graphs)" if note and 'Setting 1' in note else ""))
# --- LMDeploy v0.1.0a1 (TurboMind) static inference benchmark, A100-80G, FP16 ---
SL="InternLM/lmdeploy docs/en/benchmark/a100_fp16.md @3e391df4673326f79363eebe030876861a9b7090 (Static Inference Benchmark tables; 'tested on (x8) A100-80G CUDA 11.8', 'lmdeploy version is v0.1.0a1'); metric definitions: docs/en/benchmark/profile_generation.md @067b9b53d8baf1e1588d6458fb344d2467562327"
LD={"throughput":"throughput(out tok/s) = number of generated tokens / total time, 'Total time includes prefill time'; `concurrency` request threads batched by the engine; average of test rounds (default 10)",
    "ftl":"FTL(ave)(s): first token latency (streaming), average over requests",
    "p50":"50%(s): median of per-token latency (percentile of each generated token's latency)"}
lm={ "Llama-2-7b": {1:[(1,128,100.02,0.011,0.009),(128,128,102.21,0.022,0.01),(128,2048,98.92,0.022,0.01),(2048,128,86.1,0.139,0.01),(2048,2048,93.78,0.14,0.011)],
                  16:[(1,128,1504.72,None,0.01),(128,2048,1010.62,None,0.015),(2048,2048,601.63,None,0.025)],
                  64:[(1,128,4154.81,None,0.012),(128,2048,1852.06,None,0.03),(2048,2048,755.65,None,0.047)]},
     "Llama-2-13b":{1:[(1,128,57.49,0.018,0.017),(128,128,56.58,0.04,0.017),(128,2048,55.29,0.04,0.018),(2048,128,48.99,0.242,0.019),(2048,2048,52.12,0.243,0.019)],
                  16:[(1,128,869.45,None,0.018),(128,2048,605.88,None,0.026),(2048,2048,366.67,None,0.04)],
                  64:[(1,128,3049.16,None,0.02),(128,2048,998.86,None,0.045),(2048,2048,387.86,None,0.047)]}}
for model,byb in lm.items():
  for b,cases in byb.items():
    for i,o,tp,ftl,p50 in cases:
      common=dict(gpu="A100-80GB (x8 node; TP1 uses one GPU)",gpu_count=1,engine="LMDeploy TurboMind (profile_generation.py, static)",engine_version="0.1.0a1 (CUDA 11.8)",model=model,dtype="fp16",batch_or_concurrency=b,input_tokens=i,output_tokens=o,source=SL)
      add(**common,metric="throughput_out_tok_per_s (generated tokens / total time incl. prefill)",value=tp,unit="tokens/s",note=LD["throughput"])
      add(**common,metric="per-token latency P50 (s)",value=p50,unit="s",note=LD["p50"]+"; at batch 1 the inverse is the single-stream decode rate")
      if ftl is not None and b==1:
        add(**common,metric="first_token_latency_s (FTL ave, batch 1)",value=ftl,unit="s",note=LD["ftl"])
# dedupe exact duplicates (Qwen2 72B 30720 row is printed twice)
seen=set(); uniq=[]
for r in rows:
    key=tuple(r.values())
    if key in seen: continue
    seen.add(key); uniq.append(r)
HELD=[("Mistral 7B","A100-SXM-80GB","2048","1","139.6"),("Mistral 7B","A100-SXM-80GB","2048","2048","1576"),("Qwen2.5-7B-Instruct","A100-80GB","30720","2048","70.33"),("Qwen2.5-14B-Instruct","A100-80GB","14336","2048","41.91"),(None,None,"32","128","997.542"),(None,"H100-SXM-80GB","1000","1000","15220")]
for n,r in enumerate(uniq,1):
    r['row_id']=f"e{n:03d}"
    r['held_out']="no"
    for m,g,i,o,v in HELD:
        if (m is None or r['model']==m) and (g is None or r['gpu']==g) and str(r['input_tokens'])==i and str(r['output_tokens'])==o and str(r['value'])==v and (r['engine']=="vLLM" if m and m.startswith("Qwen") else True):
            r['held_out']="yes"
w=csv.DictWriter(sys.stdout,fieldnames=list(uniq[0].keys())); w.writeheader(); w.writerows(uniq)
