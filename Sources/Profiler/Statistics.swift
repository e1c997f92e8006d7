// Repeated measurements and their spread. Timings on these VMs are noisy (BRIEF §5: ±30%), so every
// figure the profiler reports is the median of several runs, with the min and max beside it.

/// Median, min and max of repeated samples (all in the same unit).
public struct Spread: Sendable, Hashable, CustomStringConvertible {
    public var median: Double
    public var min: Double
    public var max: Double
    public var samples: Int

    /// `values` must not be empty. The median of an even count is the mean of the middle two.
    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "a spread needs at least one sample")
        let s = values.sorted()
        samples = s.count
        min = s.first!
        max = s.last!
        median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    public init(median: Double, min: Double, max: Double, samples: Int) {
        self.median = median
        self.min = min
        self.max = max
        self.samples = samples
    }


    /// The same spread of the reciprocal quantity (seconds <-> rate): min and max swap.
    public func map(_ f: (Double) -> Double) -> Spread {
        let a = f(min), b = f(max)
        return Spread(median: f(median), min: Swift.min(a, b), max: Swift.max(a, b), samples: samples)
    }

    public var description: String { "\(median) [\(min), \(max)] over \(samples)" }
}

/// Wall-clock seconds of `work` (monotonic clock).
@inline(__always)
func timed(_ work: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let begin = clock.now
    try work()
    let d = begin.duration(to: clock.now)
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
