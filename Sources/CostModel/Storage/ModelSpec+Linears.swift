// The linear matrices of a model, one entry per matrix of a run of blocks, with the module name a
// Hugging Face checkpoint gives it, so a quantised format can be applied per matrix (its scales
// depend on each matrix's input and output features) and `modules_to_not_convert` matched by name.
//
// Legend as in ModelSpec+Parameters.swift. Per block (inputs -> outputs):
//   attention, own K/V:  q_proj d -> H*dk, k_proj d -> Hkv*dk, v_proj d -> Hkv*dv, o_proj H*dv -> d
//   attention reading another slot: q_proj, o_proj
//   gated retention:     q/k/v/g_proj d -> hR*dR, o_proj hR*dR -> d, gamma_proj d -> hR
//   latent attention:    self_attn.q_a_proj d -> q, q_b_proj q -> H dq (or q_proj d -> H dq),
//                        kv_a_proj_with_mqa d -> r + dr, kv_b_proj r -> H (dn + dv), o_proj H dv -> d
//                        (DeepSeek-V3's names; Kimi-Linear's MLA layers use the same); the q_a and
//                        kv_a norms are vectors
//   fixed-state (legend of FixedStateMixer.swift; each family's module names):
//     Gated DeltaNet     linear_attn.in_proj_qkvz d -> 2 nk dk + 2 nv dv, in_proj_ba d -> 2 nv,
//                        out_proj nv dv -> d (Qwen3-Next)
//     Kimi delta         self_attn.q_proj, k_proj d -> h dk, v_proj d -> h dv, f_a_proj d -> dv,
//                        f_b_proj dv -> h dk, g_a_proj d -> dv, g_b_proj dv -> h dv, b_proj d -> h,
//                        o_proj h dv -> d (Kimi-Linear)
//     lightning          self_attn.qkv_proj d -> 3 h dh, output_gate d -> h dh, out_proj h dh -> d (MiniMax)
//     Mamba              mamba.in_proj d -> 2 di, x_proj di -> R + 2N, dt_proj R -> di, out_proj di -> d (Jamba)
//     Mamba2             mixer.in_proj d -> 2 di + 2 G N + hm, out_proj di -> d (Nemotron-H, whose
//                        checkpoint prefix is `backbone.layers.{i}.`, not `model.layers.{i}.`)
//                        the conv, A_log, D, dt_bias and the inner norms are vectors (16-bit in
//                        every format: they are not Linear modules)
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
    /// How tensor parallelism cuts it.
    public var split: TensorSplit = .columns

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

/// How tensor parallelism cuts a matrix (Megatron-LM's split, as vLLM shards each layer).
public enum TensorSplit: Sendable, Hashable {
    /// Outputs divided over the ranks (q/k/v, gate/up, in_proj, kv_b_proj).
    case columns
    /// Inputs divided over the ranks (o_proj, down_proj, out_proj, Mamba's x_proj).
    case rows
    /// Held whole by every rank (MLA's q_a_proj and kv_a_proj_with_mqa, KDA's f_a and g_a: vLLM's
    /// ReplicatedLinear).
    case replicated
}

/// One matrix of a layer: its module path after `model.layers.{i}.`, its shape and its split.
typealias LayerMatrix = (module: String, inputs: Int, outputs: Int, split: TensorSplit)

extension ModelSpec {
    /// A token mixer's matrices per layer (legend above), the input side first and the output
    /// projection last; vectors (norms, conv, decays) are not listed. Attention and gated retention
    /// are listed by `linearMatrices` itself; this gives latent attention and the fixed-state kinds.
    static func mixerMatrices(_ mixer: Mixer, hidden d: Int) -> [LayerMatrix] {
        switch mixer {
        case .latentAttention(let m):
            var out: [LayerMatrix] = []
            if let q = m.queryRank {
                out += [("self_attn.q_a_proj", d, q, .replicated), ("self_attn.q_b_proj", q, m.queryWidth, .columns)]
            } else {
                out.append(("self_attn.q_proj", d, m.queryWidth, .columns))
            }
            return out + [("self_attn.kv_a_proj_with_mqa", d, m.cacheElementsPerPosition, .replicated),
                          ("self_attn.kv_b_proj", m.kvRank, m.heads * (m.nopeHeadDim + m.valueHeadDim), .columns),
                          ("self_attn.o_proj", m.outputWidth, d, .rows)]
        case .fixedState(let f):
            let h = f.heads, nk = f.keyHeads, dk = f.keyDim, dv = f.valueDim
            switch f.kind {
            case .gatedDeltaNet:
                return [("linear_attn.in_proj_qkvz", d, 2 * nk * dk + 2 * h * dv, .columns), ("linear_attn.in_proj_ba", d, 2 * h, .columns),
                        ("linear_attn.out_proj", h * dv, d, .rows)]
            case .kimiDelta:
                return [("self_attn.q_proj", d, h * dk, .columns), ("self_attn.k_proj", d, h * dk, .columns),
                        ("self_attn.v_proj", d, h * dv, .columns), ("self_attn.f_a_proj", d, dv, .replicated),
                        ("self_attn.f_b_proj", dv, h * dk, .columns), ("self_attn.g_a_proj", d, dv, .replicated),
                        ("self_attn.g_b_proj", dv, h * dv, .columns), ("self_attn.b_proj", d, h, .columns),
                        ("self_attn.o_proj", h * dv, d, .rows)]
            case .lightning:
                return [("self_attn.qkv_proj", d, 3 * h * dv, .columns), ("self_attn.output_gate", d, h * dv, .columns),
                        ("self_attn.out_proj", h * dv, d, .rows)]
            case .mamba:
                let r = f.timeStepRank
                return [("mamba.in_proj", d, 2 * h, .columns), ("mamba.x_proj", h, r + 2 * dk, .rows),
                        ("mamba.dt_proj", r, h, .columns), ("mamba.out_proj", h, d, .rows)]
            case .mamba2:
                return [("mixer.in_proj", d, 2 * h * dv + 2 * f.groups * dk + h, .columns), ("mixer.out_proj", h * dv, d, .rows)]
            }
        case .attention, .gatedRetention, .identity:
            return []
        }
    }

