// Every committed profile loads and validates, and the figures the brief fixes are reproduced
// exactly (analytic numbers: no tolerance anywhere in this file).

import CostModel
import Foundation
import Testing
@testable import ProfileStore

@Suite("Committed profiles")
struct ProfileLoadingTests {
    @Test("the Profiles folder holds the brief's models and hardware")
    func foldersAreNotEmpty() {
        // Guards the parameterised tests below against passing vacuously on an empty folder.
        #expect(Fixtures.ids("models").count >= 20)
        #expect(Fixtures.ids("hardware").count >= 5)
        for id in ["yoco-3b", "transformer-3b", "yoco-65b", "transformer-65b-gqa", "llama-2-7b", "llama-3-8b", "mistral-7b"] {
            #expect(Fixtures.ids("models").contains(id), "missing Profiles/models/\(id).json")
        }
        #expect(Fixtures.ids("hardware").contains("h100-sxm-80gb"))
    }

    @Test("every model profile loads by id and validates", arguments: Fixtures.ids("models"))
    func modelLoads(id: String) throws {
        let spec = try Fixtures.store.loadModel(id)
        #expect(spec.id == id)
        #expect(!spec.source.isEmpty, "every profile names its source")
        try spec.validate()
        #expect(spec.parameterCount.nonEmbedding > 0)
    }

    @Test("every hardware profile loads by id and validates", arguments: Fixtures.ids("hardware"))
    func hardwareLoads(id: String) throws {
        let hw = try Fixtures.store.loadHardware(id)
        #expect(hw.id == id)
        #expect(!hw.source.isEmpty)
        try hw.validate()
        #expect(hw.peakFlopsPerSecond[.bf16] != nil || hw.peakFlopsPerSecond[.fp32] != nil)
    }

    @Test("a profile loads the same by id, by path and from bytes", arguments: ["yoco-3b", "mistral-7b", "yoco-3b-swa"])
    func idPathAndBytesAgree(id: String) throws {
        let byID = try Fixtures.store.loadModel(id)
        let path = Fixtures.profiles.appendingPathComponent("models/\(id).json").path
        let byPath = try Fixtures.store.loadModel(path)
        let byBytes = try ProfileStore.parseModel(try Fixtures.data("models", id), file: "\(id).json")
        #expect(byID == byPath)
        #expect(byID == byBytes)
    }

    @Test("allModels and allHardware list every file in id order")
    func allInOrder() throws {
        #expect(try Fixtures.store.allModels().map(\.id) == Fixtures.ids("models"))
        #expect(try Fixtures.store.allHardware().map(\.id) == Fixtures.ids("hardware"))
    }

    @Test("YOCO-3B: 2,829,133,824 non-embedding parameters, 4 KiB of bf16 KV per token (BRIEF §2)")
    func yoco3B() throws {
        let spec = try Fixtures.store.loadModel("yoco-3b")
        #expect(spec.parameterCount.nonEmbedding == 2_829_133_824)
        #expect(spec.parameterCount.total == 2_829_133_824 + 2 * 100_288 * 3072)
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 4096)
        #expect(spec.selfDecoderLayers == 13)
        // 13 gRet layers x 24 heads x 128 x 128 x 2 B.
        #expect(spec.stateBytes(batch: 1, dtype: .bf16) == 13 * 24 * 128 * 128 * 2)
    }

    @Test("Transformer-3B: 104 KiB of bf16 KV per token (26 layers x 2 x 8 x 128 x 2 B)")
    func transformer3B() throws {
        let spec = try Fixtures.store.loadModel("transformer-3b")
        #expect(spec.kvBytesPerToken(dtype: .bf16) == 106_496)
        #expect(spec.stateBytes(batch: 1, dtype: .bf16) == 0)
    }

    @Test("65B pair: 8 KiB of K+V per layer per token; YOCO keeps one layer's worth")
    func headline65B() throws {
        let t = try Fixtures.store.loadModel("transformer-65b-gqa")
        let y = try Fixtures.store.loadModel("yoco-65b")
        #expect(t.kvBytesPerToken(dtype: .bf16) == 80 * 8192)
        #expect(y.kvBytesPerToken(dtype: .bf16) == 8192)
    }

    @Test("Mistral-7B keeps its 4096-token window; Llama-3-8B has none")
    func windows() throws {
        #expect(try Fixtures.store.loadModel("mistral-7b").attentionSpans == [.sliding(window: 4096)])
        #expect(try Fixtures.store.loadModel("llama-3-8b").attentionSpans == [.full])
    }

    @Test("H100 SXM: 81,559 MiB as nvidia-smi reports it, 512 MiB runtime reserve")
    func h100() throws {
        let hw = try Fixtures.store.loadHardware("h100-sxm-80gb")
        #expect(hw.memoryBytes == 81_559 * 1_048_576)
        #expect(hw.runtimeOverheadBytes == 512 * 1_048_576)
        #expect(hw.peakFlopsPerSecond[.bf16] == 989e12)
        #expect(hw.memoryBandwidthBytesPerSecond == 3.35e12)
    }
}

