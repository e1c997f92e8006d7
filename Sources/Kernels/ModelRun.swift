// A forward run of one model over a batch of B sequences: prefill of N tokens, then batched decode
// of G more, with real caches sized for T = N + G tokens per sequence.
//
// Caches come from the model's own slot table (`ModelSpec.caches`): one K and one V buffer per
// key/value slot, [B, P, Hkv, dh] row-major with P = T, or min(T, W) for a ring (position p
// lives in row p mod P); one [B, hR, dR, dR] buffer per gRet layer. A layer finds the slot it
// reads by its index (`cacheOfLayer`); YOCO's shared K̂/V̂ and a CLA pair's slot are one slot each,
// read by several layers, so each is allocated once. Hence the allocator's kv_cache and state
// counts equal CostModel's kvCacheBytes(batch:tokens:dtype:.fp32) and stateBytes(batch:dtype:.fp32).
//
// Prefill of a YOCO model runs the self-decoder and the K̂/V̂ projection over all N tokens and the
// cross-decoder only over the last position (early exit) unless `allPositions` asks for every
// position's final hidden state.

import CostModel

public struct ForwardOutput: Sendable {
    /// Final hidden states after the final RMSNorm: [B, positions, d].
    public var hidden: [Float]
    public var positions: Int
    /// Logits of the last position of each sequence: [B, V].
    public var logits: [Float]
}

final class CacheStore {
    let slot: CacheSlot
    let capacity: Int  // positions per sequence (0 for a state)
    let k: Buffer?
    let v: Buffer?
    let state: Buffer?
    init(slot: CacheSlot, capacity: Int, k: Buffer?, v: Buffer?, state: Buffer?) {
        self.slot = slot
        self.capacity = capacity
        self.k = k
        self.v = v
        self.state = state
    }
}

public final class ModelRun {
    public let spec: ModelSpec
    public let weights: ModelWeights
    public let batch: Int
    /// T: tokens each sequence may hold (prompt + generated).
    public let capacityTokens: Int
    public let options: RunOptions
    public let allocator: CountingAllocator
    public var counters = WorkCounters()
    /// Whether forward calls time each operator (OperatorTimes.swift); on by default, off only to
    /// measure what the timing costs.
    public var timesOperators = true
    let operatorSlots: OperatorSlots
    /// Nanoseconds per operator slot since the last `resetOperatorTimes` (operatorSlots.count).
    let operatorNanos: UnsafeMutablePointer<UInt64>
    public private(set) var tokensHeld = 0
    let caches: [CacheStore]
    /// layer index -> index into `caches` (the slot the layer reads; ModelSpec.caches)
    let cacheOfLayer: [Int: Int]
    /// The slot YOCO's shared K̂/V̂ projection writes, if the model has one.
    let sharedSlot: Int?
    var decodeWorkspace: Workspace?

    /// Positions a cache of span `span` keeps for a sequence of `tokens` tokens.
    public static func capacity(tokens: Int, span: AttentionSpan) -> Int {
        span.boundTokens.map { min(tokens, $0) } ?? tokens
    }

    /// Throws when the kernels cannot run `spec` (checked before anything is allocated); the
    /// `invalidShape` cases name the profile field.
    public static func checkSupported(_ spec: ModelSpec) throws(KernelError) {
        do { try spec.validate() } catch { throw .unsupportedModel(reason: error.description) }
        try spec.checkKernelSupport()
        if let a = spec.attentionMixers.first(where: { $0.headDim % 2 != 0 }) {
            throw .invalidShape(what: "head_dim", constraint: "must be even for the kernels (RoPE rotates pairs)", value: a.headDim)
        }
        if let r = spec.retention, r.headDim % 2 != 0 {
            throw .invalidShape(what: "gret_head_dim", constraint: "must be even for the kernels (RoPE rotates pairs)", value: r.headDim)
        }
    }

