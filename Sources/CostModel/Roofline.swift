// The latency model: a roofline per operator (BRIEF §3, "Latency model").
//
//   seconds(op) = count * ( max( executed FLOPs / (peak[compute dtype] * compute efficiency),
//                                bytes moved    / (bandwidth * memory efficiency) )
//                           + operator overhead )
//
// `count` is the number of identical instances (layers of one kind). Matrix-product and element-wise
// FLOPs share one peak: element-wise work is a few percent of any operator here, and folding it
// into the matmul rate keeps the model one-parameter-per-resource. Operators are assumed not to
// overlap one another (no concurrent kernels); inside one operator compute and memory traffic
// overlap perfectly (the max).

/// One operator's work: FLOPs and bytes per instance, and how many identical instances run.
public struct OperatorCost: Sendable, Hashable {
    /// snake_case, `<layer kind>.<part>` (e.g. `gret.core`, `cross.projections`, `head`).
    public var name: String
    /// Identical instances per pass (layers of this kind).
    public var count: Int
    /// Algorithmic FLOPs per instance (useful attention pairs).
    public var flops: FlopCount
    /// FLOPs the kernel executes per instance (whole attention tiles); the latency model uses these.
    public var executedFlops: FlopCount
    /// Bytes moved to and from memory per instance: weights, activations in and out, cache traffic.
    public var bytes: Int128

    public init(name: String, count: Int = 1, flops: FlopCount, executedFlops: FlopCount? = nil, bytes: Int128) {
        self.name = name
        self.count = count
        self.flops = flops
        self.executedFlops = executedFlops ?? flops
        self.bytes = bytes
    }
}

/// A pass (a prefill, or one decode step) as a list of operators, with totals.
public struct PhaseCost: Sendable, Hashable {
    public var operators: [OperatorCost]
    /// Useful query-key pairs summed over layers, heads and sequences.
    public var usefulAttentionPairs: Int128
    /// Executed query-key pairs summed over layers, heads and sequences.
    public var executedAttentionPairs: Int128

    public init(operators: [OperatorCost], usefulAttentionPairs: Int128 = 0, executedAttentionPairs: Int128 = 0) {
        self.operators = operators
        self.usefulAttentionPairs = usefulAttentionPairs
        self.executedAttentionPairs = executedAttentionPairs
    }

    public var flops: FlopCount { operators.reduce(.zero) { $0 + $1.count * $1.flops } }
    public var executedFlops: FlopCount { operators.reduce(.zero) { $0 + $1.count * $1.executedFlops } }
    public var bytes: Int128 { operators.reduce(0) { $0 + Int128($1.count) * $1.bytes } }
    public var operatorLaunches: Int { operators.reduce(0) { $0 + $1.count } }
}

/// Errors of the compute and time model. Messages name the thing, the constraint and the value.
public enum CostModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The hardware profile has no peak for the dtype the computation runs in.
    case missingPeakFlops(hardware: String, dtype: DType, available: [DType])
    /// The requested batch (or, for `max`, even one sequence) does not fit in memory.
    case batchDoesNotFit(requested: Int?, maxBatch: Int, limitedBy: BindingConstraint, requiredBytes: Int128, budgetBytes: Int128)
    /// A query value outside the accepted range (field names are the command-line options).
    case invalidQuery(SpecError)
    /// A model or hardware spec that does not validate.
    case invalidSpec(id: String, SpecError)

    public var description: String {
        switch self {
        case let .missingPeakFlops(hardware, dtype, available):
            let names = available.map(\.rawValue).sorted().joined(separator: ", ")
            return "hardware `\(hardware)` has no `peak_flops_per_second.\(dtype.rawValue)`; it lists: \(names.isEmpty ? "none" : names)"
        case let .batchDoesNotFit(requested, maxBatch, limitedBy, required, budget):
            let what = requested.map { "batch \($0)" } ?? "one sequence"
            return "\(what) does not fit: needs \(required) bytes of \(budget) available; the largest batch that fits is \(maxBatch), limited by \(limitedBy.rawValue)"
        case let .invalidQuery(e):
            return e.description
        case let .invalidSpec(id, e):
            return "\(id): \(e.description)"
        }
    }
}

