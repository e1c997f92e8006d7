// The feed-forward of a block. Legend: d hidden size, F inner size.
//   gated (SwiGLU, GeGLU):  (act(x Wg) ⊙ x W1) W2   three matrices, 3 d F weights
//   two-matrix MLP (GPT-2, Falcon): act(x W1 + b1) W2 + b2   two matrices, 2 d F (+ F + d biases)
// Experts come with issue 11 (a new case here and its cost; the importer refuses them until then).

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
    /// No feed-forward: the layer is a mixer alone (Nemotron-H's `M` and `*` layers).
    case identity

    /// F
    public var inner: Int {
        switch self {
        case .gated(let f, _), .mlp(let f, _, _): f
        case .identity: 0
        }
    }

    /// Weight matrices of d x F (or F x d).
    public var matrices: Int {
        switch self {
        case .gated: 3
        case .mlp: 2
        case .identity: 0
        }
    }

    /// Bias elements (F + d for a biased MLP).
    public func biasElements(hidden d: Int) -> Int {
        if case .mlp(let f, _, true) = self { return f + d }
        return 0
    }

    /// Activation-workspace elements per token: gate and up (2F) or the hidden layer (F).
    public var workspaceElementsPerToken: Int { max(0, matrices - 1) * inner }
}
