// model_type "deepseek_v2" and "deepseek_v3" (one file: one family). Every layer is multi-head
// latent attention (Mixers/LatentAttention.swift); layer i routes to experts iff
// i >= first_k_dense_replace and i % moe_layer_freq == 0 (0-based; the reference code and vLLM),
// else it is a dense SwiGLU of intermediate_size. Experts are SwiGLU of moe_intermediate_size with
// n_shared_experts shared ones run on every token (one SwiGLU of n_shared * moe_intermediate_size).
// The config's `head_dim` (transformers v5 sets it to qk_rope_head_dim) is not the attention width
// and is not read; `num_key_value_heads` does not shape the latent cache.
// DeepseekV2Config defaults: vocab 32000, hidden 4096, intermediate 11008, layers 32, heads 32,
// max_position_embeddings 2048, tie False, first_k_dense_replace 0, kv_lora_rank 512,
// q_lora_rank 1536 (null: a plain q_proj), n_routed_experts 64, n_shared_experts 2,
// qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128, moe_intermediate_size 1407,
// num_experts_per_tok None (refused: the file must say), moe_layer_freq 1 (remote code; the v5
// class keeps the file's value as an attribute). The V2 router has no bias.
// DeepseekV3Config defaults (DeepSeek-V3's own values): vocab 129280, hidden 7168, intermediate
// 18432, moe_intermediate_size 2048, layers 61, heads 128, n_shared_experts 1, n_routed_experts
// 256, kv_lora_rank 512, q_lora_rank 1536, qk_rope 64, v 128, qk_nope 128, num_experts_per_tok 8,
// first_k_dense_replace 3, max_position_embeddings 4096; the router carries an
// e_score_correction_bias of E, stored in float32 (the checkpoint's tensor inventory,
// docs/research/hf/DEFAULTS.md) and counted so in the weight bytes whatever the weight dtype. The multi-token-prediction module (num_nextn_predict_layers,
// stored as layer 61) is not counted: engines that do not speculate do not load it.
// Checked against deepseek-ai/DeepSeek-V3 config.json without its quantization_config (fp8):
// 671,026,419,200 parameters, 576 x 2 B x 61 = 70,272 B of latent cache per token in bf16; and a
// transformers 5.7 dump of DeepSeek-V2-Lite-Chat: 15,706,484,224 (= the checkpoint's element count).

import CostModel

enum DeepSeek {
    static let readKeys: Set<String> = ["n_routed_experts", "num_experts_per_tok", "moe_intermediate_size", "kv_lora_rank", "q_lora_rank"]

    struct Defaults {
        var vocab, maxPositions, firstDense, routed, shared, active: Int
        var activeIsRequired: Bool
        var moeInner, qRank: Int
        var routerBias: Bool
    }

    static let v2 = Defaults(vocab: 32_000, maxPositions: 2048, firstDense: 0, routed: 64, shared: 2, active: 0,
                             activeIsRequired: true, moeInner: 1407, qRank: 1536, routerBias: false)
    static let v3 = Defaults(vocab: 129_280, maxPositions: 4096, firstDense: 3, routed: 256, shared: 1, active: 8,
                             activeIsRequired: false, moeInner: 2048, qRank: 1536, routerBias: true)

    static func planV2(_ r: HFReader) throws(ProfileError) -> DecoderPlan { try plan(r, v2) }
    static func planV3(_ r: HFReader) throws(ProfileError) -> DecoderPlan { try plan(r, v3) }

