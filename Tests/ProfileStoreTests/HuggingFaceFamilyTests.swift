// Every family the importer maps, checked on a public config.json (Tests/Fixtures/hf, copied from the
// published files; provenance in Tests/Fixtures/hf/SOURCES.md) against figures derived by hand.
// KV bytes per token (bf16 unless the file says otherwise): layers holding a full-attention slot x
// KV heads x head_dim x 2 (K and V) x 2 bytes. Parameters: the transformers layout of each family
// (the formula is written beside each figure; they agree with the published totals where one exists).

import CostModel
import Foundation
import Testing
@testable import ProfileStore

enum HFFixtures {
    static let directory = Fixtures.repoRoot.appendingPathComponent("Tests/Fixtures/hf")

    static func load(_ name: String) throws -> ModelSpec {
        try Fixtures.store.loadModel(directory.appendingPathComponent(name + ".json").path)
    }

    struct Case: Sendable, CustomStringConvertible {
        var file: String
        var parameters: Int128
        var kvBytesPerToken: Int128
        /// KV bytes of one sequence at 32,768 tokens.
        var kvBytesAt32K: Int128
        var description: String { file }
    }

    static let cases: [Case] = [
        // llama: 32 x 8 x 128 x 2 x 2 = 131,072 B/token. Parameters
        // 2*128256*4096 + 32*(4096*4096*2 + 2*4096*1024 + 3*4096*14336 + 2*4096) + 4096 = 8,030,261,248.
        Case(file: "meta-llama--Llama-3.1-8B", parameters: 8_030_261_248, kvBytesPerToken: 131_072, kvBytesAt32K: 131_072 * 32768),
        // llama (Llama 2, MHA, fp16): 32 x 32 x 128 x 2 x 2 = 524,288. 2*32000*4096 + 32*(4*4096^2 + 3*4096*11008 + 2*4096) + 4096.
        Case(file: "meta-llama--Llama-2-7b-hf", parameters: 6_738_415_616, kvBytesPerToken: 524_288, kvBytesAt32K: 524_288 * 32768),
        // mistral: every layer windowed to 4096, so 0 B/token at long context; at 32K:
        // 32 x 4096 x (8 x 128 x 2 x 2) = 536,870,912. 32000*4096*2 + 32*(2*4096^2 + 2*4096*1024 + 3*4096*14336 + 2*4096) + 4096.
        Case(file: "mistralai--Mistral-7B-v0.1", parameters: 7_241_732_096, kvBytesPerToken: 0, kvBytesAt32K: 536_870_912),
        // qwen2 (window off): 28 x 4 x 128 x 4 = 57,344. With q/k/v biases (3584 + 512 + 512 per layer):
        // 2*152064*3584 + 28*(2*3584^2 + 2*3584*512 + 4608 + 3*3584*18944 + 2*3584) + 3584.
        Case(file: "Qwen--Qwen2.5-7B", parameters: 7_615_616_512, kvBytesPerToken: 57_344, kvBytesAt32K: 57_344 * 32768),
        // qwen3: 36 x 8 x 128 x 4 = 147,456. q/k norms 2*128 per layer:
        // 2*151936*4096 + 36*(2*4096^2 + 2*4096*1024 + 3*4096*12288 + 2*4096 + 256) + 4096.
        Case(file: "Qwen--Qwen3-8B", parameters: 8_190_735_360, kvBytesPerToken: 147_456, kvBytesAt32K: 147_456 * 32768),
        // phi3: sliding_window 2047 on every layer: 0 B/token; at 32K 32 x 2047 x (32 x 96 x 4) = 804,913,152.
        // 2*32064*3072 + 32*(3072*9216 + 3072^2 + 3072*16384 + 8192*3072 + 2*3072) + 3072.
        Case(file: "microsoft--Phi-3-mini-4k-instruct", parameters: 3_821_079_552, kvBytesPerToken: 0, kvBytesAt32K: 804_913_152),
        // gemma (MHA 16 x 256, tied): 28 x 16 x 256 x 4 = 458,752. 256000*3072 + 28*(2*3072*4096 + 2*3072*4096 + 3*3072*24576 + 2*3072) + 3072.
        Case(file: "google--gemma-7b", parameters: 8_537_680_896, kvBytesPerToken: 458_752, kvBytesAt32K: 458_752 * 32768),
        // gemma (MQA): 18 x 1 x 256 x 4 = 18,432. 256000*2048 + 18*(2048*2048*2 + 2*2048*256 + 3*2048*16384 + 2*2048) + 2048.
        Case(file: "google--gemma-2b", parameters: 2_506_172_416, kvBytesPerToken: 18_432, kvBytesAt32K: 18_432 * 32768),
        // gemma2: 21 full (odd) layers x 8 x 256 x 4 = 172,032 B/token; at 32K 21 x 32768 x 8192 + 21 x 4096 x 8192
        // = 5,637,144,576 + 704,643,072 = 6,341,787,648. 256000*3584 + 42*(3584*4096*2 + 2*3584*2048 + 3*3584*14336 + 4*3584) + 3584.
        Case(file: "google--gemma-2-9b-it", parameters: 9_241_705_984, kvBytesPerToken: 172_032, kvBytesAt32K: 6_341_787_648),
        // gemma3 (text tower): full at 5, 11, ..., 59 = 10 layers x 16 x 128 x 4 = 81,920 B/token; at 32K
        // 10 x 32768 x 8192 + 52 x 1024 x 8192 = 3,120,562,176. vocab 262208 (default), tied, q/k norms:
        // 262208*5376 + 62*(2*5376*4096 + 2*5376*2048 + 3*5376*21504 + 4*5376 + 256) + 5376.
        Case(file: "google--gemma-3-27b-it", parameters: 27_009_346_304, kvBytesPerToken: 81_920, kvBytesAt32K: 3_120_562_176),
        // gemma3_text 1B: full at 5, 11, 17, 23: 4 x 1 x 256 x 4 = 4,096; at 32K 4 x 32768 x 1024 + 22 x 512 x 1024 = 145,752,064.
        Case(file: "google--gemma-3-1b-it", parameters: 999_885_952, kvBytesPerToken: 4096, kvBytesAt32K: 145_752_064),
        // gpt2 (MHA 12 x 64, learned positions, biases, LayerNorms, tied): 12 x 12 x 64 x 4 = 36,864.
        // 50257*768 + 1024*768 + 12*(2*768 + 768*2304 + 2304 + 768*768 + 768 + 2*768 + 768*3072 + 3072 + 3072*768 + 768) + 2*768.
        Case(file: "openai-community--gpt2", parameters: 124_439_808, kvBytesPerToken: 36_864, kvBytesAt32K: 36_864 * 32768),
        // falcon (multi_query true: 1 KV head; num_kv_heads 71 ignored): 32 x 1 x 64 x 4 = 8,192.
        // 65024*4544 + 32*(4544*(4544 + 128) + 4544^2 + 2*4544*18176 + 2*4544) + 2*4544 (tied, one LayerNorm per block).
        Case(file: "tiiuae--falcon-7b-instruct", parameters: 6_921_720_704, kvBytesPerToken: 8192, kvBytesAt32K: 8192 * 32768),
        // the pre-migration falcon-7b file (model_type RefinedWebModel, n_head / n_layer): the same model.
        Case(file: "tiiuae--falcon-7b.RefinedWebModel-2023-05", parameters: 6_921_720_704, kvBytesPerToken: 8192, kvBytesAt32K: 8192 * 32768),
    ]
}

