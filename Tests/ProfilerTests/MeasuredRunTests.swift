import CostModel
import Foundation
import HardwareCounters
import Kernels
import Profiler
import Testing

/// One Profiler for the suite (its init runs the counter self-test once).
private let sharedProfiler = Result { try Profiler() }

/// Whether this machine can count a hardware event at all (not on the project's VMs).
private let hardwareCountable: Bool = {
    guard let session = try? CounterSession.shared(), let a = try? session.availability(of: [.instructions]) else { return false }
    return a.isAvailable(.instructions)
}()

@Suite("Measured runs", .serialized)
struct MeasuredRunTests {
    @Test("measured KV and state bytes equal the cost model's; SDE counters equal the run's WorkCounters exactly",
          arguments: [Fixtures.yocoGRet, Fixtures.yocoSWA, Fixtures.gqa, Fixtures.moe])
    func measuredRun(spec: ModelSpec) throws {
        let profiler = try sharedProfiler.get()
        let run = try profiler.measure(ProfileRequest(model: spec, batch: 2, contextTokens: 9, generatedTokens: 3, repeats: 2))
        // Analytic quantities are compared exactly.
        #expect(Int128(run.kvCacheBytes) == run.predictedKVCacheBytes)
        #expect(Int128(run.stateBytes) == run.predictedStateBytes)
        #expect(run.kvCacheBytes == Int(spec.kvCacheBytes(batch: 2, tokens: 12, dtype: .fp32)))
        #expect(run.weightBytes == ModelWeights.bytes(spec))
        #expect(run.plannedBytes == MemoryPlan(spec: spec, batch: 2, promptTokens: 9, generatedTokens: 3).totalBytes)
        #expect(run.prefillSeconds.samples == 2 && run.decodeSeconds?.samples == 2)
        #expect(run.decodeTokensPerSecond!.median > 0)
        #expect(run.blas.coreName == BLASEnvironment.current().coreName)

        for (readings, work) in [(run.prefillCounters, run.prefillWork), (run.decodeCounters, run.decodeWork)] {
            for counter in SoftwareCounter.allCases {
                let r = try #require(readings.first { $0.event == .software(counter) })
                #expect(r.reading == .value(work[counter]), "\(counter.papiEventName)")
            }
        }
        #expect(run.prefillWork.matmulFlops > 0 && run.decodeWork.matmulFlops > 0)
    }

