// Wall time the kernels spend in each operator of the cost model (issue 14 §1), keyed by the cost
// model's own typed `OperatorID` (Roofline.swift), so a measured operator and a predicted one join
// by id, never by name.
//
// How it is kept cheap: a forward call reads a monotonic clock (clock_gettime, a vDSO call of some
// tens of ns) once at each operator boundary ("laps": one read ends one step and starts the next)
// and adds the difference into a flat array of nanoseconds indexed by a precomputed slot (run,
// part, step): no hashing, no allocation inside the layer loop. The dictionary view is built only
// when it is read (`ModelRun.operatorTimes`). A model-level operator (embedding, K̂/V̂ projection,
// head) is a pseudo-run after the real ones.
//
// Which kernel work each cost-model operator holds (the same split as Prefill.swift's formulas):
//   <run>.projections  the mixer's RMSNorm (step norm), its products (products), RoPE on q and k
//                      with its table (rope), gRet's decay and k scale (elementwise), the K/V
//                      append to its own cache slot (cache_write)
//   <run>.core         QKᵀ/softmax/PV over the workspace keys (core) or, in decode, over the cache
//                      (cache_read: the step reads every held K/V position); gRet's chunkwise or
//                      recurrent retention (core) with its per-head norm (norm) and swish gate
//                      (elementwise)
//   <run>.output       WO with the residual add
//   <run>.ffn          its RMSNorm (norm) and SwiGLU or experts (products)
//   kv_projection      norm, K̂/V̂ products, RoPE on K̂, cache write (YOCO); the early exit's
//                      gather of the last positions (gather)
//   embedding          the lookup and sqrt(d) scale (gather)
//   head               gather of the last positions and the final RMSNorm (norm), logits (products)

import CostModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The step inside one cost-model operator that a time was spent in.
public enum OperatorStep: String, CaseIterable, Sendable, Hashable {
    case norm
    case products
    case rope
    /// Element-wise work folded into an operator: gRet's decay and k scale (projections), its
    /// swish gate (core).
    case elementwise
    case cacheWrite = "cache_write"
    case core
    case cacheRead = "cache_read"
    /// Row copies: the embedding lookup, the early exit's and the head's gather of last positions.
    case gather
}

/// Seconds spent per cost-model operator (and per step inside it), summed over the passes timed.
public struct OperatorTimes: Sendable, Hashable {
    /// Seconds per operator, all its instances (layers of the run) and steps together.
    public private(set) var seconds: [OperatorID: Double] = [:]
    /// Seconds per (operator, step).
    public private(set) var stepSeconds: [OperatorID: [OperatorStep: Double]] = [:]
    /// Operators in the order the forward pass first ran them.
    public private(set) var order: [OperatorID] = []

    public init() {}

    public mutating func add(_ id: OperatorID, _ step: OperatorStep, seconds s: Double) {
        if seconds[id] == nil { order.append(id) }
        seconds[id, default: 0] += s
        stepSeconds[id, default: [:]][step, default: 0] += s
    }

    /// Every operator's seconds together (the timed part of the passes).
    public var totalSeconds: Double { order.reduce(0) { $0 + seconds[$1]! } }

    /// The same times multiplied by `f` (1/G: per decode step).
    public func scaled(by f: Double) -> OperatorTimes {
        var out = OperatorTimes()
        for id in order {
            for step in OperatorStep.allCases { if let s = stepSeconds[id]?[step] { out.add(id, step, seconds: s * f) } }
        }
        return out
    }

    public static func += (a: inout OperatorTimes, b: OperatorTimes) {
        for id in b.order {
            for step in OperatorStep.allCases { if let s = b.stepSeconds[id]?[step] { a.add(id, step, seconds: s) } }
        }
    }

