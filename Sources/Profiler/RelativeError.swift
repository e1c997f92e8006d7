// The relative error of every validation suite: the default suite (kernels run on this host,
// Validation.swift) and the published-measurements suite (PublishedSuite.swift) use this one
// definition, stated in docs/VALIDATION.md.
//
//   error = (measured - predicted) / predicted      in the metric's own unit (a time or a rate)
//
// Positive: the measured value is above the prediction (for a time, the run was slower than
// predicted; for a rate, faster). nil when the prediction is 0.

public enum RelativeError {
    public static func of(measured: Double, predicted: Double) -> Double? {
        predicted != 0 ? (measured - predicted) / predicted : nil
    }
}
