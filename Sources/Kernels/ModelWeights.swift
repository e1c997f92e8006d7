// Seeded random weights for a ModelSpec, every tensor a counted buffer with a stable name.
//
// Orientation: every projection is stored [d_in, d_out] row-major and applied as y = x W
// (not PyTorch's [out, in]). Names (also the safetensors names of a dump; docs/KERNELS.md):
//   embedding [V, d]; final_norm [d]; output [d, V] (absent when tied: logits = h embeddingᵀ)
//   layers.{i}.mixer_norm [d], layers.{i}.ffn_norm [d]
//   attention / SWA self:  layers.{i}.wq [d, H*dh], .wk [d, Hk*dh], .wv [d, Hk*dh], .wo [H*dh, d]
//                          (Hk = Hkv for Transformer layers, swaSelfKVHeads for YOCO SWA self layers)
//   gated retention:       layers.{i}.wq/.wk/.wv/.wg [d, hR*dR], .wo [hR*dR, d], .wgamma [d, hR]
//   cross:                 layers.{i}.wq [d, H*dh], .wo [H*dh, d]
//   every layer:           layers.{i}.ffn_gate [d, F], .ffn_up [d, F], .ffn_down [F, d]
//   YOCO once:             kv_norm [d], wk_hat [d, Hkv*dh], wv_hat [d, Hkv*dh]
// Values: projections uniform in ±1/sqrt(d_in); embedding uniform in ±1/sqrt(d) (scaled by
// sqrt(d) on lookup); norm weights 1 ± 0.1 (so a test notices a dropped weight). Each tensor is
// drawn from SplitMix64 seeded with seed ^ FNV-1a(name): the same seed gives the same bits, and a
// tensor's values do not depend on which other tensors exist.

import CostModel

public struct NamedTensor {
    public let name: String
    public let shape: [Int]
    public let buffer: Buffer
}

public final class ModelWeights {
    public let spec: ModelSpec
    public let seed: UInt64
    public private(set) var tensors: [NamedTensor] = []
    private var index: [String: Int] = [:]

    /// The tensors a spec needs, in a fixed order, with their shapes.
    public static func layout(_ spec: ModelSpec) -> [(name: String, shape: [Int])] {
        let d = spec.hiddenSize, qW = spec.heads * spec.headDim, kvW = spec.kvWidth, F = spec.ffnSize
        var out: [(String, [Int])] = [("embedding", [spec.vocabSize, d])]
        for (i, kind) in spec.layerKinds.enumerated() {
            let p = "layers.\(i)."
            out.append((p + "mixer_norm", [d]))
            switch kind {
            case .attention, .slidingWindowSelf:
                let kvW = spec.kvHeads(of: kind) * spec.headDim
                out += [(p + "wq", [d, qW]), (p + "wk", [d, kvW]), (p + "wv", [d, kvW]), (p + "wo", [qW, d])]
            case .gatedRetention(let h, let dh):
                let inner = h * dh
                out += [(p + "wq", [d, inner]), (p + "wk", [d, inner]), (p + "wv", [d, inner]), (p + "wg", [d, inner]),
                        (p + "wo", [inner, d]), (p + "wgamma", [d, h])]
            case .cross:
                out += [(p + "wq", [d, qW]), (p + "wo", [qW, d])]
            }
            out += [(p + "ffn_norm", [d]), (p + "ffn_gate", [d, F]), (p + "ffn_up", [d, F]), (p + "ffn_down", [F, d])]
        }
        if spec.isYOCO { out += [("kv_norm", [d]), ("wk_hat", [d, kvW]), ("wv_hat", [d, kvW])] }
        out.append(("final_norm", [d]))
        if !spec.tiedEmbeddings { out.append(("output", [d, spec.vocabSize])) }
        return out
    }

    /// Weight bytes the layout needs (fp32).
    public static func bytes(_ spec: ModelSpec) -> Int {
        sizeSum(layout(spec).map { sizeProduct($0.shape + [4]) })
    }

    public init(spec: ModelSpec, seed: UInt64, allocator: CountingAllocator) throws(KernelError) {
        self.spec = spec
        self.seed = seed
        for (name, shape) in Self.layout(spec) {
            let count = sizeProduct(shape)
            let buf = try allocator.allocate(count, .weights, name: name)
            var rng = SeededRandom(seed: seed ^ Self.fnv1a(name))
            if shape.count == 1 {
                rng.fill(buf.pointer, count: count, scale: 0.1, offset: 1)
            } else {
                rng.fill(buf.pointer, count: count, scale: 1 / Float(shape[name == "embedding" ? 1 : 0]).squareRoot())
            }
            index[name] = tensors.count
            tensors.append(NamedTensor(name: name, shape: shape, buffer: buf))
        }
    }

    /// The tensor called `name` (names come from `layout`, so a miss is a programming error caught by tests).
    public subscript(_ name: String) -> UnsafeMutablePointer<Float> {
        tensors[index[name]!].buffer.pointer
    }

    public func contains(_ name: String) -> Bool { index[name] != nil }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}
