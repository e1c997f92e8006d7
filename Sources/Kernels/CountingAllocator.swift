// The counting allocator: every weight, cache, state and workspace buffer of a run comes from here,
// so the bytes held per class can be set beside the cost model's (BRIEF §3 "Memory", §5).
//
// Classes follow the cost model: weights, KV cache (full, windowed rings and YOCO's shared K̂/V̂),
// recurrent state (gRet S), and activations/workspace. Buffers are fp32; a buffer of n elements
// counts exactly 4n bytes (alignment padding is not counted: it is the allocator's, not the model's).

import Foundation

/// What a buffer holds, for accounting.
public enum MemoryClass: String, CaseIterable, Sendable, Hashable {
    case weights
    case kvCache = "kv_cache"
    case state
    case workspace
}

/// A counted fp32 buffer. It returns its bytes to its allocator's count when released.
/// Not Sendable: kernels pass `pointer` to worker threads through `SendablePointer`.
public final class Buffer {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int
    public let memoryClass: MemoryClass
    public let name: String
    private let allocator: CountingAllocator

    init(count: Int, memoryClass: MemoryClass, name: String, allocator: CountingAllocator) throws(KernelError) {
        // 64-byte alignment: one AVX-512 vector, one cache line.
        guard let raw = aligned_alloc(64, max(64, (count * 4 + 63) / 64 * 64)) else {
            throw .allocationFailed(what: name, bytes: count * 4)
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: count)
        self.count = count
        self.memoryClass = memoryClass
        self.name = name
        self.allocator = allocator
    }

    deinit {
        free(pointer)
        allocator.release(bytes: count * 4, memoryClass)
    }

    public var bytes: Int { count * 4 }
    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
    public func toArray() -> [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }
}

/// A pointer handed to worker threads; each worker writes a disjoint range (the caller's contract).
public struct SendablePointer: @unchecked Sendable {
    public let p: UnsafeMutablePointer<Float>
    public init(_ p: UnsafeMutablePointer<Float>) { self.p = p }
}

/// Counts live and peak bytes per class. Allocation happens on the thread that drives a run;
/// the lock makes the counts safe to read from another thread (a profiler publishing them).
public final class CountingAllocator: @unchecked Sendable {
    private let lock = NSLock()
    private var live: [MemoryClass: Int] = [:]
    private var peak: [MemoryClass: Int] = [:]
    private var peakTotal = 0

    public init() {}

    /// Allocates `count` zeroed floats counted under `memoryClass`.
    public func allocate(_ count: Int, _ memoryClass: MemoryClass, name: String) throws(KernelError) -> Buffer {
        guard count >= 0 else { throw .invalidShape(what: name, constraint: "element count must be >= 0", value: count) }
        guard count <= (Int.max - 63) / 4 else { throw .allocationFailed(what: name, bytes: .max) }
        let buffer = try Buffer(count: count, memoryClass: memoryClass, name: name, allocator: self)
        lock.lock(); defer { lock.unlock() }
        live[memoryClass, default: 0] += count * 4
        peak[memoryClass] = max(peak[memoryClass] ?? 0, live[memoryClass]!)
        peakTotal = max(peakTotal, live.values.reduce(0, +))
        return buffer
    }

    func release(bytes: Int, _ memoryClass: MemoryClass) {
        lock.lock(); defer { lock.unlock() }
        live[memoryClass, default: 0] -= bytes
    }

    /// Bytes held now in `memoryClass`.
    public func liveBytes(_ memoryClass: MemoryClass) -> Int {
        lock.lock(); defer { lock.unlock() }
        return live[memoryClass] ?? 0
    }

    /// The most bytes `memoryClass` has held at once.
    public func peakBytes(_ memoryClass: MemoryClass) -> Int {
        lock.lock(); defer { lock.unlock() }
        return peak[memoryClass] ?? 0
    }

    /// The most bytes held at once over all classes.
    public var peakTotalBytes: Int {
        lock.lock(); defer { lock.unlock() }
        return peakTotal
    }
}
