// Pure state-space stacks (model_type mamba and mamba2) read from their public config.json files
// (Tests/Fixtures/hf; provenance in Tests/Fixtures/hf/SOURCES.md) and checked against totals derived
// by hand from the tensor shapes of transformers' MambaMixer / Mamba2Mixer (no stored exact total
// was found for either checkpoint; the closed forms fall in the size class each name states). Every layer is one RMSNorm and one mixer: no KV cache at all.

import CostModel
import Foundation
import Testing
@testable import ProfileStore

@Suite("Hugging Face pure state-space families, exact")
struct StateSpaceFamilyTests {
    @Test("mamba-2.8b-hf: 64 Mamba layers, 2,768,345,600 parameters, no KV, 97,280 state elements per layer")
    func mamba() throws {
        let spec = try HFFixtures.load("state-spaces--mamba-2.8b-hf")
        #expect(spec.layers == 64)
        // d 2560, di 5120, N 16, R 160, K 4; per layer:
        //   in_proj 2560 x 10240 = 26,214,400; conv 5120 x 4 + 5120 bias = 25,600; x_proj 5120 x (160 + 32) = 983,040;
        //   dt_proj 160 x 5120 + 5120 = 824,320; A_log 5120 x 16 = 81,920; D 5120; out_proj 5120 x 2560 = 13,107,200;
        //   RMSNorm 2560: 41,244,160.  64 x 41,244,160 + 50280 x 2560 (tied) + 2560 = 2,768,345,600.
        #expect(spec.parameterCount.total == 2_768_345_600)
        #expect(spec.tiedEmbeddings)
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 0)
        // 64 x (3 x 5120 conv + 5120 x 16 SSM) = 64 x 97,280 elements, x 2 B.
        #expect(spec.stateBytes(batch: 1, dtype: .bf16) == 12_451_840)
        #expect(spec.stateBytes(batch: 3, dtype: .fp32) == 3 * 24_903_680)
        // torch_dtype float32: the weights are counted in fp32 as the file says.
        #expect(spec.dtypes.weights == .fp32)
        // The profile wraps the same file with torch_dtype bfloat16, the dtype a server runs it in.
        let profile = try Fixtures.store.loadModel("mamba-2.8b")
        #expect(profile.runs == spec.runs && profile.parameterCount == spec.parameterCount)
        #expect(profile.dtypes.weights == .bf16)
    }

    @Test("Mamba-Codestral-7B: 64 Mamba2 layers, 7,285,403,648 parameters, no KV, 1,079,296 state elements per layer")
    func mamba2() throws {
        let spec = try HFFixtures.load("mistralai--Mamba-Codestral-7B-v0.1")
        #expect(spec.layers == 64)
        // d 4096, 128 heads of 64 (di 8192), G 8, N 128, K 4; per layer:
        //   in_proj 4096 x (2 x 8192 + 2 x 8 x 128 + 128) = 4096 x 18560 = 76,021,760; conv (8192 + 2048) x 4 + 10240 = 51,200;
        //   dt_bias, A_log, D 3 x 128 = 384; gated RMSNorm 8192; out_proj 8192 x 4096 = 33,554,432; RMSNorm 4096: 109,640,064.
        //   64 x 109,640,064 + 2 x 32768 x 4096 (untied) + 4096 = 7,285,403,648.
        #expect(spec.parameterCount.total == 7_285_403_648)
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 0)
        // 64 x (3 x 10,240 conv + 128 x 128 x 64 SSM) = 64 x 1,079,296 elements, x 2 B.
        #expect(spec.stateBytes(batch: 1, dtype: .bf16) == 138_149_888)
        let profile = try Fixtures.store.loadModel("mamba-codestral-7b")
        #expect(profile.runs == spec.runs && profile.parameterCount == spec.parameterCount)
    }

    @Test("transformers' defaults: a bare mamba config is MambaConfig(), a bare mamba2 config is Mamba2Config()")
    func defaults() throws {
        // MambaConfig(): d 768, 32 layers, V 50280 tied, N 16, expand 2, K 4, R ceil(768 / 16) = 48.
        //   Per layer 768 x 3072 + 1536 x 4 + 1536 + 1536 x (48 + 32) + 48 x 1536 + 1536 + 1536 x 16 + 1536 + 1536 x 768 + 768
        //   = 2,359,296 + 7,680 + 122,880 + 75,264 + 24,576 + 1,536 + 1,179,648 + 768 = 3,771,648;
        //   32 x 3,771,648 + 50280 x 768 + 768 (final norm) = 159,308,544.
        let v1 = try HybridFixtures.load("state-spaces--mamba-2.8b-hf") { o in o = ["model_type": "mamba"] }
        #expect(v1.parameterCount.total == 159_308_544)
        // Mamba2Config() is Codestral's shape but for V 32768 untied (the same) and chunk 256: the same total.
        let v2 = try HybridFixtures.load("mistralai--Mamba-Codestral-7B-v0.1") { o in o = ["model_type": "mamba2"] }
        #expect(v2.parameterCount.total == 7_285_403_648)
    }

    @Test("a Mamba2 config whose heads do not fill hidden x expand is refused by name, as Mamba2Config refuses it")
    func inconsistentHeads() throws {
        do {
            _ = try HybridFixtures.load("mistralai--Mamba-Codestral-7B-v0.1") { $0["num_heads"] = 64 }
            Issue.record("64 heads of 64 against 4096 x 2 imported")
        } catch {
            #expect("\(error)".contains("`num_heads`") && "\(error)".contains("hidden_size"), "\(error)")
        }
    }
}
