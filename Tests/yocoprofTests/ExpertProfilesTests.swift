// End-to-end: the mixture-of-experts and latent-attention profiles through the built binary.

import Foundation
import Testing

@Suite("Expert and latent profiles, end to end")
struct ExpertProfilesTests {
    static func json(_ args: [String]) throws -> [String: Any] {
        let r = try Binary.run(args + ["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let any = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        return (any as? [String: Any]) ?? ((any as? [[String: Any]])?.first ?? [:])
    }

    @Test("Mixtral-8x7B in bf16: 46,702,792,704 parameters, 93,405,585,408 B of weights, 131,072 B of KV per token")
    func mixtralMemory() throws {
        let m = try Self.json(["memory", "--model", "mixtral-8x7b", "--context", "4K"])
        #expect(m["parameters"] as? Int == 46_702_792_704)
        #expect(m["active_parameters"] as? Int == 12_879_925_248)
        #expect(m["weight_bytes"] as? Int == 93_405_585_408)
        #expect(m["kv_cache_bytes_per_token"] as? Int == 131_072)
    }

    @Test("capacity --hardware h100-sxm-80gb: Mixtral-8x7B does not fit, bound by the weights")
    func mixtralCapacity() throws {
        let c = try Self.json(["capacity", "--model", "mixtral-8x7b", "--hardware", "h100-sxm-80gb"])
        #expect(c["fits"] as? Bool == false)
        #expect(c["limited_by"] as? String == "weights")
        #expect(c["max_context_tokens"] as? Int == 0)
    }

    @Test("KV per token in bf16: DeepSeek-V3 70,272 B (latent), gpt-oss-20b 24,576 B (12 full layers)", arguments: [
        ("deepseek-v3", 70_272, 0), ("gpt-oss-20b", 24_576, 3_145_728), ("deepseek-v2-lite", 31_104, 0),
        ("qwen3-30b-a3b", 98_304, 0), ("gpt-oss-120b", 36_864, 4_718_592), ("llama-4-scout", 49_152, 1_207_959_552),
    ])
    func kvPerToken(model: String, perToken: Int, windowed: Int) throws {
        let r = try Binary.run(["inspect", "--model", model, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let summary = (o["summary"] as? [[String: Any]])?.first ?? (o["summary"] as? [String: Any]) ?? [:]
        #expect(summary["kv_cache_bytes_per_token"] as? Int == perToken)
        // windowed (gpt-oss: 12 x 128 x 8 x 64 x 2 x 2) and chunked (Llama 4: 36 x 8192 x 8 x 128 x 2 x 2) slots when full
        #expect(summary["windowed_kv_bytes_when_full"] as? Int == windowed)
        #expect((summary["active_parameters"] as? Int ?? 0) < (summary["parameters"] as? Int ?? 0))
    }

    @Test("--mla-form changes latent attention's FLOPs only where the form differs: naive decode up-projects every position")
    func mlaForm() throws {
        let base = ["estimate", "--model", "deepseek-v3", "--hardware", "h100-sxm-80gb", "--context", "4K", "--generate", "16", "--batch", "1"]
        let standard = try Self.json(base)
        let naive = try Self.json(base + ["--mla-form", "naive"])
        let absorbed = try Self.json(base + ["--mla-form", "absorbed"])
        // default = naive prefill, absorbed decode
        #expect(standard["prefill_flops"] as? Int == naive["prefill_flops"] as? Int)
        #expect(standard["decode_step_flops"] as? Int == absorbed["decode_step_flops"] as? Int)
        #expect((naive["decode_step_flops"] as? Int ?? 0) > (absorbed["decode_step_flops"] as? Int ?? 0))
        // the cache read is the latent either way
        #expect(naive["decode_step_bytes"] as? Int == absorbed["decode_step_bytes"] as? Int)
        let r = try Binary.run(base + ["--mla-form", "fused"])
        #expect(r.status == 64)
    }

    @Test("--experts-touched 1 reads every expert a decode step can reach; out of (0, 1] is a usage error")
    func expertsTouched() throws {
        let base = ["estimate", "--model", "mixtral-8x7b", "--hardware", "h100-sxm-80gb", "--context", "1K", "--generate", "16", "--batch", "4"]
        let uniform = try Self.json(base)
        let all = try Self.json(base + ["--experts-touched", "1"])
        // Batch 4, k 2 of 8: uniform routing touches 8 (1 - (3/4)^4) = 5.46875 experts; all 8 is
        // 2.53125 more of 3 x 4096 x 14336 x 2 = 352,321,536 B each, on each of 32 layers.
        #expect((all["decode_step_bytes"] as? Int ?? 0) - (uniform["decode_step_bytes"] as? Int ?? 0) == 32 * 891_813_888)
        // Batch 1 makes k = 2 picks: a stated fraction cannot read more than those 2 experts.
        let one = ["estimate", "--model", "mixtral-8x7b", "--hardware", "h100-sxm-80gb", "--context", "1K", "--generate", "16", "--batch", "1"]
        #expect(try Self.json(one + ["--experts-touched", "1"])["decode_step_bytes"] as? Int == Self.json(one)["decode_step_bytes"] as? Int)
        #expect(try Binary.run(base + ["--experts-touched", "0"]).status == 64)
    }
}
