#!/usr/bin/env python3
"""Measure yocoprof's GPU operators and whole passes with PyTorch (issue 15, part 3).

Runs, on one device, with random weights (nothing is downloaded):
  * the operators the roofline prices: dense products (m x n x k), causal prefill attention by
    sequence length and head dim (torch SDPA, which dispatches to a fused FlashAttention kernel on
    a GPU when it can), decode attention (one query over a K/V cache) by batch, KV heads and
    context, an element-wise pass (RMSNorm), and the launch cost of an empty-ish kernel with and
    without a CUDA graph;
  * whole prefill and decode passes of the paper's 3B pair (transformer-3b and yoco-3b, shapes read
    from Profiles/models/*.json) at the given prompt lengths, the last one the long-context point.
Writes CSV rows in the validation schema of `yocoprof validate` (validation.csv), with `predicted`
left empty; `make gpu-join` (scripts/gpu/join_predictions.py) fills the predictions from
`yocoprof estimate` and the relative errors.

    python3 scripts/gpu/measure_torch.py --device cuda --hardware h100-sxm-80gb --out Reports/gpu/<date>-<gpu>.csv
    python3 scripts/gpu/measure_torch.py --device cpu --smoke --out /tmp/smoke.csv   # a tiny CPU check, not a timing

Times are medians of --repeats runs after one warm-up, synchronised around each run. On the CPU
the numbers mean nothing about a GPU: the CPU path exists to test the script.
"""
import argparse
import csv
import datetime
import json
import math
import os
import statistics
import sys
import time

COLUMNS = ["model", "architecture", "batch", "context_tokens", "generated_tokens", "metric", "unit", "comparison",
           "predicted", "measured", "relative_error", "status", "hardware", "device_name", "measured_at", "detail"]


def torch_or_exit():
    try:
        import torch  # noqa: F401
    except ImportError:
        sys.exit("measure_torch.py needs PyTorch (pip install torch); the project itself does not")
    import torch
    return torch


def timer(torch, device, fn, repeats):
    """Median seconds of fn() over `repeats` runs after one warm-up."""
    fn()
    sync = (lambda: torch.cuda.synchronize()) if device.startswith("cuda") else (lambda: None)
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def load_profile(name):
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "..", "Profiles", "models", name + ".json")
    with open(path) as f:
        p = json.load(f)
    for key in ["layers", "hidden_size", "heads", "kv_heads", "head_dim", "ffn_size", "vocab_size"]:
        if not isinstance(p.get(key), int) or p[key] < 1:
            sys.exit(f"{path}: `{key}` must be a positive integer for measure_torch.py")
    return p


def shrink(p, layers, hidden, vocab):
    """A small model of the same architecture for the smoke run (same head dim, fewer of everything)."""
    q = dict(p)
    ratio = hidden / p["hidden_size"]
    q.update(layers=layers, hidden_size=hidden, heads=max(1, int(p["heads"] * ratio)), ffn_size=max(8, int(p["ffn_size"] * ratio)),
             vocab_size=vocab)
    q["head_dim"] = hidden // q["heads"]
    q["kv_heads"] = max(1, min(q["heads"], int(p["kv_heads"] * ratio)))
    while q["heads"] % q["kv_heads"]:
        q["kv_heads"] -= 1
    if "gret_heads" in p:
        q["gret_heads"] = q["heads"]
        q["gret_head_dim"] = q["head_dim"]
        q["self_decoder_layers"] = layers // 2
    return q


