// How a model is spread over several devices: tensor parallelism inside each pipeline stage,
// pipeline stages over the layers, expert parallelism over the experts, and data-parallel replicas
// of the whole model-parallel group.
//
// Legend: tp tensor-parallel ranks, pp pipeline stages, ep expert-parallel ranks, dp replicas.
//   devices = tp * pp * dp. Expert parallelism reuses the tp ranks of a stage (SGLang >= 0.4.10's
//   hybrid EP + TP, `--tp-size T --ep-size E`: moe_ep_size = E, moe_tp_size = T / E; vLLM's
//   `--enable-expert-parallel` at data-parallel size 1 is the case E = T), so it adds no devices and
//   ep must divide tp; an expert group spanning data-parallel replicas (vLLM's EP = TP x DP with
//   data-parallel attention) is not modelled and is refused. docs/PARALLELISM.md has the sources.
// A layout string names the factors that are not 1, in any order: `tp4pp2`, `tp8`, `pp2dp4`,
// `tp8ep8`; `tp1` (or `single`) is one device.
// What each rank holds is ModelSpec+Sharding.swift; what each rank spends, ModelSpec+Parallel.swift.

/// A parallel layout. Every factor is at least 1.
public struct ParallelLayout: Sendable, Hashable, CustomStringConvertible {
    /// tp: ranks a stage's attention heads, KV heads, feed-forward and vocabulary are split over.
    public var tensor: Int
    /// pp: stages the layers are split into.
    public var pipeline: Int
    /// ep: ranks the experts are split over (1 for a dense model).
    public var expert: Int
    /// dp: replicas of the model-parallel group (throughput only; per-device memory is unchanged).
    public var data: Int

    public init(tensor: Int = 1, pipeline: Int = 1, expert: Int = 1, data: Int = 1) {
        self.tensor = tensor
        self.pipeline = pipeline
        self.expert = expert
        self.data = data
    }

    /// One device.
    public static let single = ParallelLayout()

    /// tp * pp: the devices one replica occupies.
    public var modelParallelDevices: Int { tensor * pipeline }
    /// tp * pp * dp.
    public var devices: Int { modelParallelDevices * data }
    public var isSingleDevice: Bool { devices == 1 && expert == 1 }

    /// `tp4pp2`, `tp8dp2`; `tp1` for one device.
    public var description: String {
        var s = "tp\(tensor)"
        if pipeline > 1 { s += "pp\(pipeline)" }
        if expert > 1 { s += "ep\(expert)" }
        if data > 1 { s += "dp\(data)" }
        return s
    }

    /// The largest factor accepted (a device count no deployment reaches, and far from overflow).
    public static let maxFactor = 1 << 16

    /// Reads `tp4pp2`, `pp2`, `tp2dp4ep2`, `single`: pairs of a factor name (tp, pp, ep, dp) and a
    /// positive integer, each name at most once.
    public init(parsing text: String) throws(SpecError) {
        let s = text.lowercased()
        if s == "single" { self = .single; return }
        var factors: [String: Int] = [:]
        var rest = Substring(s)
        func fail(_ why: String) -> SpecError {
            SpecError(field: "layout", constraint: "\(why) (a layout is factors such as tp4pp2: tp, pp, ep, dp each followed by a positive integer)", value: "`\(text)`")
        }
        guard !rest.isEmpty else { throw fail("is empty") }
        while !rest.isEmpty {
            let name = String(rest.prefix(2))
            guard ["tp", "pp", "ep", "dp"].contains(name) else { throw fail("has `\(rest.prefix(4))` where a factor name belongs") }
            rest = rest.dropFirst(2)
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 6, let n = Int(digits), (1...Self.maxFactor).contains(n) else {
                throw fail("needs a number from 1 to \(Self.maxFactor) after `\(name)`")
            }
            guard factors[name] == nil else { throw fail("names `\(name)` twice") }
            factors[name] = n
            rest = rest.dropFirst(digits.count)
        }
        self.init(tensor: factors["tp"] ?? 1, pipeline: factors["pp"] ?? 1, expert: factors["ep"] ?? 1, data: factors["dp"] ?? 1)
    }
}

extension ParallelLayout {
    /// KV heads each tensor-parallel rank holds: Hkv / tp when tp divides Hkv, else one head,
    /// replicated on tp / Hkv ranks (vLLM and SGLang do this when tp exceeds the KV heads); nil
    /// when neither divides the other (no server shards that).
    public static func kvHeadsPerRank(_ kvHeads: Int, tensor tp: Int) -> Int? {
        if kvHeads % tp == 0 { return kvHeads / tp }
        if tp % kvHeads == 0 { return 1 }
        return nil
    }

