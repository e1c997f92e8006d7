// Executed-work counters a run accumulates (a later issue publishes them as PAPI software-defined
// events). They count what the kernels *executed*, not what is useful: tiled attention counts every
// (query, key) pair of every tile it ran, masked or not (formula in CausalAttention.swift).
//
// FLOPs: one multiply-add is 2 FLOPs (BRIEF §3). Matmul FLOPs are every matrix or matrix-vector
// product (projections, QKᵀ, PV, gRet state products, output head). Other FLOPs are norms, RoPE,
// softmax, gates and decays, counted per element with the per-kernel constants stated in each file.
// Int64 holds every count a host-sized run can produce (a 16K prefill of a host model is ~1e12).

public struct WorkCounters: Sendable, Hashable {
    public var matmulFlops: Int64 = 0
    public var otherFlops: Int64 = 0
    /// (query, key) pairs the attention kernels computed scores for (all tiles, masked included).
    public var attentionPairsExecuted: Int64 = 0
    /// Pairs a query can see (causal and window mask applied): the useful part of the above.
    public var attentionPairsUseful: Int64 = 0
    public var kvBytesWritten: Int64 = 0
    public var kvBytesRead: Int64 = 0
    public var stateBytesRead: Int64 = 0
    public var stateBytesWritten: Int64 = 0
    /// Distinct experts a mixture-of-experts pass ran (summed over layers and passes).
    public var expertsTouched: Int64 = 0

    public init() {}

    public static func += (a: inout WorkCounters, b: WorkCounters) {
        a.matmulFlops += b.matmulFlops
        a.otherFlops += b.otherFlops
        a.attentionPairsExecuted += b.attentionPairsExecuted
        a.attentionPairsUseful += b.attentionPairsUseful
        a.kvBytesWritten += b.kvBytesWritten
        a.kvBytesRead += b.kvBytesRead
        a.stateBytesRead += b.stateBytesRead
        a.stateBytesWritten += b.stateBytesWritten
        a.expertsTouched += b.expertsTouched
    }
}
