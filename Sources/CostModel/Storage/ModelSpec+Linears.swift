// The linear matrices of a model, one entry per matrix of a run of blocks, with the module name a
// Hugging Face checkpoint gives it, so a quantised format can be applied per matrix (its scales
// depend on each matrix's input and output features) and `modules_to_not_convert` matched by name.
//
// Legend as in ModelSpec+Parameters.swift. Per block (inputs -> outputs):
//   attention, own K/V:  q_proj d -> H*dk, k_proj d -> Hkv*dk, v_proj d -> Hkv*dv, o_proj H*dv -> d
//   attention reading another slot: q_proj, o_proj
//   gated retention:     q/k/v/g_proj d -> hR*dR, o_proj hR*dR -> d, gamma_proj d -> hR
//   feed-forward:        gated gate_proj, up_proj d -> F, down_proj F -> d; MLP up_proj d -> F, down_proj F -> d
//   experts:             E copies of mlp.experts.gate_up_proj d -> 2I and mlp.experts.down_proj I -> d
//                        (the fused layout of gpt-oss and of transformers' fused experts; MXFP4 and
//                        the integer formats group along the inputs, so fusing gate and up changes
//                        nothing there), shared experts mlp.shared_expert.{gate,up}_proj d -> Is,
//                        down_proj Is -> d; the router (d -> E) and the shared-expert gate stay in
//                        the 16-bit dtype, as every format's convention keeps them
// Once per model: YOCO's k_proj, v_proj d -> Hkv*dh; lm_head d -> V (untied).
// Everything else (biases, norms, q/k norms, sinks, embeddings) is a vector or a table, never a
// quantised matrix: its elements are the class's parameter count minus these matrices.
// Names follow the Llama layout of transformers: model.layers.{i}.self_attn.q_proj,
// model.layers.{i}.mlp.gate_proj, model.embed_tokens, lm_head.

/// One linear matrix of every layer of a run (or of the model, for the once-per-model ones).
public struct LinearMatrix: Sendable, Hashable {
    public var weightClass: WeightClass
    /// The module path after `model.layers.{i}.` (e.g. `self_attn.q_proj`), or the full path of a
    /// once-per-model matrix (`lm_head`).
    public var module: String
    public var inputs: Int
    public var outputs: Int
    /// The layers holding it (0-based); nil for a once-per-model matrix.
    public var layers: Range<Int>?
    /// Copies per layer: E for a routed expert's matrix, else 1.
    public var copies: Int = 1

    /// inputs * outputs
    public var elements: Int128 { Int128(inputs) * Int128(outputs) }

    /// Matrices of this shape in the model: layers * copies.
    public var instances: Int128 { Int128(names.count) * Int128(copies) }

    /// The checkpoint names of every copy (one per layer).
    public var names: [String] {
        guard let layers else { return [module] }
        return layers.map { "model.layers.\($0).\(module)" }
    }
}

extension ModelSpec {
    /// The model's linear matrices (see the legend above); the output head only when untied.
    public var linearMatrices: [LinearMatrix] {
        let d = hiddenSize
        var out: [LinearMatrix] = []
        for (run, start) in zip(runs, runStarts) {
            let layers = start..<(start + run.count)
            func add(_ c: WeightClass, _ m: String, _ i: Int, _ o: Int, copies: Int = 1) {
                out.append(LinearMatrix(weightClass: c, module: m, inputs: i, outputs: o, layers: layers, copies: copies))
            }
            switch run.block.mixer {
            case .attention(let a):
                add(.attention, "self_attn.q_proj", d, a.queryWidth)
                if a.writesOwnSlot {
                    add(.attention, "self_attn.k_proj", d, a.keyWidth)
                    add(.attention, "self_attn.v_proj", d, a.valueWidth)
                }
                add(.attention, "self_attn.o_proj", a.outputWidth, d)
            case .gatedRetention(let g):
                for m in ["q_proj", "k_proj", "v_proj", "g_proj"] { add(.retention, "retention.\(m)", d, g.innerWidth) }
                add(.retention, "retention.o_proj", g.innerWidth, d)
                add(.retention, "retention.gamma_proj", d, g.heads)
            case .fixedState, .latentAttention, .identity:
                break  // not listed yet: `unquantisedLayerKind` refuses a format on them
            }
            switch run.block.feedForward {
            case .gated(let f, _):
                add(.ffn, "mlp.gate_proj", d, f)
                add(.ffn, "mlp.up_proj", d, f)
                add(.ffn, "mlp.down_proj", f, d)
            case .mlp(let f, _, _):
                add(.ffn, "mlp.up_proj", d, f)
                add(.ffn, "mlp.down_proj", f, d)
            case .experts(let e):
                for (m, i, o) in Self.expertMatrices(e, hidden: d) { add(.ffn, m, i, o, copies: e.count) }
                for (m, i, o) in Self.sharedExpertMatrices(e, hidden: d) { add(.ffn, m, i, o) }
            case .identity:
                break
            }
        }
        if let s = sharedKV {
            for m in ["model.kv_proj.k_proj", "model.kv_proj.v_proj"] {
                out.append(LinearMatrix(weightClass: .kvProjection, module: m, inputs: d, outputs: s.width, layers: nil))
            }
        }
        if !tiedEmbeddings {
            out.append(LinearMatrix(weightClass: .outputHead, module: "lm_head", inputs: d, outputs: vocabSize, layers: nil))
        }
        return out
    }
}

