// A mixture-of-experts feed-forward (Mixtral, Qwen2/3-MoE, DeepSeek-V2/V3, gpt-oss, Llama 4).
//
// Legend: d hidden size, E routed experts, k experts active per token, I expert inner size,
// Is shared-expert inner size (all shared experts together: DeepSeek's n_shared_experts * I, Qwen's
// shared_expert_intermediate_size), R token rows through the layer.
// Per layer, for R rows (source: transformers' modeling_mixtral / modeling_qwen3_moe /
// modeling_deepseek_v3 / modeling_gpt_oss MoE blocks):
//   router           logits = x Wr (d x E, + E bias in gpt-oss) -> top-k of E per row; DeepSeek-V3's
//                    e_score_correction_bias (E) only steers the choice
//   routed experts   each of E is a gated FFN (act(x Wg) ⊙ x W1) W2: 3 d I weights (+ 2I + d biases
//                    in gpt-oss); every row runs k of them and sums them weighted by the router
//   shared experts   one gated FFN of width Is run on every row (+ a d x 1 sigmoid gate in Qwen)
// Parameters count every expert; FLOPs count the k active ones per row. The bytes a pass reads
// count the distinct experts its R rows touch. Under UNIFORM, INDEPENDENT routing (each row picks k
// of E experts uniformly at random) an expert is missed by one row with probability 1 - k/E, so
// the expected number touched is
//   E_touched(R) = E * (1 - (1 - k/E)^R)        (k <= E_touched <= E, increasing in R)
// Real routers are skewed (fewer distinct experts per step than this); `routing` lets a caller
// state a measured value instead.

/// How many distinct experts a pass of R rows is assumed to touch.
public enum ExpertRouting: Sendable, Hashable {
    /// Every row picks k of E experts uniformly and independently: E (1 - (1 - k/E)^R).
    case uniform
    /// A measured or assumed fraction of the E experts touched per pass (0 < fraction <= 1),
    /// clamped to at least k and at most the R k picks the pass makes.
    case measuredFraction(Double)
}

/// Shared experts: one gated FFN of `inner` run on every token.
public struct SharedExperts: Sendable, Hashable {
    /// Is: the inner width of all shared experts together.
    public var inner: Int
    /// A d x 1 sigmoid gate on the shared output (Qwen2-MoE, Qwen3-Next `shared_expert_gate`).
    public var gated: Bool

    public init(inner: Int, gated: Bool = false) {
        self.inner = inner
        self.gated = gated
    }

    /// 3 d Is (+ d for the gate).
    public func parameters(hidden d: Int) -> Int128 { 3 * Int128(d) * Int128(inner) + (gated ? Int128(d) : 0) }
}

/// A routed mixture of gated experts.
public struct Experts: Sendable, Hashable {
    /// E
    public var count: Int
    /// k
    public var active: Int
    /// I
    public var inner: Int
    public var activation: Activation
    /// Biases on every expert's gate/up (2I) and down (d) products (gpt-oss).
    public var expertBias: Bool
    /// A bias of E on the router (gpt-oss's router bias, DeepSeek-V3's e_score_correction_bias).
    public var routerBias: Bool
    /// The router bias's stored dtype where the checkpoint keeps it wider than the weights
    /// (DeepSeek-V3's e_score_correction_bias is float32: docs/research/hf/DEFAULTS.md); nil: the
    /// weights' dtype. Counted in the weight bytes (Storage/WeightStorage.swift).
    public var routerBiasDType: DType?
    public var shared: SharedExperts?
    public var routing: ExpertRouting

    public init(count: Int, active: Int, inner: Int, activation: Activation = .silu, expertBias: Bool = false,
                routerBias: Bool = false, shared: SharedExperts? = nil, routing: ExpertRouting = .uniform, routerBiasDType: DType? = nil) {
        self.count = count
        self.active = active
        self.inner = inner
        self.activation = activation
        self.expertBias = expertBias
        self.routerBias = routerBias
        self.routerBiasDType = routerBiasDType
        self.shared = shared
        self.routing = routing
    }