@Suite("Hugging Face families, exact")
struct HuggingFaceFamilyTests {
    @Test("parameters and KV bytes derived by hand", arguments: HFFixtures.cases)
    func exact(c: HFFixtures.Case) throws {
        let spec = try HFFixtures.load(c.file)
        let kv = spec.dtypes.kvCache
        #expect(spec.parameterCount.total == c.parameters)
        #expect(spec.kvBytesPerToken(dtype: kv) == c.kvBytesPerToken)
        #expect(spec.kvCacheBytes(batch: 1, tokens: 32768, dtype: kv) == c.kvBytesAt32K)
    }

    @Test("Gemma-2-9B in bf16: 172,032 B of KV per token, 6,341,787,648 B at 32K; even layers slide")
    func gemma2() throws {
        let spec = try HFFixtures.load("google--gemma-2-9b-it")
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 172_032)
        #expect(spec.kvCacheBytes(batch: 1, tokens: 32 * 1024, dtype: .bf16) == 6_341_787_648)
        let spans = spec.layerBlocks.map { $0.mixer.attention!.span }
        #expect(spans[0] == .sliding(window: 4096) && spans[1] == .full && spans[41] == .full)
        #expect(spec.maxPositionEmbeddings == 8192)
    }

    @Test("Falcon-7B with multi_query true holds one KV head: 8,192 B per token")
    func falcon() throws {
        let spec = try HFFixtures.load("tiiuae--falcon-7b-instruct")
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 8192)
        #expect(spec.kvHeads == 1)
    }

    @Test("Gemma 3: the text tower is read from text_config and the vision tower is said to be left out")
    func gemma3Text() throws {
        let spec = try HFFixtures.load("google--gemma-3-27b-it")
        #expect(spec.vocabSize == 262_208)
        #expect(spec.family.contains("vision tower"))
        #expect(spec.layerBlocks.enumerated().filter { $0.element.mixer.attention!.span == .full }.map(\.offset) == Array(stride(from: 5, to: 62, by: 6)))
    }

    /// Gemma 3n E4B text_config, from the published values collected in Tests/Fixtures/hf/SOURCES.md
    /// (hidden 2048, 35 layers, 8 heads, 2 KV of 256, window 512, 15 KV-shared layers, vocab 262400).
    static let gemma3nE4B = """
        {"model_type": "gemma3n", "architectures": ["Gemma3nForConditionalGeneration"], "torch_dtype": "bfloat16",
         "text_config": {"model_type": "gemma3n_text", "hidden_size": 2048, "num_hidden_layers": 35, "num_attention_heads": 8,
           "num_key_value_heads": 2, "head_dim": 256, "intermediate_size": 16384, "sliding_window": 512,
           "num_kv_shared_layers": 15, "vocab_size": 262400, "max_position_embeddings": 32768,
           "layer_types": ["sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention", "full_attention",
             "sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention", "full_attention",
             "sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention", "full_attention",
             "sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention", "full_attention",
             "sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention", "full_attention",
             "sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention", "full_attention",
             "sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention", "full_attention"]}}
        """

    @Test("Gemma 3n: the last 15 layers read layers 18 (sliding) and 19 (full); only 20 layers hold a cache")
    func gemma3n() throws {
        let spec = try ProfileStore.parseModel(Data(Self.gemma3nE4B.utf8), file: "gemma-3n-e4b/config.json")
        // Slots: layers 0..19 only (16 sliding of 512 + 4 full), 2 x 256 x 2 x 2 = 2,048 B per position each.
        #expect(spec.caches.count == 20)
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 4 * 2048)
        // At 32K: 4 x 32768 x 2048 + 16 x 512 x 2048 = 268,435,456 + 16,777,216.
        #expect(spec.kvCacheBytes(batch: 1, tokens: 32768, dtype: .bf16) == 285_212_672)
        let reads = spec.layerBlocks.map { b -> Int? in if case .layer(let j) = b.mixer.attention!.kv { j } else { nil } }
        #expect(reads[20..<35].allSatisfy { $0 == 18 || $0 == 19 })
        #expect(reads[24] == 19 && reads[20] == 18 && reads[34] == 19)
        #expect(reads[0..<20].allSatisfy { $0 == nil })
        #expect(spec.family.contains("not modelled"))
    }

    @Test("Qwen2 windows only layers at or above max_window_layers, and only with use_sliding_window")
    func qwenWindows() throws {
        let base = try JSONSerialization.jsonObject(with: Data(contentsOf: HFFixtures.directory.appendingPathComponent("Qwen--Qwen2.5-7B.json"))) as! [String: Any]
        var on = base
        on["use_sliding_window"] = true
        on["max_window_layers"] = 20
        on["sliding_window"] = 4096
        let spec = try ProfileStore.parseModel(try JSONSerialization.data(withJSONObject: on), file: "qwen/config.json")
        let spans = spec.layerBlocks.map { $0.mixer.attention!.span }
        #expect(spans[..<20].allSatisfy { $0 == .full })
        #expect(spans[20...].allSatisfy { $0 == .sliding(window: 4096) })
        // 20 full layers of 4 x 128 x 4 bytes per token.
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 20 * 2048)
        on["use_sliding_window"] = false
        #expect(try ProfileStore.parseModel(try JSONSerialization.data(withJSONObject: on), file: "qwen/config.json").attentionSpans == [.full])
    }

    @Test("Mistral: an absent sliding_window is 4096 (the class default), null is none")
    func mistralWindow() throws {
        var o = try JSONSerialization.jsonObject(with: Data(contentsOf: HFFixtures.directory.appendingPathComponent("mistralai--Mistral-7B-v0.1.json"))) as! [String: Any]
        o["sliding_window"] = nil
        #expect(try ProfileStore.parseModel(try JSONSerialization.data(withJSONObject: o), file: "m/config.json").attentionSpans == [.sliding(window: 4096)])
        o["sliding_window"] = NSNull()
        #expect(try ProfileStore.parseModel(try JSONSerialization.data(withJSONObject: o), file: "m/config.json").attentionSpans == [.full])
    }

    @Test("a directory as --model reads its config.json; the id is the file's stem or _name_or_path")
    func directoryAndID() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-hfdir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = try Data(contentsOf: HFFixtures.directory.appendingPathComponent("google--gemma-2-9b-it.json"))
        try bytes.write(to: dir.appendingPathComponent("config.json"))
        try bytes.write(to: dir.appendingPathComponent("other.json"))
        #expect(try Fixtures.store.loadModel(dir.path).id == dir.lastPathComponent)
        #expect(try Fixtures.store.loadModel(dir.appendingPathComponent("other.json").path).id == "other")
    }

    @Test("a hub id that is not on disk is explained, not read as a missing profile")
    func hubID() {
        let e = #expect(throws: ProfileLocationError.self) { try Fixtures.store.loadModel("google/gemma-2-9b") }
        #expect(e?.message.contains("Hugging Face hub id") == true)
    }
}