    /// The median over repeats of each (operator, step); an operator's seconds are the sum of its
    /// steps' medians. Operators in the first repeat's order.
    public static func median(_ repeats: [OperatorTimes]) -> OperatorTimes {
        var out = OperatorTimes()
        guard let first = repeats.first else { return out }
        func median(_ v: [Double]) -> Double {
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        for id in first.order {
            for step in OperatorStep.allCases {
                let v = repeats.compactMap { $0.stepSeconds[id]?[step] }
                if !v.isEmpty { out.add(id, step, seconds: median(v)) }
            }
        }
        return out
    }
}

/// Monotonic nanoseconds (CLOCK_MONOTONIC).
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// The flat slot table of one model: (run or pseudo-run, part, step) -> index.
struct OperatorSlots {
    /// Parts of a run, in slot order.
    enum Part: Int, CaseIterable { case projections, core, output, ffn }
    static let steps = OperatorStep.allCases.count
    static let perRun = Part.allCases.count * steps
    let runs: Int
    /// Index of the pseudo-runs of model-level operators.
    var embeddingRun: Int { runs }
    var kvProjectionRun: Int { runs + 1 }
    var headRun: Int { runs + 2 }
    var count: Int { (runs + 3) * Self.perRun }
    /// Run index of each layer.
    let runOfLayer: [Int]
    let ids: [OperatorID?]

    init(_ spec: ModelSpec) {
        runs = spec.runs.count
        runOfLayer = spec.runs.enumerated().flatMap { r, run in Array(repeating: r, count: run.count) }
        var ids = [OperatorID?](repeating: nil, count: (spec.runs.count + 3) * Self.perRun)
        for (r, run) in spec.runs.enumerated() {
            let label = spec.operatorLabel(run: r)
            let core: OperatorPart
            switch run.block.mixer {
            case .attention(let a): core = .attentionCore(windowed: a.span != .full)
            case .gatedRetention: core = .retentionCore
            case .fixedState, .latentAttention, .identity: core = .stateCore  // never run by the kernels
            }
            for (p, part) in [(Part.projections, OperatorPart.projections), (.core, core), (.output, .output), (.ffn, .ffn)] {
                for s in 0..<Self.steps { ids[(r * Self.perRun) + p.rawValue * Self.steps + s] = OperatorID(run: r, label: label, part: part) }
            }
        }
        for (r, part) in [(runs, OperatorPart.embedding), (runs + 1, .kvProjection), (runs + 2, .head)] {
            for s in 0..<Self.steps { ids[r * Self.perRun + s] = OperatorID(part: part) }
        }
        self.ids = ids
    }

    @inline(__always)
    func slot(run r: Int, _ part: Part, _ step: OperatorStep) -> Int {
        r * Self.perRun + part.rawValue * Self.steps + Self.stepIndex(step)
    }

    @inline(__always)
    static func stepIndex(_ s: OperatorStep) -> Int {
        switch s {
        case .norm: 0
        case .products: 1
        case .rope: 2
        case .elementwise: 3
        case .cacheWrite: 4
        case .core: 5
        case .cacheRead: 6
        case .gather: 7
        }
    }

    /// The dictionary view of accumulated nanoseconds.
    func times(_ nanos: UnsafePointer<UInt64>) -> OperatorTimes {
        var out = OperatorTimes()
        for i in 0..<count where nanos[i] > 0 {
            out.add(ids[i]!, OperatorStep.allCases[i % Self.steps], seconds: Double(nanos[i]) * 1e-9)
        }
        return out
    }
}

/// The lap clock of one forward call: each `lap` charges the time since the previous one to a slot.
struct OperatorClock {
    /// nil when timing is off: every lap is then a test and a branch.
    let nanos: UnsafeMutablePointer<UInt64>?
    let slots: OperatorSlots
    var last: UInt64

    init(nanos: UnsafeMutablePointer<UInt64>?, slots: OperatorSlots) {
        self.nanos = nanos
        self.slots = slots
        last = nanos == nil ? 0 : monotonicNanoseconds()
    }

    /// Ends the current step of layer `layer`'s `part`.
    @inline(__always)
    mutating func lap(layer: Int, _ part: OperatorSlots.Part, _ step: OperatorStep) {
        guard nanos != nil else { return }
        charge(slots.slot(run: slots.runOfLayer[layer], part, step))
    }

    /// Ends the current step of a model-level operator (pseudo-run).
    @inline(__always)
    mutating func lap(model run: Int, _ step: OperatorStep) {
        guard nanos != nil else { return }
        charge(slots.slot(run: run, .projections, step))
    }

    @inline(__always)
    private mutating func charge(_ slot: Int) {
        let now = monotonicNanoseconds()
        nanos![slot] &+= now &- last
        last = now
    }
}
