// Seeded random weights for a ModelSpec, every tensor a counted buffer with a stable name.
//
// Orientation: every projection is stored [d_in, d_out] row-major and applied as y = x W
// (not PyTorch's [out, in]). Names (also the safetensors names of a dump; docs/KERNELS.md):
//   embedding [V, d]; final_norm [d]; output [d, V] (absent when tied: logits = h embeddingᵀ)
//   layers.{i}.mixer_norm [d], layers.{i}.ffn_norm [d]
//   attention, own K/V:    layers.{i}.wq [d, H*dh], .wk [d, Hkv*dh], .wv [d, Hkv*dh], .wo [H*dh, d]
//                          (H, Hkv of the layer's own block: YOCO SWA self layers have their own)
//   gated retention:       layers.{i}.wq/.wk/.wv/.wg [d, hR*dR], .wo [hR*dR, d], .wgamma [d, hR]
//   attention over another slot (YOCO cross, CLA readers): layers.{i}.wq [d, H*dh], .wo [H*dh, d]
//   every dense layer:     layers.{i}.ffn_gate [d, F], .ffn_up [d, F], .ffn_down [F, d]
//   every MoE layer:       layers.{i}.router [d, E], layers.{i}.expert.{e}.gate/.up [d, I], .down [I, d]
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
        let d = spec.hiddenSize
        var out: [(String, [Int])] = [("embedding", [spec.vocabSize, d])]
        for (i, block) in spec.layerBlocks.enumerated() {
            let p = "layers.\(i)."
            out.append((p + "mixer_norm", [d]))
            switch block.mixer {
            case .attention(let a):
                out.append((p + "wq", [d, a.queryWidth]))
                if a.writesOwnSlot { out += [(p + "wk", [d, a.keyWidth]), (p + "wv", [d, a.valueWidth])] }
                out.append((p + "wo", [a.outputWidth, d]))
            case .gatedRetention(let g):
                let inner = g.innerWidth
                out += [(p + "wq", [d, inner]), (p + "wk", [d, inner]), (p + "wv", [d, inner]), (p + "wg", [d, inner]),
                        (p + "wo", [inner, d]), (p + "wgamma", [d, g.heads])]
            case .latentAttention, .fixedState, .identity:
                break  // not run by the kernels (checkKernelSupport refuses them)
            }
            let F = block.feedForward.inner
            out.append((p + "ffn_norm", [d]))
            if let e = block.feedForward.experts {
                out.append((p + "router", [d, e.count]))
                for j in 0..<e.count {
                    out += [(p + "expert.\(j).gate", [d, F]), (p + "expert.\(j).up", [d, F]), (p + "expert.\(j).down", [F, d])]
                }
            } else {
                out += [(p + "ffn_gate", [d, F]), (p + "ffn_up", [d, F]), (p + "ffn_down", [F, d])]
            }
        }
        if let s = spec.sharedKV { out += [("kv_norm", [d]), ("wk_hat", [d, s.width]), ("wv_hat", [d, s.width])] }
        out.append(("final_norm", [d]))
        if !spec.tiedEmbeddings { out.append(("output", [d, spec.vocabSize])) }
        return out
    }

    /// Weight bytes the layout needs (fp32).
    public static func bytes(_ spec: ModelSpec) -> Int {
        sizeSum(layout(spec).map { sizeProduct($0.shape + [4]) })
    }

    public init(spec: ModelSpec, seed: UInt64, allocator: CountingAllocator) throws(KernelError) {
        try spec.checkKernelSupport()
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