    /// Throws the first reason `model` cannot be laid out this way. Field names are the
    /// command-line options (`tp`, `pp`, `ep`, `dp`).
    public func check(for model: ModelSpec) throws(SpecError) {
        for (field, v) in [("tp", tensor), ("pp", pipeline), ("ep", expert), ("dp", data)] {
            try SpecError.check(field, v, in: 1...Self.maxFactor)
        }
        // A shard or a stage would have to place the weights one run owns and others reuse.
        if let shared = model.sharedWeightBlocks, tensor > 1 || pipeline > 1 {
            throw SpecError(field: tensor > 1 ? "tp" : "pp", constraint: "is not modelled yet for \(shared)", value: "\(tensor > 1 ? tensor : pipeline)")
        }
        let tp = tensor
        let starts = model.runStarts
        for (r, run) in model.runs.enumerated() where tp > 1 {
            let at = " (layer \(starts[r]))"
            switch run.block.mixer {
            case .attention(let a):
                if a.heads % tp != 0 {
                    throw SpecError(field: "tp", constraint: "must divide the attention heads (\(a.heads))\(at)", value: "\(tp)")
                }
                if a.writesOwnSlot, Self.kvHeadsPerRank(a.kvHeads, tensor: tp) == nil {
                    throw SpecError(field: "tp", constraint: "must divide the KV heads (\(a.kvHeads)) or be a multiple of them\(at)", value: "\(tp)")
                }
            case .gatedRetention(let g):
                if g.heads % tp != 0 {
                    throw SpecError(field: "tp", constraint: "must divide the gated-retention heads (\(g.heads))\(at)", value: "\(tp)")
                }
            case .fixedState(let m):
                try Self.checkFixedState(m, tensor: tp, at: at)
            case .latentAttention(let m):
                // Heads split; the latent and the RoPE key (q_a, kv_a, their norms) replicated.
                if m.heads % tp != 0 {
                    throw SpecError(field: "tp", constraint: "must divide the latent-attention heads (\(m.heads))\(at)", value: "\(tp)")
                }
            case .identity:
                break
            }
            if let e = run.block.feedForward.experts {
                // Each expert's inner size over the tp ranks (with ep: E / ep experts of I / (tp / ep)
                // per rank, the same elements; ModelSpec+Sharding.swift).
                if e.inner % tp != 0 {
                    throw SpecError(field: "tp", constraint: "must divide the expert inner size (\(e.inner))\(at)", value: "\(tp)")
                }
                if let s = e.shared, s.inner % tp != 0 {
                    throw SpecError(field: "tp", constraint: "must divide the shared-expert inner size (\(s.inner))\(at)", value: "\(tp)")
                }
                continue
            }
            let f = run.block.feedForward.inner
            if f % tp != 0 {
                throw SpecError(field: "tp", constraint: "must divide the feed-forward inner size (\(f))\(at)", value: "\(tp)")
            }
        }
        if tp > 1, let s = model.sharedKV, Self.kvHeadsPerRank(s.kvHeads, tensor: tp) == nil {
            throw SpecError(field: "tp", constraint: "must divide the shared K/V projection's heads (\(s.kvHeads)) or be a multiple of them", value: "\(tp)")
        }
        if model.layers % pipeline != 0 {
            throw SpecError(field: "pp", constraint: "must divide the layers (\(model.layers))", value: "\(pipeline)")
        }
        if pipeline > 1 {
            // A layer that reads another layer's cache (CLA pairs, Gemma 3n) in another stage would
            // need that cache sent or copied between stages: not modelled, so refused.
            let per = model.layers / pipeline
            for (i, block) in model.layerBlocks.enumerated() {
                if case .layer(let j)? = block.mixer.attention?.kv, j / per != i / per {
                    throw SpecError(field: "pp", constraint: "puts layer \(i) and the layer whose cache it reads (\(j)) in different stages; a cache shared across stages is not modelled", value: "\(pipeline)")
                }
            }
        }
        if expert > 1 { try checkExperts(for: model) }
    }

    /// Expert parallelism: a mixture-of-experts model, ep dividing tp (the experts reuse the tp
    /// ranks), E divisible by ep in every MoE run; expert biases of width d (gpt-oss) are held by
    /// E / ep experts per rank, which the rank model (E experts of I / tp) does not count: refused.
    func checkExperts(for model: ModelSpec) throws(SpecError) {
        let starts = model.runStarts
        let moe = model.runs.indices.filter { model.runs[$0].block.feedForward.experts != nil }
        guard !moe.isEmpty else {
            throw SpecError(field: "ep", constraint: "needs a mixture-of-experts feed-forward; \(model.id) has none", value: "\(expert)")
        }
        if tensor % expert != 0 {
            throw SpecError(field: "ep", constraint: "must divide tp (\(tensor)): the experts are split over the tensor-parallel ranks of a stage (SGLang's moe_tp_size = tp / ep); an expert group spanning data-parallel replicas is not modelled", value: "\(expert)")
        }
        for r in moe {
            let e = model.runs[r].block.feedForward.experts!
            let at = " (layer \(starts[r]))"
            if e.count % expert != 0 {
                throw SpecError(field: "ep", constraint: "must divide the routed experts (\(e.count))\(at)", value: "\(expert)")
            }
            if e.expertBias {
                throw SpecError(field: "ep", constraint: "is not modelled for experts with biases (each rank's E / ep experts keep a bias of the hidden size)\(at)", value: "\(expert)")
            }
        }
    }

    /// Fixed-state mixers under tensor parallelism (vLLM's mamba, mamba2 and gated-delta-net layers):
    /// the state heads (Mamba's channels) and the key heads split over the ranks, with their conv
    /// channels and state; Mamba2's B/C groups split when tp divides them, replicated on every rank
    /// when there is one group.
    static func checkFixedState(_ m: FixedStateMixer, tensor tp: Int, at: String) throws(SpecError) {
        let what = m.kind == .mamba ? "Mamba inner channels" : "\(m.kind.rawValue) heads"
        if m.heads % tp != 0 {
            throw SpecError(field: "tp", constraint: "must divide the \(what) (\(m.heads))\(at)", value: "\(tp)")
        }
        if m.keyHeads % tp != 0 {
            throw SpecError(field: "tp", constraint: "must divide the \(m.kind.rawValue) key heads (\(m.keyHeads))\(at)", value: "\(tp)")
        }
        if m.kind == .mamba2, m.groups % tp != 0, m.groups != 1 {
            throw SpecError(field: "tp", constraint: "must divide the Mamba2 groups (\(m.groups)) or the groups must be 1 (replicated)\(at)", value: "\(tp)")
        }
    }
}
