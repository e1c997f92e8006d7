// Which layers of a mixture-of-experts family route to experts, by each family's own rule (all
// 0-based; docs/research/hf/TRAPS.md 7 and 12), and the expert keys every MoE family reads.

import CostModel

enum ExpertLayers {
    /// DeepSeek-V2/V3, Kimi (reference code and vLLM): layer i is MoE iff
    /// i >= first_k_dense_replace and i % moe_layer_freq == 0.
    static func deepSeek(layers: Int, firstDense: Int, frequency: Int) -> [Bool] {
        (0..<max(0, layers)).map { i in i >= firstDense && i % frequency == 0 }
    }

    /// Qwen2-MoE / Qwen3-MoE: layer i is MoE iff i is not in mlp_only_layers and
    /// (i + 1) % decoder_sparse_step == 0.
    static func qwen(layers: Int, sparseStep: Int, mlpOnly: Set<Int>) -> [Bool] {
        (0..<max(0, layers)).map { i in !mlpOnly.contains(i) && (i + 1) % sparseStep == 0 }
    }

    /// Llama 4: `moe_layers` when the file lists it, else range(step - 1, L, step) with
    /// step = interleave_moe_layer_step.
    static func llama4(layers: Int, step: Int, listed: [Int]?) -> [Bool] {
        let set = Set(listed ?? Array(stride(from: step - 1, to: max(0, layers), by: step)))
        return (0..<max(0, layers)).map { set.contains($0) }
    }

    /// An expert count, top-k and inner size read and checked against each other, naming the keys.
    static func check(_ r: HFReader, experts: Int, expertsKey: String, active: Int, activeKey: String,
                      inner: Int, innerKey: String) throws(ProfileError) {
        guard (1...Experts.maxCount).contains(experts) else {
            throw r.f.error(expertsKey, "must be between 1 and \(Experts.maxCount)", experts)
        }
        guard (1...experts).contains(active) else {
            throw r.f.error(activeKey, "must be between 1 and `\(expertsKey)` (\(experts))", active)
        }
        guard (1...(Limits.maxWidth * 8)).contains(inner) else {
            throw r.f.error(innerKey, "must be between 1 and \(Limits.maxWidth * 8)", inner)
        }
    }

    /// A step or frequency key: at least 1 (a 0 would divide by zero in the family's rule).
    static func positive(_ r: HFReader, _ key: String, default value: Int) throws(ProfileError) -> Int {
        let v = try r.int(key, default: value)
        guard v >= 1 else { throw r.f.error(key, "must be at least 1", v) }
        return v
    }
}
