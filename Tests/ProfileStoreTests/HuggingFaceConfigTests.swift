// Hugging Face config.json files load as Transformer specs, with the config's defaults and its own
// key names in error messages.

import CostModel
import Foundation
import Testing
@testable import ProfileStore

@Suite("Hugging Face config.json")
struct HuggingFaceConfigTests {
    /// meta-llama/Meta-Llama-3-8B config.json, complete (keys the loader ignores included).
    static let llama3 = """
        {
          "architectures": ["LlamaForCausalLM"],
          "attention_bias": false,
          "attention_dropout": 0.0,
          "bos_token_id": 128000,
          "eos_token_id": 128001,
          "hidden_act": "silu",
          "hidden_size": 4096,
          "initializer_range": 0.02,
          "intermediate_size": 14336,
          "max_position_embeddings": 8192,
          "model_type": "llama",
          "num_attention_heads": 32,
          "num_hidden_layers": 32,
          "num_key_value_heads": 8,
          "pretraining_tp": 1,
          "rms_norm_eps": 1e-05,
          "rope_scaling": null,
          "rope_theta": 500000.0,
          "tie_word_embeddings": false,
          "torch_dtype": "bfloat16",
          "transformers_version": "4.40.0.dev0",
          "use_cache": true,
          "vocab_size": 128256
        }
        """

    /// mistralai/Mistral-7B-v0.1 config.json.
    static let mistral = """
        {
          "architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
          "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
          "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mistral",
          "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
          "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096,
          "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.34.0.dev0",
          "use_cache": true, "vocab_size": 32000
        }
        """

    /// Qwen2-7B style: a window is named but switched off.
    static let qwen2 = """
        {
          "architectures": ["Qwen2ForCausalLM"], "hidden_size": 3584, "intermediate_size": 18944,
          "max_window_layers": 28, "model_type": "qwen2", "num_attention_heads": 28,
          "num_hidden_layers": 28, "num_key_value_heads": 4, "rope_theta": 1000000.0,
          "sliding_window": 131072, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
          "use_sliding_window": false, "vocab_size": 152064
        }
        """

    static func parse(_ text: String, _ file: String = "config.json") throws(ProfileError) -> ModelSpec {
        try ProfileStore.parseModel(Data(text.utf8), file: file)
    }

