// `quantization_config` of a config.json -> the weight storage it describes, exact or refused by name.
// Keys as the loaders read them (vLLM 0.10.1.1 quantization/*.py from_config; docs/research/quant-formats.md):
//   awq    bits | w_bit (4 only), group_size | q_group_size (-1: one group per row), zero_point
//          (default true), version gemm (gemv packs differently: refused), modules_to_not_convert
//   gptq   bits (2, 4, 8), group_size, lm_head (default false: the head stays 16-bit); `dynamic`
//          per-module overrides, the Marlin format (is_marlin_format), a checkpoint_format other
//          than gptq (gptq_v2 stores zero points unshifted, marlin repacks) and
//          modules_in_block_to_quantize (only the listed modules converted) are refused
//   fp8    weight_block_size [n, k] (else one scale per matrix), activation_scheme (static: input
//          scales), ignored_layers | modules_to_not_convert (both, differing: refused; which one a
//          loader reads differs between vLLM versions)
//   mxfp4  modules_to_not_convert (gpt-oss lists attention, router, embeddings and lm_head)
//   compressed-tensors  one config group of symmetric 8-bit per-channel weights (int: W8A8 int8,
//          float: fp8) targeting ["Linear"], `ignore` kept 16-bit; `input_activations` dynamic
//          (scales computed per token at run time: nothing stored) or absent; static input scales,
//          other targets and other schemes refused
// Any other quant_method (bitsandbytes, modelopt, gguf, ...) is refused naming it.

import CostModel
import Foundation

enum QuantizationConfig {
    /// The storage `quantization_config` describes; nil without one.
    static func storage(_ r: HFReader) throws(ProfileError) -> WeightStorage? {
        guard let q = try r.f.nested("quantization_config"), !q.object.isEmpty else { return nil }
        let method = try q.string("quant_method").lowercased()
        func patterns(_ keys: String...) throws(ProfileError) -> [String] {
            for k in keys { if let list = try q.optionalStringArray(k) { return list } }
            return []
        }
        func refuse(_ key: String, _ why: String, _ value: Any?) -> ProfileError {
            q.error(key, "(\(r.family), quant_method \(method)): \(why); refusing rather than counting another layout", value)
        }
        switch method {
        case "awq":
            let bitsKey = q.has("bits") ? "bits" : "w_bit"
            let bits = try q.optionalInt(bitsKey) ?? 4
            guard bits == 4 else { throw refuse(bitsKey, "AWQ is modelled at 4 bits only (as vLLM loads it)", bits) }
            let version = try q.optionalString("version")?.lowercased() ?? "gemm"
            guard version == "gemm" else { throw refuse("version", "only the GEMM packing is modelled", version) }
            let group = try q.optionalInt(q.has("group_size") ? "group_size" : "q_group_size") ?? 128
            let format = WeightFormat.integer(bits: 4, group: try groupSize(group, q), packing: .awq,
                                              zeroPoint: try q.bool("zero_point", default: true))
            return WeightStorage(format: format, notConverted: try patterns("modules_to_not_convert"))
        case "gptq":
            let bits = try q.int("bits")
            guard [2, 4, 8].contains(bits) else { throw refuse("bits", "GPTQ is modelled at 2, 4 or 8 bits", bits) }
            if Unmodelled.isOn(q.object["dynamic"]) { throw refuse("dynamic", "per-module overrides are not modelled", q.object["dynamic"]) }
            if try q.bool("is_marlin_format", default: false) { throw refuse("is_marlin_format", "the Marlin repacked layout is not modelled", true) }
            if let f = try q.optionalString("checkpoint_format"), f.lowercased() != "gptq" {
                throw refuse("checkpoint_format", "only the gptq checkpoint layout is modelled", f)
            }
            if Unmodelled.isOn(q.object["modules_in_block_to_quantize"]) {
                throw refuse("modules_in_block_to_quantize", "a checkpoint converting only the listed modules is not modelled (every decoder linear is counted converted)", q.object["modules_in_block_to_quantize"])
            }
            let format = WeightFormat.integer(bits: bits, group: try groupSize(try q.int("group_size"), q), packing: .gptq, zeroPoint: true)
            return WeightStorage(format: format, notConverted: try patterns("modules_to_not_convert"),
                                 convertsOutputHead: try q.bool("lm_head", default: false))
        case "fp8":
            let staticActivations = (try q.optionalString("activation_scheme") ?? "dynamic") == "static"
            let scaling: FP8Scaling
            if let block = try q.optionalIntArray("weight_block_size") {
                guard block.count == 2, block.allSatisfy({ $0 > 0 }) else { throw refuse("weight_block_size", "must be two positive sizes [n, k]", block) }
                scaling = .block(outputs: block[0], inputs: block[1])
            } else {
                scaling = .perTensor
            }
            let ignored = try q.optionalStringArray("ignored_layers"), notConverted = try q.optionalStringArray("modules_to_not_convert")
            if let a = ignored, let b = notConverted, !a.isEmpty, !b.isEmpty, Set(a) != Set(b) {
                throw refuse("modules_to_not_convert", "differs from `ignored_layers` (\(a)); a loader reads one of them, and which differs between vLLM versions", b)
            }
            return WeightStorage(format: .fp8(scaling, staticActivations: staticActivations),
                                 notConverted: try patterns("ignored_layers", "modules_to_not_convert"))
        case "mxfp4":
            return WeightStorage(format: .mxfp4, notConverted: try patterns("modules_to_not_convert"))
        case "compressed-tensors":
            return try compressedTensors(q, r)
        default:
            throw q.error("quant_method", "(\(r.family)): this quantised format is not modelled (awq, gptq, fp8, mxfp4 and 8-bit per-channel compressed-tensors are); refusing rather than counting it as \(try r.dtype().rawValue)", method)
        }
    }

