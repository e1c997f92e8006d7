// Numeric storage formats and their exact sizes.
//
// Sizes are kept in bits so that sub-byte formats (int4) stay exact: a tensor of n elements
// occupies ceil(n * bits / 8) bytes. A plain dtype carries no scales; a quantised format with its
// scales, zero points and the tensors it leaves in 16-bit is a `WeightStorage` or a `KVFormat`
// (Storage/), set on the plan beside the dtype (nil: the plain dtype, as before).

/// A storage format for one class of tensors.
public enum DType: String, CaseIterable, Sendable, Hashable, Codable {
    case fp32, bf16, fp16, fp8, int8, int4

    /// Bits per element.
    public var bits: Int {
        switch self {
        case .fp32: 32
        case .bf16, .fp16: 16
        case .fp8, .int8: 8
        case .int4: 4
        }
    }

    /// Exact bytes for `elements` values: ceil(elements * bits / 8).
    public func bytes(elements: Int128) -> Int128 {
        (elements * Int128(bits) + 7) / 8
    }

    /// Accepts the canonical names and the common aliases used by Hugging Face configs
    /// (`float32`, `bfloat16`, `float16`, `half`, `float8_e4m3fn`, ...).
    public init?(name: String) {
        switch name.lowercased() {
        case "fp32", "float32", "float", "f32": self = .fp32
        case "bf16", "bfloat16": self = .bf16
        case "fp16", "float16", "half", "f16": self = .fp16
        case "fp8", "float8", "float8_e4m3fn", "float8_e5m2", "e4m3", "e5m2": self = .fp8
        case "int8", "i8": self = .int8
        case "int4", "i4": self = .int4
        default: return nil
        }
    }
}

/// One storage format per tensor class (BRIEF §3, "Memory").
public struct DTypePlan: Sendable, Hashable {
    /// Weights: projections, feed-forward, norms, embedding and output head.
    public var weights: DType
    /// Keys and values held across decode steps (full, windowed and YOCO's shared cache).
    public var kvCache: DType
    /// Recurrent state of gated-retention layers (dh x dh per head).
    public var state: DType
    /// Activations and workspace live during prefill.
    public var activations: DType
    /// A quantised weight format (nil: every weight in `weights`). With one, `weights` is the 16-bit
    /// dtype of what the format leaves unconverted (embeddings, norms, biases, skipped modules).
    public var weightStorage: WeightStorage?
    /// A quantised KV-cache format with its scales (nil: `kvCache` alone, no scales).
    public var kvFormat: KVFormat?

    public init(weights: DType, kvCache: DType, state: DType, activations: DType,
                weightStorage: WeightStorage? = nil, kvFormat: KVFormat? = nil) {
        self.weights = weights
        self.kvCache = kvCache
        self.state = state
        self.activations = activations
        self.weightStorage = weightStorage
        self.kvFormat = kvFormat
    }

    /// The weight format as reports name it: the quantised format, else the dtype.
    public var weightFormatName: String { weightStorage?.format.name ?? weights.rawValue }
    /// The KV format as reports name it.
    public var kvFormatName: String { kvFormat?.name ?? kvCache.rawValue }

    /// Every class stored in one format.
    public static func uniform(_ dtype: DType) -> DTypePlan {
        DTypePlan(weights: dtype, kvCache: dtype, state: dtype, activations: dtype)
    }
}
