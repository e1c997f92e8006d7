// `profile`: real prefill and decode on the kernels, timed and counted (issue 5 §3).
//
// Per request (model, batch B, context N, generated G) and per repeat: a fresh ModelRun sized for
// T = N + G tokens on the request's weights; prefill of B x N seeded tokens, then G decode steps
// of B tokens. Each phase runs inside one PAPI measurement; inside the measured closure, after the
// work, the phase's WorkCounters are added to the YOCOPROF SDE counters, so reading them back
// through PAPI gives exactly the counts the kernels kept. Hardware events read as a value or as
// unavailable(reason); the hardware FLOP event is used only if the counter self-test trusted it.
//
// Before anything is allocated, the request's memory plan (weights + caches + workspace, Kernels'
// MemoryPlan) is checked against MemoryGuard's fraction of MemAvailable.

import CostModel
import Foundation
import HardwareCounters
import Kernels

public struct ProfileRequest: Sendable, Hashable {
    public var model: ModelSpec
    public var batch: Int
    public var contextTokens: Int
    public var generatedTokens: Int
    public var repeats: Int
    /// Seed of the weights and the token ids (same seed, same bits).
    public var seed: UInt64
    /// Whether the kernels time each operator (on by default; off only to measure the timing's cost).
    public var timesOperators = true

    public init(model: ModelSpec, batch: Int = 1, contextTokens: Int, generatedTokens: Int, repeats: Int = 3, seed: UInt64 = 0,
                timesOperators: Bool = true) {
        self.timesOperators = timesOperators
        self.model = model
        self.batch = batch
        self.contextTokens = contextTokens
        self.generatedTokens = generatedTokens
        self.repeats = repeats
        self.seed = seed
    }

    /// What the run will allocate (the safety check's prediction).
    public var memoryPlan: MemoryPlan {
        MemoryPlan(spec: model, batch: batch, promptTokens: contextTokens, generatedTokens: generatedTokens)
    }

    public var label: String { "\(model.id), batch \(batch), \(contextTokens) + \(generatedTokens) tokens" }

    func validate() throws(ProfilerError) {
        if batch < 1 { throw .invalidRequest(what: "batch", constraint: "must be at least 1", value: "\(batch)") }
        if contextTokens < 1 { throw .invalidRequest(what: "context", constraint: "must be at least 1 token", value: "\(contextTokens)") }
        if generatedTokens < 0 { throw .invalidRequest(what: "generate", constraint: "must be at least 0", value: "\(generatedTokens)") }
        if repeats < 1 { throw .invalidRequest(what: "repeat", constraint: "must be at least 1", value: "\(repeats)") }
        if contextTokens > Limits.maxContextTokens - generatedTokens {
            throw .invalidRequest(what: "context + generate", constraint: "must be at most \(Limits.maxContextTokens) tokens",
                                  value: "\(contextTokens) + \(generatedTokens)")
        }
    }
}

/// One counter of a measured phase: its value, or why it could not be counted (never a fake 0).
public struct MeasuredCounter: Sendable, Hashable {
    public var event: CounterEvent
    /// The PAPI name that was counted; nil when none could be added.
    public var papiName: String?
    public var reading: CounterReading

    public init(event: CounterEvent, papiName: String?, reading: CounterReading) {
        self.event = event
        self.papiName = papiName
        self.reading = reading
    }

    /// "available (PAPI name)" or "unavailable: reason".
    public var availability: String {
        switch reading {
        case .value: "available (\(papiName ?? event.label))"
        case .unavailable(let reason): "unavailable: \(reason)"
        }
    }
}

