#!/usr/bin/env python3
"""Independent float64 reference for `yocoprof forward --dump DIR`.

Reads DIR/weights.safetensors, DIR/input.safetensors and DIR/outputs.safetensors (parsed here by
hand: 8-byte little-endian header length, JSON header, raw little-endian data), recomputes the
forward pass in numpy float64 from the conventions in docs/KERNELS.md ("yocoprof forward ... --dump")
and /work/shared/BRIEF.md §2, and compares it with the dumped fp32 outputs.

The architecture (layer kinds, heads, window, ...) comes from the model profile JSON given with
--model (the same file or id passed to `yocoprof forward`); the sizes are cross-checked against the
tensor shapes.

Written without looking at the Swift kernels: attention is the naive full-matrix form with explicit
causal/window masks, and gated retention is the *parallel* form O = (Q Kᵀ ⊙ D) V with the full decay
matrix D, independent of the kernels' chunkwise form.

Exit status: 0 when every compared tensor is within tolerance, 1 otherwise (2 on a malformed dump).
"""
import argparse
import json
import os
import struct
import sys

import numpy as np

EPS = 1e-5
ROPE_BASE = 10000.0
GRET_TAU = 16.0

# Tolerance on the normwise relative error  max|ours - dumped| / max|ours|  (and the same bound,
# scaled by max|ours|, on the absolute error). The kernels compute in fp32 (unit roundoff
# u = 6e-8) with sgemm/blocked reductions whose summation order differs from numpy's; a length-K
# dot product carries a rounding error of order sqrt(K)·u relative to its magnitude (K ≤ 768 here),
# and 4 layers of norms, softmax and residual adds compound it. Observed errors are ~1e-6 relative;
# 1e-4 leaves two orders of magnitude of headroom for accumulation order while any convention bug
# (RoPE sign or frequency, a mask off by one, a missing scale, a wrong decay) moves the outputs by
# 1e-2 or more.
DEFAULT_RTOL = 1e-4


# ----------------------------------------------------------------------------- safetensors
_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1",
}


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f"{path}: shorter than the 8-byte header length")
    (hlen,) = struct.unpack("<Q", blob[:8])
    if 8 + hlen > len(blob):
        raise ValueError(f"{path}: header length {hlen} runs past the end of the file")
    header = json.loads(blob[8:8 + hlen].decode("utf-8"))
    data = memoryview(blob)[8 + hlen:]
    meta = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        dt = info["dtype"]
        if dt not in _DTYPES:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {dt}")
        start, end = info["data_offsets"]
        shape = tuple(info["shape"])
        arr = np.frombuffer(data[start:end], dtype=_DTYPES[dt])
        n = int(np.prod(shape)) if shape else 1
        if arr.size != n:
            raise ValueError(f"{path}: tensor {name}: {arr.size} elements for shape {shape}")
        tensors[name] = arr.reshape(shape)
    return meta, tensors


# ----------------------------------------------------------------------------- building blocks
def rmsnorm(x, w=None):
    y = x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + EPS)
    return y if w is None else y * w


