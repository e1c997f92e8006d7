// Thin Swift entry points to OpenBLAS: the only file that spells cblas calls for products.
// Row-major throughout. `gemm` computes C[m, n] = alpha * op(A)[m, k] · op(B)[k, n] + beta * C.
// The library is opened at run time, on the first call here or at `load()` (OpenBLASLibrary.swift).

import Foundation

public enum BLAS {
    /// Opens OpenBLAS now if this process has not yet (OPENBLAS_CORETYPE settled first), or
    /// throws why it cannot be: `blasCoreUnrunnable`, `blasUnavailable`, `blasSymbolMissing`.
    /// Every command that runs the kernels calls it (through `BLASEnvironment.requireRunnable`)
    /// before any product; the analytic commands never do, so they never load the library.
    public static func load() throws(KernelError) { _ = try OpenBLASLibrary.loaded.get() }

    /// The file the loader mapped as OpenBLAS (opens it if needed); nil off Linux.
    public static var libraryPath: String? { OpenBLASLibrary.symbols.path }

    private static let rowMajor = OpenBLASLibrary.rowMajor
    private static func op(_ transposed: Bool) -> Int32 { transposed ? OpenBLASLibrary.trans : OpenBLASLibrary.noTrans }

    /// C[m, n] = alpha * op(A) op(B) + beta * C, row-major, with leading dimensions (row strides).
    @inline(__always)
    public static func gemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {  // cblas does not scale C when k == 0 on every build; do it explicitly
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        OpenBLASLibrary.symbols.sgemm(rowMajor, op(transA), op(transB), Int32(m), Int32(n), Int32(k),
                                      alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y[m] = alpha * op(A) x + beta * y, A row-major [rows, cols] with leading dimension lda.
    @inline(__always)
    public static func gemv(
        trans: Bool = false, rows: Int, cols: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
    ) {
        OpenBLASLibrary.symbols.sgemv(rowMajor, op(trans), Int32(rows), Int32(cols), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    /// A[rows, cols] += alpha * x yᵀ (rank-1 update), row-major with leading dimension lda.
    @inline(__always)
    public static func ger(
        rows: Int, cols: Int, alpha: Float = 1, x: UnsafePointer<Float>, y: UnsafePointer<Float>,
        a: UnsafeMutablePointer<Float>, lda: Int
    ) {
        OpenBLASLibrary.symbols.sger(rowMajor, Int32(rows), Int32(cols), alpha, x, 1, y, 1, a, Int32(lda))
    }

    /// OpenBLAS's process-wide thread count. Kernels that run their own workers do not set it
    /// around their parallel loops; they use `singleThreaded`, which never changes it while any
    /// such loop is running: a count set while a region is open takes effect when the last one
    /// leaves (the region keeps its 1 thread).
    public static var threads: Int {
        get { Int(OpenBLASLibrary.symbols.getNumThreads()) }
        set { SingleThreadedRegions.shared.setThreads(newValue) }
    }

    public static var coreName: String {
        guard let p = OpenBLASLibrary.symbols.getCorename() else { return "unknown" }
        return String(cString: p)
    }

    public static var config: String {
        guard let p = OpenBLASLibrary.symbols.getConfig() else { return "unknown" }
        return String(cString: p)
    }

    /// Runs `body` (a parallel loop whose workers call single-threaded products) with OpenBLAS on one
    /// thread. The count is a process-wide setting, and regions may overlap (concurrent kernels,
    /// parallel tests): the first region to enter sets 1, the last to leave restores the count it
    /// found, so no region ever sees it change while it runs.
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        SingleThreadedRegions.shared.enter()
        defer { SingleThreadedRegions.shared.leave() }
        return try body()
    }
}

/// The bookkeeping behind `BLAS.singleThreaded`: how many regions are open and the count to restore.
final class SingleThreadedRegions: @unchecked Sendable {
    static let shared = SingleThreadedRegions()
    private let lock = NSLock()
    private var open = 0
    private var restore = 1

    func enter() {
        lock.lock()
        defer { lock.unlock() }
        if open == 0 {
            restore = BLAS.threads
            if restore != 1 { OpenBLASLibrary.symbols.setNumThreads(1) }
        }
        open += 1
    }

    func leave() {
        lock.lock()
        defer { lock.unlock() }
        open -= 1
        if open == 0 && restore != 1 { OpenBLASLibrary.symbols.setNumThreads(Int32(restore)) }
    }

    /// `BLAS.threads = n`: applied now when no region is open, else remembered as the count the last
    /// region restores.
    func setThreads(_ n: Int) {
        lock.lock()
        defer { lock.unlock() }
        if open == 0 { OpenBLASLibrary.symbols.setNumThreads(Int32(n)) } else { restore = n }
    }

    /// Regions open now (tests).
    var openRegions: Int {
        lock.lock()
        defer { lock.unlock() }
        return open
    }
}