class Model:
    """Random-weight forward passes of a GQA Transformer or a YOCO gRet model (BRIEF §2)."""

    def __init__(self, torch, p, device, dtype):
        self.t, self.p, self.dev, self.dt = torch, p, device, dtype
        d, f, v = p["hidden_size"], p["ffn_size"], p["vocab_size"]
        h, kvh, hd = p["heads"], p["kv_heads"], p["head_dim"]
        self.yoco = p["architecture"] == "yoco"
        self.self_layers = p.get("self_decoder_layers", p["layers"] // 2) if self.yoco else 0
        self.chunk = p.get("gret_chunk_tokens", 256)

        def w(*shape):
            return torch.randn(*shape, device=device, dtype=dtype) * (1.0 / math.sqrt(shape[0]))
        self.embed = w(v, d)
        self.head = w(d, v)
        self.layers = []
        for i in range(p["layers"]):
            layer = {"ffn_gu": w(d, 2 * f), "ffn_down": w(f, d)}
            if self.yoco and i < self.self_layers:
                layer.update(qkvg=w(d, 4 * d), gamma=w(d, p["gret_heads"]), out=w(d, d))
            elif self.yoco:
                layer.update(q=w(d, h * hd), out=w(h * hd, d))
            else:
                layer.update(qkv=w(d, (h + 2 * kvh) * hd), out=w(h * hd, d))
            self.layers.append(layer)
        if self.yoco:
            self.kv_proj = w(d, 2 * kvh * hd)

    def norm(self, x):
        t = self.t
        return x * t.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-5).to(x.dtype)

    def ffn(self, layer, x):
        g, u = (self.norm(x) @ layer["ffn_gu"]).chunk(2, dim=-1)
        return x + (self.t.nn.functional.silu(g) * u) @ layer["ffn_down"]

    def attend(self, q, k, v, causal):
        # q: B x H x n x hd; k, v: B x Hkv x m x hd (GQA: repeat the KV heads)
        rep = q.shape[1] // k.shape[1]
        if rep > 1:
            k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        return self.t.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)

    def gret_prefill(self, layer, x):
        """Chunkwise gated retention over n tokens; returns the output and the final state."""
        t, p = self.t, self.p
        b, n, d = x.shape
        hr, dr = p["gret_heads"], p["gret_head_dim"]
        y = self.norm(x)
        q, k, v, g = (y @ layer["qkvg"]).chunk(4, dim=-1)
        q, k, v = (z.view(b, n, hr, dr).transpose(1, 2).float() for z in (q, k, v))
        k = k * dr ** -0.5
        logdecay = t.nn.functional.logsigmoid((y @ layer["gamma"]).float()).transpose(1, 2) / 16  # B x hR x n
        state = t.zeros(b, hr, dr, dr, device=self.dev)
        outs = []
        for s in range(0, n, self.chunk):
            e = min(n, s + self.chunk)
            lq, lk, lv, ld = q[:, :, s:e], k[:, :, s:e], v[:, :, s:e], logdecay[:, :, s:e]
            cum = ld.cumsum(-1)  # B x hR x c
            mask = (cum[..., :, None] - cum[..., None, :]).masked_fill(
                t.ones(e - s, e - s, device=self.dev, dtype=t.bool).triu(1), float("-inf")).exp()
            inner = ((lq @ lk.transpose(-1, -2)) * mask) @ lv
            cross = (lq * cum.exp()[..., None]) @ state
            outs.append(inner + cross)
            total = cum[..., -1:]
            state = state * total.exp()[..., None] + (lk * (total - cum).exp()[..., None]).transpose(-1, -2) @ lv
        o = t.cat(outs, dim=2)
        o = self.norm(o).transpose(1, 2).reshape(b, n, d).to(x.dtype) * t.nn.functional.silu(g)
        return x + o @ layer["out"], state

    def gret_step(self, layer, x, state):
        t, p = self.t, self.p
        b, _, d = x.shape
        hr, dr = p["gret_heads"], p["gret_head_dim"]
        y = self.norm(x)
        q, k, v, g = (y @ layer["qkvg"]).chunk(4, dim=-1)
        q, k, v = (z.view(b, hr, 1, dr).float() for z in (q, k, v))
        k = k * dr ** -0.5
        decay = (t.nn.functional.logsigmoid((y @ layer["gamma"]).float()) / 16).exp().view(b, hr, 1, 1)
        state = state * decay + k.transpose(-1, -2) @ v
        o = self.norm(q @ state).reshape(b, 1, d).to(x.dtype) * t.nn.functional.silu(g)
        return x + o @ layer["out"], state

    def prefill(self, tokens):
        """A prefill of B x N tokens; returns the caches for decode. YOCO exits early: the
        cross-decoder runs on the last position only."""
        t, p = self.t, self.p
        b, n = tokens.shape
        h, kvh, hd = p["heads"], p["kv_heads"], p["head_dim"]
        x = self.embed[tokens]
        cache = []
        for i, layer in enumerate(self.layers):
            if self.yoco and i < self.self_layers:
                x, s = self.gret_prefill(layer, x)
                cache.append(s)
                x = self.ffn(layer, x)
                continue
            if self.yoco and i == self.self_layers:
                kv = self.norm(x) @ self.kv_proj
                shared_k, shared_v = (z.view(b, n, kvh, hd).transpose(1, 2) for z in kv.chunk(2, dim=-1))
                cache.append((shared_k, shared_v))
                x = x[:, -1:]
            if self.yoco:
                q = (self.norm(x) @ layer["q"]).view(b, 1, h, hd).transpose(1, 2)
                o = self.attend(q, shared_k, shared_v, causal=False)
            else:
                qkv = self.norm(x) @ layer["qkv"]
                q, k, v = qkv.split([h * hd, kvh * hd, kvh * hd], dim=-1)
                q = q.view(b, n, h, hd).transpose(1, 2)
                k, v = (z.view(b, n, kvh, hd).transpose(1, 2) for z in (k, v))
                cache.append((k, v))
                o = self.attend(q, k, v, causal=True)
            x = x + o.transpose(1, 2).reshape(b, x.shape[1], h * hd) @ layer["out"]
            x = self.ffn(layer, x)
        logits = self.norm(x[:, -1:]) @ self.head
        return logits, cache

    def decode_step(self, token, cache):
        """One token per sequence through every layer; K/V caches grow by one position."""
        t, p = self.t, self.p
        b = token.shape[0]
        h, kvh, hd = p["heads"], p["kv_heads"], p["head_dim"]
        x = self.embed[token]
        new = []
        for i, layer in enumerate(self.layers):
            if self.yoco and i < self.self_layers:
                x, s = self.gret_step(layer, x, cache[i])
                new.append(s)
            else:
                if self.yoco and i == self.self_layers:
                    kv = self.norm(x) @ self.kv_proj
                    k1, v1 = (z.view(b, 1, kvh, hd).transpose(1, 2) for z in kv.chunk(2, dim=-1))
                    k, v = cache[self.self_layers]
                    shared = (t.cat([k, k1], dim=2), t.cat([v, v1], dim=2))
                    new.append(shared)
                if self.yoco:
                    q = (self.norm(x) @ layer["q"]).view(b, 1, h, hd).transpose(1, 2)
                    k, v = shared
                else:
                    qkv = self.norm(x) @ layer["qkv"]
                    q, k1, v1 = qkv.split([h * hd, kvh * hd, kvh * hd], dim=-1)
                    q = q.view(b, 1, h, hd).transpose(1, 2)
                    k0, v0 = cache[i]
                    k = t.cat([k0, k1.view(b, 1, kvh, hd).transpose(1, 2)], dim=2)
                    v = t.cat([v0, v1.view(b, 1, kvh, hd).transpose(1, 2)], dim=2)
                    new.append((k, v))
                o = self.attend(q, k, v, causal=False)
                x = x + o.transpose(1, 2).reshape(b, 1, h * hd) @ layer["out"]
            x = self.ffn(layer, x)
        return self.norm(x) @ self.head, new


