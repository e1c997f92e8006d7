// Model shapes built in code (no profile files), so these tests pin the formulas themselves.

import CostModel

enum Fixtures {
    /// YOCO-3B (BRIEF §2): L 26, d 3072, H 24, Hkv 8, dh 128, F 8192, V 100288, gRet 24 heads of 128.
    static let yoco3BShape = FamilyShape(
        id: "yoco-3b", source: "test", architecture: .yoco(selfDecoder: .gatedRetention(heads: 24, headDim: 128, chunkTokens: 256), selfLayers: 13),
        layers: 26, hiddenSize: 3072, heads: 24, kvHeads: 8, headDim: 128, ffnSize: 8192, vocabSize: 100_288)
    static let yoco3B = yoco3BShape.spec

    /// The paper's Transformer baseline of the same shape (GQA, 8 KV heads).
    static let transformer3B = ModelSpec(
        id: "transformer-3b", source: "test", architecture: .transformer(window: nil),
        layers: 26, hiddenSize: 3072, heads: 24, kvHeads: 8, headDim: 128, ffnSize: 8192, vocabSize: 100_288)

    /// YOCO-3B with a sliding-window self-decoder (W 1024, multi-head as in the reference code).
    static let yoco3BSWA = ModelSpec(
        id: "yoco-3b-swa", source: "test", architecture: .yoco(selfDecoder: .slidingWindow(window: 1024), selfLayers: 13),
        layers: 26, hiddenSize: 3072, heads: 24, kvHeads: 8, headDim: 128, ffnSize: 8192, vocabSize: 100_288)

    /// The 65B pair behind the headline: 80 layers, d 8192, 64 heads, 16 KV heads of 128 (assumed).
    static let transformer65B = ModelSpec(
        id: "transformer-65b-gqa", source: "test", architecture: .transformer(window: nil),
        layers: 80, hiddenSize: 8192, heads: 64, kvHeads: 16, headDim: 128, ffnSize: 22016, vocabSize: 32000)
    static let yoco65B = ModelSpec(
        id: "yoco-65b", source: "test", architecture: .yoco(selfDecoder: .gatedRetention(heads: 64, headDim: 128, chunkTokens: 256), selfLayers: 40),
        layers: 80, hiddenSize: 8192, heads: 64, kvHeads: 16, headDim: 128, ffnSize: 22016, vocabSize: 32000)

    /// Mistral-7B: GQA 32/8 with a 4096-token window on every layer.
    static let mistral7B = ModelSpec(
        id: "mistral-7b", source: "test", architecture: .transformer(window: 4096),
        layers: 32, hiddenSize: 4096, heads: 32, kvHeads: 8, headDim: 128, ffnSize: 14336, vocabSize: 32000)

    static let all = [yoco3B, transformer3B, yoco3BSWA, transformer65B, yoco65B, mistral7B]
}
