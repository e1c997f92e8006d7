// Capacity inversions of the memory model: the longest context for a budget and the largest batch
// for a context. Memory is monotonic non-decreasing in context and in batch, so a binary search over
// the integers gives the exact boundary: the answer fits and one more token (or sequence) does not.

/// What stops the answer from being larger.
public enum BindingConstraint: String, Sendable, Hashable {
    /// Weights (plus the runtime reserve) alone do not fit: the answer is 0.
    case weights
    /// The fixed per-sequence part (recurrent state) does not fit for one more sequence.
    case state
    /// Growing K/V caches exhaust the budget.
    case kvCache = "kv_cache"
    /// Growing prefill activations exhaust the budget.
    case activations
    /// Memory does not bind below the tool's own limit (`Limits.maxContextTokens` or `maxBatch`).
    case toolLimit = "tool_limit"
    /// Memory would hold more, but the model's own context limit (`max_position_embeddings`) binds.
    case modelContextLimit = "model_context_limit"

    /// What the constraint means, as a note under a report says it ("limited by kv_cache: ...").
    /// A new reason is one case here and one phrase.
    public var explanation: String {
        switch self {
        case .weights: "the weights (with the runtime reserve) alone exceed the budget"
        case .state: "the fixed per-sequence state of one more sequence exceeds the budget"
        case .kvCache: "the KV cache, growing with tokens and sequences, exceeds the budget"
        case .activations: "the prefill activations exceed the budget"
        case .toolLimit: "memory does not bind below the tool's own limit"
        case .modelContextLimit: "memory would hold more, but the model cannot attend past its own context limit (max_position_embeddings)"
        }
    }
}

public struct CapacityAnswer: Sendable, Hashable {
    /// The largest value that fits (tokens or sequences); for a context, at most the model's limit.
    public var value: Int
    /// The memory answer before the model's context limit is applied (nil when it is not the binding one).
    public var memoryValue: Int? = nil
    public var limitedBy: BindingConstraint
    public var budgetBytes: Int128
    /// Memory at `value`.
    public var usedBytes: Int128
    /// Memory at `value + 1` (nil when `value` is the tool's limit).
    public var nextBytes: Int128?

    /// At least one token (or sequence) fits.
    public var fits: Bool { value >= 1 }
}

/// Which memory a capacity query budgets.
public enum CapacityScope: String, Sendable, Hashable {
    /// The KV cache alone (`--kv-only`): the paper's "KV memory". The recurrent state of
    /// gated-retention layers is constant in context and reported beside it, not budgeted.
    case kvCacheOnly = "kv_cache"
    /// KV cache and recurrent state (`--kv-and-state`).
    case cacheAndState = "kv_cache+state"
    /// Weights, caches, activations and the runtime reserve.
    case everything = "total"
}

extension ModelSpec {
    private func bytes(_ m: MemoryBreakdown, _ scope: CapacityScope) -> Int128 {
        switch scope {
        case .kvCacheOnly: m.kvCacheBytes
        case .cacheAndState: m.cacheBytes
        case .everything: m.totalBytes
        }
    }

    /// Largest `x` in 0...limit with `cost(x) <= budget`; `cost` must be non-decreasing.
    static func largestFitting(limit: Int, budget: Int128, cost: (Int) -> Int128) -> Int {
        var lo = 0, hi = limit  // invariant: cost(lo) <= budget, or lo == 0
        if cost(limit) <= budget { return limit }
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            if cost(mid) <= budget { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Names the component that grows most between two breakdowns.
    static func grower(_ a: MemoryBreakdown, _ b: MemoryBreakdown, _ scope: CapacityScope) -> BindingConstraint {
        let kv = b.kvCacheBytes - a.kvCacheBytes
        let state = scope == .kvCacheOnly ? 0 : b.stateBytes - a.stateBytes
        let act = scope != .everything ? 0 : b.activationBytes - a.activationBytes
        if kv >= act && kv >= state && kv > 0 { return .kvCache }
        if act >= state && act > 0 { return .activations }
        return .state
    }

    /// The longest context T (prompt tokens, nothing generated) whose memory fits `budgetBytes`.
    public func maxContext(
        budgetBytes: Int128, batch: Int, dtypes: DTypePlan, scope: CapacityScope,
        prefillChunkTokens: Int? = nil, runtimeOverheadBytes: Int128 = 0
    ) -> CapacityAnswer {
        let overhead = scope != .everything ? 0 : runtimeOverheadBytes
        let at = { (t: Int) in
            self.memory(MemoryQuery(batch: batch, promptTokens: t, dtypes: dtypes,
                                    prefillChunkTokens: prefillChunkTokens, runtimeOverheadBytes: overhead))
        }
        let limit = Limits.maxContextTokens
        let t = Self.largestFitting(limit: limit, budget: budgetBytes) { self.bytes(at($0), scope) }
        if let model = maxPositionEmbeddings, model < t {
            // The model cannot attend past its own limit: report it beside the memory answer.
            return CapacityAnswer(value: model, memoryValue: t, limitedBy: .modelContextLimit, budgetBytes: budgetBytes,
                                  usedBytes: bytes(at(model), scope), nextBytes: bytes(at(model + 1), scope))
        }
        let used = bytes(at(t), scope)
        if t == limit {
            return CapacityAnswer(value: t, limitedBy: .toolLimit, budgetBytes: budgetBytes, usedBytes: used, nextBytes: nil)
        }
        let binding: BindingConstraint
        if t == 0 && scope == .everything && at(0).weightBytes + overhead > budgetBytes {
            binding = .weights
        } else if t == 0 && scope != .kvCacheOnly && self.bytes(at(0), scope) > budgetBytes {
            binding = .state
        } else {
            binding = Self.grower(at(t), at(t + 1), scope)
        }
        return CapacityAnswer(value: t, limitedBy: binding, budgetBytes: budgetBytes, usedBytes: used, nextBytes: bytes(at(t + 1), scope))
    }

    /// The largest batch whose memory at `promptTokens + generatedTokens` fits `budgetBytes`.
    public func maxBatch(
        budgetBytes: Int128, promptTokens: Int, generatedTokens: Int, dtypes: DTypePlan,
        scope: CapacityScope, prefillChunkTokens: Int? = nil, runtimeOverheadBytes: Int128 = 0
    ) -> CapacityAnswer {
        let overhead = scope != .everything ? 0 : runtimeOverheadBytes
        let at = { (b: Int) in
            self.memory(MemoryQuery(batch: b, promptTokens: promptTokens, generatedTokens: generatedTokens,
                                    dtypes: dtypes, prefillChunkTokens: prefillChunkTokens,
                                    runtimeOverheadBytes: overhead))
        }
        let limit = Limits.maxBatch
        let b = Self.largestFitting(limit: limit, budget: budgetBytes) { self.bytes(at($0), scope) }
        let used = bytes(at(b), scope)
        if b == limit {
            return CapacityAnswer(value: b, limitedBy: .toolLimit, budgetBytes: budgetBytes, usedBytes: used, nextBytes: nil)
        }
        let binding: BindingConstraint =
            (b == 0 && scope == .everything && at(0).weightBytes + overhead > budgetBytes)
            ? .weights : Self.grower(at(b), at(b + 1), scope)
        return CapacityAnswer(value: b, limitedBy: binding, budgetBytes: budgetBytes, usedBytes: used, nextBytes: bytes(at(b + 1), scope))
    }
}
