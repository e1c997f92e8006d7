// The published-measurements suite (issue 15): every published row is predicted or skipped with a
// reason (none dropped), rows are selected by data, and each metric follows its formula.

import CostModel
import Foundation
import Testing
@testable import Profiler
import ProfileStore

@Suite("published suite")
struct PublishedSuiteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let dir = root.appendingPathComponent("Reports/published").path
    static let store = ProfileStore(directory: root.appendingPathComponent("Profiles"))

    static func text(_ path: String) throws -> String { try String(contentsOfFile: dir + "/" + path, encoding: .utf8) }
    static func maps() throws -> PublishedMaps {
        try PublishedSuite.maps(models: text("suite/models.csv"), gpus: text("suite/gpus.csv"), engines: text("suite/engines.csv"), directory: dir + "/suite")
    }
    static func run(_ rows: [PublishedRow]) throws -> [PublishedRecord] {
        let models = Set(store.modelIDs), gpus = Set(store.hardwareIDs)
        return try PublishedSuite.run(rows, maps: maps(), model: { models.contains($0) ? try store.loadModel($0) : nil },
                                      hardware: { gpus.contains($0) ? try store.loadHardware($0) : nil })
    }
    static func rows() throws -> [PublishedRow] { try PublishedSuite.rows(csv: text("end-to-end.csv"), file: "end-to-end.csv") }

    @Test("every row comes back predicted or skipped with a reason; the six held-out rows are marked")
    func noneDropped() throws {
        let rows = try Self.rows()
        #expect(rows.count == 240)
        let records = try Self.run(rows)
        #expect(records.map(\.row.id) == rows.map(\.id))
        for r in records {
            #expect(r.status == "ok" ? r.error != nil && r.predicted! > 0 : r.status.hasPrefix("skipped: ") && r.status.count > 12, "\(r.row.id)")
        }
        #expect(Set(records.filter(\.row.heldOut).map(\.row.id)) == ["e036", "e008", "e112", "e117", "e095", "e083"])
        #expect(records.filter { $0.error != nil }.count >= 20)
        let groups = Set(records.compactMap { $0.error == nil ? nil : $0.group })
        #expect(groups == Set(PublishedGroup.allCases))
    }

    @Test("every metric wording of end-to-end.csv has a formula, except in-flight batching")
    func formulas() throws {
        for r in try Self.rows() where PublishedFormula(metric: r.metric) == nil {
            #expect(r.metric.hasPrefix("total_output_throughput"), "\(r.row_id_for_message)")
        }
    }

    @Test("rows are skipped by data: missing profile, dtype curve, engine; the reason names the thing")
    func skips() throws {
        let records = try Self.run(try Self.rows())
        func status(_ id: String) -> String { records.first { $0.row.id == id }!.status }
        #expect(status("e040") == "ok")  // Llama-2-70b on 8 A100s, tensor parallel
        #expect(status("e041") == "ok")  // Mixtral on 2 GPUs: TP on experts is modelled (issue 12: FusedMoE's I / tp per rank)
        #expect(status("e158").contains("host-overhead"))  // HF transformers on 2 GPUs: the engine is not modelled
        #expect(status("e001").contains("no model profile `gpt-j-6b`"))
        #expect(status("e019").contains("fp8"))
        #expect(status("e134").contains("host-overhead"))
        #expect(status("e083").contains("scheduler"))
    }

    @Test("a static-batch throughput row is B G / (prefill + G - 1 decode steps), from the cost model directly")
    func staticBatchFormula() throws {
        var row = try #require(try Self.rows().first { $0.id == "e038" })  // TRT-LLM A100 Llama-2-7b, first token at 2048
        row.metric = "throughput_out_tok_per_s_per_gpu (static batch)"
        row.unit = "tokens/s/GPU"  // a rate's unit (the row's own, ms, would skip it)
        row.batch = "4"
        row.outputTokens = 64
        let record = try #require(try Self.run([row]).first)
        let spec = try Self.store.loadModel("llama-2-7b"), hw = try Self.store.loadHardware("a100-sxm-80gb")
        let rates = try RooflineRates(hardware: hw, computeDType: .fp16, attentionKernel: .flash2, launchMode: .eager)
        let plan = DTypePlan.uniform(.fp16)
        let seconds = rates.seconds(spec.prefillCost(batch: 4, promptTokens: 2048, dtypes: plan))
            + spec.decodeSeconds(batch: 4, promptTokens: 2048, generatedTokens: 63, dtypes: plan, rates: rates)
            // the element-wise kernels of the prefill and of the 63 steps (the A100 prices them apart)
            + rates.elementwiseSeconds(spec, rows: 4 * 2048, dtype: .fp16) + 63 * rates.elementwiseSeconds(spec, rows: 4, dtype: .fp16)
        // the same arithmetic in the same order: equal to rounding
        #expect(abs(record.predicted! - 4 * 64 / seconds) / record.predicted! < 1e-12)
        #expect(abs(record.error! - (row.value / record.predicted! - 1)) < 1e-12)
    }

    @Test("a row on several GPUs is one tensor-parallel rank of the model plus the layout's communication")
    func tensorParallelRow() throws {
        let row = try #require(try Self.rows().first { $0.id == "e039" })  // TRT-LLM, Llama-2-70b on 4 A100s, first token at 128
        #expect(row.gpuCount == 4 && row.unit == "ms")
        let record = try #require(try Self.run([row]).first)
        #expect(record.status == "ok", "\(record.status)")
        let spec = try Self.store.loadModel("llama-2-70b"), hw = try Self.store.loadHardware("a100-sxm-80gb")
        let rates = try RooflineRates(hardware: hw, computeDType: .fp16, attentionKernel: .flash2, launchMode: .eager)
        let plan = DTypePlan.uniform(.fp16), layout = ParallelLayout(tensor: 4)
        let rankOperators = rates.seconds(spec.tensorShard(4).prefillCost(batch: 1, promptTokens: 128, dtypes: plan))
        // and its element-wise kernels (the A100 prices them apart; norms and residual adds are not sharded)
        let rank = rankOperators + rates.elementwiseSeconds(spec.tensorShard(4), rows: 128, dtype: .fp16)
        let comm = spec.deploymentTiming(layout: layout, batch: 1, promptTokens: 128, generatedTokens: 1, dtypes: plan,
                                         tiling: .flash128, rates: rates).stages[0].prefillCommunicationSeconds
        #expect(comm > 0)
        // the same arithmetic in the same order: equal to rounding
        #expect(abs(record.predicted! - (rank + comm) * 1000) / record.predicted! < 1e-12)
        // one rank of four computes about a quarter of the whole model's prefill operators
        let whole = rates.seconds(spec.prefillCost(batch: 1, promptTokens: 128, dtypes: plan))
        #expect(rankOperators < whole / 3)
    }

    @Test("a time is read in its row's unit: ms is 1000 s, another unit skips the row by name")
    func units() throws {
        let row = try #require(try Self.rows().first { $0.id == "e188" })  // LMDeploy per-token latency P50, in s
        #expect(row.unit == "s")
        var ms = row
        ms.value = row.value * 1000
        ms.unit = "ms"
        var other = row
        other.unit = "min"
        let r = try Self.run([row, ms, other])
        #expect(abs(r[1].predicted! - 1000 * r[0].predicted!) / r[1].predicted! < 1e-12)
        #expect(abs(r[1].error! - r[0].error!) < 1e-12)
        #expect(r[2].error == nil && r[2].status.contains("unit"), "\(r[2].status)")
    }

    @Test("the error is the default suite's (measured - predicted) / predicted, for a time and a rate alike")
    func errorDefinition() throws {
        let r = try Self.run(try Self.rows()).filter { $0.error != nil }
        let time = try #require(r.first { $0.formula?.isTime == true }), rate = try #require(r.first { $0.formula?.isTime == false })
        for x in [time, rate] {
            #expect(abs(x.error! - (x.row.value - x.predicted!) / x.predicted!) < 1e-12, "\(x.row.id)")
        }
    }

    @Test("a malformed row or table is refused by file, line and field")
    func malformed() throws {
        let text = try Self.text("end-to-end.csv")
        // the file ends its records with CRLF (a single Character in Swift): split on scalars
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.count > 2)
        let first = lines[1]
        #expect(first.hasSuffix(",no"))  // held_out is the last column
        let bad = lines[0] + "\n" + first.dropLast(2) + "maybe\n"
        #expect { try PublishedSuite.rows(csv: bad, file: "x.csv") } throws: { ($0 as? PublishedSuiteError)?.field == "held_out" }
        #expect { try PublishedSuite.maps(models: "a,b\n", gpus: "published_gpu,hardware_id,note\n",
                                                    engines: "engine_prefix,modelled,attention_kernel,launch_mode,multi_gpu_layout,note\n", directory: "d") } throws: { ($0 as? PublishedSuiteError)?.field == "published_model" }
        #expect {
            try PublishedSuite.maps(models: "published_model,profile_id,note\n", gpus: "published_gpu,hardware_id,note\n",
                                    engines: "engine_prefix,modelled,attention_kernel,launch_mode,multi_gpu_layout,note\nX,yes,flash9,eager,,n\n", directory: "d")
        } throws: { ($0 as? PublishedSuiteError)?.field == "attention_kernel/launch_mode" }
        #expect {
            try PublishedSuite.maps(models: "published_model,profile_id,note\n", gpus: "published_gpu,hardware_id,note\n",
                                    engines: "engine_prefix,modelled,attention_kernel,launch_mode,multi_gpu_layout,note\nX,yes,flash2,eager,pp,n\n", directory: "d")
        } throws: { ($0 as? PublishedSuiteError)?.field == "multi_gpu_layout" }
    }
}

extension PublishedRow {
    var row_id_for_message: String { "\(id): \(metric)" }
}
