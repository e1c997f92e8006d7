// The engine's per-step host time (suite/engine-host.csv): read by engine and version, a batch
// curve where the source has several batches, serial components added to every step and
// overlapped ones only where they outlast the GPU step.

import CostModel
import Foundation
import Testing
@testable import Profiler
import ProfileStore

@Suite("engine host overhead")
struct EngineHostOverheadTests {
    static let table = """
    row_id,engine_prefix,version_min,version_below,component,batch,host_ms_per_step,overlap,value_kind,source,note
    t1,vLLM,0.4,0.6,scheduler,,2.5,serial,stated,src,
    t2,vLLM,0.4,0.6,output,1,0.2,serial,cell,src,
    t3,vLLM,0.4,0.6,output,32,3.4,serial,cell,src,
    t4,vLLM,0.6,0.7,output,1,40,overlapped,cell,src,
    """

    static func components() throws -> [EngineHostComponent] { try EngineHostOverhead.components(csv: table, file: "t.csv") }

    @Test("a version is the leading number of the field; a name such as `main` has none")
    func versions() {
        #expect(EngineHostOverhead.version("0.6.3 (PyTorch 2.4.0, FlashAttention 2.6.3)") == [0, 6, 3])
        #expect(EngineHostOverhead.version("0.4.2") == [0, 4, 2])
        #expect(EngineHostOverhead.version("main at buildkite performance-benchmark build 9523") == nil)
        #expect(EngineHostOverhead.less([0, 5, 9], [0, 6]) && !EngineHostOverhead.less([0, 6], [0, 6, 0]))
    }

    @Test("components match by engine prefix and [version_min, version_below); batch points interpolate in log2(batch)")
    func lookup() throws {
        let c = try Self.components()
        let one = EngineHostOverhead.step(c, engine: "vLLM", versionText: "0.4.2 (PyTorch 2.3.0)", batch: 1, eager: false)
        #expect(abs(one.serialSeconds - 0.0027) < 1e-12)  // 2.5 + 0.2 ms, equal to rounding
        #expect(one.overlappedSeconds == 0 && one.componentIDs == ["t1", "t2", "t3"])
        // batch 8 is 3/5 of the way from log2(1) to log2(32): 0.2 + 0.6 * 3.2 ms
        let eight = EngineHostOverhead.step(c, engine: "vLLM", versionText: "0.5.0", batch: 8, eager: false)
        #expect(abs(eight.serialSeconds - (0.0025 + 0.00212)) < 1e-12)
        // beyond the last point the curve is flat
        let many = EngineHostOverhead.step(c, engine: "vLLM", versionText: "0.4.0", batch: 256, eager: false)
        #expect(abs(many.serialSeconds - 0.0059) < 1e-12)
        #expect(EngineHostOverhead.step(c, engine: "vLLM", versionText: "0.7.0", batch: 1, eager: false) == .none)
        #expect(EngineHostOverhead.step(c, engine: "vLLM", versionText: "main", batch: 1, eager: false) == .none)
        #expect(EngineHostOverhead.step(c, engine: "LMDeploy", versionText: "0.4.2", batch: 1, eager: false) == .none)
    }

    @Test("an overlapped component costs max(GPU step, host) - GPU step; under eager launches it is serial")
    func overlap() throws {
        let c = try Self.components()
        let async = EngineHostOverhead.step(c, engine: "vLLM", versionText: "0.6.3", batch: 1, eager: false)
        #expect(async.serialSeconds == 0 && async.overlappedSeconds == 0.04)
        #expect(async.seconds(gpuStep: 0.05) == 0.05)  // hidden behind a longer GPU step
        #expect(async.seconds(gpuStep: 0.01) == 0.04)  // the GPU waits for the host's remainder
        let eager = EngineHostOverhead.step(c, engine: "vLLM", versionText: "0.6.3", batch: 1, eager: true)
        #expect(eager.serialSeconds == 0.04 && eager.overlappedSeconds == 0)
        #expect(eager.seconds(gpuStep: 0.05) == 0.05 + 0.04)
    }

    @Test("a malformed component is refused by file, line and field")
    func refusals() {
        let header = "row_id,engine_prefix,version_min,version_below,component,batch,host_ms_per_step,overlap,value_kind,source,note\n"
        func refused(_ line: String) -> String? {
            do { _ = try EngineHostOverhead.components(csv: header + line, file: "h.csv"); return nil } catch { return error.description }
        }
        #expect(refused("a,vLLM,0.4,0.6,s,,2.5,sideways,k,src,")?.contains("`overlap`") == true)
        #expect(refused("a,vLLM,0.6,0.4,s,,2.5,serial,k,src,")?.contains("`version_below`") == true)
        #expect(refused("a,vLLM,0.4,0.6,s,0,2.5,serial,k,src,")?.contains("`batch`") == true)
        #expect(refused("a,vLLM,0.4,0.6,s,,-1,serial,k,src,")?.contains("`host_ms_per_step`") == true)
        #expect(refused("a,vLLM,0.4,0.6,s,,2.5,serial,k,,")?.contains("`source`") == true)
        #expect(refused("a,vLLM,0.4,0.6,s,,2.5,serial,k,src,\na,vLLM,0.4,0.6,s,,2.5,serial,k,src,")?.contains("line 3") == true)
    }

    @Test("a generation-speed row adds the serial host time once per engine step (the prefill and G - 1 decode steps)")
    func generationSpeed() throws {
        let rows = try PublishedSuiteTests.rows()
        let row = try #require(rows.first { $0.id == "e170" })  // vLLM 0.4.2, Qwen2-7B, batch 1, input 1, 2048 generated
        #expect(row.outputTokens == 2048)
        let base = try PublishedSuiteTests.maps()
        var withHost = base
        withHost.hostComponents = try Self.components()
        let store = PublishedSuiteTests.store
        func run(_ maps: PublishedMaps) throws -> PublishedRecord {
            try #require(try PublishedSuite.run([row], maps: maps, model: { try store.loadModel($0) }, hardware: { try store.loadHardware($0) }).first)
        }
        let without = try run(base), with = try run(withHost)
        #expect(without.status == "ok" && with.status == "ok")
        // speed = G / total: the host adds G steps of 2.7 ms (batch 1: t1 + t2)
        let added = Double(row.outputTokens) / with.predicted! - Double(row.outputTokens) / without.predicted!
        #expect(abs(added - 2048 * 0.0027) / added < 1e-9, "\(added)")  // equal to rounding of the two divisions
        #expect(with.breakdown.contains("engine host"))
    }
}

@Suite("engine host overhead: the committed table")
struct EngineHostTableTests {
    @Test("suite/engine-host.csv parses, each figure sourced, each engine prefix one engines.csv models")
    func committed() throws {
        let text = try PublishedSuiteTests.text("suite/engine-host.csv")
        let components = try EngineHostOverhead.components(csv: text, file: "engine-host.csv")
        #expect(!components.isEmpty)
        let maps = try PublishedSuiteTests.maps()
        for c in components {
            #expect(!c.source.isEmpty, "\(c.id)")
            #expect(maps.engines.contains { $0.prefix == c.enginePrefix && $0.modelled }, "\(c.id)")
        }
    }
}
