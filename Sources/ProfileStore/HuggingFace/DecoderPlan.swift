// What a family mapping produces: a decoder-only stack described per layer, with the family's
// defaults already applied, turned into runs of blocks. One place builds ModelSpec from a config.

import CostModel

struct DecoderPlan {
    var layers: Int
    var hidden: Int
    var heads: Int
    var kvHeads: Int
    var headDim: Int
    var vocab: Int
    /// F per layer (one value repeated for uniform models).
    var ffn: [Int]
    var gated: Bool = true
    var activation: Activation = .silu
    var mlpBias: Bool = false
    /// Per layer: the window of a sliding layer, nil for a full one.
    var windows: [Int?]
    /// Per layer: the layer whose slot it reads (nil: its own).
    var sharesWith: [Int?]? = nil
    var qkvBias: Bool = false
    var outputBias: Bool = false
    var qkNorm: Bool = false
    /// One learned sink logit per head (gpt-oss).
    var sinks: Bool = false
    /// Per layer: the feed-forward when it is not the dense one from `ffn` (MoE layers).
    var feedForwards: [FeedForward?]? = nil
    /// Per layer: a chunked-local span of this many tokens (Llama 4), overriding `windows`.
    var chunks: [Int?]? = nil
    /// Per layer: whether attention rotates q and k (false: Llama 4's NoPE layers); nil: every layer does.
    var rope: [Bool]? = nil
    /// Every layer's mixer is this latent attention (DeepSeek) instead of attention.
    var latent: LatentAttention? = nil
    var norms: NormLayout = .preRMS
    var finalNorm: NormLayout = NormLayout(count: 1)
    var tied: Bool
    var positionRows: Int = 0
    var maxPositions: Int?
    var dtype: DType
    /// The checkpoint's quantised weight format (`quantization_config`), nil for plain weights.
    var weightStorage: WeightStorage? = nil
    /// What of the family is counted (inspect shows it; e.g. the vision tower left out).
    var family: String
    /// Keys of the config named in validation messages, by profile field.
    var keyFor: [String: String] = HFKeys.standard
    /// The stack, layer by layer, when a hybrid family builds it itself (attention beside
    /// fixed-state mixers, layers without a feed-forward); nil: attention blocks from the fields above.
    var blocks: [Block]? = nil
    /// The stack as runs, when a family states which runs reuse another's weights (Zamba2); wins over `blocks`.
    var runs: [BlockRun]? = nil

    func spec(id: String, reader r: HFReader) throws(ProfileError) -> ModelSpec {
        let ff: (Int) -> FeedForward = { i in
            gated ? .gated(inner: ffn[i], activation: activation) : .mlp(inner: ffn[i], activation: activation, bias: mlpBias)
        }
        let blocks = runs != nil ? [] : self.blocks ?? (0..<layers).map { i -> Block in
            let feedForward = feedForwards?[i] ?? ff(i)
            if let m = latent { return Block(mixer: .latentAttention(m), feedForward: feedForward, norms: norms) }
            let span: AttentionSpan = chunks?[i].map { .chunked(chunk: $0) } ?? windows[i].map { .sliding(window: $0) } ?? .full
            let kv: KVSource = sharesWith?[i].map { .layer($0) } ?? .own
            var a = Attention(heads: heads, kvHeads: kvHeads, headDim: headDim, span: span, kv: kv,
                              qkvBias: qkvBias, outputBias: outputBias, qkNorm: qkNorm, sinks: sinks)
            a.rope = rope?[i] ?? true
            return Block(mixer: .attention(a), feedForward: feedForward, norms: norms)
        }
        let spec = ModelSpec(
            id: id, source: "Hugging Face config.json (\(r.f.file))",
            notes: "Read from a Hugging Face config (model_type \(r.family)) with the transformers defaults for absent keys.",
            hiddenSize: hidden, vocabSize: vocab, tiedEmbeddings: tied,
            dtypes: DTypePlan(weights: dtype, kvCache: dtype, state: dtype, activations: dtype, weightStorage: weightStorage), runs: runs ?? .init(layers: blocks),
            positionEmbeddingRows: positionRows, finalNorm: finalNorm, maxPositionEmbeddings: maxPositions, family: family)
        do {
            try spec.validate()
        } catch {
            var e = error
            e.field = keyFor[e.field] ?? e.field
            // Constraints quote other fields (`heads`): name those in the config's terms too.
            for (field, key) in keyFor where field != key {
                e.constraint = e.constraint.replacingOccurrences(of: "`\(field)`", with: "`\(key)`")
            }
            throw ProfileError(file: r.f.file, e)
        }
        return spec
    }
}