/// One measured configuration.
public struct MeasuredRun: Sendable {
    public var modelID: String
    /// "transformer", "yoco-gret" or "yoco-swa".
    public var architecture: String
    public var batch: Int
    public var contextTokens: Int
    public var generatedTokens: Int
    public var repeats: Int
    /// Seconds to prefill B prompts of N tokens.
    public var prefillSeconds: Spread
    /// Seconds to decode G tokens for each of B sequences; nil when G = 0.
    public var decodeSeconds: Spread?
    /// B x G / decode seconds; nil when G = 0.
    public var decodeTokensPerSecond: Spread?
    /// Bytes the counting allocator held in each class during the run.
    public var weightBytes: Int
    public var kvCacheBytes: Int
    public var stateBytes: Int
    /// Peak workspace bytes (prefill and decode workspaces).
    public var workspaceBytes: Int
    /// CostModel's kvCacheBytes(batch:tokens: N + G, dtype: .fp32) and stateBytes(batch:dtype: .fp32).
    public var predictedKVCacheBytes: Int128
    public var predictedStateBytes: Int128
    /// The safety check's prediction (weights + caches + workspace).
    public var plannedBytes: Int
    /// VmHWM after the run (reset before it where the kernel allows, see `peakResidentReset`).
    public var peakResidentBytes: Int?
    public var peakResidentReset: Bool
    /// Counter readings of the first repeat (the counts do not change between repeats).
    public var prefillCounters: [MeasuredCounter]
    public var decodeCounters: [MeasuredCounter]
    /// What the kernels counted in the same phases (what the SDE counters must equal).
    public var prefillWork: WorkCounters
    public var decodeWork: WorkCounters
    public var blas: BLASEnvironment
    /// Seconds per cost-model operator of one prefill (median over the repeats, operator by
    /// operator and step by step; Kernels/OperatorTimes.swift); empty when timing was off.
    public var prefillOperatorTimes = OperatorTimes()
    /// Seconds per operator of the G decode steps together (median over the repeats).
    public var decodeOperatorTimes = OperatorTimes()
    /// Each repeat's prefill and decode operator times (the median's inputs, for bands).
    public var prefillOperatorRepeats: [OperatorTimes] = []
    public var decodeOperatorRepeats: [OperatorTimes] = []
}

extension ModelSpec {
    /// "transformer", "yoco-gret" or "yoco-swa".
    public var architectureName: String {
        if !isYOCO { return "transformer" }
        return retention != nil ? "yoco-gret" : "yoco-swa"
    }
}

/// Measures requests on this process's PAPI session. Creating one checks the BLAS core (refusing
/// the fallback) and runs the counter self-test (refusing untrusted SDE counters).
public final class Profiler: Sendable {
    public let session: CounterSession
    public let blas: BLASEnvironment
    public let selfTest: SelfTestReport
    /// Events read around every phase, in report order.
    public let events: [CounterEvent]
    public let memoryGuard: MemoryGuard

    /// Hardware events, the OS task clock, and every SDE counter.
    public static let defaultEvents: [CounterEvent] = CounterEvent.wantedHardware + [.taskClock] + CounterEvent.allSoftware

    public init(events: [CounterEvent] = Profiler.defaultEvents, memoryGuard: MemoryGuard = .standard) throws(ProfilerError) {
        do { blas = try BLASEnvironment.prepareForMeasurement() } catch { throw .kernel(error) }
        do { session = try CounterSession.shared() } catch { throw .counters(error) }
        do {
            selfTest = try CounterCheck.run(session: session)
        } catch let e as CounterError {
            throw .counters(e)
        } catch {
            throw .counterSelfTestFailed("\(error)")
        }
        try CounterCheck.requireTrusted(selfTest)
        self.events = events
        self.memoryGuard = memoryGuard
    }

    /// Checks the memory plan, then runs and measures the request.
    public func measure(_ request: ProfileRequest, progress: ((String) -> Void)? = nil) throws(ProfilerError) -> MeasuredRun {
        try request.validate()
        let spec = request.model
        try memoryGuard.check(request.memoryPlan, what: "run of \(request.label)")
        let resetOK = ProcessMemory.resetPeak()
        do {
            return try run(request, spec: spec, resetOK: resetOK, progress: progress)
        } catch let e as ProfilerError {
            throw e
        } catch let e as KernelError {
            throw .kernel(e)
        } catch let e as CounterError {
            throw .counters(e)
        } catch {
            throw .counterSelfTestFailed("unexpected error: \(error)")
        }
    }

