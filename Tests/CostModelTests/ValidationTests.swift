import CostModel
import Testing

@Suite("Model validation")
struct ValidationTests {
    @Test("Valid fixtures pass", arguments: Fixtures.all)
    func valid(model: ModelSpec) throws {
        try model.validate()
    }

    @Test("Each broken field is named with its constraint and value")
    func broken() {
        func field(_ edit: (inout FamilyShape) -> Void) -> String? {
            var m = Fixtures.yoco3BShape
            edit(&m)
            do { try m.validate(); try m.spec.validate(); return nil } catch { return error.field }
        }
        #expect(field { $0.kvHeads = 5 } == "kv_heads")
        #expect(field { $0.layers = 0 } == "layers")
        #expect(field { $0.hiddenSize = -3 } == "hidden_size")
        #expect(field { $0.vocabSize = Limits.maxVocab + 1 } == "vocab_size")
        #expect(field { $0.architecture = .yoco(selfDecoder: .gatedRetention(heads: 24, headDim: 128, chunkTokens: 256), selfLayers: 26) } == "self_decoder_layers")
        #expect(field { $0.architecture = .yoco(selfDecoder: .slidingWindow(window: Limits.maxContextTokens + 1), selfLayers: 13) } == "sliding_window")
        #expect(field { $0.selfDecoderKVHeads = 8 } == "self_kv_heads")  // gRet has no SWA heads
        var m = Fixtures.yoco3BShape
        m.architecture = .transformer(window: nil)
        m.kvHeads = 5
        #expect(throws: SpecError(field: "kv_heads", constraint: "must divide `heads` (24)", value: "5")) { try m.validate() }
        // The runs themselves name the layer that breaks a constraint.
        var spec = Fixtures.transformer3B
        spec.runs[0].block.mixer = .attention(Attention(heads: 24, kvHeads: 5, headDim: 128))
        #expect(throws: SpecError(field: "kv_heads", constraint: "must divide `heads` (24) (layer 0)", value: "5")) { try spec.validate() }
    }
}