    /// Weights of one routed expert: 3 d I (+ 2I + d).
    public func expertParameters(hidden d: Int) -> Int128 {
        3 * Int128(d) * Int128(inner) + (expertBias ? 2 * Int128(inner) + Int128(d) : 0)
    }

    /// The router: d E (+ E).
    public func routerParameters(hidden d: Int) -> Int128 { Int128(d) * Int128(count) + (routerBias ? Int128(count) : 0) }

    /// Bytes the router bias's stored width (`routerBiasDType`, wider than the plan's weights) adds
    /// over counting its E elements at `plain`: 0 without a bias or a wider dtype.
    public func routerBiasWideningBytes(plain: DType) -> Int128 {
        guard routerBias, let wide = routerBiasDType else { return 0 }
        return wide.bytes(elements: Int128(count)) - plain.bytes(elements: Int128(count))
    }

    /// Shared experts (0 without).
    public func sharedParameters(hidden d: Int) -> Int128 { shared?.parameters(hidden: d) ?? 0 }

    /// Every expert, the router and the shared experts.
    public func parameters(hidden d: Int) -> Int128 {
        Int128(count) * expertParameters(hidden: d) + routerParameters(hidden: d) + sharedParameters(hidden: d)
    }

    /// What one token uses: k experts, the router and the shared experts.
    public func activeParameters(hidden d: Int) -> Int128 {
        Int128(active) * expertParameters(hidden: d) + routerParameters(hidden: d) + sharedParameters(hidden: d)
    }

    /// Expected distinct experts touched by a pass of `rows` token rows (see the legend): between k
    /// and E for rows >= 1, increasing in rows under uniform routing; 0 for no rows.
    public func expectedExpertsTouched(rows: Int128) -> Double {
        guard rows > 0 else { return 0 }
        let e = Double(count), k = Double(min(active, count))
        switch routing {
        case .measuredFraction(let f):
            return min(e, Double(rows) * k, max(k, f * e))
        case .uniform:
            // (1 - k/E)^rows by repeated squaring (CostModel uses the standard library only).
            var base = 1 - k / e, power = 1.0, n = rows
            while n > 0 && power > 0 {
                if n & 1 == 1 { power *= base }
                base *= base
                n >>= 1
            }
            return min(e, max(k, e * (1 - power)))
        }
    }

    /// Activation workspace per token: the router logits (E) and one expert's gate and up at a time
    /// (2 max(I, Is); experts run one after another over the rows routed to them).
    public var workspaceElementsPerToken: Int { count + 2 * max(inner, shared?.inner ?? 0) }
}

extension Experts {
    /// The most routed experts per layer a model may state (DeepSeek-V3 and Qwen3-Next: 256, 512).
    public static let maxCount = 1 << 16

    /// Throws the first violated constraint (profile field names; `at` names the layer).
    func validate(at: String) throws(SpecError) {
        try SpecError.check("experts", count, in: 1...Self.maxCount, at)
        try SpecError.check("experts_per_token", active, in: 1...count, at)
        try SpecError.check("expert_ffn_size", inner, in: 1...Limits.maxWidth * 8, at)
        if let s = shared { try SpecError.check("shared_expert_ffn_size", s.inner, in: 1...Limits.maxWidth * 8, at) }
        if case .measuredFraction(let f) = routing, !(f > 0 && f <= 1) {
            throw SpecError(field: "experts_touched_fraction", constraint: "must be in (0, 1]\(at)", value: "\(f)")
        }
    }
}

extension ModelSpec {
    /// The same model with every mixture-of-experts run priced under `routing`.
    public func withExpertRouting(_ routing: ExpertRouting) -> ModelSpec {
        var s = self
        for i in s.runs.indices {
            guard case .experts(var e) = s.runs[i].block.feedForward else { continue }
            e.routing = routing
            s.runs[i].block.feedForward = .experts(e)
        }
        return s
    }
}
