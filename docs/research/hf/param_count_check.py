def llama(V,H,L,nH,nKV,hd,I,tied,qkvb=False,qk_norm=False,norms=2):
    per = H*nH*hd + 2*H*nKV*hd + nH*hd*H + 3*H*I + norms*H
    if qkvb: per += nH*hd + 2*nKV*hd
    if qk_norm: per += 2*hd
    return V*H*(1 if tied else 2) + L*per + H
print("llama31_8b", llama(128256,4096,32,32,8,128,14336,False))
print("llama31_70b", llama(128256,8192,80,64,8,128,28672,False))
print("llama2_7b", llama(32000,4096,32,32,32,128,11008,False))
print("mistral7b", llama(32000,4096,32,32,8,128,14336,False))
print("qwen25_7b", llama(152064,3584,28,28,4,128,18944,False,qkvb=True))
print("qwen3_8b", llama(151936,4096,36,32,8,128,12288,False,qk_norm=True))
print("phi3mini", llama(32064,3072,32,32,32,96,8192,False))
print("gemma7b", llama(256000,3072,28,16,16,256,24576,True))
print("gemma2b", llama(256000,2048,18,8,1,256,16384,True))
print("gemma2_9b", llama(256000,3584,42,16,8,256,14336,True,norms=4))
print("gemma3_1b", llama(262144,1152,26,4,1,256,6912,True,qk_norm=True,norms=4))
print("gemma3_27b_text", llama(262208,5376,62,32,16,128,21504,True,qk_norm=True,norms=4))
def gpt2(V,P,H,L):
    per = 2*H + H*3*H+3*H + H*H+H + 2*H + H*4*H+4*H + 4*H*H+H
    return V*H + P*H + L*per + 2*H
print("gpt2", gpt2(50257,1024,768,12))
def falcon7b(V,H,L,nH,hd):
    per = H*(H+2*hd) + H*H + 2*H*4*H + 2*H
    return V*H + L*per + 2*H
print("falcon7b", falcon7b(65024,4544,32,71,64))
def falcon40b(V,H,L,nH,nKV,hd):
    per = H*(nH+2*nKV)*hd + H*H + 2*H*4*H + 4*H
    return V*H + L*per + 2*H
print("falcon40b", falcon40b(65024,8192,60,128,8,64))