    static func plan(_ r: HFReader, _ df: Defaults) throws(ProfileError) -> DecoderPlan {
        if try r.bool("attention_bias", default: false) {
            throw r.f.error("attention_bias", "(\(r.family)): biases on latent-attention projections are not modelled yet; refusing rather than dropping them", true)
        }
        if try r.bool("mlp_bias", default: false) {
            throw r.f.error("mlp_bias", "(\(r.family)): biases in a gated feed-forward are not modelled yet; refusing rather than dropping them", true)
        }
        let hidden = try r.int("hidden_size"), layers = try r.int("num_hidden_layers"), heads = try r.int("num_attention_heads")
        let vocab = try r.int("vocab_size", default: df.vocab)
        let dense = try r.int("intermediate_size")
        let m = try latent(r, heads: heads, queryRank: df.qRank)
        // Experts: n_routed_experts null means a dense model in the reference code.
        var ffs: [FeedForward?] = Array(repeating: nil, count: max(0, layers))
        var describe = "dense SwiGLU of \(dense) on every layer"
        if !r.isNull("n_routed_experts") {
            let stated = try r.optionalInt("num_experts_per_tok")
            if df.activeIsRequired && stated == nil {
                throw r.f.error("num_experts_per_tok", "(\(r.family)) is absent or null (the class default None); the experts per token must be stated", nil)
            }
            let inner = try r.int("moe_intermediate_size", default: df.moeInner)
            let (e, k) = try ExpertLayers.counts(r, expertsKey: "n_routed_experts", experts: df.routed, activeKey: "num_experts_per_tok",
                                                 active: df.active, inner: inner, innerKey: "moe_intermediate_size")
            let (experts, routed, nShared) = try ExpertLayers.deepSeekLayout(
                r, layers: layers, experts: e, active: k, inner: inner, sharedKey: "n_shared_experts", sharedDefault: df.shared,
                firstDenseDefault: df.firstDense, routerBias: df.routerBias, routerBiasDType: df.routerBias ? .fp32 : nil)
            ffs = routed.map { $0 ? .experts(experts) : nil }
            describe = "\(e) experts of \(inner), top-\(k)" + (nShared > 0 ? ", \(nShared) shared" : "")
                + ", on \(routed.filter { $0 }.count) of \(layers) layers (the others dense SwiGLU of \(dense))"
        }
        let mtp = try r.int("num_nextn_predict_layers", default: 0)
        return DecoderPlan(
            layers: layers, hidden: hidden, heads: heads, kvHeads: heads, headDim: m.queryHeadDim, vocab: vocab,
            ffn: Array(repeating: dense, count: max(0, layers)), windows: Array(repeating: nil, count: max(0, layers)),
            feedForwards: ffs, latent: m, tied: try r.bool("tie_word_embeddings", default: false),
            maxPositions: try r.int("max_position_embeddings", default: df.maxPositions), dtype: try r.dtype(),
            family: "\(r.family): latent attention (kv_lora_rank \(m.kvRank) + rope \(m.ropeHeadDim) cached), \(describe)"
                + (mtp > 0 ? "; the \(mtp) multi-token-prediction layer(s) are not counted" : ""),
            keyFor: HFKeys.standard.merging(["heads": "num_attention_heads", "experts": "n_routed_experts",
                                             "experts_per_token": "num_experts_per_tok", "expert_ffn_size": "moe_intermediate_size",
                                             "shared_expert_ffn_size": "n_shared_experts"]) { $1 })
    }

    /// Multi-head latent attention from DeepSeek's keys (read the same way by Kimi-Linear):
    /// q_lora_rank absent -> `queryRank` (the family's default), null -> a plain q projection;
    /// kv_lora_rank 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128 when absent.
    static func latent(_ r: HFReader, heads: Int, queryRank: Int?) throws(ProfileError) -> LatentAttention {
        let qRank: Int? = r.present("q_lora_rank") ? try r.optionalInt("q_lora_rank") : queryRank
        return LatentAttention(heads: heads, queryRank: qRank, kvRank: try r.int("kv_lora_rank", default: 512),
                               nopeHeadDim: try r.int("qk_nope_head_dim", default: 128),
                               ropeHeadDim: try r.int("qk_rope_head_dim", default: 64),
                               valueHeadDim: try r.int("v_head_dim", default: 128))
    }
}
