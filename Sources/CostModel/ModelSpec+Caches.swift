// The caches a model keeps between decode steps: the model decides its own cache layout
// (the mlx-swift-lm habit), and layers that share a cache share one slot, so a shared cache is
// counted once by construction.
//
// Per sequence, at T tokens held (prompt + generated):
//   key/value slot:   positions(T) * 2 * Hkv * dh elements, positions = T, or min(T, W) for a ring
//   recurrent state:  hR * dR * dR elements (gated retention; independent of T)

/// What one cache slot holds.
public enum CacheKind: Sendable, Hashable {
    /// Keys and values for `heads` KV heads of `headDim`, for every position or, when `window` is
    /// set, for a ring of the last `window` positions.
    case keyValue(heads: Int, headDim: Int, window: Int?)
    /// A dh x dh matrix per head (gated retention's S).
    case recurrentState(heads: Int, headDim: Int)
}

/// One cache and the layers that read it.
public struct CacheSlot: Sendable, Hashable {
    public var kind: CacheKind
    /// Indices (0-based, stack order) of the layers that read this cache.
    public var readers: [Int]

    public init(kind: CacheKind, readers: [Int]) {
        self.kind = kind
        self.readers = readers
    }

    /// Positions stored for a sequence holding `tokens` tokens (0 for a recurrent state).
    public func positions(tokens: Int128) -> Int128 {
        switch kind {
        case .keyValue(_, _, let window):
            if let window { return min(tokens, Int128(window)) }
            return tokens
        case .recurrentState:
            return 0
        }
    }

    /// Elements stored for one sequence holding `tokens` tokens.
    public func elements(tokens: Int128) -> Int128 {
        switch kind {
        case .keyValue(let h, let dh, _):
            return positions(tokens: tokens) * 2 * Int128(h) * Int128(dh)
        case .recurrentState(let h, let dh):
            return Int128(h) * Int128(dh) * Int128(dh)
        }
    }

    public var isState: Bool {
        if case .recurrentState = kind { return true }
        return false
    }
}

extension ModelSpec {
    /// Every cache the model keeps, in stack order; YOCO's global K̂/V̂ is one slot read by all
    /// cross layers.
    public var caches: [CacheSlot] {
        var slots: [CacheSlot] = []
        var crossReaders: [Int] = []
        for (i, kind) in layerKinds.enumerated() {
            switch kind {
            case .attention(let window):
                slots.append(CacheSlot(kind: .keyValue(heads: kvHeads, headDim: headDim, window: window), readers: [i]))
            case .slidingWindowSelf(let window):
                slots.append(CacheSlot(kind: .keyValue(heads: swaSelfKVHeads, headDim: headDim, window: window), readers: [i]))
            case .gatedRetention(let h, let dh):
                slots.append(CacheSlot(kind: .recurrentState(heads: h, headDim: dh), readers: [i]))
            case .cross:
                crossReaders.append(i)
            }
        }
        if !crossReaders.isEmpty {
            slots.append(CacheSlot(kind: .keyValue(heads: kvHeads, headDim: headDim, window: nil), readers: crossReaders))
        }
        return slots
    }

    /// The caches as runs of identical slots: (kind, number of slots). Agrees with `caches` (a test
    /// checks it) without building one slot per layer, so memory queries cost the same at any depth.
    public var cacheRuns: [(kind: CacheKind, count: Int)] {
        kindRuns.compactMap { kind, count -> (kind: CacheKind, count: Int)? in
            switch kind {
            case .attention(let window): (.keyValue(heads: kvHeads, headDim: headDim, window: window), count)
            case .slidingWindowSelf(let window): (.keyValue(heads: swaSelfKVHeads, headDim: headDim, window: window), count)
            case .gatedRetention(let h, let dh): (.recurrentState(heads: h, headDim: dh), count)
            case .cross: count > 0 ? (.keyValue(heads: kvHeads, headDim: headDim, window: nil), 1) : nil
            }
        }
    }

    /// K/V bytes one sequence adds per token at long context, once every sliding-window ring is
    /// full (BRIEF §2: YOCO-3B 4 KiB, Transformer-3B 104 KiB in bf16; 0 for an all-windowed model).
    public func kvBytesPerToken(dtype: DType) -> Int128 {
        cacheRuns.reduce(0) { acc, run in
            guard case .keyValue(let h, let dh, nil) = run.kind else { return acc }
            return acc + Int128(run.count) * dtype.bytes(elements: 2 * Int128(h) * Int128(dh))
        }
    }
}
