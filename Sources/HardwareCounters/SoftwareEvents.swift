// Software-defined events (PAPI SDE, sde_lib.h): counters this process publishes under the library
// name YOCOPROF and reads back through PAPI as `sde:::YOCOPROF::<COUNTER>`, like any other event.
//
// Mode: every counter is PAPI_SDE_RO | PAPI_SDE_DELTA, type PAPI_SDE_long_long. All of them are flows
// (running totals that only grow: FLOPs executed, bytes moved), so DELTA gives what a measurement
// wants directly — the amount added between PAPI_start and PAPI_stop — and counts added before a
// measurement do not leak into it. (INSTANT would return the running total.)
//
// The counters mirror the Kernels module's `WorkCounters` field for field; a profiler publishes a
// run's counters with `SDECounterBlock.shared.add(...)` (Kernels does not depend on this module).
// Storage: one block of 8-byte counters allocated once and never freed, because libsde keeps the
// addresses for the life of the process.

import CPAPI
#if canImport(Glibc)
import Glibc
#endif

public enum SoftwareCounter: String, CaseIterable, Hashable, Sendable {
    /// Executed matmul and matrix-vector FLOPs (one multiply-add = 2 FLOPs).
    case matmulFlops = "MATMUL_FLOPS"
    /// Executed element-wise FLOPs: norms, RoPE, softmax, gates, decays.
    case otherFlops = "OTHER_FLOPS"
    /// (query, key) pairs attention computed scores for, masked ones included.
    case attentionPairsExecuted = "ATTENTION_PAIRS_EXECUTED"
    /// (query, key) pairs a query can see after the causal/window mask.
    case attentionPairsUseful = "ATTENTION_PAIRS_USEFUL"
    case kvBytesWritten = "KV_BYTES_WRITTEN"
    case kvBytesRead = "KV_BYTES_READ"
    /// Recurrent (gated-retention) state bytes read and written.
    case stateBytesRead = "STATE_BYTES_READ"
    case stateBytesWritten = "STATE_BYTES_WRITTEN"
    /// Distinct experts a mixture-of-experts pass ran, summed over layers and passes.
    case expertsTouched = "EXPERTS_TOUCHED"

    /// The name PAPI resolves: `sde:::YOCOPROF::MATMUL_FLOPS`.
    public var papiEventName: String { "sde:::\(SoftwareEvents.libraryName)::\(rawValue)" }
}

public enum SoftwareEvents {
    public static let libraryName = "YOCOPROF"

    /// Every registered full PAPI name; `sde:::` names outside this set are refused.
    public static let registeredNames: Set<String> = Set(SoftwareCounter.allCases.map(\.papiEventName))
}

/// The process's SDE counter storage. Producers call `add`; PAPI reads the same memory.
public final class SDECounterBlock: @unchecked Sendable {
    // @unchecked: `storage` is written only through relaxed atomic adds (shim.h) and never freed.

    public static let shared = SDECounterBlock()

    private let storage: UnsafeMutablePointer<Int64>
    /// Why libsde registration failed, if it did; SDE events then read as unavailable with this.
    public let registrationFailure: String?

    private init() {
        let count = SoftwareCounter.allCases.count
        storage = UnsafeMutablePointer<Int64>.allocate(capacity: count)
        storage.initialize(repeating: 0, count: count)

        var failures: [String] = []
        // libsde keeps the name pointers it is given, so they must outlive the call: strdup'd
        // copies, never freed (a Swift String argument would be a temporary buffer).
        if let handle = papi_sde_init(strdup(SoftwareEvents.libraryName)) {
            for (i, counter) in SoftwareCounter.allCases.enumerated() {
                let rc = papi_sde_register_counter(
                    handle, strdup(counter.rawValue), yocoprof_sde_mode_ro_delta(), PAPI_SDE_long_long,
                    UnsafeMutableRawPointer(storage + i))
                if rc != SDE_OK {
                    failures.append("papi_sde_register_counter(\(counter.rawValue)) returned \(rc)")
                }
            }
        } else {
            failures.append("papi_sde_init(\(SoftwareEvents.libraryName)) returned no handle")
        }
        registrationFailure = failures.isEmpty ? nil : failures.joined(separator: "; ")
    }

    private func pointer(_ counter: SoftwareCounter) -> UnsafeMutablePointer<Int64> {
        storage + SoftwareCounter.allCases.firstIndex(of: counter)!
    }

    /// Adds `amount` to the counter (thread-safe).
    public func add(_ counter: SoftwareCounter, _ amount: Int64) {
        pointer(counter).withMemoryRebound(to: CLongLong.self, capacity: 1) {
            yocoprof_sde_add($0, CLongLong(amount))
        }
    }

    /// The running total since process start (PAPI reports deltas of this).
    public func total(_ counter: SoftwareCounter) -> Int64 {
        pointer(counter).withMemoryRebound(to: CLongLong.self, capacity: 1) {
            Int64(yocoprof_sde_load($0))
        }
    }
}