@Suite("Profiles directory")
struct ProfileDirectoryTests {
    @Test("an id that names no file is an UnknownProfileError listing the known ids")
    func unknownID() throws {
        let error = #expect(throws: UnknownProfileError.self) { try Fixtures.store.loadModel("yoco-4b") }
        #expect(error?.known.contains("yoco-3b") == true)
        #expect(error?.description.contains("yoco-4b") == true)
        let hw = #expect(throws: UnknownProfileError.self) { try Fixtures.store.loadHardware("h300") }
        #expect(hw?.kind == "hardware")
        #expect(hw?.known.contains("h100-sxm-80gb") == true)
    }

    @Test("a file whose id does not match its name is rejected, naming the file and `id`")
    func idMustMatchFileName() throws {
        let dir = try Fixtures.tempProfiles()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try Fixtures.data("models", "yoco-3b").write(to: dir.appendingPathComponent("models/yoco-3b-copy.json"))
        try Fixtures.data("hardware", "h100-sxm-80gb").write(to: dir.appendingPathComponent("hardware/my-gpu.json"))
        // with the efficiency curves it names (relative to its folder), so the id is what fails
        try FileManager.default.copyItem(at: Fixtures.profiles.appendingPathComponent("hardware/efficiency"),
                                         to: dir.appendingPathComponent("hardware/efficiency"))
        let store = ProfileStore(directory: dir)
        let e = #expect(throws: ProfileError.self) { try store.loadModel("yoco-3b-copy") }
        #expect(e?.field == "id")
        #expect(e?.names(file: "Profiles/models/yoco-3b-copy.json", field: "id", value: "\"yoco-3b\"") == true, "\(String(describing: e))")
        let h = #expect(throws: ProfileError.self) { try store.loadHardware("my-gpu") }
        #expect(h?.names(file: "Profiles/hardware/my-gpu.json", field: "id", value: "\"h100-sxm-80gb\"") == true, "\(String(describing: h))")
        // allModels surfaces the same error rather than skipping the file.
        #expect(throws: ProfileError.self) { try store.allModels() }
    }

    @Test("a broken file in a Profiles directory names its path under Profiles/")
    func brokenFileInDirectory() throws {
        let dir = try Fixtures.tempProfiles()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let bad = try Fixtures.mutated(try Fixtures.object("models", "yoco-3b"), "kv_heads", "5")
        try bad.write(to: dir.appendingPathComponent("models/yoco-3b.json"))
        let e = #expect(throws: ProfileError.self) { try ProfileStore(directory: dir).loadModel("yoco-3b") }
        #expect(e?.names(file: "Profiles/models/yoco-3b.json", field: "kv_heads", value: "5") == true, "\(String(describing: e))")
    }

