// The linear matrices of a model, one entry per matrix of a run of blocks, with the module name a
// Hugging Face checkpoint gives it, so a quantised format can be applied per matrix (its scales
// depend on each matrix's input and output features) and `modules_to_not_convert` matched by name.
//
// Legend as in ModelSpec+Parameters.swift. Per block (inputs -> outputs):
//   attention, own K/V:  q_proj d -> H*dk, k_proj d -> Hkv*dk, v_proj d -> Hkv*dv, o_proj H*dv -> d
//   attention reading another slot: q_proj, o_proj
//   gated retention:     q/k/v/g_proj d -> hR*dR, o_proj hR*dR -> d, gamma_proj d -> hR
//   feed-forward:        gated gate_proj, up_proj d -> F, down_proj F -> d; MLP up_proj d -> F, down_proj F -> d
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

    /// inputs * outputs
    public var elements: Int128 { Int128(inputs) * Int128(outputs) }

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
            func add(_ c: WeightClass, _ m: String, _ i: Int, _ o: Int) {
                out.append(LinearMatrix(weightClass: c, module: m, inputs: i, outputs: o, layers: layers))
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
            case .experts, .identity:
                break  // experts not listed yet: `unquantisedLayerKind` refuses a format on them
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
    /// The first kind of layer whose matrices `linearMatrices` does not list yet (experts, latent
    /// attention, fixed-state mixers), or nil. A quantised weight format on such a model would leave
    /// those weights counted in 16 bits, so the importer and `--weight-format` refuse it by this name.
    public var unquantisedLayerKind: String? {
        for run in runs {
            switch run.block.mixer {
            case .fixedState(let m): return "\(m.kind.rawValue) (fixed-state)"
            case .latentAttention: return "latent attention"
            case .attention, .gatedRetention, .identity: break
            }
            if run.block.feedForward.experts != nil { return "mixture-of-experts" }
        }
        return nil
    }
}