extension ModelSpec {
    /// One routed expert's matrices (module, inputs, outputs): the fused gate/up and the down product.
    static func expertMatrices(_ e: Experts, hidden d: Int) -> [(String, Int, Int)] {
        [("mlp.experts.gate_up_proj", d, 2 * e.inner), ("mlp.experts.down_proj", e.inner, d)]
    }

    /// The shared experts' matrices (none without shared experts).
    static func sharedExpertMatrices(_ e: Experts, hidden d: Int) -> [(String, Int, Int)] {
        guard let s = e.shared else { return [] }
        return [("mlp.shared_expert.gate_proj", d, s.inner), ("mlp.shared_expert.up_proj", d, s.inner),
                ("mlp.shared_expert.down_proj", s.inner, d)]
    }

    /// Why `storage` cannot be applied to this model exactly, naming the layer kind, or nil. Latent
    /// attention and fixed-state mixers have no matrix list yet (a format would leave their weights
    /// counted in 16 bits). Expert module names differ between families (Mixtral's
    /// `block_sparse_moe.experts.{j}.w1`, Qwen's and DeepSeek's `mlp.experts.{j}.gate_proj`, gpt-oss's
    /// fused `mlp.experts.gate_up_proj`, Llama 4's `feed_forward.experts.gate_up_proj`), and this
    /// description does not keep the family's names: so on experts every `modules_to_not_convert`
    /// pattern must give the same answer for every family's name of each expert matrix (the router,
    /// attention, `lm_head` and embedding patterns do); one that does not (AWQ's `gate`, a
    /// `*.block_sparse_moe.*` glob) is refused rather than matched against the wrong name.
    public func unquantisedLayerKind(for storage: WeightStorage) -> String? {
        // The matrix list has one entry per run: a run reusing another's weights would list them twice.
        if let shared = sharedWeightBlocks { return shared }
        for (run, start) in zip(runs, runStarts) {
            switch run.block.mixer {
            case .fixedState(let m): return "\(m.kind.rawValue) (fixed-state) layers"
            case .latentAttention: return "latent-attention layers"
            case .attention, .gatedRetention, .identity: break
            }
            guard run.block.feedForward.experts != nil else { continue }
            for layer in start..<(start + run.count) {
                let l = "model.layers.\(layer)."
                let routed = ["mlp.experts.gate_up_proj", "mlp.experts.0.gate_proj", "block_sparse_moe.experts.0.w1",
                              "feed_forward.experts.gate_up_proj"].map { l + $0 }
                let down = ["mlp.experts.down_proj", "mlp.experts.0.down_proj", "block_sparse_moe.experts.0.w2",
                            "feed_forward.experts.down_proj"].map { l + $0 }
                let shared = ["mlp.shared_expert.gate_proj", "mlp.shared_experts.gate_proj",
                              "feed_forward.shared_expert.gate_proj"].map { l + $0 }
                for p in storage.notConverted {
                    for names in [routed, down, shared] where Set(names.map { WeightStorage.matches(pattern: p, name: $0) }).count > 1 {
                        return "mixture-of-experts layers with the modules_to_not_convert pattern `\(p)`, which matches one family's expert module names and not another's"
                    }
                }
            }
        }
        return nil
    }
}