    static func edited(_ text: String, _ edit: (inout [String: Any]) -> Void) throws -> String {
        var o = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        edit(&o)
        return String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self)
    }

    @Test("Llama-3-8B config.json = Profiles/models/llama-3-8b.json (parameters and KV bytes, exactly)")
    func llama3MatchesProfile() throws {
        let hf = try Self.parse(Self.llama3)
        let profile = try Fixtures.store.loadModel("llama-3-8b")
        #expect(hf.attentionSpans == [.full])
        #expect(hf.parameterCount == profile.parameterCount)
        #expect(hf.parameterCount.total == 8_030_261_248)  // the published Llama-3-8B count
        #expect(hf.kvBytesPerToken(dtype: .bf16) == profile.kvBytesPerToken(dtype: .bf16))
        #expect(hf.kvBytesPerToken(dtype: .bf16) == 32 * 2 * 8 * 128 * 2)
        #expect(hf.headDim == 128)  // no head_dim key: d / H
        #expect(hf.dtypes == .uniform(.bf16))
        #expect(hf.tiedEmbeddings == false)
    }

    @Test("Mistral-7B config.json keeps its 4096 window and matches the profile")
    func mistralWindow() throws {
        let hf = try Self.parse(Self.mistral)
        let profile = try Fixtures.store.loadModel("mistral-7b")
        #expect(hf.attentionSpans == [.sliding(window: 4096)])
        #expect(hf.parameterCount == profile.parameterCount)
        #expect(hf.kvCacheBytes(batch: 1, tokens: 32768, dtype: .bf16) == profile.kvCacheBytes(batch: 1, tokens: 32768, dtype: .bf16))
        // The ring holds 4096 positions: 32K tokens cost what 4K do.
        #expect(hf.kvCacheBytes(batch: 1, tokens: 32768, dtype: .bf16) == hf.kvCacheBytes(batch: 1, tokens: 4096, dtype: .bf16))
    }

    @Test("use_sliding_window false (Qwen2) ignores the window; true windows the layers from max_window_layers on")
    func qwen2WindowOff() throws {
        #expect(try Self.parse(Self.qwen2).attentionSpans == [.full])
        // On, but max_window_layers (28) keeps every one of the 28 layers full (transformers' rule).
        let on = try Self.edited(Self.qwen2) { $0["use_sliding_window"] = true }
        #expect(try Self.parse(on).attentionSpans == [.full])
        let notBool = try Self.edited(Self.qwen2) { $0["use_sliding_window"] = 1 }
        #expect(throws: ProfileError.self) { try Self.parse(notBool) }
        let upper = try Self.edited(Self.qwen2) { $0["use_sliding_window"] = true; $0["max_window_layers"] = 14 }
        #expect(try Self.parse(upper).attentionSpans == [.full, .sliding(window: 131072)])
        let nullWindow = try Self.edited(Self.mistral) { $0["sliding_window"] = NSNull() }
        #expect(try Self.parse(nullWindow).attentionSpans == [.full])
    }

    @Test("defaults: no num_key_value_heads is MHA, no head_dim is d/H, no torch_dtype is bf16")
    func defaults() throws {
        let text = try Self.edited(Self.llama3) {
            $0["num_key_value_heads"] = nil
            $0["torch_dtype"] = nil
        }
        let spec = try Self.parse(text)
        #expect(spec.kvHeads == 32)
        #expect(spec.headDim == 4096 / 32)
        #expect(spec.dtypes == .uniform(.bf16))
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 32 * 2 * 4096 * 2)
    }

    @Test("an explicit head_dim wins over d/H; torch_dtype and tie_word_embeddings are read")
    func explicitValues() throws {
        let text = try Self.edited(Self.llama3) {
            $0["head_dim"] = 64
            $0["torch_dtype"] = "float16"
            $0["tie_word_embeddings"] = true
        }
        let spec = try Self.parse(text)
        #expect(spec.headDim == 64)
        #expect(spec.dtypes == .uniform(.fp16))
        #expect(spec.tiedEmbeddings)
        #expect(spec.kvBytesPerToken(dtype: .fp16) == 32 * 2 * 8 * 64 * 2)
    }

    @Test("errors use the config's key names", arguments: [
        // (key, raw JSON, key the error must name, text the message must contain)
        ("num_key_value_heads", "5", "num_key_value_heads", "`num_attention_heads`"),
        ("num_key_value_heads", "\"8\"", "num_key_value_heads", "integer"),
        ("num_key_value_heads", "0", "num_key_value_heads", "between 1"),
        ("num_hidden_layers", "0", "num_hidden_layers", "between 1"),
        ("num_hidden_layers", "32.5", "num_hidden_layers", "whole"),
        ("hidden_size", "-4096", "hidden_size", "received"),
        ("num_attention_heads", "0", "num_attention_heads", "at least 1"),
        ("intermediate_size", "true", "intermediate_size", "integer"),
        ("vocab_size", "null", "vocab_size", "required"),
        ("head_dim", "0", "head_dim", "between 1"),
        ("sliding_window", "16777217", "sliding_window", "16777216"),
        ("torch_dtype", "\"float64\"", "torch_dtype", "\"float64\""),
        ("tie_word_embeddings", "\"no\"", "tie_word_embeddings", "true or false"),
    ] as [(String, String, String, String)])
    func configKeyNames(key: String, literal: String, named: String, says: String) throws {
        let object = try JSONSerialization.jsonObject(with: Data(Self.mistral.utf8)) as! [String: Any]
        let data = try Fixtures.mutated(object, key, literal)
        let e = #expect(throws: ProfileError.self) { try ProfileStore.parseModel(data, file: "mistral/config.json") }
        #expect(e?.field == named, "\(String(describing: e))")
        #expect(e?.description.hasPrefix("mistral/config.json: `\(named)` ") == true, "\(String(describing: e))")
        #expect(e?.description.contains(says) == true, "\(String(describing: e))")
    }

    @Test("a config without head_dim whose hidden_size is not a multiple of the heads is rejected")
    func indivisibleHeadDim() throws {
        let text = try Self.edited(Self.llama3) { $0["hidden_size"] = 4100 }
        let e = #expect(throws: ProfileError.self) { try Self.parse(text) }
        #expect(e?.field == "hidden_size", "\(String(describing: e))")
        // With an explicit head_dim the widths need not agree (Gemma-style configs).
        let explicit = try Self.edited(Self.llama3) { $0["hidden_size"] = 4100; $0["head_dim"] = 128 }
        #expect(try Self.parse(explicit).headDim == 128)
    }

    @Test("a config missing num_hidden_layers is still read as a config, and says what is missing")
    func missingLayers() throws {
        let text = try Self.edited(Self.llama3) { $0["num_hidden_layers"] = nil }
        let e = #expect(throws: ProfileError.self) { try Self.parse(text) }
        #expect(e?.field == "num_hidden_layers", "\(String(describing: e))")
        #expect(e?.constraint.contains("required") == true)
    }

    @Test("newer transformers write `dtype` instead of `torch_dtype`")
    func dtypeKey() throws {
        let text = try Self.edited(Self.llama3) { $0["torch_dtype"] = nil; $0["dtype"] = "float32" }
        #expect(try Self.parse(text).dtypes == .uniform(.fp32))
    }

    @Test("by path: the id is _name_or_path, else the folder name")
    func idFromPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-hf-\(UUID().uuidString)/Meta-Llama-3-8B")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let file = dir.appendingPathComponent("config.json")
        try Data(Self.llama3.utf8).write(to: file)
        #expect(try Fixtures.store.loadModel(file.path).id == "Meta-Llama-3-8B")
        let named = try Self.edited(Self.llama3) { $0["_name_or_path"] = "meta-llama/Meta-Llama-3-8B" }
        try Data(named.utf8).write(to: file)
        let spec = try Fixtures.store.loadModel(file.path)
        #expect(spec.id == "meta-llama/Meta-Llama-3-8B")
        #expect(spec.source.contains(file.path))
    }
}
