// The cache slots a model keeps between decode steps, derived once from its runs of blocks: every
// attention layer whose K/V source is `.own` writes one key/value slot, YOCO's shared projection
// writes one, every gRet layer keeps one state; readers (CLA pairs, Gemma 3n's shared layers, YOCO's
// cross-decoder) add no slot. A shared cache is therefore counted once by construction, and memory,
// decode bytes and the kernels' allocations all read this table.
//
// Per sequence, at T tokens held (prompt + generated):
//   key/value slot:   positions(T) * Hkv * (dk + dv) elements, positions = T, or min(T, W or C)
//   recurrent state:  hR * dR * dR elements (gated retention; independent of T)
//   fixed state:      (K - 1) * conv channels + heads * keyDim * valueDim elements (linear attention,
//                     Mamba; FixedStateMixer.swift), the recurrent part in the mixer's own dtype when
//                     it states one
//   latent:           T * (r + dr) elements (multi-head latent attention's c_kv and k_pe; full span)

/// Keys and values of one slot.
public struct KVGeometry: Sendable, Hashable {
    /// Hkv
    public var heads: Int
    /// dk
    public var keyDim: Int
    /// dv
    public var valueDim: Int
    public var span: AttentionSpan

    public init(heads: Int, keyDim: Int, valueDim: Int, span: AttentionSpan) {
        self.heads = heads
        self.keyDim = keyDim
        self.valueDim = valueDim
        self.span = span
    }

    /// Hkv * (dk + dv)
    public var elementsPerPosition: Int128 { Int128(heads) * Int128(keyDim + valueDim) }
}

/// What one cache slot holds.
public enum CacheKind: Sendable, Hashable {
    case keyValue(KVGeometry)
    /// A dh x dh matrix per head (gated retention's S).
    case recurrentState(heads: Int, headDim: Int)
    /// A fixed-state mixer's conv window and recurrent state (FixedStateMixer.swift).
    case fixedState(FixedState)
    /// `elementsPerPosition` (r + dr) per position held, every position (latent attention).
    case latent(elementsPerPosition: Int)
}

/// Who writes a slot.
public enum SlotWriter: Sendable, Hashable {
    /// The layer at this index (0-based) projects and writes it.
    case layer(Int)
    /// YOCO's shared K̂/V̂ projection.
    case sharedProjection
}

/// One cache, its writer and the layers that read it.
public struct CacheSlot: Sendable, Hashable {
    public var kind: CacheKind
    public var writer: SlotWriter
    /// Indices (0-based, stack order) of the layers that read this cache (the writer included).
    public var readers: [Int]

    public init(kind: CacheKind, writer: SlotWriter, readers: [Int]) {
        self.kind = kind
        self.writer = writer
        self.readers = readers
    }

    /// Positions stored for a sequence holding `tokens` tokens (0 for a recurrent state).
    public func positions(tokens: Int128) -> Int128 {
        switch kind {
        case .keyValue(let g): return g.span.positionsHeld(tokens: tokens)
        case .latent: return tokens
        case .recurrentState, .fixedState: return 0
        }
    }

    /// Elements stored for one sequence holding `tokens` tokens.
    public func elements(tokens: Int128) -> Int128 { kind.elements(tokens: tokens) }

    public var isState: Bool { kind.isState }
}

extension CacheKind {
    /// Elements stored for one sequence holding `tokens` tokens.
    public func elements(tokens: Int128) -> Int128 {
        switch self {
        case .keyValue(let g): g.span.positionsHeld(tokens: tokens) * g.elementsPerPosition
        case .recurrentState(let h, let dh): Int128(h) * Int128(dh) * Int128(dh)
        case .fixedState(let s): s.convElements + s.recurrentElements
        case .latent(let w): tokens * Int128(w)
        }
    }

    /// Bytes for one sequence holding `tokens` tokens: K/V and latents in `kv`, gRet's state in
    /// `state`, a fixed state's conv window in `state` and its recurrent part in its own dtype (else `state`).
    public func bytes(tokens: Int128, kv: DType, state: DType) -> Int128 {
        switch self {
        case .keyValue, .latent: kv.bytes(elements: elements(tokens: tokens))
        case .recurrentState: state.bytes(elements: elements(tokens: tokens))
        case .fixedState(let s): s.bytes(stateDType: state)
        }
    }

    public var isState: Bool {
        switch self {
        case .keyValue, .latent: false
        case .recurrentState, .fixedState: true
        }
    }
}

extension Attention {
    /// The geometry of the slot this layer reads (and writes, when its source is `.own`).
    public var kvGeometry: KVGeometry { KVGeometry(heads: kvHeads, keyDim: headDim, valueDim: valueHeadDim, span: span) }
}

extension ModelSpec {
    /// The slot a block run writes per layer, if any.
    static func slotKind(_ block: Block) -> CacheKind? {
        switch block.mixer {
        case .attention(let a): a.writesOwnSlot ? .keyValue(a.kvGeometry) : nil
        case .gatedRetention(let g): .recurrentState(heads: g.heads, headDim: g.headDim)
        case .fixedState(let m): .fixedState(m.state)
        case .identity: nil
        case .latentAttention(let m): .latent(elementsPerPosition: m.cacheElementsPerPosition)
        }
    }

    /// Every cache the model keeps, in the order of their writers (the shared projection's slot
    /// sits where its first reader is). O(layers): the kernels and `inspect` use it; formulas use
    /// `cacheRuns`.
    public var caches: [CacheSlot] {
        var slots: [CacheSlot] = []
        var slotOfLayer: [Int: Int] = [:]
        var shared: Int?
        for (i, block) in layerBlocks.enumerated() {
            if let kind = Self.slotKind(block) {
                slotOfLayer[i] = slots.count
                slots.append(CacheSlot(kind: kind, writer: .layer(i), readers: [i]))
                continue
            }
            guard let a = block.mixer.attention else { continue }
            switch a.kv {
            case .own: break
            case .layer(let j):
                if let s = slotOfLayer[j] { slots[s].readers.append(i) }
            case .sharedProjection:
                if shared == nil {
                    shared = slots.count
                    slots.append(CacheSlot(kind: .keyValue(a.kvGeometry), writer: .sharedProjection, readers: []))
                }
                slots[shared!].readers.append(i)
            }
        }
        return slots
    }

    /// The caches as runs of identical slots: (kind, number of slots). Agrees with `caches` (a test
    /// checks it) without building one slot per layer, so memory queries cost the same at any depth.
    public var cacheRuns: [(kind: CacheKind, count: Int)] {
        var out: [(kind: CacheKind, count: Int)] = []
        var sharedCounted = false
        for run in runs {
            if let kind = Self.slotKind(run.block) {
                out.append((kind, run.count))
            } else if let a = run.block.mixer.attention, a.kv == .sharedProjection, !sharedCounted {
                out.append((.keyValue(a.kvGeometry), 1))
                sharedCounted = true
            }
        }
        return out
    }

    /// K/V bytes one sequence adds per token at long context, once every sliding-window ring and
    /// chunk is full (BRIEF §2: YOCO-3B 4 KiB, Transformer-3B 104 KiB in bf16; 0 for an
    /// all-windowed model).
    public func kvBytesPerToken(dtype: DType) -> Int128 {
        cacheRuns.reduce(0) { acc, run in
            switch run.kind {
            case .keyValue(let g) where g.span == .full: acc + Int128(run.count) * dtype.bytes(elements: g.elementsPerPosition)
            case .latent(let w): acc + Int128(run.count) * dtype.bytes(elements: Int128(w))
            default: acc
            }
        }
    }
}
