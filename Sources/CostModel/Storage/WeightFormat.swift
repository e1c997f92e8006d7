// Quantised weight storage formats with their scales, zero points and index tensors, counted to the
// byte for one linear matrix of `in` input and `out` output features. Tensor shapes are those vLLM
// 0.10.1.1 allocates (vllm/model_executor/layers/quantization/*.py; docs/research/quant-formats.md),
// which are the checkpoint's tensors unsharded. g = group size along the input; ceil(in/g) groups, so
// a matrix whose input is not a multiple of g pays for a padded last group.
//
//   AWQ (GEMM)   qweight [in, ceil(out/8)] int32    qzeros [ceil(in/g), ceil(out/8)] int32 (zero_point)
//                scales [ceil(in/g), out] fp16                        -> 4 + 16/g + 4/g bits/weight
//   GPTQ         qweight [ceil(in*bits/32), out] int32   g_idx [in] int32
//                qzeros [ceil(in/g), ceil(out*bits/32)] int32   scales [ceil(in/g), out] fp16
//   int (sym.)   packed ceil(in*out*bits/8) B, scales [out, ceil(in/g)] 16-bit
//                (compressed-tensors pack-quantized, symmetric; no zero points)
//   fp8 tensor   weight in*out B, weight_scale fp32 [1] (one per checkpoint matrix)
//   fp8 channel  weight in*out B, weight_scale fp32 [out, 1]
//   fp8 block    weight in*out B, weight_scale_inv fp32 [ceil(out/bn), ceil(in/bk)] (DeepSeek-V3 128x128)
//   int8 channel weight in*out B, weight_scale fp32 [out, 1] (compressed-tensors W8A8)
//   MXFP4        blocks ceil(in/2)*out B (e2m1 x2), scales [out, ceil(in/32)] uint8 (e8m0) -> 4.25 bits
//   NVFP4        weight [out, ceil(in/2)] uint8, weight_scale [out, ceil(in/16)] fp8 e4m3,
//                weight_scale_2 fp32 [1], input_scale fp32 [1]                 -> 4.5 bits + 8 B
// Static fp8 activations add input_scale fp32 [1] per matrix (`activation_scheme: static`).

/// How the int32 words of an integer format are packed (the two checkpoint layouts differ in their
/// zero points and index tensor).
public enum IntegerPacking: String, Sendable, Hashable {
    /// AutoAWQ GEMM: packed along the output; zero points when `zero_point`.
    case awq
    /// GPTQ: packed along the input; always qzeros and a g_idx row index.
    case gptq
    /// Symmetric packed integers with one scale per group (compressed-tensors pack-quantized).
    case symmetric
}

/// The scale layout of an fp8 weight.
public enum FP8Scaling: Sendable, Hashable {
    case perTensor
    case perChannel
    /// One scale per `outputs` x `inputs` block (DeepSeek-V3: 128 x 128).
    case block(outputs: Int, inputs: Int)
}

/// A quantised storage format for linear weights.
public enum WeightFormat: Sendable, Hashable {
    /// bits 2, 4 or 8; group nil = one group over the whole input (`group_size: -1`).
    case integer(bits: Int, group: Int?, packing: IntegerPacking, zeroPoint: Bool)
    case fp8(FP8Scaling, staticActivations: Bool)
    case mxfp4
    case nvfp4
    /// int8 values with one fp32 scale per output row (compressed-tensors W8A8 `strategy: channel`,
    /// as vLLM allocates CompressedTensorsW8A8Int8: weight_scale fp32 [out, 1]).
    case int8Channel

    /// AWQ 4-bit with zero points, the AutoAWQ default.
    public static func awq(group: Int?) -> WeightFormat { .integer(bits: 4, group: group, packing: .awq, zeroPoint: true) }