    @Test("a mixture of experts validates: every exact row matches; the experts touched are reported beside uniform routing's expectation")
    func expertsValidate() throws {
        let profiler = try sharedProfiler.get()
        let c = ValidationCase(model: Fixtures.moe, batch: 3, contextTokens: 7, generatedTokens: 4, repeats: 1)
        let run = try profiler.measure(c.request)
        // Timing rows are relative and need only some rates; any positive hardware will do here.
        let hw = HardwareSpec(id: "test", source: "test", memoryBytes: 1 << 40, memoryBandwidthBytesPerSecond: 1e10,
                              peakFlopsPerSecond: [.fp32: 1e11], computeEfficiency: 1, memoryEfficiency: 1, operatorOverheadSeconds: 0)
        let records = try Validator.compare(c, run: run, hardware: hw)
        let exact = records.filter { $0.kind == .exact && !$0.status.hasPrefix("unavailable") }
        #expect(exact.count >= 6)
        for r in exact { #expect(r.status == "match", "\(r.metric): predicted \(r.predictedText), measured \(r.measuredText)") }
        // 2 layers; a decode step of 3 rows touches between 2 and 4 experts per layer.
        let step = try #require(records.first { $0.metric == "decode_experts_touched_per_step" })
        let measured = try #require(step.measured)
        #expect(measured >= 4 && measured <= 8)
        // uniform: 2 x 4 (1 - (1/2)^3) = 7
        #expect(step.predicted == 7)
        let prefill = try #require(records.first { $0.metric == "prefill_experts_touched" })
        #expect(Double(run.prefillWork.expertsTouched) == prefill.measured)
    }

    @Test("per-operator rows join the kernels' times and the roofline's by OperatorID, with shares of each phase",
          arguments: [Fixtures.yocoGRet, Fixtures.gqa])
    func perOperatorRows(spec: ModelSpec) throws {
        let profiler = try sharedProfiler.get()
        let c = ValidationCase(model: spec, batch: 1, contextTokens: 9, generatedTokens: 3, repeats: 2)
        let run = try profiler.measure(c.request)
        let hw = HardwareSpec(id: "test", source: "test", memoryBytes: 1 << 40, memoryBandwidthBytesPerSecond: 1e10,
                              peakFlopsPerSecond: [.fp32: 1e11], computeEfficiency: 1, memoryEfficiency: 1, operatorOverheadSeconds: 0)
        let rows = try OperatorBreakdown.compare(c, run: run, hardware: hw)
        let prefillIDs = Set(spec.prefillCost(batch: 1, promptTokens: 9, dtypes: .uniform(.fp32)).operators.filter { $0.count > 0 }.map(\.id))
        let timed = rows.filter { $0.phase == .prefill && $0.id != nil }
        #expect(Set(timed.compactMap(\.id)) == prefillIDs)
        for r in timed {
            #expect(r.measuredSeconds > 0 && r.predictedSeconds! > 0, "\(r.name)")
            #expect(r.measuredMin <= r.measuredSeconds && r.measuredSeconds <= r.measuredMax, "\(r.name)")
        }
        for phase in [OperatorComparison.Phase.prefill, .decode] {
            let all = rows.filter { $0.phase == phase }
            // Measured shares (operators and the untimed rest) tile the phase's wall time; predicted
            // shares tile the predicted total. 1e-9: rounding of the sums.
            #expect(abs(all.reduce(0) { $0 + $1.measuredShare } - 1) < 1e-9 || all.contains { $0.id == nil && $0.measuredSeconds == 0 })
            #expect(abs(all.compactMap(\.predictedShare).reduce(0, +) - 1) < 1e-9)
        }
        let records = try Validator.compare(c, run: run, hardware: hw)
        #expect(records.contains { $0.metric == "prefill_seconds.head" && $0.measuredShare != nil && $0.predictedShare != nil })
    }

    @Test("hardware events read as a value or as unavailable with PAPI's reason, never a fake number")
    func hardwareValueOrReason() throws {
        let profiler = try sharedProfiler.get()
        let run = try profiler.measure(ProfileRequest(model: Fixtures.yocoGRet, contextTokens: 5, generatedTokens: 1, repeats: 1))
        for r in run.prefillCounters + run.decodeCounters where r.event.kind != .softwareDefined {
            switch r.reading {
            case .value(let v): #expect(v >= 0 && r.papiName != nil)
            case .unavailable(let reason):
                #expect(!reason.isEmpty)
                #expect(r.availability.hasPrefix("unavailable: "))
            }
        }
        for e in CounterEvent.wantedHardware {
            #expect(run.prefillCounters.contains { $0.event == e }, "every wanted hardware event is reported: \(e)")
        }
    }

    @Test("hardware path: where events can be added, instructions count the run", .enabled(if: hardwareCountable))
    func hardwarePath() throws {
        let profiler = try sharedProfiler.get()
        let run = try profiler.measure(ProfileRequest(model: Fixtures.gqa, contextTokens: 16, generatedTokens: 2, repeats: 1))
        let ins = try #require(run.prefillCounters.first { $0.event == .instructions })
        #expect((ins.reading.value ?? 0) > 0)
    }

    @Test("the counter self-test reads the sgemm's 2mnk FLOPs exactly through SDE")
    func selfTest() throws {
        let profiler = try sharedProfiler.get()
        #expect(profiler.selfTest.softwareDefined == .exact(measured: 2 * 256 * 256 * 256))
        if !hardwareCountable { #expect(!profiler.selfTest.hardwareFlopsTrusted) }
        let report = try CounterCheck.run(session: profiler.session, m: 7, n: 5, k: 3)
        #expect(report.softwareDefined == .exact(measured: 210))
    }

    @Test("an absurd context is refused before allocating, with the prediction and the limit in the message")
    func safetyRefusal() throws {
        let profiler = try sharedProfiler.get()
        let request = ProfileRequest(model: Fixtures.gqa, contextTokens: 8 << 20, generatedTokens: 0, repeats: 1)
        let plan = request.memoryPlan
        let before = ProcessMemory.residentBytes() ?? 0
        let guardRule = try MemoryGuard(fraction: 0.8)
        // Injected MemAvailable: 1 GiB, so the outcome does not depend on this machine.
        let error = try #require(throws: ProfilerError.self) {
            try guardRule.check(plan, what: "run", availableBytes: 1 << 30)
        }
        guard case let .exceedsMemoryLimit(_, predicted, limit, available, _) = error else {
            Issue.record("unexpected \(error)"); return
        }
        #expect(predicted == plan.totalBytes && limit == Int(Double(1 << 30) * 0.8) && available == 1 << 30)
        #expect(error.description.contains("\(plan.totalBytes)") && error.description.contains("\(limit)"))
        #expect(error.description.contains("refused before allocating"))

        // Through the profiler with a tiny fraction of the real MemAvailable: refused, nothing grew.
        let strict = try Profiler(memoryGuard: try MemoryGuard(fraction: 1e-6))
        #expect(throws: ProfilerError.self) { try strict.measure(request) }
        let after = ProcessMemory.residentBytes() ?? 0
        #expect(after - before < plan.totalBytes / 10, "nothing near the planned \(plan.totalBytes) bytes was allocated")
        _ = profiler
    }

    @Test("memory fraction outside (0, 1] is refused")
    func badFraction() {
        #expect(throws: ProfilerError.self) { try MemoryGuard(fraction: 0) }
        #expect(throws: ProfilerError.self) { try MemoryGuard(fraction: 1.5) }
    }
}
