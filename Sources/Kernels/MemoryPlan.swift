// The bytes a run will allocate, by class, computed from the same tables the allocation code uses
// (ModelWeights.layout, cache capacities, Workspace.layout) so that a run can be refused before
// anything is allocated, with the predicted size in the message.

import CostModel

/// Element or byte counts multiply and add in Int128 and saturate at Int.max: the largest valid
/// profile at the largest context and batch asks for more than Int can count (2^24 tokens x 2^24
/// sequences x 2^30 K/V width), and a saturated size is one that every memory check refuses.
func sizeProduct(_ factors: Int...) -> Int { sizeProduct(factors) }

func sizeProduct(_ factors: [Int]) -> Int {
    var p: Int128 = 1
    for f in factors {
        p *= Int128(f)
        if p > Int128(Int.max) { return .max }  // each factor < 2^63: the next product fits Int128
    }
    return Int(p)
}

func sizeSum(_ terms: [Int]) -> Int { Int(clamping: terms.reduce(Int128(0)) { $0 + Int128($1) }) }

public struct MemoryPlan: Sendable, Hashable {
    public var weightBytes: Int
    public var kvCacheBytes: Int
    public var stateBytes: Int
    /// The larger of the prefill workspace (B * N rows) and the decode workspace (B rows).
    public var workspaceBytes: Int
    /// Buffers a command holds beside the run (`forward`'s dump: its copies of the input, the
    /// outputs and each encoded file).
    public var otherBytes: Int = 0
    public var totalBytes: Int { sizeSum([weightBytes, kvCacheBytes, stateBytes, workspaceBytes, otherBytes]) }

    public init(weightBytes: Int, kvCacheBytes: Int, stateBytes: Int, workspaceBytes: Int) {
        self.weightBytes = weightBytes
        self.kvCacheBytes = kvCacheBytes
        self.stateBytes = stateBytes
        self.workspaceBytes = workspaceBytes
    }

    /// Plan for `batch` sequences, a prompt of `promptTokens` and `generatedTokens` more.
    public init(spec: ModelSpec, batch: Int, promptTokens: Int, generatedTokens: Int, options: RunOptions = RunOptions()) {
        let T = promptTokens + generatedTokens
        weightBytes = ModelWeights.bytes(spec)
        var kv: [Int] = [], st: [Int] = []
        for run in spec.cacheRuns {
            switch run.kind {
            case .keyValue(let g):
                kv.append(sizeProduct(run.count, batch, ModelRun.capacity(tokens: T, span: g.span), g.heads, g.keyDim + g.valueDim, 4))
            case .recurrentState(let h, let dh):
                st.append(sizeProduct(run.count, batch, h, dh, dh, 4))
            case .fixedState(let f):
                st.append(sizeProduct(run.count, batch, Int(f.convElements + f.recurrentElements), 4))
            case .latent(let w):
                kv.append(sizeProduct(run.count, batch, T, w, 4))
            }
        }
        kvCacheBytes = sizeSum(kv)
        stateBytes = sizeSum(st)
        workspaceBytes = max(Workspace.bytes(spec, batch: batch, rows: sizeProduct(batch, promptTokens), options: options),
                             Workspace.bytes(spec, batch: batch, rows: batch, options: options))
    }

    /// Throws `insufficientMemory` when `totalBytes` exceeds what the machine has available.
    public func checkFits(what: String, availableBytes: Int? = SystemMemory.availableBytes()) throws(KernelError) {
        guard let avail = availableBytes else { return }
        if totalBytes > avail {
            throw .insufficientMemory(what: what, requiredBytes: totalBytes, availableBytes: avail)
        }
    }
}