    /// compressed-tensors, the cheap cases only: one entry of `config_groups` whose `weights` are
    /// 8-bit, symmetric, per channel (int: W8A8 int8; float: fp8), with `ignore` left in 16-bit.
    static func compressedTensors(_ q: JSONFields, _ r: HFReader) throws(ProfileError) -> WeightStorage {
        func refuse(_ key: String, _ value: Any?) -> ProfileError {
            q.error(key, "(\(r.family), quant_method compressed-tensors): only one config group of symmetric 8-bit per-channel weights is modelled; refusing rather than counting another scheme", value)
        }
        guard let groups = try q.nested("config_groups"), groups.object.count == 1, let name = groups.object.keys.first,
              let group = try groups.nested(name), let w = try group.nested("weights") else {
            throw refuse("config_groups", q.object["config_groups"])
        }
        if let targets = try group.optionalStringArray("targets"), targets != ["Linear"] {
            throw q.error("config_groups.\(name).targets", "(\(r.family), quant_method compressed-tensors): only [\"Linear\"] (every linear layer) is modelled; refusing rather than counting other modules converted", targets)
        }
        if let act = try group.nested("input_activations"), !act.object.isEmpty, !(try act.bool("dynamic", default: false)) {
            throw q.error("config_groups.\(name).input_activations", "(\(r.family), quant_method compressed-tensors): static input scales are not counted; only dynamic activation quantisation (nothing stored) is modelled, so refusing it", act.object)
        }
        let bits = try w.int("num_bits"), type = try w.string("type"), strategy = try w.string("strategy")
        guard bits == 8, strategy == "channel", try w.bool("symmetric", default: true) else { throw refuse("config_groups.\(name).weights", w.object) }
        let format: WeightFormat
        switch type {
        case "int": format = .int8Channel
        case "float": format = .fp8(.perChannel, staticActivations: false)
        default: throw refuse("config_groups.\(name).weights.type", type)
        }
        // `ignore` names modules (e.g. "lm_head", which stays 16-bit anyway); `re:` entries are regexes.
        let ignore = try q.optionalStringArray("ignore") ?? []
        if let regex = ignore.first(where: { $0.hasPrefix("re:") }) { throw refuse("ignore", regex) }
        return WeightStorage(format: format, notConverted: ignore)
    }

    /// -1 means one group over each row's whole input.
    static func groupSize(_ g: Int, _ q: JSONFields) throws(ProfileError) -> Int? {
        if g == -1 { return nil }
        guard g > 0 else { throw q.error("group_size", "must be a positive size or -1 (one group per row)", g) }
        return g
    }
}