    @Test("hidden files (editor locks, temporaries) and non-JSON files are not profiles")
    func hiddenFilesSkipped() throws {
        let dir = try Fixtures.tempProfiles()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let models = dir.appendingPathComponent("models")
        try Fixtures.data("models", "yoco-3b").write(to: models.appendingPathComponent("yoco-3b.json"))
        try Data("garbage".utf8).write(to: models.appendingPathComponent(".#yoco-3b.json"))
        try Data("garbage".utf8).write(to: models.appendingPathComponent("README.md"))
        let store = ProfileStore(directory: dir)
        #expect(store.modelIDs == ["yoco-3b"])
        #expect(try store.allModels().map(\.id) == ["yoco-3b"])
    }

    @Test("locate: an explicit directory wins; a missing one is an error naming it")
    func locate() throws {
        let dir = try Fixtures.tempProfiles()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        #expect(try ProfileStore.locate(dir.path).directory.path == dir.path)
        let missing = dir.appendingPathComponent("nope").path
        let e = #expect(throws: ProfileLocationError.self) { try ProfileStore.locate(missing) }
        #expect(e?.message.hasPrefix(missing) == true)
    }

    @Test("an unreadable path is a ProfileError naming the path")
    func missingPath() throws {
        let path = "/nonexistent/dir/model.json"
        let e = #expect(throws: ProfileError.self) { try Fixtures.store.loadModel(path) }
        #expect(e?.file == path)
        #expect(e?.description.hasPrefix(path + ": ") == true)
    }
}

@Suite("Calibrated host profile keys")
struct HostProfileKeyTests {
    static let text = """
        {"id": "host-x", "source": "yocoprof calibrate", "memory_bytes": 1073741824,
         "memory_bandwidth_bytes_per_second": 5e10, "peak_flops_per_second": {"fp32": 2e11},
         "compute_efficiency": 0.8, "memory_efficiency": 0.9, "operator_overhead_seconds": 1e-6,
         "compute_efficiency_by_rows": {"1024": 0.7, "16384": 0.85},
         "operator_efficiency": {"attention_core": 0.9, "windowed_attention_core": 0.8, "retention_core": 0.1},
         "operator_memory_efficiency": {"attention_core": 0.6},
         "cpu_model": "AMD EPYC", "cores": 2, "threads": 2, "openblas_core": "SkylakeX",
         "calibrated_at": "2026-11-27T10:00:00Z", "spread": {}}
        """

    @Test("operator and row efficiencies load")
    func loads() throws {
        let h = try ProfileStore.parseHardware(Data(Self.text.utf8), file: "host-x.json")
        #expect(h.computeEfficiencyByRows == [1024: 0.7, 16384: 0.85])
        #expect(h.operatorEfficiency == [.attentionCore: 0.9, .windowedAttentionCore: 0.8, .retentionCore: 0.1])
        #expect(h.operatorMemoryEfficiency == [.attentionCore: 0.6])
        // A profile from before issue 14's fixed costs has neither.
        #expect(h.firstTouchSecondsPerByte == nil && h.blasWakeUpSeconds == nil)
    }

    @Test("the fixed costs per run load when present")
    func fixedCosts() throws {
        let text = Self.text.replacingOccurrences(of: "\"spread\": {}", with: "\"first_touch_seconds_per_byte\": 4e-10, \"blas_wake_up_seconds\": 5e-5, \"spread\": {}")
        #expect(text != Self.text)
        let h = try ProfileStore.parseHardware(Data(text.utf8), file: "host-x.json")
        #expect(h.firstTouchSecondsPerByte == 4e-10 && h.blasWakeUpSeconds == 5e-5)
    }