def swish(x):
    return x / (1.0 + np.exp(-x))


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def rope(x):
    """Interleaved RoPE on [B, N, heads, dh]: pair (x[2i], x[2i+1]) at position p (0-based) is
    rotated by angle p * base^(-2i/dh):  (a, b) -> (a cos - b sin, a sin + b cos)."""
    _, n, _, dh = x.shape
    i = np.arange(dh // 2, dtype=np.float64)
    inv = ROPE_BASE ** (-2.0 * i / dh)
    ang = np.arange(n, dtype=np.float64)[:, None] * inv[None, :]          # [N, dh/2]
    c = np.cos(ang)[None, :, None, :]
    s = np.sin(ang)[None, :, None, :]
    a = x[..., 0::2]
    b = x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * c - b * s
    out[..., 1::2] = a * s + b * c
    return out


def attention(q, k, v, window=None):
    """Naive causal attention. q [B, N, H, dh], k/v [B, N, Hk, dh]; query head h reads KV head
    h // (H / Hk); key j is visible to query i iff j <= i and (no window or j > i - W)."""
    bsz, n, h, dh = q.shape
    hk = k.shape[2]
    assert h % hk == 0
    group = h // hk
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    mask = j <= i
    if window is not None:
        mask &= j > i - window
    out = np.empty_like(q)
    for hh in range(h):
        kv = hh // group
        s = np.einsum("bid,bjd->bij", q[:, :, hh, :], k[:, :, kv, :]) / np.sqrt(dh)
        s = np.where(mask[None], s, -np.inf)
        s = s - s.max(axis=-1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=-1, keepdims=True)
        out[:, :, hh, :] = np.einsum("bij,bjd->bid", p, v[:, :, kv, :])
    return out


def gret_parallel(q, k, v, log_gamma):
    """Gated retention, parallel form. q/k/v [B, N, hR, dR], log_gamma [B, N, hR].
    O = (Q Kᵀ ⊙ D) V with D[n, m] = prod_{i=m+1..n} gamma_i for n >= m, else 0."""
    bsz, n, hr, dr = q.shape
    out = np.empty_like(v)
    causal = np.tril(np.ones((n, n), dtype=bool))
    for hh in range(hr):
        c = np.cumsum(log_gamma[:, :, hh], axis=1)                            # [B, N]
        diff = c[:, :, None] - c[:, None, :]                                  # c_n - c_m
        D = np.where(causal[None], np.exp(np.where(causal[None], diff, 0.0)), 0.0)
        s = np.einsum("bid,bjd->bij", q[:, :, hh, :], k[:, :, hh, :]) * D
        out[:, :, hh, :] = np.einsum("bij,bjd->bid", s, v[:, :, hh, :])
    return out


def heads(x, h):
    b, n, hd = x.shape
    return x.reshape(b, n, h, hd // h)


def merge(x):
    b, n, h, dh = x.shape
    return x.reshape(b, n, h * dh)


# ----------------------------------------------------------------------------- model
class Spec:
    def __init__(self, prof):
        self.id = prof.get("id")
        self.arch = prof["architecture"]
        self.L = prof["layers"]
        self.d = prof["hidden_size"]
        self.H = prof["heads"]
        self.Hkv = prof.get("kv_heads") or self.H
        self.dh = prof.get("head_dim") or self.d // self.H
        self.F = prof["ffn_size"]
        self.V = prof["vocab_size"]
        self.tied = bool(prof.get("tied_embeddings", False))
        self.window = prof.get("sliding_window")
        # Transformer only: which layers use the window (0-based; default all when a window is set),
        # and Cross-Layer Attention groups (layer i reads the K/V of layer i - i % g).
        types = prof.get("layer_types")
        self.windows = [self.window if (types is None or t == "sliding_attention") else None
                        for t in (types or [None] * self.L)]
        self.group = prof.get("cross_layer_group") or 1
        if self.arch == "yoco":
            self.self_kind = prof["self_decoder"]
            self.n_self = prof.get("self_decoder_layers", self.L // 2)
            self.self_kv = prof.get("self_kv_heads") or self.H
        elif self.arch != "transformer":
            raise ValueError(f"unknown architecture {self.arch!r}")


def load_profile(model):
    path = model
    if not os.path.exists(path):
        here = os.path.dirname(os.path.abspath(__file__))
        path = os.path.join(here, "..", "Profiles", "models", model + ".json")
    with open(path) as f:
        return json.load(f)


def ffn(x, W, i):
    xn = rmsnorm(x, W[f"layers.{i}.ffn_norm"])
    return x + (swish(xn @ W[f"layers.{i}.ffn_gate"]) * (xn @ W[f"layers.{i}.ffn_up"])) @ W[f"layers.{i}.ffn_down"]


def attn_layer(x, W, i, H, Hk, window, kv=None):
    """Returns the layer's output and the K/V it attended to (its own, or `kv` from the layer it shares with)."""
    p = f"layers.{i}."
    xn = rmsnorm(x, W[p + "mixer_norm"])
    q = rope(heads(xn @ W[p + "wq"], H))
    if kv is None:
        kv = (rope(heads(xn @ W[p + "wk"], Hk)), heads(xn @ W[p + "wv"], Hk))
    return x + merge(attention(q, kv[0], kv[1], window)) @ W[p + "wo"], kv


def gret_layer(x, W, i):
    p = f"layers.{i}."
    hR = W[p + "wgamma"].shape[1]                                             # Wγ is [d, hR]
    xn = rmsnorm(x, W[p + "mixer_norm"])
    q = rope(heads(xn @ W[p + "wq"], hR))
    k = heads(xn @ W[p + "wk"], hR)
    dR = k.shape[-1]
    k = rope(k) * dR ** -0.5
    v = heads(xn @ W[p + "wv"], hR)
    log_gamma = log_sigmoid(xn @ W[p + "wgamma"]) / GRET_TAU                  # [B, N, hR]
    o = gret_parallel(q, k, v, log_gamma)
    o = merge(rmsnorm(o))                                                     # per-head, no weight
    o = o * swish(xn @ W[p + "wg"])
    return x + o @ W[p + "wo"]


def cross_layer(x, W, i, H, khat, vhat):
    p = f"layers.{i}."
    xn = rmsnorm(x, W[p + "mixer_norm"])
    q = rope(heads(xn @ W[p + "wq"], H))
    return x + merge(attention(q, khat, vhat, None)) @ W[p + "wo"]


def forward(spec, W, x):
    if spec.arch == "transformer":
        shared = None
        for i in range(spec.L):
            # CLA: the first layer of each group projects K/V; the others attend to it (full span).
            x, kv = attn_layer(x, W, i, spec.H, spec.Hkv, spec.windows[i], None if i % spec.group == 0 else shared)
            shared = kv
            x = ffn(x, W, i)
    else:
        for i in range(spec.n_self):
            if spec.self_kind == "gated_retention":
                x = gret_layer(x, W, i)
            elif spec.self_kind == "sliding_window":
                x, _ = attn_layer(x, W, i, spec.H, spec.self_kv, spec.window)
            else:
                raise ValueError(f"unknown self_decoder {spec.self_kind!r}")
            x = ffn(x, W, i)
        xk = rmsnorm(x, W["kv_norm"])
        khat = rope(heads(xk @ W["wk_hat"], spec.Hkv))
        vhat = heads(xk @ W["wv_hat"], spec.Hkv)
        for i in range(spec.n_self, spec.L):
            x = cross_layer(x, W, i, spec.H, khat, vhat)
            x = ffn(x, W, i)
    hidden = rmsnorm(x, W["final_norm"])
    out_w = W["embedding"].T if spec.tied else W["output"]
    logits = hidden[:, -1, :] @ out_w
    return hidden, logits


# ----------------------------------------------------------------------------- main
def compare(name, ours, dumped, rtol):
    dumped = dumped.astype(np.float64)
    if ours.shape != dumped.shape:
        print(f"  {name:<18} SHAPE MISMATCH: reference {ours.shape}, dump {dumped.shape}")
        return False
    err = np.abs(ours - dumped)
    scale = float(np.max(np.abs(ours)))
    max_abs = float(err.max())
    rel = max_abs / scale if scale > 0 else max_abs
    idx = np.unravel_index(int(err.argmax()), err.shape)
    ok = bool(np.isfinite(dumped).all()) and rel <= rtol
    print(f"  {name:<18} max_abs_err {max_abs:.3e}  max|ref| {scale:.3e}  rel_err {rel:.3e}"
          f"  (worst at {tuple(int(t) for t in idx)})  {'ok' if ok else 'FAIL'}")
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dump", help="directory written by yocoprof forward --dump")
    ap.add_argument("--model", required=True, help="profile id (Profiles/models/ID.json) or path")
    ap.add_argument("--rtol", type=float, default=DEFAULT_RTOL,
                    help=f"max normwise relative error, max|diff|/max|ref| (default {DEFAULT_RTOL:g})")
    args = ap.parse_args()

    try:
        spec = Spec(load_profile(args.model))
        meta, W = read_safetensors(os.path.join(args.dump, "weights.safetensors"))
        _, I = read_safetensors(os.path.join(args.dump, "input.safetensors"))
        _, O = read_safetensors(os.path.join(args.dump, "outputs.safetensors"))
    except (OSError, ValueError, KeyError) as e:
        print(f"check_dump: {e}", file=sys.stderr)
        return 2
    W = {k: v.astype(np.float64) for k, v in W.items()}
    tokens = I["tokens"].astype(np.int64)
    B, N = tokens.shape
    print(f"{args.dump}: model {meta.get('model_id', spec.id)} ({spec.arch}), B {B}, N {N}, "
          f"seed {meta.get('seed')}, blas {meta.get('blas_core')}/{meta.get('blas_threads')}, kernels {meta.get('kernel_simd_path', '?')}")
    if W["embedding"].shape != (spec.V, spec.d):
        print(f"check_dump: embedding shape {W['embedding'].shape} != profile ({spec.V}, {spec.d})",
              file=sys.stderr)
        return 2

    x = W["embedding"][tokens] * np.sqrt(spec.d)
    ok = compare("input_embeddings", x, I["input_embeddings"], args.rtol)
    hidden, logits = forward(spec, W, x)
    ok &= compare("hidden", hidden, O["hidden"], args.rtol)
    ok &= compare("hidden[:, -1]", hidden[:, -1], O["hidden"][:, -1], args.rtol)
    ok &= compare("logits", logits, O["logits"], args.rtol)
    print(f"  => {'PASS' if ok else 'FAIL'} (tolerance rel_err <= {args.rtol:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
