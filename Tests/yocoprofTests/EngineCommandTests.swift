// End-to-end: `capacity --engine` reproduces published start-up logs (Reports/engine-logs/startup-logs.csv),
// `--weight-format`/`--kv-format` and a quantization_config read, and their usage errors.

import Foundation
import Testing

@Suite("capacity --engine and quantised formats, end to end")
struct EngineCommandTests {
    static let hf = Binary.repoRoot.appendingPathComponent("Tests/Fixtures/hf")
    static let llama = hf.appendingPathComponent("meta-llama--Llama-3.1-8B.json").path
    static let awq = hf.appendingPathComponent("hugging-quants--Meta-Llama-3.1-8B-Instruct-AWQ-INT4.ASSEMBLED.json").path

    static func row(_ args: [String]) throws -> [String: Any] {
        let r = try Binary.run(args + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try r.object()
        if let rows = o["rows"] as? [[String: Any]], let first = rows.first { return first }
        return o
    }

    static func int(_ v: Any?) -> Int? { (v as? NSNumber)?.intValue }

    @Test("lmcache-1739: vLLM V1, Qwen3-14B, Available 6.51 GiB -> 42,656 tokens, 1.30x for 32,768")
    func lmcache() throws {
        // Qwen/Qwen3-14B's shape (40 layers, 40 heads, 8 KV heads of 128); with --kv-cache-memory only
        // the KV geometry counts (the CSV's check column: 40 layers x 8 KV x 128 bf16).
        let config: [String: Any] = ["model_type": "qwen3", "hidden_size": 5120, "intermediate_size": 17408, "num_attention_heads": 40,
                                     "num_key_value_heads": 8, "head_dim": 128, "num_hidden_layers": 40, "vocab_size": 151_936,
                                     "max_position_embeddings": 40960, "tie_word_embeddings": false, "torch_dtype": "bfloat16"]
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qwen3-14b-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: config).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let o = try Self.row(["capacity", "--model", url.path, "--engine", "vllm", "--kv-cache-memory", "6.51GiB", "--max-model-len", "32768"])
        #expect(Self.int(o["kv_pool_tokens"]) == 42_656)
        #expect(Self.int(o["gpu_blocks"]) == 2666)
        #expect((o["log_line"] as? String) == "GPU KV cache size: 42,656 tokens; Maximum concurrency for 32,768 tokens per request: 1.30x")
    }

    @Test("vllm-pr20707: vLLM V1, a Llama-3.1-8B-class model, Available 112.61 GiB -> 922,496 tokens, 23.06x for 40,000")
    func pr20707() throws {
        let o = try Self.row(["capacity", "--model", Self.llama, "--engine", "vllm", "--kv-cache-memory", "112.61GiB", "--max-model-len", "40000"])
        #expect(Self.int(o["kv_pool_tokens"]) == 922_496)
        #expect((o["log_line"] as? String)?.hasSuffix("40,000 tokens per request: 23.06x") == true)
    }

    @Test("vllm-10517-20k: vLLM V0 on an RTX 3090 from total 23.58 GiB, util 0.90, peak_torch 17.06 + non_torch 0.35 GiB")
    func v0FromTheMemoryLine() throws {
        // reserve = peak_torch + non_torch - weights as vLLM loads them (14.98878 GiB) = 2.42122 GiB.
        let o = try Self.row(["capacity", "--model", Self.llama, "--engine", "vllm-v0", "--device-memory", "23.58GiB",
                              "--gpu-memory-utilization", "0.90", "--engine-reserve", "2.42122GiB", "--max-model-len", "20000"])
        #expect(Self.int(o["engine_weight_bytes"]) == 16_094_076_928)
        let blocks = try #require(Self.int(o["gpu_blocks"]))
        // Logged 1952; the three inputs are rounded to 0.01 GiB (±0.0145 GiB = ±7 blocks of 2 MiB).
        #expect(abs(blocks - 1952) <= 7, "\(blocks)")
        #expect((o["log_line"] as? String)?.hasSuffix("for 20000 tokens per request: 1.56x") == true)
    }