/// Which efficiency an operator runs at. Products with weights (projections, FFN, head) run near
/// the device's GEMM efficiency; the attention and retention cores are built from small tiles and
/// softmax or decay passes and may reach less, so a profile can state their efficiency apart.
public enum OperatorClass: String, CaseIterable, Sendable, Hashable, Codable {
    /// Projections, output, FFN, K̂/V̂ projection, embedding and head: `compute_efficiency`.
    case dense
    /// Attention, sliding-window and cross-attention cores (QKᵀ, softmax, PV).
    case attentionCore = "attention_core"
    /// Gated-retention cores (chunkwise prefill, recurrent decode).
    case retentionCore = "retention_core"
}

extension OperatorCost {
    /// The class named by the operator's name: `<kind>.core` is a core, `gret.core` a retention core.
    public var operatorClass: OperatorClass {
        guard name.hasSuffix(".core") else { return .dense }
        return name.hasPrefix("gret") ? .retentionCore : .attentionCore
    }
}

/// The effective rates of one device for one compute dtype.
public struct RooflineRates: Sendable, Hashable {
    /// peak[compute dtype] * compute efficiency, FLOP/s (dense operators).
    public var flopsPerSecond: Double
    /// peak * the class's own efficiency, for classes the profile states apart.
    public var classFlopsPerSecond: [OperatorClass: Double] = [:]
    /// bandwidth * the class's own memory efficiency, for classes the profile states apart.
    public var classBytesPerSecond: [OperatorClass: Double] = [:]
    /// bandwidth * memory efficiency, bytes/s.
    public var bytesPerSecond: Double
    /// Fixed cost per operator instance, seconds.
    public var overheadSeconds: Double

    public init(flopsPerSecond: Double, bytesPerSecond: Double, overheadSeconds: Double) {
        self.flopsPerSecond = flopsPerSecond
        self.bytesPerSecond = bytesPerSecond
        self.overheadSeconds = overheadSeconds
    }

    /// Rates of `hardware` computing in `dtype`; a profile without that dtype is an error.
    public init(hardware: HardwareSpec, computeDType dtype: DType) throws(CostModelError) {
        guard let peak = hardware.peakFlopsPerSecond[dtype] else {
            throw .missingPeakFlops(hardware: hardware.id, dtype: dtype, available: Array(hardware.peakFlopsPerSecond.keys))
        }
        self.init(
            flopsPerSecond: peak * hardware.computeEfficiency,
            bytesPerSecond: hardware.memoryBandwidthBytesPerSecond * hardware.memoryEfficiency,
            overheadSeconds: hardware.operatorOverheadSeconds)
        classFlopsPerSecond = hardware.operatorEfficiency.mapValues { peak * $0 }
        classBytesPerSecond = hardware.operatorMemoryEfficiency.mapValues { hardware.memoryBandwidthBytesPerSecond * $0 }
    }

    /// The memory rate of an operator's class.
    public func bytesPerSecond(for op: OperatorCost) -> Double {
        classBytesPerSecond[op.operatorClass] ?? bytesPerSecond
    }

    /// The arithmetic rate of an operator's class.
    public func flopsPerSecond(for op: OperatorCost) -> Double {
        classFlopsPerSecond[op.operatorClass] ?? flopsPerSecond
    }

    /// One instance: max(flops / rate, bytes / bandwidth) + overhead.
    public func seconds(flops: Double, bytes: Double, flopsPerSecond rate: Double? = nil, bytesPerSecond bw: Double? = nil) -> Double {
        max(flops / (rate ?? flopsPerSecond), bytes / (bw ?? bytesPerSecond)) + overheadSeconds
    }

    /// All instances of an operator (executed FLOPs, at its class's rate).
    public func seconds(_ op: OperatorCost) -> Double {
        Double(op.count) * seconds(flops: op.executedFlops.totalDouble, bytes: op.bytes.fastDouble,
                                   flopsPerSecond: flopsPerSecond(for: op), bytesPerSecond: bytesPerSecond(for: op))
    }

    /// A whole pass.
    public func seconds(_ phase: PhaseCost) -> Double {
        phase.operators.reduce(0) { $0 + seconds($1) }
    }

    /// True when the operator is limited by memory traffic rather than arithmetic.
    public func isMemoryBound(_ op: OperatorCost) -> Bool {
        op.bytes.fastDouble / bytesPerSecond(for: op) > op.executedFlops.totalDouble / flopsPerSecond(for: op)
    }
}
