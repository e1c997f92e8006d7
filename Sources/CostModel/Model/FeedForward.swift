// The feed-forward of a block. Legend: d hidden size, F inner size.
//   gated (SwiGLU, GeGLU):  (act(x Wg) ⊙ x W1) W2   three matrices, 3 d F weights
//   two-matrix MLP (GPT-2, Falcon): act(x W1 + b1) W2 + b2   two matrices, 2 d F (+ F + d biases)
//   experts (MoE): a router and E gated experts of I, k active per token, optional shared experts
//                  (FeedForward/Experts.swift has its legend and the routing assumption)

/// The element-wise activation of a feed-forward.
public enum Activation: String, Sendable, Hashable {
    /// swish / SiLU (Llama, Mistral, Qwen, Phi-3, YOCO)
    case silu
    /// GELU, exact or tanh-approximated (GPT-2, Falcon, Gemma's GeGLU)
    case gelu
    /// squared ReLU (Nemotron-H's `relu2` MLP)
    case relu2
}

public enum FeedForward: Sendable, Hashable {
    /// act(x Wg) ⊙ (x W1), then W2: SwiGLU with `.silu`, GeGLU with `.gelu`.
    case gated(inner: Int, activation: Activation)
    /// act(x W1 (+ b1)) W2 (+ b2).
    case mlp(inner: Int, activation: Activation, bias: Bool)
    /// A routed mixture of gated experts (with optional shared experts).
    case experts(Experts)
    /// No feed-forward: the layer is a mixer alone (Nemotron-H's `M` and `*` layers).
    case identity

    /// F (a routed expert's I for experts).
    public var inner: Int {
        switch self {
        case .gated(let f, _), .mlp(let f, _, _): f
        case .experts(let e): e.inner
        case .identity: 0
        }
    }

    /// The experts, when this is a mixture.
    public var experts: Experts? {
        if case .experts(let e) = self { return e }
        return nil
    }

    /// Every weight of the feed-forward: 3 d F (gated), 2 d F + F + d (biased MLP), or every
    /// expert with the router and the shared experts.
    public func parameters(hidden d: Int) -> Int128 {
        let dd = Int128(d)
        switch self {
        case .gated(let f, _): return 3 * dd * Int128(f)
        case .mlp(let f, _, let bias): return 2 * dd * Int128(f) + (bias ? Int128(f) + dd : 0)
        case .experts(let e): return e.parameters(hidden: d)
        case .identity: return 0
        }
    }

    /// The weights one token uses: all of them for a dense feed-forward, k experts (with the router
    /// and the shared experts) for a mixture.
    public func activeParameters(hidden d: Int) -> Int128 {
        if case .experts(let e) = self { return e.activeParameters(hidden: d) }
        return parameters(hidden: d)
    }

    /// Activation-workspace elements per token: gate and up (2F), the hidden layer (F), or the
    /// experts' (Experts.workspaceElementsPerToken).
    public var workspaceElementsPerToken: Int {
        switch self {
        case .gated(let f, _): 2 * f
        case .mlp(let f, _, _): f
        case .experts(let e): e.workspaceElementsPerToken
        case .identity: 0
        }
    }
}