    @Test("vllm-10517-29k: vLLM V0 from the logged kv_cache_size 2.89 GiB -> 1478 blocks (±3 for its rounding), 0.82x for 29000")
    func v0FromKVSize() throws {
        let o = try Self.row(["capacity", "--model", Self.llama, "--engine", "vllm-v0", "--kv-cache-memory", "2.89GiB", "--max-model-len", "29000"])
        let blocks = try #require(Self.int(o["gpu_blocks"]))
        #expect(abs(blocks - 1478) <= 3, "±0.005 GiB = ±2.6 blocks: \(blocks)")
        #expect((o["log_line"] as? String)?.hasSuffix("0.82x") == true)
    }

    @Test("an AWQ config reads its format from quantization_config, scales counted: 5,727,854,592 B")
    func awqConfig() throws {
        let o = try Self.row(["memory", "--model", Self.awq, "--context", "1K"])
        #expect(Self.int(o["weight_bytes"]) == 5_727_854_592)
        #expect((o["weight_dtype"] as? String) == "awq-int4-g128")
        // The same count as a what-if on the bf16 config; and a plain dtype flag drops the format.
        let w = try Self.row(["memory", "--model", Self.llama, "--context", "1K", "--weight-format", "awq-int4-g128"])
        #expect(Self.int(w["weight_bytes"]) == 5_727_854_592)
        let plain = try Self.row(["memory", "--model", Self.awq, "--context", "1K", "--weight-dtype", "fp16"])
        #expect(Self.int(plain["weight_bytes"]) == 16_060_522_496)
    }

    @Test("fp8 KV with per-tensor scales: half the bf16 cache plus 2 x 4 B per layer")
    func fp8KV() throws {
        let bf16 = try Self.row(["memory", "--model", Self.llama, "--context", "1000"])
        let fp8 = try Self.row(["memory", "--model", Self.llama, "--context", "1000", "--kv-format", "fp8-tensor"])
        #expect(Self.int(fp8["kv_cache_bytes"]) == Self.int(bf16["kv_cache_bytes"])! / 2 + 32 * 8)
        #expect((fp8["kv_dtype"] as? String) == "fp8-tensor")
    }

