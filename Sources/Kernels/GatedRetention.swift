// Gated retention (YOCO self-decoder, BRIEF §2) in its three equivalent forms.
//
// Shapes (row-major):
//   q, k, v   [B, T, hR, dR]   k already scaled by dR^-0.5, q and k already rotated (RoPE)
//   logDecay  [B, T, hR]       log γ_n = log(sigmoid(x Wγ)) / τ  (τ = 16)
//   out       [B, T, hR, dR]
//   state     [B, hR, dR, dR]  S, read as the state before token 0 and left as the state after T-1
// Forms:
//   parallel   O = (Q Kᵀ ⊙ D) V,  D[n, m] = ∏_{i=m+1..n} γ_i (n >= m), else 0   (+ the decayed S0 term)
//   recurrent  S_n = γ_n S_{n-1} + k_nᵀ v_n,  o_n = q_n S_n
//   chunkwise  chunks of C tokens: with a_j = Σ_{i<=j in chunk} log γ_i,
//              O_c = (Q_c K_cᵀ ⊙ exp(a_n - a_m)[n>=m]) V_c + diag(exp(a)) Q_c S
//              S  <- exp(a_last) S + (K_c ⊙ exp(a_last - a))ᵀ V_c
// Executed work per (b, head):
//   chunkwise, per chunk of n tokens: matmul 4 n² dR + 2 n dR² (KᵀV) + 2 n dR² (Q S) ;
//              other 2 n² (decay mask) + n dR (K decay) + n (cumsum) + n dR + dR² (Q decay, S decay);
//              with `initialStateIsZero` (a prefill from an empty cache) the first chunk skips
//              Q S, the Q decay and the S decay (S is zero), as the cost model counts.
//   recurrent, per token:             matmul 4 dR² (rank-1 update and q S) ; other dR²
// State bytes: the recurrent form reads and writes S once per token; the chunkwise form once
// per chunk (counted in stateBytesRead / stateBytesWritten).
// Speed: the chunkwise form runs (batch, head) pairs over `workers` (BLAS 1 thread inside), the
// decay mask and row scalings in CKernels (AVX-512, AVX2 or portable, chosen at run time); each pair is one
// worker's, chunk after chunk, so results do not depend on the worker count. On the AVX2 path the
// intra-chunk (Q Kᵀ ⊙ D) V runs without BLAS (CKernels' yc_retention_intra: the same products,
// every key of the chunk, so the same FLOPs), and so do Q·S and the state update Kᵀ V
// (yc_retention_inter: the same products).

import CKernels
import Dispatch

public struct RetentionShape: Sendable, Hashable {
    public var batch: Int
    public var tokens: Int
    public var heads: Int
    public var headDim: Int
    public init(batch: Int, tokens: Int, heads: Int, headDim: Int) {
        self.batch = batch
        self.tokens = tokens
        self.heads = heads
        self.headDim = headDim
    }
    var rowStride: Int { heads * headDim }
    var batchStride: Int { tokens * rowStride }
    var stateFloats: Int { headDim * headDim }
}

public enum GatedRetention {
    /// τ in γ = sigmoid(x Wγ)^(1/τ) (the reference code's gate normaliser).
    public static let decayTemperature: Float = 16

    /// Workers over (batch, head) in the chunkwise form, BLAS single-threaded inside them when > 1
    /// (the chunk products are too small for OpenBLAS's threading; docs/KERNELS.md): one per core
    /// this process may use (UsableCores).
    public static let defaultWorkers = UsableCores.count

    /// Scratch floats the chunkwise form needs for chunk size `chunk` and `workers` workers.
    public static func chunkScratchFloats(chunk: Int, headDim: Int, workers: Int = defaultWorkers) -> Int {
        max(1, workers) * (chunk * chunk + 2 * chunk * headDim + chunk)
    }

