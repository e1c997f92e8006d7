# Closed-form parameter counts for the phase-2 MoE / hybrid configs; compared against public/stored totals.
def mixtral():
    H,V,L,I,E=4096,32000,32,14336,8
    attn=H*4096+2*H*1024+4096*H
    return 2*V*H+H+L*(attn+2*H+E*3*H*I+E*H)
def mixtral_active():
    H,V,L,I=4096,32000,32,14336
    attn=H*4096+2*H*1024+4096*H
    return 2*V*H+H+L*(attn+2*H+2*3*H*I+8*H)
def qwen3_30b():
    H,V,L,E,I=2048,151936,48,128,768
    attn=H*32*128+2*H*4*128+32*128*H+2*128
    return 2*V*H+H+L*(attn+2*H+E*3*H*I+E*H)
def qwen3_30b_active():
    H,V,L,E,I=2048,151936,48,128,768
    attn=H*32*128+2*H*4*128+32*128*H+2*128
    return 2*V*H+H+L*(attn+2*H+8*3*H*I+E*H)
def dsv2_lite():
    H,V=2048,102400
    attn=H*16*192 + H*576 + 512 + 512*16*(128+128) + 16*128*H
    dense=3*H*10944; moe=64*3*H*1408+64*H+2*3*H*1408
    return 2*V*H+H+27*(attn+2*H)+dense+26*moe
def qwen3_next():
    H,V=2048,151936
    lin = H*12288 + H*64 + 8192*4 + 32 + 32 + 128 + 4096*H
    full= H*8192 + 2*H*512 + 4096*H + 2*256
    moe = 512*3*H*512 + 512*H + 3*H*512 + H
    main = 2*V*H + H + 36*(lin+2*H+moe) + 12*(full+2*H+moe)
    mtp = H*4096 + (full+2*H+moe) + 3*H   # mtp.fc, mtp.layers.0 (full-attn MoE layer), pre_fc_norm_embedding, pre_fc_norm_hidden, mtp.norm
    return main, mtp, main+mtp
def kimi_linear():
    H,V=2304,163840
    kda = 3*4096*H + 3*4096*4 + 128*H+4096*128 + 128*H+4096*128 + 32*H + 32 + 4096 + 128
    mla = 6144*H + 576*H + 512 + 8192*512
    o = H*4096
    dense=3*H*9216; moe=256*3*H*1024+256*H+256+3*H*1024
    return 2*V*H+H + 20*kda + 7*mla + 27*(o+2*H) + dense + 26*moe
def jamba_v01():
    H,V,L,E,I=4096,65536,32,16,14336
    d_in=2*H; N=16; R=256; K=4
    return None
    return None
for n,f in [("mixtral-8x7b total",mixtral),("mixtral-8x7b active",mixtral_active),("qwen3-30b-a3b total",qwen3_30b),
            ("qwen3-30b-a3b active",qwen3_30b_active),("deepseek-v2-lite",dsv2_lite),("qwen3-next (main,mtp,sum)",qwen3_next),("kimi-linear",kimi_linear)]:
    print(n, f())