    private func run(_ request: ProfileRequest, spec: ModelSpec, resetOK: Bool, progress: ((String) -> Void)?) throws -> MeasuredRun {
        let B = request.batch, N = request.contextTokens, G = request.generatedTokens
        let allocator = CountingAllocator()
        let weights = try ModelWeights(spec: spec, seed: request.seed, allocator: allocator)
        var rng = SeededRandom(seed: request.seed ^ 0x70C3)
        let prompt = (0..<(B * N)).map { _ in Int32(rng.nextInt(below: spec.vocabSize)) }
        let next = (0..<(B * max(G, 1))).map { _ in Int32(rng.nextInt(below: spec.vocabSize)) }

        var prefillTimes: [Double] = [], decodeTimes: [Double] = []
        var prefillReadings: [MeasuredCounter] = [], decodeReadings: [MeasuredCounter] = []
        var prefillWork = WorkCounters(), decodeWork = WorkCounters()
        var kv = 0, state = 0
        var prefillOps: [OperatorTimes] = [], decodeOps: [OperatorTimes] = []
        for r in 0..<request.repeats {
            let runLabel = "\(request.label): repeat \(r + 1)/\(request.repeats)"
            let run = try ModelRun(weights: weights, batch: B, capacityTokens: N + G, allocator: allocator)
            run.timesOperators = request.timesOperators
            kv = run.liveBytes(.kvCache)
            state = run.liveBytes(.state)

            progress?("\(runLabel): prefill")
            run.counters = WorkCounters()
            let pm = try session.measure(events: events) {
                _ = try run.prefill(tokens: prompt)
                run.counters.publish()
            }
            prefillTimes.append(pm.wallSeconds)
            if request.timesOperators { prefillOps.append(run.operatorTimes) }
            run.resetOperatorTimes()
            if r == 0 {
                prefillWork = run.counters
                prefillReadings = trusted(pm.readings)
            }

            if G > 0 {
                progress?("\(runLabel): decode \(G) tokens")
                run.counters = WorkCounters()
                let dm = try session.measure(events: events) {
                    for g in 0..<G {
                        _ = try run.decode(tokens: Array(next[(g * B) % next.count..<(g * B) % next.count + B]))
                    }
                    run.counters.publish()
                }
                decodeTimes.append(dm.wallSeconds)
                if request.timesOperators { decodeOps.append(run.operatorTimes) }
                if r == 0 {
                    decodeWork = run.counters
                    decodeReadings = trusted(dm.readings)
                }
            }
        }
        let predictedKV = spec.kvCacheBytes(batch: B, tokens: Int128(N + G), dtype: .fp32)
        let predictedState = spec.stateBytes(batch: B, dtype: .fp32)
        let decodeSeconds = decodeTimes.isEmpty ? nil : Spread(decodeTimes)
        var measured = MeasuredRun(
            modelID: spec.id, architecture: spec.architectureName, batch: B, contextTokens: N, generatedTokens: G,
            repeats: request.repeats, prefillSeconds: Spread(prefillTimes), decodeSeconds: decodeSeconds,
            decodeTokensPerSecond: decodeSeconds.map { s in s.map { Double(B * G) / $0 } },
            weightBytes: allocator.liveBytes(.weights), kvCacheBytes: kv, stateBytes: state,
            workspaceBytes: allocator.peakBytes(.workspace),
            predictedKVCacheBytes: predictedKV, predictedStateBytes: predictedState,
            plannedBytes: request.memoryPlan.totalBytes,
            peakResidentBytes: ProcessMemory.peakResidentBytes(), peakResidentReset: resetOK,
            prefillCounters: prefillReadings, decodeCounters: decodeReadings,
            prefillWork: prefillWork, decodeWork: decodeWork, blas: blas)
        measured.prefillOperatorTimes = .median(prefillOps)
        measured.decodeOperatorTimes = .median(decodeOps)
        measured.prefillOperatorRepeats = prefillOps
        measured.decodeOperatorRepeats = decodeOps
        return measured
    }

    /// The hardware FLOP event becomes unavailable when the self-test did not trust it.
    private func trusted(_ readings: [EventReading]) -> [MeasuredCounter] {
        readings.map { r in
            let counter = MeasuredCounter(event: r.event, papiName: r.papiName, reading: r.reading)
            guard r.event == .singlePrecisionFlops, r.reading.value != nil, !selfTest.hardwareFlopsTrusted else { return counter }
            return MeasuredCounter(event: r.event, papiName: r.papiName,
                                   reading: .unavailable(reason: "counted but not trusted: counter self-test \(selfTest.hardwareFlops)"))
        }
    }
}