    public init(
        weights: ModelWeights, batch: Int, capacityTokens: Int, options: RunOptions = RunOptions(),
        allocator: CountingAllocator
    ) throws(KernelError) {
        let spec = weights.spec
        try Self.checkSupported(spec)
        guard batch >= 1 else { throw .invalidShape(what: "batch", constraint: "must be at least 1", value: batch) }
        guard capacityTokens >= 1 else {
            throw .invalidShape(what: "context tokens", constraint: "must be at least 1", value: capacityTokens)
        }
        // Refuse before allocating: caches + decode workspace (weights are already held).
        let plan = MemoryPlan(spec: spec, batch: batch, promptTokens: 0, generatedTokens: capacityTokens, options: options)
        try MemoryPlan(weightBytes: 0, kvCacheBytes: plan.kvCacheBytes, stateBytes: plan.stateBytes,
                       workspaceBytes: Workspace.bytes(spec, batch: batch, rows: batch, options: options))
            .checkFits(what: "caches of \(spec.id) for batch \(batch) at \(capacityTokens) tokens")

        self.spec = spec
        self.weights = weights
        self.batch = batch
        self.capacityTokens = capacityTokens
        self.options = options
        self.allocator = allocator
        var stores: [CacheStore] = []
        var map: [Int: Int] = [:]
        var shared: Int?
        for (si, slot) in spec.caches.enumerated() {
            if slot.writer == .sharedProjection { shared = si }
            switch slot.kind {
            case .keyValue(let g):
                let cap = Self.capacity(tokens: capacityTokens, span: g.span)
                stores.append(CacheStore(
                    slot: slot, capacity: cap,
                    k: try allocator.allocate(batch * cap * g.heads * g.keyDim, .kvCache, name: "cache\(si).k"),
                    v: try allocator.allocate(batch * cap * g.heads * g.valueDim, .kvCache, name: "cache\(si).v"), state: nil))
            case .recurrentState(let h, let dh):
                stores.append(CacheStore(
                    slot: slot, capacity: 0, k: nil, v: nil,
                    state: try allocator.allocate(batch * h * dh * dh, .state, name: "cache\(si).state")))
            case .latent, .fixedState:
                // Refused by checkKernelSupport before any allocation; nothing to hold.
                stores.append(CacheStore(slot: slot, capacity: 0, k: nil, v: nil, state: nil))
            }
            for r in slot.readers { map[r] = si }
        }
        caches = stores
        cacheOfLayer = map
        sharedSlot = shared
        operatorSlots = OperatorSlots(spec)
        operatorNanos = .allocate(capacity: operatorSlots.count)
        operatorNanos.initialize(repeating: 0, count: operatorSlots.count)
    }

    deinit { operatorNanos.deallocate() }

    /// Seconds per cost-model operator of the forward calls since the last reset (or the start).
    public var operatorTimes: OperatorTimes { operatorSlots.times(operatorNanos) }

    public func resetOperatorTimes() { operatorNanos.update(repeating: 0, count: operatorSlots.count) }

    /// Prefill `tokens` ([B, N] row-major token ids) from an empty cache.
    public func prefill(tokens: [Int32], allPositions: Bool = false) throws(KernelError) -> ForwardOutput {
        guard tokensHeld == 0 else {
            throw .invalidShape(what: "prefill", constraint: "must start from an empty cache; tokens held", value: tokensHeld)
        }
        guard !tokens.isEmpty, tokens.count % batch == 0 else {
            throw .invalidShape(what: "prefill tokens", constraint: "must be a non-empty multiple of the batch \(batch)", value: tokens.count)
        }
        let n = tokens.count / batch
        guard n <= capacityTokens else {
            throw .capacityExceeded(what: "run of \(spec.id)", capacityTokens: capacityTokens, requestedTokens: n)
        }
        try checkTokens(tokens)
        try MemoryPlan(weightBytes: 0, kvCacheBytes: 0, stateBytes: 0,
                       workspaceBytes: Workspace.bytes(spec, batch: batch, rows: batch * n, options: options))
            .checkFits(what: "prefill workspace of \(spec.id) for batch \(batch) at \(n) tokens")
        let ws = try Workspace(spec, batch: batch, rows: batch * n, options: options, allocator: allocator)
        let out = forward(tokens: tokens, perSequence: n, position0: 0, ws: ws, allPositions: allPositions)
        tokensHeld = n
        return out
    }

    /// Decode one token per sequence (`tokens` [B]) at position `tokensHeld`.
    public func decode(tokens: [Int32]) throws(KernelError) -> ForwardOutput {
        guard tokens.count == batch else {
            throw .invalidShape(what: "decode tokens", constraint: "must be one per sequence (\(batch))", value: tokens.count)
        }
        guard tokensHeld < capacityTokens else {
            throw .capacityExceeded(what: "run of \(spec.id)", capacityTokens: capacityTokens, requestedTokens: tokensHeld + 1)
        }
        try checkTokens(tokens)
        if decodeWorkspace == nil {
            decodeWorkspace = try Workspace(spec, batch: batch, rows: batch, options: options, allocator: allocator)
        }
        let out = forward(tokens: tokens, perSequence: 1, position0: tokensHeld, ws: decodeWorkspace!, allPositions: true)
        tokensHeld += 1
        return out
    }

    private func checkTokens(_ tokens: [Int32]) throws(KernelError) {
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= spec.vocabSize }) {
            throw .invalidShape(what: "token id", constraint: "must be in 0..<\(spec.vocabSize)", value: Int(bad))
        }
    }

    /// Bytes the allocator holds now in `memoryClass`.
    public func liveBytes(_ memoryClass: MemoryClass) -> Int { allocator.liveBytes(memoryClass) }
}