@Suite("Profiles of the new families")
struct NewFamilyProfileTests {
    @Test("each profile loads with the figures derived from its config", arguments: [
        // (id, parameters, KV bytes per token in the profile's KV dtype)
        ("gemma-2-9b", Int128(9_241_705_984), Int128(172_032)),        // as the gemma-2-9b-it fixture
        ("gemma-3-27b", 27_009_346_304, 81_920),                       // 10 full layers x 16 x 128 x 4
        ("gemma-3n-e4b", 4_396_457_728, 8192),                         // 4 cached full layers x 2 x 256 x 4
        ("qwen3-8b", 8_190_735_360, 147_456),
        ("llama-3.1-8b", 8_030_261_248, 131_072),
        ("llama-3.1-70b", 70_553_706_496, 327_680),                    // 80 x 8 x 128 x 4
        // transformer-3b, 2*100288*3072 + 26*(2*3072^2 + 2*3072*1024 + 3*3072*8192 + 2*3072) + 3072 = 3,233,577,984,
        // less the 13 readers' Wk, Wv (2 x 3072 x 1024 each); 13 slots x 4 KiB.
        ("transformer-3b-cla2", 3_233_577_984 - 13 * 2 * 3072 * 1024, 13 * 4096),
    ] as [(String, Int128, Int128)])
    func figures(id: String, parameters: Int128, kvPerToken: Int128) throws {
        let spec = try Fixtures.store.loadModel(id)
        #expect(spec.id == id)
        #expect(spec.parameterCount.total == parameters)
        #expect(spec.kvBytesPerToken(dtype: spec.dtypes.kvCache) == kvPerToken)
        #expect(!spec.source.isEmpty)
    }