def row(model, arch, batch, n, g, metric, unit, measured, hw, device_name, detail):
    return {"model": model, "architecture": arch, "batch": batch, "context_tokens": n, "generated_tokens": g, "metric": metric,
            "unit": unit, "comparison": "relative", "predicted": "", "measured": "%.6g" % measured, "relative_error": "",
            "status": "measured", "hardware": hw, "device_name": device_name,
            "measured_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "detail": detail}


def operators(torch, dev, dtype, repeats, smoke, hw, name):
    out = []
    scale = 16 if smoke else 1
    for m, n, k in ([(1, 4096, 4096), (16, 4096, 4096), (512, 4096, 4096), (4096, 4096, 4096), (8192, 8192, 8192)]
                    if not smoke else [(1, 64, 64), (32, 64, 64)]):
        a, b = torch.randn(m, k, device=dev, dtype=dtype), torch.randn(k, n, device=dev, dtype=dtype)
        s = timer(torch, dev, lambda: a @ b, repeats)
        out.append(row("op:dense_gemm", "operator", 1, m, 0, "gemm_seconds", "seconds", s, hw, name, f"m={m} n={n} k={k}"))
    for hd in ([64, 128] if not smoke else [32]):
        for seq in ([512, 2048, 8192, 16384] if not smoke else [64]):
            heads = 2048 // hd // scale
            b = max(1, 16384 // seq // scale)
            q = torch.randn(b, heads, seq, hd, device=dev, dtype=dtype)
            s = timer(torch, dev, lambda: torch.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True), repeats)
            out.append(row("op:prefill_attention", "operator", b, seq, 0, "attention_seconds", "seconds", s, hw, name,
                           f"sdpa causal head_dim={hd} heads={heads} (the FlashAttention benchmark setting: 16k tokens; hidden 2048)"))
    for batch, ctx in ([(1, 2048), (1, 32768), (16, 4096), (64, 1024)] if not smoke else [(1, 64)]):
        heads, kvh, hd = (32, 8, 128) if not smoke else (4, 2, 32)
        q = torch.randn(batch, heads, 1, hd, device=dev, dtype=dtype)
        k = torch.randn(batch, kvh, ctx, hd, device=dev, dtype=dtype)
        rep = heads // kvh
        kk, vv = k.repeat_interleave(rep, dim=1), k.repeat_interleave(rep, dim=1)
        s = timer(torch, dev, lambda: torch.nn.functional.scaled_dot_product_attention(q, kk, vv), repeats)
        out.append(row("op:decode_attention", "operator", batch, ctx, 0, "attention_seconds", "seconds", s, hw, name,
                       f"sdpa one query heads={heads} kv_heads={kvh} head_dim={hd} (KV heads repeated before the call)"))
    x = torch.randn(8192 // scale, 4096 // scale, device=dev, dtype=dtype)
    s = timer(torch, dev, lambda: x * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + 1e-5).to(x.dtype), repeats)
    out.append(row("op:elementwise_rmsnorm", "operator", 1, x.shape[0], 0, "elementwise_seconds", "seconds", s, hw, name, f"rows={x.shape[0]} width={x.shape[1]}"))
    tiny = torch.zeros(1, device=dev)
    launches = 100 if not smoke else 10
    def eager():
        for _ in range(launches):
            tiny.add_(1)
    s = timer(torch, dev, eager, repeats)
    out.append(row("op:launch", "operator", 1, launches, 0, "launch_seconds_eager", "seconds", s / launches, hw, name, "tiny add_ per launch, no graph"))
    if dev.startswith("cuda"):
        graph = torch.cuda.CUDAGraph()
        stream = torch.cuda.Stream()
        with torch.cuda.stream(stream):
            eager()
        torch.cuda.synchronize()
        with torch.cuda.graph(graph):
            eager()
        s = timer(torch, dev, graph.replay, repeats)
        out.append(row("op:launch", "operator", 1, launches, 0, "launch_seconds_cuda_graphs", "seconds", s / launches, hw, name, "tiny add_ per launch, in one CUDA graph"))
    return out


def passes(torch, dev, dtype, repeats, smoke, hw, name, contexts, generate):
    out = []
    for model_id in ["transformer-3b", "yoco-3b"]:
        p = load_profile(model_id)
        if smoke:
            p = shrink(p, layers=2, hidden=64, vocab=128)
        m = Model(torch, p, dev, dtype)
        for n in contexts:
            tokens = torch.randint(0, p["vocab_size"], (1, n), device=dev)
            with torch.no_grad():
                s = timer(torch, dev, lambda: m.prefill(tokens), repeats)
                out.append(row(model_id, p["architecture"], 1, n, generate, "prefill_seconds", "seconds", s, hw, name, "random weights; batch 1"))
                _, cache = m.prefill(tokens)
                token = torch.zeros(1, 1, dtype=torch.long, device=dev)

                def generate_all():
                    c = cache
                    for _ in range(generate):
                        _, c = m.decode_step(token, c)
                s = timer(torch, dev, generate_all, max(1, repeats // 2))
                out.append(row(model_id, p["architecture"], 1, n, generate, "decode_tokens_per_second", "tokens/s", generate / s, hw, name,
                               "random weights; batch 1; greedy token fixed at 0; caches grow by concatenation"))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda", help="cuda or cpu (cpu: a test of the script, not a timing)")
    ap.add_argument("--hardware", default="", help="the yocoprof hardware profile id of this GPU (e.g. h100-sxm-80gb), for the join")
    ap.add_argument("--contexts", default="1024,4096,32768", help="prompt lengths of the whole passes; the last is the long-context point")
    ap.add_argument("--generate", type=int, default=32, help="tokens generated after each prompt")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--smoke", action="store_true", help="tiny shapes and a 2-layer model of each architecture: a quick check of the script")
    ap.add_argument("--out", required=True, help="CSV to write")
    args = ap.parse_args(argv)
    torch = torch_or_exit()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        sys.exit("--device cuda: no CUDA device is visible to PyTorch")
    dtype = torch.bfloat16 if args.device.startswith("cuda") else torch.float32
    name = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu"
    contexts = [int(c) for c in args.contexts.split(",")] if not args.smoke else [16, 40]
    generate = args.generate if not args.smoke else 3
    rows = operators(torch, args.device, dtype, args.repeats, args.smoke, args.hardware, name)
    rows += passes(torch, args.device, dtype, args.repeats, args.smoke, args.hardware, name, contexts, generate)
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows -> {args.out}")


if __name__ == "__main__":
    main()
