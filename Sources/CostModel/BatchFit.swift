// Whether a configuration fits its memory budget: one answer shared by `estimate`, `sweep`,
// `capacity` and `memory --hardware`. A point that does not fit is a result, not an error: it keeps
// every figure that does not depend on running it (memory, FLOPs, bytes moved), and leaves out the
// times, which would describe a run that cannot happen.

/// The batch question of an estimate, answered: does the batch fit, and what binds.
public struct BatchFit: Sendable, Hashable {
    /// True when the batch the figures describe fits the budget.
    public var fits: Bool
    /// The batch the figures describe: the requested one, the largest that fits for `max`, or 1
    /// (the smallest possible) when not even one sequence fits.
    public var batch: Int
    /// The largest batch that fits (0 when not even one sequence does).
    public var maxBatch: Int
    /// What stops a batch of `maxBatch + 1`.
    public var limitedBy: BindingConstraint
    /// Memory at `batch`, runtime reserve included.
    public var requiredBytes: Int128
    /// The device's capacity.
    public var budgetBytes: Int128

    public init(fits: Bool, batch: Int, maxBatch: Int, limitedBy: BindingConstraint, requiredBytes: Int128, budgetBytes: Int128) {
        self.fits = fits
        self.batch = batch
        self.maxBatch = maxBatch
        self.limitedBy = limitedBy
        self.requiredBytes = requiredBytes
        self.budgetBytes = budgetBytes
    }
}

/// The figures an estimate has whether or not its batch fits (all but the times).
public protocol EstimateFigures: Sendable {
    var modelID: String { get }
    var hardwareID: String { get }
    var promptTokens: Int { get }
    var generatedTokens: Int { get }
    var batchIsMax: Bool { get }
    var fit: BatchFit { get }
    var computeDType: DType { get }
    var prefill: PhaseCost { get }
    var firstDecodeStep: PhaseCost { get }
    var decodeFlops: FlopCount { get }
    var memory: MemoryBreakdown { get }
}

extension Estimate: EstimateFigures {}

/// A point whose batch does not fit: the figures that do not depend on running it.
public struct UnfitEstimate: EstimateFigures, Hashable {
    public var modelID: String
    public var hardwareID: String
    public var promptTokens: Int
    public var generatedTokens: Int
    public var batchIsMax: Bool
    public var fit: BatchFit
    public var computeDType: DType
    /// The prefill of `fit.batch` prompts (what it would execute).
    public var prefill: PhaseCost
    /// The first decode step (context N+1) at `fit.batch`.
    public var firstDecodeStep: PhaseCost
    /// All G decode steps at `fit.batch`.
    public var decodeFlops: FlopCount
    /// Memory at `fit.batch`: what the point needs.
    public var memory: MemoryBreakdown
}

/// An estimate, or the figures of a point that does not fit.
public enum EstimateOutcome: Sendable, Hashable {
    case fits(Estimate)
    case doesNotFit(UnfitEstimate)

    public var fit: BatchFit { figures.fit }

    public var figures: any EstimateFigures {
        switch self {
        case .fits(let e): e
        case .doesNotFit(let u): u
        }
    }

    /// The estimate when the batch fits.
    public var estimate: Estimate? {
        if case .fits(let e) = self { return e }
        return nil
    }
}