enum HFKeys {
    /// Profile-field name -> config.json key (Llama-style names).
    static let standard: [String: String] = [
        "layers": "num_hidden_layers", "hidden_size": "hidden_size", "heads": "num_attention_heads",
        "kv_heads": "num_key_value_heads", "head_dim": "head_dim", "ffn_size": "intermediate_size",
        "vocab_size": "vocab_size", "sliding_window": "sliding_window", "value_head_dim": "head_dim",
    ]

    /// The common Llama-style shape: layers, hidden, heads, KV heads (absent: `kvDefault`, nil = H;
    /// null: H when `nullKVIsHeads`, else refused),
    /// head_dim (default d/H unless `headDimDefault`), F per layer (`intermediate_size`: one integer,
    /// or one per layer where the family allows a list: `ffnListAllowed`), V. The shape keys
    /// themselves are required (a file without them is not a checkpoint's config), except V where a
    /// family's public files omit it (`vocabDefault`).
    static func shape(_ r: HFReader, kvDefault: Int? = nil, nullKVIsHeads: Bool = true, headDimDefault: Int? = nil, vocabDefault: Int? = nil,
                      ffnListAllowed: Bool = false)
        throws(ProfileError) -> (layers: Int, hidden: Int, heads: Int, kvHeads: Int, headDim: Int, ffn: [Int], vocab: Int)
    {
        let hidden = try r.int("hidden_size")
        let heads = try r.int("num_attention_heads")
        guard heads > 0 else { throw r.f.error("num_attention_heads", "must be at least 1", heads) }
        let explicit = try r.optionalInt("head_dim")
        if explicit == nil && headDimDefault == nil && hidden % heads != 0 {
            throw r.f.error("hidden_size", "must be a multiple of `num_attention_heads` (\(heads)) when `head_dim` is absent", hidden)
        }
        let headDim = explicit ?? headDimDefault ?? hidden / heads
        // Absent: the class default. Null: the classes' backward-compatibility rule, None -> H (Llama,
        // Mistral, Qwen2/3, Phi-3); Gemma's classes have no such rule, so a null there is refused.
        let kv: Int
        if r.isNull("num_key_value_heads") {
            guard nullKVIsHeads else {
                throw r.f.error("num_key_value_heads", "(\(r.family)) is null, which this family's configuration has no fallback for; refusing rather than guessing", nil)
            }
            kv = heads
        } else {
            kv = try r.int("num_key_value_heads", default: kvDefault ?? heads)
        }
        let vocab = try vocabDefault == nil ? r.int("vocab_size") : r.int("vocab_size", default: vocabDefault!)
        let layers = try r.int("num_hidden_layers")
        let n = max(0, layers)
        let ffn: [Int]
        if ffnListAllowed, r.f.object["intermediate_size"] is [Any], let list = try r.f.optionalIntArray("intermediate_size") {
            guard list.count == n else { throw r.f.error("intermediate_size", "must give one size per layer (\(n))", "\(list.count) entries") }
            ffn = list
        } else {
            ffn = Array(repeating: try r.int("intermediate_size"), count: n)
        }
        return (layers, hidden, heads, kv, headDim, ffn, vocab)
    }
}
