// A quantised checkpoint: a weight format and the tensors it leaves in the 16-bit dtype, each
// format's convention (docs/research/quant-formats.md):
//   AWQ, GPTQ, int, fp8, NVFP4  every decoder linear converted; embeddings, norms, biases and the
//                               output head stay 16-bit (GPTQ's `lm_head: true` converts the head)
//   MXFP4 (gpt-oss)             the config's `modules_to_not_convert` lists attention, router,
//                               embeddings and lm_head: only the experts are converted
// plus whatever `modules_to_not_convert` (AWQ, mxfp4), `ignored_layers` (fp8), `ignore`
// (compressed-tensors) or `exclude_modules` (ModelOpt) names. A name matches as the formats match it:
// a pattern with `*` is a glob anchored at the start of the module path (transformers' mxfp4 and
// compressed-tensors), any other is a substring of it (AutoAWQ's `any(key in name ...)`).
//
// Bytes per class = sum over its converted matrices of WeightFormat.matrixBytes
//                 + the 16-bit bytes of its unconverted matrices and of its vectors (class
//                   parameters minus its matrices: biases, norms, sinks, tables).

/// A weight format with the tensors it leaves unconverted.
public struct WeightStorage: Sendable, Hashable {
    public var format: WeightFormat
    /// Module-name patterns left in the 16-bit dtype.
    public var notConverted: [String]
    /// The output head is converted too (GPTQ `lm_head: true`); by default it stays 16-bit.
    public var convertsOutputHead: Bool

    public init(format: WeightFormat, notConverted: [String] = [], convertsOutputHead: Bool = false) {
        self.format = format
        self.notConverted = notConverted
        self.convertsOutputHead = convertsOutputHead
    }

    /// Whether a module path is left unconverted by a pattern.
    public func leavesUnconverted(_ name: String) -> Bool {
        notConverted.contains { Self.matches(pattern: $0, name: name) }
    }

    /// `*` globs anchored at the start (matching any characters), otherwise a substring.
    static func matches(pattern: String, name: String) -> Bool {
        let n = Array(name)
        /// The end of the first occurrence of `piece` in n at or after `from`.
        func find(_ piece: [Character], from: Int) -> Int? {
            guard piece.count <= n.count - from else { return nil }
            for i in from...(n.count - piece.count) where Array(n[i..<(i + piece.count)]) == piece { return i + piece.count }
            return nil
        }
        guard pattern.contains("*") else { return find(Array(pattern), from: 0) != nil }
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false).map { Array($0) }
        guard n.starts(with: pieces[0]) else { return false }
        var at = pieces[0].count
        for piece in pieces.dropFirst() where !piece.isEmpty {
            guard let end = find(piece, from: at) else { return false }
            at = end
        }
        return true
    }
}

extension ModelSpec {
    /// Bytes of every weight class under a plan: the plain dtype, or the quantised storage.
    public func weightBytes(plan: DTypePlan) -> [WeightClass: Int128] {
        guard plan.weightStorage != nil else { return widened(weightBytes(dtype: plan.weights), plan: plan, layers: 0..<layers) }
        return weightBytes(plan: plan, layers: 0..<layers, onceMatrices: { _ in true }, parameters: parameterCount.byClass)
    }

    /// `bytes` with the router biases of `held` layers that the checkpoint stores wider than the
    /// plan's weights (Experts.routerBiasDType: DeepSeek-V3's float32 e_score_correction_bias)
    /// counted at that width: E x (wide - plain) bytes more per such layer, in the feed-forward class.
    func widened(_ bytes: [WeightClass: Int128], plan: DTypePlan, layers held: Range<Int>) -> [WeightClass: Int128] {
        var out = bytes
        for (run, start) in zip(runs, runStarts) where !run.sharesWeights {
            guard let e = run.block.feedForward.experts else { continue }
            let n = max(0, min(held.upperBound, start + run.count) - max(held.lowerBound, start))
            let extra = Int128(n) * e.routerBiasWideningBytes(plain: plan.weights)
            if extra != 0 { out[.ffn, default: 0] += extra }
        }
        return out
    }

    /// Bytes of the weights a part of the model holds under a quantised plan: the matrices of
    /// `layers`, the once-per-model matrices `onceMatrices` accepts (by class), and the vectors of
    /// `parameters` (the part's parameters by class) that are not those matrices.
    func weightBytes(plan: DTypePlan, layers held: Range<Int>, onceMatrices: (WeightClass) -> Bool,
                     parameters: [WeightClass: Int128]) -> [WeightClass: Int128] {
        let plain = plan.weights
        guard let storage = plan.weightStorage else { return widened(parameters.mapValues { plain.bytes(elements: $0) }, plan: plan, layers: held) }
        var matrixElements: [WeightClass: Int128] = [:]
        var bytes: [WeightClass: Int128] = [:]
        for var m in linearMatrices {
            if let l = m.layers {
                let lo = max(l.lowerBound, held.lowerBound), hi = min(l.upperBound, held.upperBound)
                guard lo < hi else { continue }
                m.layers = lo..<hi
            } else if !onceMatrices(m.weightClass) {
                continue
            }
            matrixElements[m.weightClass, default: 0] += m.instances * m.elements
            let quantised = storage.format.matrixBytes(inputs: m.inputs, outputs: m.outputs)
            let headStays = m.weightClass == .outputHead && !storage.convertsOutputHead
            if headStays {
                bytes[m.weightClass, default: 0] += plain.bytes(elements: m.elements)
            } else if storage.notConverted.isEmpty {
                bytes[m.weightClass, default: 0] += m.instances * quantised
            } else {
                for name in m.names {
                    bytes[m.weightClass, default: 0] += Int128(m.copies) * (storage.leavesUnconverted(name) ? plain.bytes(elements: m.elements) : quantised)
                }
            }
        }
        var out: [WeightClass: Int128] = [:]
        for (c, n) in parameters {
            out[c] = (bytes[c] ?? 0) + plain.bytes(elements: n - (matrixElements[c] ?? 0))
        }
        return widened(out, plan: plan, layers: held)
    }
}

extension ModelSpec {
    /// Weight bytes one operator reads per layer: its matrices (module path after
    /// `model.layers.{layer}.`, or a full path when `layer` is nil) and its vectors (biases, norms).
    /// Without a quantised format this is the plain dtype's bytes of every element, as before; with
    /// one, each converted matrix costs its format's bytes. A run of identical blocks is costed by its
    /// first layer: a `modules_to_not_convert` entry naming single layers inside a run shifts the time
    /// estimate (never the memory count, which is per layer) by those layers' share.
    func readBytes(_ matrices: [(module: String, inputs: Int, outputs: Int)], vectors: Int128, layer: Int?, _ dt: DTypePlan) -> Int128 {
        let plain = dt.weights
        guard let s = dt.weightStorage else {
            return plain.bytes(elements: matrices.reduce(Int128(0)) { $0 + Int128($1.inputs) * Int128($1.outputs) } + vectors)
        }
        var bytes = plain.bytes(elements: vectors)
        for m in matrices {
            let name = layer.map { "model.layers.\($0).\(m.module)" } ?? m.module
            let converted = !s.leavesUnconverted(name) && (m.module != "lm_head" || s.convertsOutputHead)
            bytes += converted ? s.format.matrixBytes(inputs: m.inputs, outputs: m.outputs)
                               : plain.bytes(elements: Int128(m.inputs) * Int128(m.outputs))
        }
        return bytes
    }
}
