// The bytes a run will allocate, by class, computed from the same tables the allocation code uses
// (ModelWeights.layout, cache capacities, Workspace.layout) so that a run can be refused before
// anything is allocated, with the predicted size in the message.

import CostModel

public struct MemoryPlan: Sendable, Hashable {
    public var weightBytes: Int
    public var kvCacheBytes: Int
    public var stateBytes: Int
    /// The larger of the prefill workspace (B * N rows) and the decode workspace (B rows).
    public var workspaceBytes: Int
    public var totalBytes: Int { weightBytes + kvCacheBytes + stateBytes + workspaceBytes }

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
        var kv = 0, st = 0
        for run in spec.cacheRuns {
            switch run.kind {
            case .keyValue(let g):
                kv += run.count * batch * ModelRun.capacity(tokens: T, span: g.span) * g.heads * (g.keyDim + g.valueDim) * 4
            case .recurrentState(let h, let dh):
                st += run.count * batch * h * dh * dh * 4
            }
        }
        kvCacheBytes = kv
        stateBytes = st
        workspaceBytes = max(Workspace.bytes(spec, batch: batch, rows: batch * promptTokens, options: options),
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
