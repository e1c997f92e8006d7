// Specs built in code for the compute and time tests (independent of Profiles/*.json).
@testable import CostModel

enum ComputeFixtures {
    /// YOCO-3B (BRIEF §2): L 26, d 3072, H 24, Hkv 8, dh 128, F 8192, V 100288, gRet 24 x 128, C 256.
    static let yoco3B = ModelSpec(
        id: "yoco-3b", source: "BRIEF §2",
        architecture: .yoco(selfDecoder: .gatedRetention(heads: 24, headDim: 128, chunkTokens: 256), selfLayers: 13),
        layers: 26, hiddenSize: 3072, heads: 24, kvHeads: 8, headDim: 128, ffnSize: 8192, vocabSize: 100288)

    /// The same-shape GQA Transformer.
    static let transformer3B = ModelSpec(
        id: "transformer-3b", source: "BRIEF §2", architecture: .transformer(window: nil),
        layers: 26, hiddenSize: 3072, heads: 24, kvHeads: 8, headDim: 128, ffnSize: 8192, vocabSize: 100288)

    /// YOCO-3B with a sliding-window self-decoder (W 1024).
    static let yoco3BSWA = ModelSpec(
        id: "yoco-3b-swa", source: "BRIEF §2", architecture: .yoco(selfDecoder: .slidingWindow(window: 1024), selfLayers: 13),
        layers: 26, hiddenSize: 3072, heads: 24, kvHeads: 8, headDim: 128, ffnSize: 8192, vocabSize: 100288)

    /// A tiny YOCO whose counts are derived by hand: L 2 (1 gRet + 1 cross), d 4, H 2, Hkv 1, dh 2,
    /// F 8, V 10, gRet 2 heads of 2, chunk 2.
    static let tinyYOCO = ModelSpec(
        id: "tiny-yoco", source: "test",
        architecture: .yoco(selfDecoder: .gatedRetention(heads: 2, headDim: 2, chunkTokens: 2), selfLayers: 1),
        layers: 2, hiddenSize: 4, heads: 2, kvHeads: 1, headDim: 2, ffnSize: 8, vocabSize: 10)

    /// A tiny Transformer: L 1, d 4, H 2, Hkv 1, dh 2, F 8, V 10.
    static let tinyTransformer = ModelSpec(
        id: "tiny-transformer", source: "test", architecture: .transformer(window: nil),
        layers: 1, hiddenSize: 4, heads: 2, kvHeads: 1, headDim: 2, ffnSize: 8, vocabSize: 10)

    /// About 1.2T parameters: L 128, d 25600, H 200, Hkv 8, dh 128, F 102400, V 256000.
    static let oneTrillion = ModelSpec(
        id: "dense-1t", source: "test", architecture: .transformer(window: nil),
        layers: 128, hiddenSize: 25600, heads: 200, kvHeads: 8, headDim: 128, ffnSize: 102_400, vocabSize: 256_000)

    /// H100 SXM 80GB: 81559 MiB, 3.35e12 B/s, bf16 dense 989e12 FLOP/s; efficiencies as the profile.
    static let h100 = HardwareSpec(
        id: "h100-sxm-80gb", source: "NVIDIA H100 datasheet", memoryBytes: 81559 * (1 << 20),
        runtimeOverheadBytes: 512 * (1 << 20), memoryBandwidthBytesPerSecond: 3.35e12,
        peakFlopsPerSecond: [.bf16: 989e12, .fp16: 989e12, .fp8: 1979e12],
        computeEfficiency: 0.7, memoryEfficiency: 0.8, operatorOverheadSeconds: 5e-6)

    /// Round numbers for hand-checked times: 1e12 FLOP/s, 1e9 B/s, no overhead, efficiency 1.
    static let round = HardwareSpec(
        id: "round", source: "test", memoryBytes: 1 << 40, memoryBandwidthBytesPerSecond: 1e9,
        peakFlopsPerSecond: [.bf16: 1e12], computeEfficiency: 1, memoryEfficiency: 1, operatorOverheadSeconds: 0)

    /// A device large enough for any batch the tests ask for (1 PiB... 2^60 bytes).
    static let huge = HardwareSpec(
        id: "huge", source: "test", memoryBytes: Int128(1) << 60, memoryBandwidthBytesPerSecond: 1e15,
        peakFlopsPerSecond: [.bf16: 1e18], computeEfficiency: 1, memoryEfficiency: 1, operatorOverheadSeconds: 1e-6)

    static let bf16 = DTypePlan.uniform(.bf16)
}
