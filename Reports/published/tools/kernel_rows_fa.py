# Transcribes the bar labels printed in the FlashAttention figures (values are the printed labels, not plot readings).
import csv, sys
SEQ=[512,1024,2048,4096,8192,16384]
rows=[]
FA3SRC="Dao-AILab/flash-attention assets/flash3_fp16_fwd.png @0251105a2fb19d2957484b7f023cd8c115286ced (added 7ef24848cf2f855077cef88fe122775b727dcd74 2024-07-11); same figure as FlashAttention-3 paper arXiv:2407.08608 Fig.5"
FA3DEF="TFLOPs/s = FLOPs/time; FLOPs = 4*seqlen^2*head_dim*heads*batch (halved if causal); forward only; total tokens 16k (batch=16384/seqlen), hidden 2048 (heads=2048/head_dim); H100 80GB SXM5, clock fixed 1830 MHz, CUDA 12.3, cuDNN 9.1.1.17, FlashAttention 2.5.8, Triton nightly 3.0.0, PyTorch 2.3.0, mean of 100 repeats (paper Sec. 4.1 and App. C.1, read via the transcription viktor-shcherb/msc_thesis references/2024-12-flashattention-3/sections/04a_benchmarking-attention.md and 09_appendix-c-addition-details-on-experiments-and-benchmarking.md @a6577d10fb277f0ceae4327a2d0b6de951bed76b)"
fa3={ # (head_dim,causal): {lib: [6 values or None]}
 (64,False):{'standard_attention':[52,63,67,72,73,None],'flash2':[282,306,318,321,322,324],'triton':[340,382,396,400,401,403],'cudnn':[335,373,395,408,412,413],'flash3':[333,392,460,476,496,497]},
 (64,True):{'standard_attention':[16,18,18,18,18,None],'flash2':[180,229,262,284,295,299],'triton':[152,291,342,363,376,363],'cudnn':[225,288,334,363,379,388],'flash3':[197,265,371,420,460,473]},
 (128,False):{'standard_attention':[74,100,119,133,139,None],'flash2':[309,350,362,368,370,370],'triton':[323,372,389,389,392,395],'cudnn':[497,574,617,609,600,595],'flash3':[467,565,625,638,646,648]},
 (128,True):{'standard_attention':[26,31,34,35,35,None],'flash2':[191,260,298,319,333,335],'triton':[146,273,323,353,369,378],'cudnn':[315,410,484,518,529,539],'flash3':[292,423,521,579,602,616]},
 (256,False):{'flash2':[275,313,321,323,324,326],'cudnn':[470,546,580,581,580,581],'flash3':[482,None,707,736,746,756]},
 (256,True):{'flash2':[208,251,278,293,297,298],'cudnn':[308,391,450,483,497,509],'flash3':[286,427,537,612,628,642]},
}
obscured={((128,False),'cudnn',1024),((128,False),'flash3',1024),((128,False),'cudnn',512),((64,True),'triton',8192)}
for (hd,causal),libs in fa3.items():
  for lib,vals in libs.items():
    for s,v in zip(SEQ,vals):
      if v is None: continue
      note="printed bar label (exact as printed, integer TFLOPs/s)"
      if ((hd,causal),lib,s) in obscured: note+="; label partly overlapped by legend/neighbour label, read as printed but check"
      rows.append(dict(gpu="H100-SXM5-80GB",library=lib,operator="prefill_attention",direction="forward",dtype="fp16/bf16",causal=str(causal).lower(),head_dim=hd,seq_len=s,batch=16384//s,heads=2048//hd,kv_heads=2048//hd,m="",n="",k="",achieved_tflops=v,achieved_bandwidth_gbs="",peak_reference_tflops=989,fraction_of_peak=round(v/989,3),metric_definition=FA3DEF,source=FA3SRC,note=note))
# FA2 README fwd+bwd figures
FA2DEF_A="TFLOPs/s of forward+backward (fwd FLOPs = 4*seqlen^2*head_dim*heads*batch, halved if causal; bwd = 2.5x fwd); batch=16k/seqlen, hidden 2048 (32 heads at hd64, 16 at hd128)"
a100={ (64,False):{'pytorch':[36,40,43,45,46,None],'flash1':[91,92,104,108,110,110],'xformers':[68,73,76,77,75,75],'flash1_triton':[90,102,98,98,100,100],'flash2':[132,None,162,171,175,176]},
 (128,False):{'pytorch':[53,67,76,79,86,None],'flash1':[76,72,76,80,82,83],'xformers':[83,91,95,96,97,98],'flash1_triton':[78,85,90,93,95,95],'flash2':[None,None,187,196,201,203]},
 (64,True):{'pytorch':[15,16,17,18,18,None],'flash1':[58,70,77,87,92,97],'xformers':[51,60,66,68,69,67],'flash1_triton':[59,75,79,76,79,80],'flash2':[88,119,140,156,165,171]},
 (128,True):{'pytorch':[23,28,32,32,34,None],'flash1':[55,62,69,76,80,83],'xformers':[58,72,82,87,91,92],'flash1_triton':[50,61,68,74,78,80],'flash2':[99,133,155,173,182,189]}}
h100={ (64,False):{'pytorch':[62,72,81,86,87,None],'flash1':[157,159,161,161,166,168],'flash2':[215,254,274,288,294,296]},
 (128,False):{'pytorch':[93,120,145,160,167,None],'flash1':[127,127,128,131,137,139],'flash2':[248,294,320,326,335,338]},
 (64,True):{'pytorch':[26,29,31,32,32,None],'flash1':[104,123,136,138,149,156],'flash2':[141,192,232,257,273,284]},
 (128,True):{'pytorch':[40,50,57,61,63,None],'flash1':[98,109,108,126,135,137],'flash2':[163,221,265,294,308,328]}}
for gpu,data,img,peak,cap in [("A100-SXM4-80GB",a100,"assets/flash2_a100_fwd_bwd_benchmark.png",312,"panels captioned (a)-(d) in the PNG"),("H100-SXM5-80GB",h100,"assets/flash2_h100_fwd_bwd_benchmark.png",989,"PNG shows captions only for the top panels ((a) no causal hd64, (b) no causal hd128); bottom panels are uncaptioned and assumed causal hd64 / causal hd128 by the same layout as the A100 figure")]:
  for (hd,causal),libs in data.items():
    for lib,vals in libs.items():
      for s,v in zip(SEQ,vals):
        if v is None: continue
        note="printed bar label; fwd+bwd combined (training), NOT forward-only; "+cap
        rows.append(dict(gpu=gpu,library=lib,operator="prefill_attention",direction="forward+backward",dtype="fp16/bf16",causal=str(causal).lower(),head_dim=hd,seq_len=s,batch=16384//s,heads=2048//hd,kv_heads=2048//hd,m="",n="",k="",achieved_tflops=v,achieved_bandwidth_gbs="",peak_reference_tflops=peak,fraction_of_peak=round(v/peak,3),metric_definition=FA2DEF_A,source="Dao-AILab/flash-attention README.md section Performance + "+img+" @0251105a2fb19d2957484b7f023cd8c115286ced",note=note))
