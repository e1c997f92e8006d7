// model_type "minimax" (MiniMaxConfig, transformers models/minimax) and the remote-code files of
// MiniMax-Text-01 and MiniMax-M1 ("minimax_text_01", "minimax_m1"; DEFAULTS.md, TRAPS.md 11).
// Which layers are lightning (linear) attention: `layer_types` ("linear_attention" /
// "full_attention") when stated; else the remote code's `attn_type_list` (0 lightning, 1 softmax;
// Text-01 and M1: softmax at 0-based 7, 15, ..., 79); else, for "minimax" only, the class default
// (layer i is full iff (i + 1) % 2 != 0). A remote-code file without `attn_type_list` is refused:
// its default is not transformers'.
// Defaults: vocab 32000, hidden 4096, intermediate 14336, layers 32, heads 32, kv 8, head_dim None ->
// hidden / heads, tie False, max_position 4096 x 32, block_size 256 (lightning prefill blocks),
// num_local_experts 8 and num_experts_per_tok 2 on every layer (SwiGLU experts of
// intermediate_size, a router of d x E without bias); a shared expert (the remote code's
// shared_intermediate_size > 0) is refused: its gating is not read.
// Lightning layers: qkv_proj d x 3 H dh (SiLU on q, k, v), output_gate d x H dh (sigmoid), an RMSNorm
// over H dh, out_proj H dh x d; a fixed decay per head (no weights). Softmax layers: GQA without
// biases, partial RoPE (rotary_dim) only changes element-wise work. Two RMSNorms per layer; the
// post-norm alpha/beta factors are scalars, not weights.
// Checked against MiniMaxAI/MiniMax-M1 config.json (docs/research/hf): 70 lightning and 10 softmax
// layers, 456,089,655,296 parameters with the experts (closed form; public 456B).

import CostModel
import Foundation

enum MiniMax {
    static func plan(_ r: HFReader) throws(ProfileError) -> DecoderPlan {
        let d = try r.int("hidden_size", default: 4096)
        let heads = try r.int("num_attention_heads", default: 32)
        guard heads > 0 else { throw r.f.error("num_attention_heads", "must be at least 1", heads) }
        let explicit = try r.optionalInt("head_dim")
        if explicit == nil && d % heads != 0 {
            throw r.f.error("hidden_size", "must be a multiple of `num_attention_heads` (\(heads)) when `head_dim` is absent", d)
        }
        let headDim = explicit ?? d / heads
        let layers = max(0, try r.int("num_hidden_layers", default: 32))
        let types: [HybridLayer]
        if let t = try HybridLayers.layerTypes(r, layers: layers) {
            types = t
        } else if let t = try HybridLayers.typeList(r, layers: layers) {
            types = t
        } else if r.family == "minimax" {
            types = (0..<layers).map { ($0 + 1) % 2 != 0 ? .attention : .linear }
        } else {
            throw r.f.error("attn_type_list", "(\(r.family)) is required: it says which layers are lightning and which softmax attention", nil)
        }
        let ffn = try r.int("intermediate_size", default: 14336)
        // Absent: 8; null: the attention heads (MiniMaxConfig turns None into num_attention_heads).
        let kvHeads = r.f.object["num_key_value_heads"] is NSNull ? heads : try r.int("num_key_value_heads", default: 8)
        if let w = try r.optionalInt("sliding_window") {
            throw r.f.error("sliding_window", "(\(r.family)): a window on MiniMax's softmax-attention layers is not modelled; refusing rather than guessing", w)
        }
        // MiniMaxConfig's attribute_map reads `num_experts` as num_local_experts.
        let expertsKey = r.f.object["num_local_experts"] == nil && r.f.object["num_experts"] != nil ? "num_experts" : "num_local_experts"
        // One expert is the dense SwiGLU (MiniMaxConfig allows it), with no top-k to check.
        let e = try r.int(expertsKey, default: 8)
        let k = e > 1 ? try ExpertLayers.counts(r, expertsKey: expertsKey, experts: 8, activeKey: "num_experts_per_tok", active: 2,
                                                inner: ffn, innerKey: "intermediate_size").active : 0
        // One integer (M1) or one per layer (Text-01's remote code writes [0]).
        let shared = r.f.object["shared_intermediate_size"] is [Any]
            ? try r.f.optionalIntArray("shared_intermediate_size") ?? [] : [try r.int("shared_intermediate_size", default: 0)]
        if let s = shared.first(where: { $0 != 0 }) {
            throw r.f.error("shared_intermediate_size", "(\(r.family)): a shared expert beside the routed ones is not read (its gate mode is not modelled); refusing rather than dropping it", s)
        }
        let moe: FeedForward = e > 1 ? .experts(Experts(count: e, active: k, inner: ffn)) : .gated(inner: ffn, activation: .silu)
        let lightning = FixedStateMixer.lightning(heads: heads, headDim: headDim, blockTokens: try r.int("block_size", default: 256))
        let attention = Attention(heads: heads, kvHeads: kvHeads, headDim: headDim)
        let blocks = types.map { t in
            Block(mixer: t == .attention ? .attention(attention) : .fixedState(lightning), feedForward: moe)
        }
        let softmax = types.filter { $0 == .attention }.count
        return DecoderPlan(
            layers: layers, hidden: d, heads: heads, kvHeads: kvHeads, headDim: headDim, vocab: try r.int("vocab_size", default: 32000),
            ffn: Array(repeating: ffn, count: layers), windows: Array(repeating: nil, count: layers),
            tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: 4096 * 32), dtype: try r.dtype(),
            family: "\(r.family): \(layers - softmax) lightning-attention and \(softmax) softmax-attention layers; "
                + (e > 1 ? "\(e) experts of \(ffn), top-\(k), on every layer" : "dense SwiGLU on every layer"),
            keyFor: HFKeys.standard.merging(["lightning_heads": "num_attention_heads", "lightning_key_dim": "head_dim",
                                             "lightning_value_dim": "head_dim", "lightning_chunk_tokens": "block_size",
                                             "experts": "num_local_experts", "experts_per_token": "num_experts_per_tok",
                                             "expert_ffn_size": "intermediate_size"]) { $1 },
            blocks: blocks)
    }
}
