// How a model is spread over several devices: tensor parallelism inside each pipeline stage,
// pipeline stages over the layers, expert parallelism over the experts, and data-parallel replicas
// of the whole model-parallel group.
//
// Legend: tp tensor-parallel ranks, pp pipeline stages, ep expert-parallel ranks, dp replicas.
//   devices = tp * pp * dp  (ep reuses the tp ranks of a stage, as vLLM's expert parallelism does,
//   so it adds no devices; ep must divide tp * dp there. Expert parallelism is not modelled yet, so
//   ep > 1 is refused by name; so is tp > 1 on experts, latent attention and fixed-state layers.)
// A layout string names the factors that are not 1, in any order: `tp4pp2`, `tp8`, `pp2dp4`; `tp1`
// (or `single`) is one device.
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
                throw SpecError(field: "tp", constraint: "is not modelled yet for \(m.kind.rawValue) (fixed-state) layers\(at)", value: "\(tp)")
            case .latentAttention:
                throw SpecError(field: "tp", constraint: "is not modelled yet for latent-attention layers\(at)", value: "\(tp)")
            case .identity:
                break
            }
            if run.block.feedForward.experts != nil {
                throw SpecError(field: "tp", constraint: "is not modelled yet for mixture-of-experts feed-forwards\(at)", value: "\(tp)")
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
        if expert > 1 {
            let constraint = model.runs.contains { $0.block.feedForward.experts != nil }
                ? "(expert parallelism, all-to-all) is not modelled yet for \(model.id)'s experts; run it on one device or over pipeline stages"
                : "needs a mixture-of-experts feed-forward; \(model.id) has none"
            throw SpecError(field: "ep", constraint: constraint, value: "\(expert)")
        }
    }
}
