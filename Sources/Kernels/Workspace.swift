// Activation and workspace buffers of one forward call over `rows` = B * T token rows.
// The size table below *is* the allocation code: `layout` lists every buffer and `init` allocates
// exactly that list, so the predicted workspace bytes cannot drift from what is allocated.
//
// Widths: qW = max(H*dh, hR*dR), kvWs = max(Hkv*dh, Hs*dh (SWA self), hR*dR), F the SwiGLU width.
//   x, xn [rows, d]; q, o [rows, qW]; k, v [rows, kvWs]; g [rows, hR*dR]; decay [rows, hR];
//   gate, up [rows, F]; last, lastNormed [B, d]; logits [B, V];
//   attention scratch: workers * (max(Bq, H) * Bk + 2 max(Bq, H) + max(Bq, H) * dh);
//   gRet chunk scratch: C*C + 2*C*dR + C.

import CostModel

public struct RunOptions: Sendable, Hashable {
    public var attention: AttentionKernelTiling
    /// gRet chunk size; nil uses the profile's `gret_chunk_tokens`.
    public var retentionChunkTokens: Int?
    public init(attention: AttentionKernelTiling = .default, retentionChunkTokens: Int? = nil) {
        self.attention = attention
        self.retentionChunkTokens = retentionChunkTokens
    }
}

extension ModelSpec {
    /// KV heads of an attention-like layer (CostModel's `kvWidth(of:)` over dh: one rule for both).
    func kvHeads(of kind: LayerKind) -> Int { Int(kvWidth(of: kind)) / headDim }

    /// (heads, headDim, chunk) of the gRet self-decoder, or nil.
    var retention: (heads: Int, headDim: Int, chunk: Int)? {
        if case .yoco(.gatedRetention(let h, let dh, let c), _) = architecture { return (h, dh, c) }
        return nil
    }
}

final class Workspace {
    let x, xn, q, o, k, v, g, decay, gate, up, last, lastNormed, logits, attentionScratch, chunkScratch: Buffer

    static func layout(_ spec: ModelSpec, batch: Int, rows: Int, options: RunOptions) -> [(String, Int)] {
        let d = spec.hiddenSize
        let ret = spec.retention
        let inner = ret.map { $0.heads * $0.headDim } ?? 0
        let qW = max(spec.heads * spec.headDim, inner)
        let swaSelf: Bool = if case .yoco(.slidingWindow, _) = spec.architecture { true } else { false }
        let kvWs = max(spec.kvWidth, swaSelf ? spec.swaSelfKVHeads * spec.headDim : 0, inner)
        let chunk = ret.map { options.retentionChunkTokens ?? $0.chunk } ?? 0
        func m(_ a: Int, _ b: Int) -> Int { sizeProduct(a, b) }
        return [
            ("x", m(rows, d)), ("xn", m(rows, d)), ("q", m(rows, qW)), ("o", m(rows, qW)), ("k", m(rows, kvWs)), ("v", m(rows, kvWs)),
            ("g", m(rows, inner)), ("decay", m(rows, ret?.heads ?? 0)), ("gate", m(rows, spec.ffnSize)), ("up", m(rows, spec.ffnSize)),
            ("last", m(batch, d)), ("last_normed", m(batch, d)), ("logits", m(batch, spec.vocabSize)),
            ("attention_scratch", m(options.attention.workers, options.attention.scratchFloats(heads: spec.heads, headDim: spec.headDim))),
            ("chunk_scratch", ret.map { GatedRetention.chunkScratchFloats(chunk: chunk, headDim: $0.headDim) } ?? 0),
        ]
    }

    static func bytes(_ spec: ModelSpec, batch: Int, rows: Int, options: RunOptions) -> Int {
        sizeSum(layout(spec, batch: batch, rows: rows, options: options).map { sizeProduct($0.1, 4) })
    }

    init(_ spec: ModelSpec, batch: Int, rows: Int, options: RunOptions, allocator: CountingAllocator) throws(KernelError) {
        var b: [Buffer] = []
        for (name, count) in Self.layout(spec, batch: batch, rows: rows, options: options) {
            b.append(try allocator.allocate(count, .workspace, name: name))
        }
        (x, xn, q, o, k, v, g, decay, gate, up) = (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9])
        (last, lastNormed, logits, attentionScratch, chunkScratch) = (b[10], b[11], b[12], b[13], b[14])
    }
}