    @Test("the one-row product call cost loads when present; an older profile has none")
    func oneRowProductCall() throws {
        #expect(try ProfileStore.parseHardware(Data(Self.text.utf8), file: "host-x.json").oneRowProductCallSeconds == nil)
        let text = Self.text.replacingOccurrences(of: "\"spread\": {}", with: "\"one_row_product_call_seconds\": 7e-6, \"spread\": {}")
        #expect(text != Self.text)
        #expect(try ProfileStore.parseHardware(Data(text.utf8), file: "host-x.json").oneRowProductCallSeconds == 7e-6)
        let read = Self.text.replacingOccurrences(of: "\"spread\": {}",
            with: "\"one_row_product_read_fraction_by_working_set_bytes\": {\"4194304\": 0.29, \"134217728\": 0.65}, \"spread\": {}")
        #expect(try ProfileStore.parseHardware(Data(read.utf8), file: "host-x.json").oneRowProductReadFractionByWorkingSetBytes
            == [1 << 22: 0.29, 1 << 27: 0.65])
        #expect(try ProfileStore.parseHardware(Data(Self.text.utf8), file: "host-x.json").oneRowProductReadFractionByWorkingSetBytes.isEmpty)
        let shapes = Self.text.replacingOccurrences(of: "\"spread\": {}",
            with: "\"one_row_product_seconds_by_shape\": {\"256x768\": {\"4194304\": 1.6e-5, \"134217728\": 7e-5}}, \"spread\": {}")
        #expect(try ProfileStore.parseHardware(Data(shapes.utf8), file: "host-x.json").oneRowProductSecondsByShape
            == [OneRowMatrix(inputs: 256, outputs: 768): [1 << 22: 1.6e-5, 1 << 27: 7e-5]])
        #expect(try ProfileStore.parseHardware(Data(Self.text.utf8), file: "host-x.json").oneRowProductSecondsByShape.isEmpty)
    }

    @Test("the cache level loads when present; a profile without it has none")
    func cacheLevel() throws {
        #expect(try ProfileStore.parseHardware(Data(Self.text.utf8), file: "host-x.json").cacheLevel == nil)
        let text = Self.text.replacingOccurrences(of: "\"spread\": {}", with: "\"last_level_cache_bytes\": 33554432, "
            + "\"read_bandwidth_by_working_set_bytes\": {\"4194304\": 9e10, \"134217728\": 4.4e10}, \"spread\": {}")
        #expect(text != Self.text)
        let h = try ProfileStore.parseHardware(Data(text.utf8), file: "host-x.json")
        #expect(h.cacheLevel == CacheLevel(lastLevelCacheBytes: 1 << 25, readBytesPerSecondByWorkingSetBytes: [1 << 22: 9e10, 1 << 27: 4.4e10]))
        // The size alone (a host whose curve was not taken): recorded, no curve.
        let size = Self.text.replacingOccurrences(of: "\"spread\": {}", with: "\"last_level_cache_bytes\": 33554432, \"spread\": {}")
        #expect(try ProfileStore.parseHardware(Data(size.utf8), file: "host-x.json").cacheLevel == CacheLevel(lastLevelCacheBytes: 1 << 25))
    }

    @Test("bad keys and values name the field", arguments: [
        ("\"compute_efficiency_by_rows\": {\"1024\": 0.7, \"16384\": 0.85}", "\"compute_efficiency_by_rows\": {\"many\": 0.7}", "compute_efficiency_by_rows.many"),
        ("\"compute_efficiency_by_rows\": {\"1024\": 0.7, \"16384\": 0.85}", "\"compute_efficiency_by_rows\": {\"1024\": 1.7}", "compute_efficiency_by_rows.1024"),
        ("\"operator_memory_efficiency\": {\"attention_core\": 0.6}", "\"operator_memory_efficiency\": {\"dense\": 0.6}", "operator_memory_efficiency.dense"),
        ("\"calibrated_at\": \"2026-11-27T10:00:00Z\"", "\"calibrated_at\": \"yesterday\"", "calibrated_at"),
        ("\"spread\": {}", "\"first_touch_seconds_per_byte\": 0.5, \"spread\": {}", "first_touch_seconds_per_byte"),
        ("\"spread\": {}", "\"blas_wake_up_seconds\": -1, \"spread\": {}", "blas_wake_up_seconds"),
        ("\"spread\": {}", "\"one_row_product_call_seconds\": 2, \"spread\": {}", "one_row_product_call_seconds"),
        ("\"spread\": {}", "\"one_row_product_read_fraction_by_working_set_bytes\": {\"4194304\": 20}, \"spread\": {}",
         "one_row_product_read_fraction_by_working_set_bytes.4194304"),
        ("\"spread\": {}", "\"one_row_product_read_fraction_by_working_set_bytes\": {\"4MiB\": 0.3}, \"spread\": {}",
         "one_row_product_read_fraction_by_working_set_bytes.4MiB"),
        ("\"spread\": {}", "\"one_row_product_seconds_by_shape\": {\"256*768\": {\"4194304\": 1e-5}}, \"spread\": {}",
         "one_row_product_seconds_by_shape.256*768"),
        ("\"spread\": {}", "\"one_row_product_seconds_by_shape\": {\"256x768\": {\"4MiB\": 1e-5}}, \"spread\": {}",
         "one_row_product_seconds_by_shape.256x768.4MiB"),
        ("\"spread\": {}", "\"one_row_product_seconds_by_shape\": {\"256x768\": {\"4194304\": 5}}, \"spread\": {}",
         "one_row_product_seconds_by_shape.256x768.4194304"),
        ("\"calibrated_at\": \"2026-11-27T10:00:00Z\"", "\"calibrated_at\": 1764237600", "calibrated_at"),
        ("\"spread\": {}", "\"read_bandwidth_by_working_set_bytes\": {\"4194304\": 9e10}, \"spread\": {}", "read_bandwidth_by_working_set_bytes"),
        ("\"spread\": {}", "\"last_level_cache_bytes\": 33554432, \"read_bandwidth_by_working_set_bytes\": {\"4MiB\": 9e10}, \"spread\": {}",
         "read_bandwidth_by_working_set_bytes.4MiB"),
        ("\"spread\": {}", "\"last_level_cache_bytes\": 33554432, \"read_bandwidth_by_working_set_bytes\": {\"4194304\": 0}, \"spread\": {}",
         "read_bandwidth_by_working_set_bytes.4194304"),
        ("\"spread\": {}", "\"last_level_cache_bytes\": 12, \"spread\": {}", "last_level_cache_bytes"),
        ("\"spread\": {}", "\"last_level_cache_bytes\": 33554432, \"read_bandwidth_by_working_set_bytes\": {\"4194304\": 9e10}, \"spread\": {}",
         "read_bandwidth_by_working_set_bytes"),
    ])
    func bad(original: String, replacement: String, field: String) {
        let text = Self.text.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.text)
        #expect {
            _ = try ProfileStore.parseHardware(Data(text.utf8), file: "host-x.json")
        } throws: { error in
            "\(error)".contains("`\(field)`")
        }
    }

    @Test("calibrated_at reads back as the instant it names; a profile without it has none")
    func calibratedAt() throws {
        let dir = try Fixtures.tempProfiles()
        let with = dir.appendingPathComponent("hardware/host-x.json")
        try Data(Self.text.utf8).write(to: with)
        let store = ProfileStore(directory: dir)
        // 2026-11-27T10:00:00Z is 1,795,773,600 s after 1970-01-01T00:00:00Z.
        #expect(try store.hardwareCalibratedAt("host-x")?.timeIntervalSince1970 == 1_795_773_600)
        let without = Self.text.replacingOccurrences(of: "\"calibrated_at\": \"2026-11-27T10:00:00Z\", ", with: "")
        #expect(without != Self.text)
        try Data(without.replacingOccurrences(of: "host-x", with: "host-y").utf8).write(to: dir.appendingPathComponent("hardware/host-y.json"))
        #expect(try store.hardwareCalibratedAt("host-y") == nil)
    }
}
