// Activation and workspace buffers of one forward call over `rows` = B * T token rows.
// The size table below *is* the allocation code: `layout` lists every buffer and `init` allocates
// exactly that list, so the predicted workspace bytes cannot drift from what is allocated.
//
// Widths over the model's runs: qW = max(H*dk, H*dv, hR*dR), kvWs = max(Hkv*dk, Hkv*dv of layers
// that project their own K/V, YOCO's Hkv*dh, hR*dR), F the widest SwiGLU.
//   x, xn [rows, d]; q, o [rows, qW]; k, v [rows, kvWs]; g [rows, hR*dR]; decay [rows, hR];
//   gate, up [rows, F]; last, lastNormed [B, d]; logits [B, V];
//   attention scratch: workers * (max(Bq, H) * Bk + 2 max(Bq, H) + max(Bq, H) * dh);
//   gRet chunk scratch: C*C + 2*C*dR + C;
//   experts: router logits [rows, E], gathered rows and their outputs [rows, d] (0 without experts).

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
    /// (heads, headDim, chunk) of the gRet self-decoder, or nil.
    var retentionShape: (heads: Int, headDim: Int, chunk: Int)? {
        retention.map { ($0.heads, $0.headDim, $0.chunkTokens) }
    }
}

final class Workspace {
    let x, xn, q, o, k, v, g, decay, gate, up, last, lastNormed, logits, attentionScratch, chunkScratch: Buffer
    let routerLogits, expertIn, expertOut: Buffer

    static func layout(_ spec: ModelSpec, batch: Int, rows: Int, options: RunOptions) -> [(String, Int)] {
        let d = spec.hiddenSize
        let ret = spec.retentionShape
        let inner = ret.map { $0.heads * $0.headDim } ?? 0
        let attention = spec.attentionMixers
        let qW = max(attention.map { max($0.queryWidth, $0.outputWidth) }.max() ?? 0, inner)
        // k, v hold a layer's own projections and YOCO's K̂/V̂ before they go to a cache
        let ownKV = attention.filter(\.writesOwnSlot).map { max($0.keyWidth, $0.valueWidth) }.max() ?? 0
        let kvWs = max(ownKV, spec.sharedKV?.width ?? 0, inner)
        let ffn = spec.runs.map(\.block.feedForward.inner).max() ?? 0
        let experts = spec.runs.compactMap(\.block.feedForward.experts?.count).max() ?? 0
        let scratchHeads = attention.map(\.heads).max() ?? 1, scratchDim = attention.map(\.headDim).max() ?? 1
        let chunk = ret.map { options.retentionChunkTokens ?? $0.chunk } ?? 0
        func m(_ a: Int, _ b: Int) -> Int { sizeProduct(a, b) }
        return [
            ("x", m(rows, d)), ("xn", m(rows, d)), ("q", m(rows, qW)), ("o", m(rows, qW)), ("k", m(rows, kvWs)), ("v", m(rows, kvWs)),
            ("g", m(rows, inner)), ("decay", m(rows, ret?.heads ?? 0)), ("gate", m(rows, ffn)), ("up", m(rows, ffn)),
            ("last", m(batch, d)), ("last_normed", m(batch, d)), ("logits", m(batch, spec.vocabSize)),
            ("attention_scratch", m(options.attention.workers, options.attention.scratchFloats(heads: scratchHeads, headDim: scratchDim))),
            ("chunk_scratch", ret.map { GatedRetention.chunkScratchFloats(chunk: chunk, headDim: $0.headDim) } ?? 0),
            ("router_logits", m(rows, experts)), ("expert_in", experts > 0 ? m(rows, d) : 0), ("expert_out", experts > 0 ? m(rows, d) : 0),
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
        (routerLogits, expertIn, expertOut) = (b[15], b[16], b[17])
    }
}
