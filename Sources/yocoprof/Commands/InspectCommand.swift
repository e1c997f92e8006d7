// `yocoprof inspect`: what was read. The model's runs of blocks, its cache slots, parameters, KV
// bytes per token by slot, fixed state, context limit, and where each figure comes from.
// table / markdown: three sections (summary, runs, slots); json: one object {summary, runs, slots};
// csv: the runs table (one row per run of identical blocks).

import ArgumentParser
import CostModel
import Reporting

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show how a model was read: runs of blocks, cache slots, parameters, KV bytes per token, context limit.",
        discussion: """
            Every figure comes from the one model description the other commands use. KV bytes are in \
            the KV dtype (the profile's, or --kv-dtype); a slot read by several layers is one slot.

            Examples:
              yocoprof inspect --model gemma-2-9b
              yocoprof inspect --model path/to/config.json --format json
              yocoprof inspect --model path/to/model-folder --kv-dtype fp8
            """)

    @Option(help: ArgumentHelp("Model profile id, or a path to a profile, a Hugging Face config.json or its folder.", valueName: "id|path"))
    var model: String

    @OptionGroup var dtypes: DTypeOptions
    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let spec = try profiles.store().loadModel(model)
        let plan = try dtypes.plan(for: spec)
        let reports = Self.reports(spec, plan: plan)
        let format = output.effectiveFormat
        switch format {
        case .csv:
            try output.emit(reports.runs)
        case .json:
            func body(_ r: Report) -> String {
                var t = r.rendered(as: .json)
                while t.last == "\n" { t.removeLast() }
                return t
            }
            try output.emit(text: "{\"summary\": \(body(reports.summary)), \"runs\": \(body(reports.runs)), \"slots\": \(body(reports.slots))}\n")
        case .table, .markdown:
            try output.emit(text: [reports.summary, reports.runs, reports.slots].map { $0.rendered(as: format) }.joined(separator: "\n"))
        }
    }

    static func span(_ s: AttentionSpan) -> (String, Value) {
        switch s {
        case .full: ("full", .null)
        case .sliding(let w): ("sliding", .int(Int128(w)))
        case .chunked(let c): ("chunked", .int(Int128(c)))
        }
    }

    static func feedForward(_ f: FeedForward) -> String {
        switch f {
        case .gated(_, let a): a == .silu ? "swiglu" : "geglu"
        case .mlp(_, let a, let bias): "mlp_\(a.rawValue)" + (bias ? "_bias" : "")
        case .experts(let e):
            "experts \(e.count) top-\(e.active) " + (e.activation == .silu ? "swiglu" : "geglu")
                + (e.expertBias ? " bias" : "") + (e.routerBias ? " router_bias" : "")
                + (e.shared.map { " + shared \($0.inner)" + ($0.gated ? " gated" : "") } ?? "")
        case .identity: "none"
        }
    }

    /// "3", "0-19", "20, 22, 24-26".
    static func ranges(_ xs: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < xs.count {
            var j = i
            while j + 1 < xs.count && xs[j + 1] == xs[j] + 1 { j += 1 }
            parts.append(i == j ? "\(xs[i])" : "\(xs[i])-\(xs[j])")
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }

    static func reports(_ spec: ModelSpec, plan: DTypePlan) -> (summary: Report, runs: Report, slots: Report) {
        let kv = plan.kvCache
        let p = spec.parameterCount
        let slots = spec.caches
        var slotOfLayer: [Int: Int] = [:]
        for (s, slot) in slots.enumerated() { for r in slot.readers { slotOfLayer[r] = s } }
        let fixedKV = spec.cacheRuns.reduce(Int128(0)) { acc, run in
            guard case .keyValue(let g) = run.kind, let bound = g.span.boundTokens else { return acc }
            return acc + Int128(run.count) * kv.bytes(elements: Int128(bound) * g.elementsPerPosition)
        }
        let summary = Report(
            title: "Model: \(spec.id)",
            columns: [Column("model", .text), Column("source", .text), Column("family", .text), Column("layers", .count),
                      Column("hidden_size", .count), Column("vocab_size", .count), Column("tied_embeddings", .text),
                      Column("parameters", .count), Column("active_parameters", .count), Column("non_embedding_parameters", .count), Column("weight_dtype", .text),
                      Column("kv_dtype", .text), Column("cache_slots", .count), Column("kv_cache_bytes_per_token", .bytes),
                      Column("windowed_kv_bytes_when_full", .bytes), Column("state_bytes_per_sequence", .bytes),
                      Column("model_context_limit_tokens", .tokens), Column("shared_kv_projection", .text)],
            rows: [[.text(spec.id), .text(spec.source), .text(spec.family.isEmpty ? spec.architectureName : spec.family),
                    .int(Int128(spec.layers)), .int(Int128(spec.hiddenSize)), .int(Int128(spec.vocabSize)),
                    .bool(spec.tiedEmbeddings), .int(p.total), .int(p.active), .int(p.nonEmbedding), .text(plan.weights.rawValue),
                    .text(kv.rawValue), .int(Int128(slots.count)), .int(spec.kvBytesPerToken(dtype: kv)), .int(fixedKV),
                    .int(spec.stateBytes(batch: 1, dtype: plan.state)),
                    spec.maxPositionEmbeddings.map { .int(Int128($0)) } ?? .null,
                    spec.sharedKV.map { .text("\($0.kvHeads) x \($0.headDim), read by layers \(ranges(slots.first { $0.writer == .sharedProjection }?.readers ?? []))") } ?? .null]],
            notes: [
                "source: \(spec.source)" + (spec.notes.isEmpty ? "" : "; \(spec.notes)"),
                "parameters: per run of blocks (attention projections, biases, q/k norms, sinks; feed-forward, every expert; norms), plus embedding, positions, output head and YOCO's K̂/V̂ (ModelSpec+Parameters.swift); active_parameters: what one token uses (k of E routed experts; equal to parameters for a dense model)",
                "kv_cache_bytes_per_token: slots with a full span, Hkv x (dk + dv) x bytes each; windowed and chunked slots stop growing at their bound (windowed_kv_bytes_when_full); a slot read by several layers counts once",
                "model_context_limit_tokens: max_position_embeddings (n_positions) as the source states it; null when it states none",
            ],
            isSingle: true)

        var runs = Report(
            title: "Runs of blocks: \(spec.id)",
            columns: [Column("first_layer", .count), Column("layers", .count), Column("label", .text), Column("mixer", .text),
                      Column("span", .text), Column("window_tokens", .tokens), Column("heads", .count), Column("kv_heads", .count),
                      Column("head_dim", .count), Column("value_head_dim", .count), Column("kv_source", .text),
                      Column("cache_slots", .text), Column("feed_forward", .text), Column("ffn_size", .count), Column("norms", .count),
                      Column("extras", .text), Column("kv_bytes_per_token_per_layer", .bytes)])
        for (ri, run) in spec.runs.enumerated() {
            let start = spec.runStarts[ri]
            let layerSlots = (start..<(start + run.count)).compactMap { slotOfLayer[$0] }
            let slotText = Value.text(layerSlots.isEmpty ? "" : ranges(Array(Set(layerSlots)).sorted()))
            let ff = run.block.feedForward
            var row: [Value] = [.int(Int128(start)), .int(Int128(run.count)), .text(spec.operatorLabel(run: ri))]
            switch run.block.mixer {
            case .attention(let a):
                let (name, window) = span(a.span)
                let source: String = switch a.kv {
                case .own: "own"
                case .layer(let j): "layer \(j)"
                case .sharedProjection: "shared_projection"
                }
                // Zamba2's shared blocks: the wider input, whose weights, and the per-use adapters.
                let ad = run.block.adapters
                let adapterText = ad.map { ad in
                    "adapters r\(ad.rank) " + [ad.onQKV ? "qkv" : nil, ad.onGateUp ? "gate_up" : nil, ad.outputLinear ? "linear" : nil]
                        .compactMap { $0 }.joined(separator: "+")
                }
                let extras = [a.qkvBias ? "qkv_bias" : nil, a.outputBias ? "output_bias" : nil, a.qkNorm ? "qk_norm" : nil,
                              a.sinks ? "sinks" : nil, a.inputWidth.map { "input \($0)" },
                              run.weightsOf.map { "weights of layer \(spec.runStarts[$0])" }, adapterText].compactMap { $0 }.joined(separator: " ")
                let perToken: Int128 = a.writesOwnSlot && a.span == .full ? kv.bytes(elements: a.kvGeometry.elementsPerPosition) : 0
                row += [.text("attention"), .text(name), window, .int(Int128(a.heads)), .int(Int128(a.kvHeads)),
                        .int(Int128(a.headDim)), .int(Int128(a.valueHeadDim)), .text(source), slotText,
                        .text(feedForward(ff)), .int(Int128(ff.inner)), .int(Int128(run.block.norms.count)), .text(extras), .int(perToken)]
            case .gatedRetention(let g):
                row += [.text("gated_retention"), .text("recurrent"), .null, .int(Int128(g.heads)), .null,
                        .int(Int128(g.headDim)), .int(Int128(g.headDim)), .text("state"), slotText,
                        .text(feedForward(ff)), .int(Int128(ff.inner)), .int(Int128(run.block.norms.count)),
                        .text("chunk \(g.chunkTokens)"), .int(0)]
            case .fixedState(let m):
                // heads, key heads, state rows and columns per head; extras: conv, groups, dt rank, state dtype
                let extras = [m.kind.hasConv ? "conv \(m.convKernel)" : nil, m.kind == .mamba2 ? "groups \(m.groups)" : nil,
                              m.kind == .mamba ? "dt_rank \(m.timeStepRank)" : nil, "chunk \(m.chunkTokens)",
                              m.stateDType.map { "state \($0.rawValue)" }].compactMap { $0 }.joined(separator: " ")
                row += [.text(m.kind.rawValue), .text("recurrent"), .null, .int(Int128(m.heads)), .int(Int128(m.keyHeads)),
                        .int(Int128(m.keyDim)), .int(Int128(m.valueDim)), .text("state"), slotText,
                        .text(feedForward(ff)), .int(Int128(ff.inner)), .int(Int128(run.block.norms.count)), .text(extras), .int(0)]
            case .identity:
                row += [.text("none"), .null, .null, .null, .null, .null, .null, .null, slotText,
                        .text(feedForward(ff)), .int(Int128(ff.inner)), .int(Int128(run.block.norms.count)), .text(""), .int(0)]
            case .latentAttention(let m):
                let extras = "kv_lora_rank \(m.kvRank), q_lora_rank \(m.queryRank.map(String.init) ?? "none"), rope \(m.ropeHeadDim), nope \(m.nopeHeadDim); prefill \(m.prefillForm.rawValue), decode \(m.decodeForm.rawValue)"
                row += [.text("latent_attention"), .text("full"), .null, .int(Int128(m.heads)), .null,
                        .int(Int128(m.queryHeadDim)), .int(Int128(m.valueHeadDim)), .text("own"), slotText,
                        .text(feedForward(ff)), .int(Int128(ff.inner)), .int(Int128(run.block.norms.count)), .text(extras),
                        .int(kv.bytes(elements: Int128(m.cacheElementsPerPosition)))]
            }
            runs.append(row)
        }

        var slotReport = Report(
            title: "Cache slots: \(spec.id)",
            columns: [Column("slots", .text), Column("count", .count), Column("kind", .text), Column("writer", .text),
                      Column("readers", .text), Column("span", .text), Column("window_tokens", .tokens), Column("kv_heads", .count),
                      Column("key_dim", .count), Column("value_dim", .count), Column("bytes_per_position", .bytes),
                      Column("kv_bytes_per_token", .bytes), Column("state_bytes", .bytes)])
        // Consecutive slots of one kind, each read only by its writer, print as one row.
        var i = 0
        while i < slots.count {
            var j = i
            let solo = { (s: CacheSlot) -> Bool in if case .layer(let w) = s.writer { s.readers == [w] } else { false } }
            while j + 1 < slots.count && solo(slots[i]) && solo(slots[j + 1]) && slots[j + 1].kind == slots[i].kind { j += 1 }
            let group = Array(slots[i...j]), n = Int128(group.count)
            let writers = group.compactMap { s -> Int? in if case .layer(let w) = s.writer { w } else { nil } }
            let writer = writers.isEmpty ? "shared_projection" : "layer " + ranges(writers)
            let readers = ranges(group.flatMap(\.readers).sorted())
            var row: [Value] = [.text(i == j ? "\(i)" : "\(i)-\(j)"), .int(n)]
            switch group[0].kind {
            case .keyValue(let g):
                let (name, window) = span(g.span)
                let perPosition = kv.bytes(elements: g.elementsPerPosition)
                row += [.text("key_value"), .text(writer), .text(readers), .text(name), window, .int(Int128(g.heads)),
                        .int(Int128(g.keyDim)), .int(Int128(g.valueDim)), .int(perPosition),
                        .int(g.span == .full ? n * perPosition : 0), .int(0)]
            case .recurrentState(let h, let dh):
                row += [.text("recurrent_state"), .text(writer), .text(readers), .text("recurrent"), .null, .int(Int128(h)),
                        .int(Int128(dh)), .int(Int128(dh)), .int(0), .int(0),
                        .int(n * plan.state.bytes(elements: Int128(h) * Int128(dh) * Int128(dh)))]
            case .fixedState(let f):
                // heads, key and value dims are the mixer's (the runs table); the bytes are conv + recurrent
                row += [.text(f.kind.rawValue + "_state"), .text(writer), .text(readers), .text("recurrent"), .null, .null,
                        .null, .null, .int(0), .int(0), .int(n * f.bytes(stateDType: plan.state))]
            case .latent(let w):
                let perPosition = kv.bytes(elements: Int128(w))
                row += [.text("latent"), .text(writer), .text(readers), .text("full"), .null, .null,
                        .int(Int128(w)), .int(0), .int(perPosition), .int(n * perPosition), .int(0)]
            }
            slotReport.append(row)
            i = j + 1
        }
        return (summary, runs, slotReport)
    }
}
