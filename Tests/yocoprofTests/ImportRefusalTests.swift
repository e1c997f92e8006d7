// End-to-end: every refusal of the Hugging Face importer exits 65 (64 for a hub id) with one line
// that names the key, the family and what is not modelled; nothing is printed on stdout.

import Foundation
import Testing

@Suite("config.json refusals, end to end")
struct ImportRefusalTests {
    static let hf = Binary.repoRoot.appendingPathComponent("Tests/Fixtures/hf")

    static func temporary(_ object: [String: Any]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("yocoprof-refusal-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        return url
    }

    static func llama(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        var o = try JSONSerialization.jsonObject(with: Data(contentsOf: hf.appendingPathComponent("meta-llama--Llama-3.1-8B.json"))) as! [String: Any]
        edit(&o)
        return try temporary(o)
    }

    static func expectRefusal(_ path: String, code: Int32 = 65, names: [String]) throws {
        let r = try Binary.run(["memory", "--model", path, "--context", "32K", "--format", "csv"])
        #expect(r.status == code, "\(r.stderr)")
        #expect(r.stdout.isEmpty, "\(r.stdout)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        for n in names { #expect(r.stderr.contains(n), "\(n) not in: \(r.stderr)") }
    }

    // DeepSeek-V3 as published (fp8 blocks on latent attention) imports: `memory` prices it.
    @Test("the published DeepSeek-V3 config prices its fp8 block-scaled weights")
    func publishedDeepSeekV3() throws {
        let r = try Binary.run(["memory", "--model", Self.hf.appendingPathComponent("deepseek-ai--DeepSeek-V3.json").path, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("fp8-block128") && r.stdout.contains("673150611808"), "\(r.stdout)")
    }

    @Test("a config without model_type is refused, not read as a Llama")
    func noModelType() throws {
        let url = try Self.llama { $0["model_type"] = nil }
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.expectRefusal(url.path, names: ["`model_type`", "is missing", "guesses none"])
    }

    @Test("architecture-changing keys in a dense family are refused by name", arguments: [
        ("kv_lora_rank", "512", ["`kv_lora_rank`", "(llama)", "latent attention"]),
        ("num_local_experts", "8", ["`num_local_experts`", "(llama)", "mixture-of-experts"]),
        ("attention_chunk_size", "8192", ["`attention_chunk_size`", "(llama)", "chunked-local"]),
        ("quantization_config", "{\"quant_method\": \"bitsandbytes\"}", ["`quantization_config.quant_method`", "(llama)", "not modelled", "bitsandbytes"]),
        ("quantization_config", "{\"quant_method\": \"awq\", \"bits\": 8}", ["`quantization_config.bits`", "(llama", "4 bits only"]),
        ("quantization_config", "{\"quant_method\": \"gptq\", \"bits\": 4, \"group_size\": 128, \"dynamic\": {\"-:.*\": {}}}", ["`quantization_config.dynamic`", "not modelled"]),
        ("layers_block_type", "[\"mamba\"]", ["`layers_block_type`", "(llama)", "state-space"]),
        ("mlp_bias", "true", ["`mlp_bias`", "(llama)", "not modelled"]),
        ("model_type", "\"bloom\"", ["`model_type`", "bloom", "does not map"]),
        ("model_type", "\"zamba\"", ["`model_type`", "(zamba)", "multi-head Mamba (v1) mixers"]),
        ("model_type", "\"falcon_mamba\"", ["`model_type`", "(falcon_mamba)", "weightless RMSNorms"]),
        ("layer_types", "[\"chunked_attention\"]", ["`layer_types`", "(llama)", "chunked_attention"]),
    ])
    func keys(key: String, literal: String, names: [String]) throws {
        let value = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed)
        let url = try Self.llama { $0[key] = value }
        defer { try? FileManager.default.removeItem(at: url) }
        try Self.expectRefusal(url.path, names: names)
    }

    @Test("a key switched off (null, false, 0) is not a refusal")
    func off() throws {
        let url = try Self.llama { $0["num_local_experts"] = 0; $0["quantization_config"] = NSNull() }
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try Binary.run(["memory", "--model", url.path, "--context", "1K", "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test("a hub id is explained (exit 64)")
    func hubID() throws {
        try Self.expectRefusal("meta-llama/Llama-3.1-8B", code: 64, names: ["hub id", "config.json"])
    }
}