    /// The model's linear matrices (see the legend above); the output head only when untied.
    public var linearMatrices: [LinearMatrix] {
        let d = hiddenSize
        var out: [LinearMatrix] = []
        for (run, start) in zip(runs, runStarts) {
            let layers = start..<(start + run.count)
            func add(_ c: WeightClass, _ m: String, _ i: Int, _ o: Int, copies: Int = 1, split: TensorSplit? = nil) {
                let rows = m.hasSuffix("o_proj") || m.hasSuffix("down_proj")
                out.append(LinearMatrix(weightClass: c, module: m, inputs: i, outputs: o, layers: layers, copies: copies,
                                        split: split ?? (rows ? .rows : .columns)))
            }
            switch run.block.mixer {
            case .attention(let a):
                // An output gate (Qwen3-Next) is fused into q_proj's outputs, as the checkpoint stores it.
                add(.attention, "self_attn.q_proj", d, a.queryWidth + (a.outputGate ? a.outputWidth : 0))
                if a.writesOwnSlot {
                    add(.attention, "self_attn.k_proj", d, a.keyWidth)
                    add(.attention, "self_attn.v_proj", d, a.valueWidth)
                }
                add(.attention, "self_attn.o_proj", a.outputWidth, d)
            case .gatedRetention(let g):
                for m in ["q_proj", "k_proj", "v_proj", "g_proj"] { add(.retention, "retention.\(m)", d, g.innerWidth) }
                add(.retention, "retention.o_proj", g.innerWidth, d)
                add(.retention, "retention.gamma_proj", d, g.heads)
            case .latentAttention:
                for m in Self.mixerMatrices(run.block.mixer, hidden: d) { add(.attention, m.module, m.inputs, m.outputs, split: m.split) }
            case .fixedState:
                for m in Self.mixerMatrices(run.block.mixer, hidden: d) { add(.stateMixer, m.module, m.inputs, m.outputs, split: m.split) }
            case .identity:
                break
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

    /// Why `storage` cannot be applied to this model exactly, naming the layer kind, or nil. Module
    /// names differ between families, and this description does not keep the family's names: so a
    /// `modules_to_not_convert` pattern must give the same answer for every family's name of each
    /// matrix it could cut. Experts: Mixtral's `block_sparse_moe.experts.{j}.w1`, Qwen's and
    /// DeepSeek's `mlp.experts.{j}.gate_proj`, gpt-oss's fused `mlp.experts.gate_up_proj`, Llama 4's
    /// `feed_forward.experts.gate_up_proj` (the router, attention, `lm_head` and embedding patterns
    /// agree on all of them; AWQ's `gate` or a `*.block_sparse_moe.*` glob do not). Fixed-state
    /// mixers: `model.layers.{i}.` (Jamba, Qwen3-Next, Kimi-Linear, MiniMax) against
    /// `backbone.layers.{i}.` (Mamba, Nemotron-H). A pattern that splits them is refused rather
    /// than matched against the wrong name.
    public func unquantisedLayerKind(for storage: WeightStorage) -> String? {
        for (run, start) in zip(runs, runStarts) {
            if case .fixedState(let f) = run.block.mixer, !storage.notConverted.isEmpty {
                for layer in start..<(start + run.count) {
                    for m in Self.mixerMatrices(run.block.mixer, hidden: hiddenSize) {
                        let names = ["model.layers.\(layer).\(m.module)", "backbone.layers.\(layer).\(m.module)"]
                        for p in storage.notConverted where Set(names.map { WeightStorage.matches(pattern: p, name: $0) }).count > 1 {
                            return "\(f.kind.rawValue) (fixed-state) layers with the modules_to_not_convert pattern `\(p)`, which matches one family's layer prefix (model.layers. or backbone.layers.) and not the other's"
                        }
                    }
                }
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
