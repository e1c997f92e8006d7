// Quantised KV-cache formats with their scales, counted exactly.
//
// Per key/value slot (Hkv heads, key dim dk, value dim dv), per sequence at T tokens held
// (positions(T) = T, or min(T, W or C)):
//   fp8          positions(T) * Hkv * (dk + dv) * 1 B
//                + fixed per slot, not per token: K and V scales in fp32 (vLLM's k_scale and v_scale
//                  are per-layer scalars on the attention module, outside the block pool:
//                  vllm/model_executor/layers/quantization/kv_cache.py, 0.10.1.1):
//                  per tensor 2 * 4 B, per head 2 * Hkv * 4 B
//   intN g       positions(T) * Hkv * [ceil(dk*N/8) + ceil(dv*N/8)
//                                     + (ceil(dk/g) + ceil(dv/g)) * (2 B fp16 scale + 2 B fp16 zero)]
//                  one scale (and zero point, asymmetric) per group of g along each head vector of
//                  every position; `-sym` drops the zero points. This is the layout this tool
//                  assumes for integer KV (vLLM 0.10 has none on CUDA); it is stated, not sourced.
// Recurrent state is not a KV format: it keeps the plan's state dtype.

/// Where an fp8 cache keeps its scales.
public enum KVScaleGranularity: String, Sendable, Hashable {
    /// One fp32 scale for K and one for V per slot.
    case perTensor = "tensor"
    /// One fp32 scale per KV head for K and for V per slot.
    case perHead = "head"
}

/// A KV-cache storage format with its scales.
public enum KVFormat: Sendable, Hashable {
    case fp8(KVScaleGranularity)
    /// bits 8 or 4, `group` elements of a head vector per scale; zero points when asymmetric.
    case integer(bits: Int, group: Int, zeroPoint: Bool)

    /// The plain dtype of the values (what the time model reads per element; scales aside).
    public var elementDType: DType {
        switch self {
        case .fp8: .fp8
        case .integer(let bits, _, _): bits == 8 ? .int8 : .int4
        }
    }

    /// Bytes per position of one slot (scales of integer formats included).
    public func bytesPerPosition(_ g: KVGeometry) -> Int128 {
        let h = Int128(g.heads), dk = Int128(g.keyDim), dv = Int128(g.valueDim)
        func cdiv(_ a: Int128, _ b: Int128) -> Int128 { (a + b - 1) / b }
        switch self {
        case .fp8: return h * (dk + dv)
        case .integer(let bits, let group, let zero):
            let b = Int128(bits), gr = Int128(group)
            let values = cdiv(dk * b, 8) + cdiv(dv * b, 8)
            let scales = (cdiv(dk, gr) + cdiv(dv, gr)) * (zero ? 4 : 2)
            return h * (values + scales)
        }
    }

    /// Bytes per slot that do not grow with tokens or sequences (fp8 scales).
    public func fixedBytesPerSlot(_ g: KVGeometry) -> Int128 {
        switch self {
        case .fp8(.perTensor): 2 * 4
        case .fp8(.perHead): 2 * Int128(g.heads) * 4
        case .integer: 0
        }
    }

    /// The canonical name, as `--kv-format` takes it back.
    public var name: String {
        switch self {
        case .fp8(let s): "fp8-\(s.rawValue)"
        case .integer(let bits, let group, let zero): "int\(bits)-g\(group)\(zero ? "" : "-sym")"
        }
    }

    public static let grammar = "fp8-tensor, fp8-head, int8-g<group>, int4-g<group> (fp16 scale and zero per group; -sym: scale only)"

    public init?(name raw: String) {
        let name = raw.lowercased()
        switch name {
        case "fp8-tensor", "fp8": self = .fp8(.perTensor); return
        case "fp8-head": self = .fp8(.perHead); return
        default: break
        }
        var parts = name.split(separator: "-").map(String.init)
        var zero = true
        if parts.last == "sym" { zero = false; parts.removeLast() }
        guard parts.count == 2, let bits = Int(parts[0].dropFirst(3)), parts[0].hasPrefix("int"), [4, 8].contains(bits),
              parts[1].hasPrefix("g"), let g = Int(parts[1].dropFirst()), g > 0 else { return nil }
        self = .integer(bits: bits, group: g, zeroPoint: zero)
    }
}

extension ModelSpec {
    /// KV-cache bytes for `batch` sequences of `tokens` tokens under a plan: the plain dtype, or the
    /// KV format with its scales (the fixed fp8 scales are counted once, whatever the batch).
    public func kvCacheBytes(batch: Int, tokens: Int128, plan: DTypePlan) -> Int128 {
        guard let format = plan.kvFormat else { return kvCacheBytes(batch: batch, tokens: tokens, dtype: plan.kvCache) }
        var perSequence: Int128 = 0, fixed: Int128 = 0
        for run in cacheRuns {
            guard case .keyValue(let g) = run.kind else { continue }
            perSequence += Int128(run.count) * g.span.positionsHeld(tokens: tokens) * format.bytesPerPosition(g)
            fixed += Int128(run.count) * format.fixedBytesPerSlot(g)
        }
        return Int128(batch) * perSequence + fixed
    }
}