    /// Exact bytes of one matrix with `inputs` x `outputs` weights, its scales, zero points and
    /// index tensors; `scaleBytes` is the size of a 16-bit scale where the format stores scales in
    /// the model's dtype (AWQ and GPTQ: fp16, 2 B).
    public func matrixBytes(inputs: Int, outputs: Int) -> Int128 {
        let i = Int128(inputs), o = Int128(outputs)
        func cdiv(_ a: Int128, _ b: Int128) -> Int128 { (a + b - 1) / b }
        switch self {
        case .integer(let bits, let group, let packing, let zero):
            let g = Int128(group ?? inputs)
            let groups = cdiv(i, g)
            let b = Int128(bits)
            switch packing {
            case .awq:
                let words = cdiv(o * b, 32)  // per input row
                return i * words * 4 + (zero ? groups * words * 4 : 0) + groups * o * 2
            case .gptq:
                return cdiv(i * b, 32) * o * 4 + i * 4 + groups * cdiv(o * b, 32) * 4 + groups * o * 2
            case .symmetric:
                return cdiv(i * o * b, 8) + groups * o * 2
            }
        case .fp8(let scaling, let staticActivations):
            let input: Int128 = staticActivations ? 4 : 0
            switch scaling {
            case .perTensor: return i * o + 4 + input
            case .perChannel: return i * o + o * 4 + input
            case .block(let bn, let bk): return i * o + cdiv(o, Int128(bn)) * cdiv(i, Int128(bk)) * 4 + input
            }
        case .mxfp4:
            return cdiv(i, 2) * o + cdiv(i, 32) * o
        case .nvfp4:
            return cdiv(i, 2) * o + cdiv(i, 16) * o + 4 + 4
        case .int8Channel:
            return i * o + o * 4
        }
    }

    /// The canonical name, as `--weight-format` takes it back.
    public var name: String {
        switch self {
        case .integer(let bits, let group, let packing, let zero):
            let g = group.map { "g\($0)" } ?? "gall"
            switch packing {
            case .awq: return "awq-int\(bits)-\(g)\(zero ? "" : "-nozp")"
            case .gptq: return "gptq-int\(bits)-\(g)"
            case .symmetric: return "int\(bits)-\(g)"
            }
        case .fp8(let s, let st):
            let base: String
            switch s {
            case .perTensor: base = "fp8-tensor"
            case .perChannel: base = "fp8-channel"
            case .block(let bn, let bk): base = bn == bk ? "fp8-block\(bn)" : "fp8-block\(bn)x\(bk)"
            }
            return base + (st ? "-static" : "")
        case .mxfp4: return "mxfp4"
        case .nvfp4: return "nvfp4"
        case .int8Channel: return "int8-channel"
        }
    }

    /// The names `--weight-format` accepts, for help and errors.
    public static let grammar =
        "awq-int4-g128 (add -nozp: no zero points), gptq-int4-g128 / gptq-int8-g128, int4-g128 / int8-g64 (symmetric, 16-bit scales, no zero points), gall = one group per row; fp8-tensor, fp8-channel, fp8-block128 (or fp8-block128x64; -static adds input scales); int8-channel (fp32 scale per row); mxfp4; nvfp4"

    /// Parses a name of `grammar`; nil when it is not one.
    public init?(name raw: String) {
        let name = raw.lowercased()
        switch name {
        case "mxfp4": self = .mxfp4; return
        case "nvfp4": self = .nvfp4; return
        case "int8-channel": self = .int8Channel; return
        default: break
        }
        var parts = name.split(separator: "-").map(String.init)
        if parts.first == "fp8" {
            let st = parts.last == "static"
            if st { parts.removeLast() }
            guard parts.count == 2 else { return nil }
            switch parts[1] {
            case "tensor": self = .fp8(.perTensor, staticActivations: st)
            case "channel": self = .fp8(.perChannel, staticActivations: st)
            default:
                guard parts[1].hasPrefix("block") else { return nil }
                let dims = parts[1].dropFirst(5).split(separator: "x").compactMap { Int($0) }
                guard (1...2).contains(dims.count), dims.allSatisfy({ $0 > 0 }) else { return nil }
                self = .fp8(.block(outputs: dims[0], inputs: dims.last!), staticActivations: st)
            }
            return
        }
        var packing = IntegerPacking.symmetric
        if parts.first == "awq" { packing = .awq; parts.removeFirst() } else if parts.first == "gptq" { packing = .gptq; parts.removeFirst() }
        var zero = packing != .symmetric
        if packing == .awq, parts.last == "nozp" { zero = false; parts.removeLast() }
        guard parts.count == 2, parts[0].hasPrefix("int"), let bits = Int(parts[0].dropFirst(3)), parts[1].hasPrefix("g") else { return nil }
        guard packing == .awq ? bits == 4 : [2, 4, 8].contains(bits) else { return nil }
        let gText = parts[1].dropFirst()
        let group: Int?
        if gText == "all" { group = nil } else if let g = Int(gText), g > 0 { group = g } else { return nil }
        self = .integer(bits: bits, group: group, packing: packing, zeroPoint: zero)
    }
}
