// Which layers of a mixture-of-experts family route to experts, by each family's own rule (all
// 0-based; docs/research/hf/TRAPS.md 7 and 12), and the expert keys every MoE family reads: the
// routed count and top-k (`counts`), and DeepSeek's layout of shared experts, dense leading layers
// and layer frequency (`deepSeekLayout`, read by DeepSeek-V2/V3 and Kimi-Linear).

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

    /// The routed-expert count and top-k under the family's key names and defaults (nil: the key is
    /// required), checked against each other and against the expert inner size.
    static func counts(_ r: HFReader, expertsKey: String, experts: Int?, activeKey: String, active: Int?,
                       inner: Int, innerKey: String) throws(ProfileError) -> (experts: Int, active: Int) {
        func read(_ key: String, _ value: Int?) throws(ProfileError) -> Int {
            if let value { return try r.int(key, default: value) }
            return try r.int(key)
        }
        let e = try read(expertsKey, experts), k = try read(activeKey, active)
        try check(r, experts: e, expertsKey: expertsKey, active: k, activeKey: activeKey, inner: inner, innerKey: innerKey)
        return (e, k)
    }

    /// DeepSeek's expert layout: `sharedKey` shared experts of the routed width (0 to Experts.maxCount;
    /// run together as one gated FFN of n x inner), `first_k_dense_replace` dense leading layers and
    /// `moe_layer_freq`; which of the `layers` route (`deepSeek` above).
    static func deepSeekLayout(_ r: HFReader, layers: Int, experts e: Int, active k: Int, inner: Int, sharedKey: String,
                               sharedDefault: Int, firstDenseDefault: Int, routerBias: Bool, routerBiasDType: DType? = nil)
        throws(ProfileError) -> (experts: Experts, routed: [Bool], shared: Int)
    {
        let nShared = try r.int(sharedKey, default: sharedDefault)
        guard (0...Experts.maxCount).contains(nShared) else { throw r.f.error(sharedKey, "must be between 0 and \(Experts.maxCount)", nShared) }
        let firstDense = try r.int("first_k_dense_replace", default: firstDenseDefault)
        guard firstDense >= 0 else { throw r.f.error("first_k_dense_replace", "must be at least 0", firstDense) }
        let freq = try positive(r, "moe_layer_freq", default: 1)
        let experts = Experts(count: e, active: k, inner: inner, routerBias: routerBias,
                              shared: nShared > 0 ? SharedExperts(inner: nShared * inner) : nil, routerBiasDType: routerBiasDType)
        return (experts, deepSeek(layers: layers, firstDense: firstDense, frequency: freq), nShared)
    }

    /// A step or frequency key: at least 1 (a 0 would divide by zero in the family's rule).
    static func positive(_ r: HFReader, _ key: String, default value: Int) throws(ProfileError) -> Int {
        let v = try r.int(key, default: value)
        guard v >= 1 else { throw r.f.error(key, "must be at least 1", v) }
        return v
    }
}
