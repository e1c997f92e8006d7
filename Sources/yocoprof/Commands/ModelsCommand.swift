// `yocoprof models`: the model profiles, with the figures that tell them apart.

import ArgumentParser
import CostModel
import Reporting

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the model profiles in Profiles/models.",
        discussion: """
            Tables show a narrow set of columns that fits the terminal; --wide shows every one.

            Examples:
              yocoprof models --format csv
              yocoprof models --columns id,parameters,kv_cache_bytes_per_token
            """)

    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let models = try profiles.store().allModels()
        var report = Report(title: "Model profiles", columns: [
            Column("id", .text), Column("architecture", .text), Column("layers", .count),
            Column("hidden_size", .count), Column("heads", .count), Column("kv_heads", .count),
            Column("head_dim", .count), Column("parameters", .count), Column("active_parameters", .count),
            Column("non_embedding_parameters", .count), Column("kv_cache_bytes_per_token", .bytes),
            Column("kv_dtype", .text), Column("summary", .text), Column("source", .text),
        ], summaryKeys: ["id", "architecture", "parameters", "kv_cache_bytes_per_token", "summary", "kv_dtype", "layers",
                         "hidden_size", "heads", "kv_heads", "head_dim", "source"])
        for m in models {
            let p = m.parameterCount
            report.append([
                .text(m.id), .text(m.architectureName), .int(Int128(m.layers)), .int(Int128(m.hiddenSize)),
                .int(Int128(m.heads)), .int(Int128(m.kvHeads)), .int(Int128(m.headDim)),
                .int(p.total), .int(p.active), .int(p.nonEmbedding), .int(m.kvBytesPerToken(dtype: m.dtypes.kvCache)),
                .text(m.dtypes.kvCache.rawValue), .text(m.summary), .text(m.source),
            ])
        }
        try output.emit(report)
    }
}

extension ModelSpec {
    /// One line: "yoco-gret, 26 layers (13 self + 13 cross), d 3072, 24 heads / 8 KV of 128, 3.45B parameters".
    var summary: String {
        let layersText = isYOCO ? "\(layers) layers (\(selfDecoderLayers) self + \(layers - selfDecoderLayers) cross)" : "\(layers) layers"
        func short(_ x: Int128) -> String {
            let n = Double(x)
            return n >= 1e12 ? Units.fixed(n / 1e12, 2) + "T" : n >= 1e9 ? Units.fixed(n / 1e9, 2) + "B" : Units.fixed(n / 1e6, 2) + "M"
        }
        let p = parameterCount
        let params = short(p.total) + " parameters" + (p.active == p.total ? "" : " (\(short(p.active)) active)")
        if primaryAttention == nil, let m = runs.lazy.compactMap(\.block.mixer.latent).first {
            return "\(architectureName), \(layersText), d \(hiddenSize), \(m.heads) heads of \(m.queryHeadDim), latent \(m.cacheElementsPerPosition) per position, \(params)"
        }
        return "\(architectureName), \(layersText), d \(hiddenSize), \(heads) heads / \(kvHeads) KV of \(headDim), \(params)"
    }

    /// A short name of the architecture: mha, gqa, mqa, gqa-swa4096, yoco-gret, yoco-swa1024; for
    /// mixed stacks the spans joined by `+` (gqa-swa4096+full, gqa-chunk8192+full) and `+cla` /
    /// `+shared-kv` when layers read another layer's cache.
    var architectureName: String {
        if isYOCO {
            if retention != nil { return "yoco-gret" }
            let w = attentionSpans.lazy.compactMap(\.boundTokens).first
            return "yoco-swa" + (w.map(String.init) ?? "")
        }
        let moe = runs.contains { $0.block.feedForward.experts != nil } ? "+moe" : ""
        if primaryAttention == nil, runs.contains(where: { $0.block.mixer.latent != nil }) { return "mla" + moe }
        let base = kvHeads == heads ? "mha" : kvHeads == 1 ? "mqa" : "gqa"
        let spans = attentionSpans.map { span -> String in
            switch span {
            case .full: "full"
            case .sliding(let w): "swa\(w)"
            case .chunked(let c): "chunk\(c)"
            }
        }
        var name = spans == ["full"] ? base : base + "-" + spans.sorted { $0 == "full" ? false : $1 == "full" ? true : $0 < $1 }.joined(separator: "+")
        let readers = runs.compactMap(\.block.mixer.attention).filter { if case .layer = $0.kv { true } else { false } }
        if !readers.isEmpty { name += "+shared-kv" }
        return name + moe
    }
}