    @Test("gemma-3n-e4b: the 4,396,457,728 parameters are 262400 x 2048 embedding + 35 blocks (readers without Wk, Wv)")
    func gemma3nCount() throws {
        let spec = try Fixtures.store.loadModel("gemma-3n-e4b")
        // per own layer: q 2048 x 2048, k, v 2048 x 512 each, o 2048 x 2048, q/k norms 2 x 256, GeGLU 3 x 2048 x 16384,
        // 4 norms x 2048; a reader drops k, v and the k norm. 20 own + 15 readers, final norm, tied embedding.
        let own: Int128 = 2 * 2048 * 2048 + 2 * 2048 * 512 + 512 + 3 * 2048 * 16384 + 4 * 2048
        let reader: Int128 = 2 * 2048 * 2048 + 256 + 3 * 2048 * 16384 + 4 * 2048
        #expect(spec.parameterCount.total == 262_400 * 2048 + 20 * own + 15 * reader + 2048)
    }
}

@Suite("Every refusal of the importer")
struct ImportRefusalUnitTests {
    static func llama(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        var o = try JSONSerialization.jsonObject(with: Data(contentsOf: HFFixtures.directory.appendingPathComponent("meta-llama--Llama-3.1-8B.json"))) as! [String: Any]
        edit(&o)
        return try JSONSerialization.data(withJSONObject: o)
    }

    @Test("each architecture-changing key, switched on in a dense config, is named with the family and what is missing",
          arguments: Unmodelled.keys.map(\.key))
    func key(key: String) throws {
        let data = try Self.llama { $0[key] = 4 }
        let e = #expect(throws: ProfileError.self) { try ProfileStore.parseModel(data, file: "x/config.json") }
        #expect(e?.field == key)
        #expect(e?.description.contains("(llama)") == true && e?.description.contains("not modelled yet") == true, "\(String(describing: e))")
    }

    @Test("each family that always uses them is refused, naming its signature key or model_type",
          arguments: Unmodelled.familyKinds.keys.sorted())
    func family(modelType: String) throws {
        let data = try Self.llama { $0["model_type"] = modelType }
        let e = #expect(throws: ProfileError.self) { try ProfileStore.parseModel(data, file: "x/config.json") }
        #expect(e?.field == "model_type")
        #expect(e?.description.contains("(\(modelType))") == true && e?.description.contains("not modelled yet") == true, "\(String(describing: e))")
    }
}