    @Test("usage errors name the flag", arguments: [
        (["capacity", "--model", "llama-3.1-8b", "--max-model-len", "4096", "--memory", "80GB"], "need --engine"),
        (["capacity", "--model", "llama-3.1-8b", "--engine", "vllm"], "device memory"),
        (["capacity", "--model", "llama-3.1-8b", "--engine", "vllm", "--memory", "80GB", "--context", "4K"], "do not apply"),
        (["capacity", "--model", "llama-3.1-8b", "--engine", "vllm", "--memory", "80GB", "--gpu-memory-utilization", "1.5"], "(0, 1]"),
        (["memory", "--model", "llama-3.1-8b", "--weight-format", "awq-int8-g128"], "not a format"),
        (["memory", "--model", "llama-3.1-8b", "--kv-format", "int3-g32"], "not a format"),
        (["capacity", "--model", "yoco-3b", "--engine", "vllm", "--memory", "80GB", "--max-model-len", "4096"], "fixed-state"),
    ])
    func usage(args: [String], message: String) throws {
        let r = try Binary.run(args)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test("a compressed-tensors W8A8 block (one group of symmetric int8 per-channel weights) is read; other schemes are refused by name")
    func compressedTensors() throws {
        var o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.llama))) as! [String: Any]
        func group(_ weights: [String: Any]) -> [String: Any] {
            ["quant_method": "compressed-tensors", "ignore": ["lm_head"],
             "config_groups": ["group_0": ["targets": ["Linear"], "weights": weights]]]
        }
        o["quantization_config"] = group(["num_bits": 8, "type": "int", "strategy": "channel", "symmetric": true])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("w8a8-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: o).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let m = try Self.row(["memory", "--model", url.path, "--context", "1K"])
        #expect((m["weight_dtype"] as? String) == "int8-channel")
        // Llama-3.1-8B: linears 6,979,321,856 B + fp32 per-row scales 32 x 43,008 x 4 = 5,505,024 B
        // + bf16 embedding and head 2,101,346,304 B + norms 532,480 B.
        #expect(Self.int(m["weight_bytes"]) == 6_979_321_856 + 5_505_024 + 2_101_346_304 + 532_480)
        o["quantization_config"] = group(["num_bits": 4, "type": "int", "strategy": "group", "group_size": 128, "symmetric": true])
        try JSONSerialization.data(withJSONObject: o).write(to: url)
        let r = try Binary.run(["memory", "--model", url.path, "--context", "1K"])
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains("compressed-tensors") && r.stderr.contains("refusing"), "\(r.stderr)")
    }

    @Test("quantization_config keys that change the layout are refused by name (exit 65); dynamic activation scales are read", arguments: [
        (#"{"quant_method": "gptq", "bits": 4, "group_size": 128, "checkpoint_format": "gptq_v2"}"#, "checkpoint_format"),
        (#"{"quant_method": "gptq", "bits": 4, "group_size": 128, "modules_in_block_to_quantize": [["self_attn.q_proj"]]}"#, "modules_in_block_to_quantize"),
        (#"{"quant_method": "fp8", "ignored_layers": ["lm_head"], "modules_to_not_convert": ["model.layers.0.mlp"]}"#, "modules_to_not_convert"),
        (#"{"quant_method": "compressed-tensors", "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 8, "type": "int", "strategy": "channel", "symmetric": true}, "input_activations": {"num_bits": 8, "type": "int", "strategy": "tensor", "dynamic": false, "symmetric": true}}}}"#,
         "input_activations"),
        (#"{"quant_method": "compressed-tensors", "config_groups": {"group_0": {"targets": ["Attention"], "weights": {"num_bits": 8, "type": "int", "strategy": "channel", "symmetric": true}}}}"#, "targets"),
        (#"{"quant_method": "compressed-tensors", "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 8, "type": "int", "strategy": "channel", "symmetric": true}, "input_activations": {"num_bits": 8, "type": "int", "strategy": "token", "dynamic": true, "symmetric": true}}}}"#, nil),
        (#"{"quant_method": "fp8", "ignored_layers": ["lm_head"], "modules_to_not_convert": ["lm_head"]}"#, nil),
    ] as [(String, String?)])
    func quantizationRefusals(config: String, key: String?) throws {
        var o = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.llama))) as! [String: Any]
        o["quantization_config"] = try JSONSerialization.jsonObject(with: Data(config.utf8))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qc-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: o).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let r = try Binary.run(["memory", "--model", url.path, "--context", "1K"])
        guard let key else {
            #expect(r.status == 0, "\(r.stderr)")
            return
        }
        #expect(r.status == 65, "\(r.stderr)")
        #expect(r.stderr.contains(key) && r.stderr.contains("refus"), "\(r.stderr)")
    }

    @Test("vllm-28228 end to end: the published Kimi-Linear config on vllm-0.11.1 at tp 2 and 2.30 GiB -> block 960, 75,840 tokens, one padding layer")
    func kimiLinear() throws {
        let kimi = Self.hf.appendingPathComponent("moonshotai--Kimi-Linear-48B-A3B-Instruct.json").path
        let o = try Self.row(["capacity", "--model", kimi, "--engine", "vllm-0.11.1", "--tp", "2", "--kv-cache-memory", "2.30GiB",
                              "--max-model-len", "120000"])
        #expect(Self.int(o["block_size_tokens"]) == 960)
        #expect(Self.int(o["kv_pool_tokens"]) == 75_840)
        #expect(Self.int(o["kv_layers"]) == 7)
        // At exactly 2.30 GiB the rule gives 319 blocks (2.49x); the log's 2.48x is 318, the lower half of
        // the printed rounding (EngineLogTests has the range).
        #expect((o["log_line"] as? String)?.hasPrefix("Add 1 padding layers; GPU KV cache size: 75,840 tokens;") == true, "\(o)")
        let old = try Binary.run(["capacity", "--model", kimi, "--engine", "vllm", "--tp", "2", "--kv-cache-memory", "2.30GiB", "--max-model-len", "120000"])
        #expect(old.status == 64 && old.stderr.contains("fixed-state"), "\(old.stderr)")
    }

    @Test("sglang on the qwen3-next-80b-a3b profile: its 512-request mamba pool comes off 64 GiB first -> 1,186,474 tokens (EngineLogTests' hand count)")
    func sglangQwen3Next() throws {
        let o = try Self.row(["capacity", "--model", "qwen3-next-80b-a3b", "--engine", "sglang", "--kv-cache-memory", "64GiB", "--max-model-len", "4096"])
        #expect(Self.int(o["kv_pool_tokens"]) == 1_186_474 && Self.int(o["kv_layers"]) == 12)
        let fewer = try Self.row(["capacity", "--model", "qwen3-next-80b-a3b", "--engine", "sglang", "--kv-cache-memory", "64GiB",
                                  "--max-model-len", "4096", "--max-mamba-cache-size", "100"])
        #expect(Self.int(fewer["kv_pool_tokens"]) == 2_481_802)
        let wrong = try Binary.run(["capacity", "--model", "qwen3-next-80b-a3b", "--engine", "vllm", "--kv-cache-memory", "64GiB",
                                    "--max-model-len", "4096", "--max-mamba-cache-size", "100"])
        #expect(wrong.status == 64 && wrong.stderr.contains("--engine sglang"), "\(wrong.stderr)")
    }

    @Test("--pp 2 with --stage-kv-cache-memory: a row per stage and the deployment's (vllm-pr20665, DeepSeek-V2-Lite pp2 x tp2)")
    func pipelineStages() throws {
        let r = try Binary.run(["capacity", "--model", "deepseek-v2-lite", "--engine", "vllm", "--tp", "2", "--pp", "2", "--block-size", "16",
                                "--stage-kv-cache-memory", "12.13GiB,11.33GiB", "--max-model-len", "1024", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(rows.map { $0["stage"] as? String } == ["0", "1", "all"])
        #expect(rows.map { $0["stage_layers"] as? String } == ["0-13", "14-26", "0-26"])
        // 12.13 GiB (13,024,488,325 B) / (16 x 1,152 x 14 = 258,048 B) = 50,473 blocks; stage 1 11.33 GiB / 239,616 B = 50,770.
        #expect(rows.map { Self.int($0["gpu_blocks"]) } == [50_473, 50_770, 50_473])
        #expect(Self.int(rows.last?["kv_pool_tokens"]) == 50_473 * 16)
        // A stage's workers log their own budget; the pool's lines are the unified count's.
        #expect(rows.first?["log_line"] as? String == "Available KV cache memory: 12.13 GiB")
        let bad = try Binary.run(["capacity", "--model", "deepseek-v2-lite", "--engine", "vllm", "--stage-kv-cache-memory", "1GiB,1GiB",
                                  "--max-model-len", "1024"])
        #expect(bad.status == 64, "\(bad.stderr)")
    }

    @Test("--tp 4: one rank's pool (Llama-3.1-70B on H100-SXM: 2 KV heads and a quarter of the weights per rank)")
    func tensorParallel() throws {
        let o = try Self.row(["capacity", "--model", "llama-3.1-70b", "--engine", "vllm", "--hardware", "h100-sxm-80gb", "--tp", "4",
                              "--max-model-len", "32768"])
        // Weights per rank 35,278,831,616 B (the hand count in Deployment/ModelSpec+Sharding.swift) + RoPE cache 131072 x 128 x 2 B.
        #expect(Self.int(o["engine_weight_bytes"]) == 35_278_831_616 + 33_554_432)
        // A block: 16 tokens x 80 layers x 2 (K, V) x 2 heads x 128 x 2 B.
        #expect(Self.int(o["block_bytes"]) == 1_310_720)
        let pp = try Binary.run(["capacity", "--model", "llama-3.1-70b", "--engine", "vllm", "--hardware", "h100-sxm-80gb", "--pp", "2"])
        #expect(pp.status == 64 && pp.stderr.contains("pipeline"), "\(pp.stderr)")
    }
}
