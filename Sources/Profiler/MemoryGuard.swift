// The safety rule (issue 5 §4): a run whose predicted memory — weights + caches + workspace, from
// Kernels' MemoryPlan, the same tables the allocation code uses — is more than `fraction` of the
// memory available now (MemAvailable) is refused before anything is allocated, with the
// prediction and the limit in the message.

import Kernels

public struct MemoryGuard: Sendable, Hashable {
    /// The default share of MemAvailable a run may plan to use.
    public static let defaultFraction = 0.8

    /// Share of MemAvailable a run may plan to use, in (0, 1].
    public let fraction: Double

    /// The default rule: 0.8 of MemAvailable.
    public static let standard = MemoryGuard(checked: defaultFraction)

    private init(checked fraction: Double) { self.fraction = fraction }

    public init(fraction: Double = MemoryGuard.defaultFraction) throws(ProfilerError) {
        guard fraction > 0 && fraction <= 1 else {
            throw .invalidRequest(what: "memory fraction", constraint: "must be in (0, 1]", value: "\(fraction)")
        }
        self.fraction = fraction
    }

    /// The largest planned total allowed when `availableBytes` are available.
    public func limitBytes(availableBytes: Int) -> Int { Int(Double(availableBytes) * fraction) }

    /// Throws `exceedsMemoryLimit` when `plan.totalBytes` is above the limit (nothing is allocated
    /// here: call it before the weights and caches exist).
    public func check(_ plan: MemoryPlan, what: String, availableBytes: Int? = SystemMemory.availableBytes()) throws(ProfilerError) {
        guard let available = availableBytes else { throw .availableMemoryUnknown(what: what) }
        let limit = limitBytes(availableBytes: available)
        if plan.totalBytes > limit {
            throw .exceedsMemoryLimit(what: what, predictedBytes: plan.totalBytes, limitBytes: limit,
                                      availableBytes: available, fraction: fraction)
        }
    }
}
