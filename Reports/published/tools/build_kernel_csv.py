import csv, sys, importlib.util, os
here=os.path.dirname(os.path.abspath(__file__))
def load(n):
    spec=importlib.util.spec_from_file_location(n,os.path.join(here,n+'.py')); m=importlib.util.module_from_spec(spec); spec.loader.exec_module(m); return m.rows
fields=["row_id","gpu","library","operator","direction","dtype","causal","head_dim","seq_len","batch","heads","kv_heads","m","n","k","achieved_tflops","achieved_bandwidth_gbs","time_us","peak_reference_tflops","peak_reference_bandwidth_gbs","fraction_of_peak","metric_definition","value_kind","source","note"]
rows=[]
for r in load('kernel_rows_fa'):
    r.setdefault('value_kind','printed_bar_label'); r.setdefault('time_us',''); r.setdefault('peak_reference_bandwidth_gbs',''); rows.append(r)
rows+=load('kernel_rows_other')
rows+=load('kernel_rows_elementwise')  # issue 15, seventh session: k746-k797
rows+=load('kernel_rows_vidur_h100')  # issue 15, eighth session: k798-k956 (H100 dense by shape, streaming, element-wise)
rows+=load('kernel_rows_h200_transfer')  # issue 15, ninth session: k957- (H100/H200 memcpy and BabelStream; the H200's derived bandwidth points)
for i,r in enumerate(rows,1): r['row_id']=f"k{i:03d}"
w=csv.DictWriter(sys.stdout,fieldnames=fields,extrasaction='raise'); w.writeheader(); w.writerows(rows)