    /// Chunkwise form (the prefill kernel). `scratch` holds `chunkScratchFloats(chunk:headDim:workers:)`.
    /// Each (b, head) is computed by one worker in the same order whatever the worker count, so the
    /// results are bit-identical for any `workers`.
    public static func chunkwise(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, logDecay: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>, state: UnsafeMutablePointer<Float>, shape s: RetentionShape, chunk: Int,
        initialStateIsZero: Bool = false, workers requested: Int = defaultWorkers,
        scratch: UnsafeMutablePointer<Float>, counters c: inout WorkCounters
    ) {
        let units = s.batch * s.heads
        let workers = max(1, min(requested, units))
        let perWorker = chunkScratchFloats(chunk: chunk, headDim: s.headDim, workers: 1)
        let P = (q: SendableConstPointer(q), k: SendableConstPointer(k), v: SendableConstPointer(v),
                 ld: SendableConstPointer(logDecay), out: SendablePointer(out), state: SendablePointer(state),
                 scratch: SendablePointer(scratch))
        @Sendable func work(_ w: Int, _ c: inout WorkCounters) {
            var u = w
            while u < units {
                chunkwiseHead(q: P.q.p, k: P.k.p, v: P.v.p, logDecay: P.ld.p, out: P.out.p, state: P.state.p, shape: s,
                              chunk: chunk, b: u / s.heads, h: u % s.heads, initialStateIsZero: initialStateIsZero,
                              scratch: P.scratch.p + w * perWorker, counters: &c)
                u += workers
            }
        }
        if workers == 1 {
            work(0, &c)
            return
        }
        let box = ResultBox([WorkCounters](repeating: WorkCounters(), count: workers))
        BLAS.singleThreaded {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var wc = WorkCounters()
                work(w, &wc)
                box.set(w, wc)
            }
        }
        for r in box.values { c += r }
    }

    /// One (b, head) of the chunkwise form, chunk after chunk.
    static func chunkwiseHead(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, logDecay: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>, state: UnsafeMutablePointer<Float>, shape s: RetentionShape, chunk: Int,
        b: Int, h: Int, initialStateIsZero: Bool, scratch: UnsafeMutablePointer<Float>, counters c: inout WorkCounters
    ) {
        let dR = s.headDim, ld = s.rowStride
        let scores = scratch
        let qs = scores + chunk * chunk
        let ks = qs + chunk * dR
        let a = ks + chunk * dR
        let S = state + (b * s.heads + h) * s.stateFloats
        var t0 = 0
        while t0 < s.tokens {
            let n = min(chunk, s.tokens - t0)
            let off = b * s.batchStride + t0 * ld + h * dR
            let qc = q + off, kc = k + off, vc = v + off, oc = out + off
            var cum: Float = 0
            for j in 0..<n {
                cum += logDecay[(b * s.tokens + t0 + j) * s.heads + h]
                a[j] = cum
            }
            // intra-chunk: (Q Kᵀ ⊙ D) V, the decay mask D applied in one SIMD pass (CKernels); on the
            // AVX2 path the same products without BLAS, in the scratch before `a`
            if fusedIntraChunk(tokens: n, chunk: chunk, headDim: dR) {
                _ = yc_retention_intra(qc, kc, vc, ld, n, dR, a, oc, ld, scratch)
            } else {
                BLAS.gemm(transB: true, m: n, n: n, k: dR, a: qc, lda: ld, b: kc, ldb: ld, c: scores, ldc: n)
                yc_decay_mask(scores, n, n, a)
                BLAS.gemm(m: n, n: dR, k: n, a: scores, lda: n, b: vc, ldb: ld, c: oc, ldc: ld)
            }
            // inter-chunk: diag(exp(a)) Q S (skipped while S is known to be zero), then the state:
            // S <- exp(a_last) S + (K ⊙ exp(a_last - a))ᵀ V; on the AVX2 path both without BLAS
            let hasState = !(initialStateIsZero && t0 == 0)
            if fusedInterChunk(tokens: n, chunk: chunk, headDim: dR) {
                _ = yc_retention_inter(qc, kc, vc, ld, n, dR, a, hasState ? 1 : 0, S, oc, ld, scratch)
            } else {
                if hasState {
                    yc_scale_rows_exp(qs, dR, qc, ld, a, 0, 1, n, dR)
                    BLAS.gemm(m: n, n: dR, k: dR, a: qs, lda: dR, b: S, ldb: dR, beta: 1, c: oc, ldc: ld)
                }
                let last = a[n - 1]
                yc_scale_rows_exp(ks, dR, kc, ld, a, last, -1, n, dR)
                if hasState { FastMath.scale(S, count: s.stateFloats, by: exp1(last)) }
                BLAS.gemm(transA: true, m: dR, n: dR, k: n, a: ks, lda: dR, b: vc, ldb: ld, beta: hasState ? 1 : 0, c: S, ldc: dR)
            }
            let nn = Int64(n), d = Int64(dR)
            c.matmulFlops += 4 * nn * nn * d + 2 * nn * d * d + (hasState ? 2 * nn * d * d : 0)
            c.otherFlops += 2 * nn * nn + nn * d + nn + (hasState ? nn * d + d * d : 0)
            if hasState { c.stateBytesRead += Int64(s.stateFloats * 4) }
            c.stateBytesWritten += Int64(s.stateFloats * 4)
            t0 += n
        }
    }

    /// Whether a chunk of `tokens` tokens runs CKernels' BLAS-free intra-chunk product on this
    /// thread's SIMD path (AVX2, headDim a multiple of 8) within the worker scratch ahead of `a`
    /// (chunk² + 2 chunk headDim floats).
    static func fusedIntraChunk(tokens: Int, chunk: Int, headDim: Int) -> Bool {
        let needed = yc_retention_intra_scratch(tokens, headDim)
        return needed > 0 && needed <= chunk * chunk + 2 * chunk * headDim
    }

    /// Whether a chunk of `tokens` tokens runs CKernels' BLAS-free inter-chunk products (Q·S and the
    /// state update, yc_retention_inter) on this thread's SIMD path (AVX2, headDim a multiple of 8)
    /// within the worker scratch ahead of `a`.
    static func fusedInterChunk(tokens: Int, chunk: Int, headDim: Int) -> Bool {
        let needed = yc_retention_inter_scratch(tokens, headDim)
        return needed > 0 && needed <= chunk * chunk + 2 * chunk * headDim
    }

    /// Recurrent form (the decode kernel): one token at a time, S updated in place.
    public static func recurrent(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, logDecay: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>, state: UnsafeMutablePointer<Float>, shape s: RetentionShape,
        counters c: inout WorkCounters
    ) {
        let dR = s.headDim, ld = s.rowStride
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                let S = state + (b * s.heads + h) * s.stateFloats
                for t in 0..<s.tokens {
                    let off = b * s.batchStride + t * ld + h * dR
                    FastMath.scale(S, count: s.stateFloats, by: exp1(logDecay[(b * s.tokens + t) * s.heads + h]))
                    BLAS.ger(rows: dR, cols: dR, x: k + off, y: v + off, a: S, lda: dR)
                    BLAS.gemv(trans: true, rows: dR, cols: dR, a: S, lda: dR, x: q + off, y: out + off)
                }
                let tokens = Int64(s.tokens)
                c.matmulFlops += 4 * Int64(dR * dR) * tokens
                c.otherFlops += Int64(dR * dR) * tokens
                c.stateBytesRead += Int64(s.stateFloats * 4) * tokens
                c.stateBytesWritten += Int64(s.stateFloats * 4) * tokens
            }
        }
    }

    /// Parallel form, the naive reference: the whole [T, T] decay-masked score matrix per head in
    /// Double, plus the initial state's contribution q_n (∏_{i<=n} γ_i) S0. Leaves the final state in
    /// `state` (computed as the decayed sum) so all three forms can be compared on S too.
    public static func parallel(
        q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, logDecay: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>, state: UnsafeMutablePointer<Float>, shape s: RetentionShape,
        counters c: inout WorkCounters
    ) {
        let dR = s.headDim, ld = s.rowStride, T = s.tokens
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                var cum = [Double](repeating: 0, count: T + 1)  // cum[n+1] = Σ_{i<=n} log γ_i
                for n in 0..<T { cum[n + 1] = cum[n] + Double(logDecay[(b * T + n) * s.heads + h]) }
                let S = state + (b * s.heads + h) * s.stateFloats
                let S0 = (0..<s.stateFloats).map { Double(S[$0]) }
                for n in 0..<T {
                    let qn = q + b * s.batchStride + n * ld + h * dR
                    var o = [Double](repeating: 0, count: dR)
                    for m in 0...n {
                        let km = k + b * s.batchStride + m * ld + h * dR
                        let vm = v + b * s.batchStride + m * ld + h * dR
                        var dot = 0.0
                        for i in 0..<dR { dot += Double(qn[i]) * Double(km[i]) }
                        let w = dot * exp(cum[n + 1] - cum[m + 1])
                        for j in 0..<dR { o[j] += w * Double(vm[j]) }
                    }
                    let d0 = exp(cum[n + 1])
                    for i in 0..<dR { for j in 0..<dR { o[j] += d0 * Double(qn[i]) * S0[i * dR + j] } }
                    for j in 0..<dR { out[b * s.batchStride + n * ld + h * dR + j] = Float(o[j]) }
                }
                // final state: decayed S0 plus decayed outer products
                for i in 0..<dR {
                    for j in 0..<dR {
                        var acc = exp(cum[T]) * S0[i * dR + j]
                        for m in 0..<T {
                            acc += exp(cum[T] - cum[m + 1])
                                * Double(k[b * s.batchStride + m * ld + h * dR + i]) * Double(v[b * s.batchStride + m * ld + h * dR + j])
                        }
                        S[i * dR + j] = Float(acc)
                    }
                }
                c.matmulFlops += 4 * Int64(T) * Int64(T) * Int64(dR)
            }
        }
    }
}

import Foundation

/// A read-only pointer handed to parallel workers (each worker reads, none writes through it).
struct SendableConstPointer: @unchecked Sendable {
    let p: UnsafePointer<Float>
    init(_ p: UnsafePointer<Float>) { self.p = p }
}
