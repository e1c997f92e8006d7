// `estimate` over a deployment: the batch question answered per device, the time of the layout
// (ModelSpec+Parallel.swift), and the figures of a single-device estimate reread for it.
//
// What each figure of the `Estimate` means here:
//   FLOPs and bytes (prefill, first step, decode)  one replica's whole model, as on one device
//   seconds, decode rate, throughput                the deployment: stages one after the other plus
//                                                   communication; rates and throughput summed over
//                                                   the dp replicas (dp B G tokens)
//   memory, capacity, fit, max batch                the busiest device (the binding stage) against
//                                                   one device's capacity; the batch is one replica's
// A layout of one device is refused here: `assess(on:_:)` is that estimate, unchanged.

/// An estimate over several devices, with what the layout adds.
public struct DeploymentEstimate: Sendable, Hashable {
    public var layout: ParallelLayout
    /// The figures (see the legend); times only when the batch fits.
    public var outcome: EstimateOutcome
    /// Memory per stage at the batch of the figures.
    public var memory: DeploymentMemory
    /// The time per stage; nil when the batch does not fit.
    public var timing: DeploymentTiming?
}

extension ModelSpec {
    /// Rejects layouts the hardware cannot host: several devices without an interconnect, or a
    /// model-parallel group larger than one node (no inter-node network is modelled).
    public func checkDeployment(_ layout: ParallelLayout, on hw: HardwareSpec) throws(SpecError) {
        try layout.check(for: self)
        guard layout.devices > 1 else { return }
        guard let link = hw.interconnect else {
            throw SpecError(field: "devices", constraint: "need an interconnect; hardware `\(hw.id)` states none (`interconnect` in its profile)", value: "\(layout.devices)")
        }
        if layout.modelParallelDevices > link.nodeDevices {
            throw SpecError(field: "layout", constraint: "puts tp x pp = \(layout.modelParallelDevices) devices in one model-parallel group, more than a `\(hw.id)` node holds (\(link.nodeDevices)); links between nodes are not modelled", value: "\(layout)")
        }
    }

    /// The batch question per device: the given batch (or the largest that fits every device, or
    /// 1 when none does) and the deployment's memory at it.
    public func deploymentFit(
        _ q: EstimateQuery, layout: ParallelLayout, on hw: HardwareSpec, dtypes dt: DTypePlan
    ) throws(SpecError) -> (BatchFit, DeploymentMemory) {
        let budget = hw.memoryBytes
        func query(_ b: Int) -> MemoryQuery {
            MemoryQuery(batch: b, promptTokens: q.promptTokens, generatedTokens: q.generatedTokens, dtypes: dt,
                        prefillChunkTokens: q.prefillChunkTokens, runtimeOverheadBytes: hw.runtimeOverheadBytes)
        }
        // Whether the layout applies does not depend on the batch: ask once, so that `at` cannot fail.
        let first = try deploymentMemory(query(0), layout: layout)
        func at(_ b: Int) -> DeploymentMemory { (try? deploymentMemory(query(b), layout: layout)) ?? first }
        let best = Self.largestFitting(limit: Limits.maxBatch, budget: budget) { at($0).perDevice.totalBytes }
        let limitedBy: BindingConstraint
        if best == Limits.maxBatch {
            limitedBy = .toolLimit
        } else {
            let next = at(best + 1), here = at(best)
            let stage = next.bindingStage
            if best == 0 && here.stages[stage].weightBytes + hw.runtimeOverheadBytes > budget {
                limitedBy = .weights
            } else {
                limitedBy = Self.grower(here.stages[stage], next.stages[stage], .everything)
            }
        }
        let batch: Int
        switch q.batch {
        case .fixed(let b): batch = b
        case .max: batch = max(1, best)
        }
        let m = at(batch)
        let fit = BatchFit(fits: m.perDevice.totalBytes <= budget, batch: batch, maxBatch: best, limitedBy: limitedBy,
                           requiredBytes: m.perDevice.totalBytes, budgetBytes: budget)
        return (fit, m)
    }

    /// The estimate of this model on `layout.devices` devices of `hardware`.
    public func assess(on hardware: HardwareSpec, _ q: EstimateQuery, layout: ParallelLayout) throws(CostModelError) -> DeploymentEstimate {
        do { try validate() } catch { throw .invalidSpec(id: id, error) }
        do { try hardware.validate() } catch { throw .invalidSpec(id: hardware.id, error) }
        try q.validate()
        do { try checkDeployment(layout, on: hardware) } catch { throw .invalidQuery(error) }
        let dt = q.dtypes ?? dtypes
        let computeDType = q.computeDType ?? dt.activations
        let rates = try RooflineRates(hardware: hardware, computeDType: computeDType, attentionKernel: q.attentionKernel, launchMode: q.launchMode)
        let fit: BatchFit, memory: DeploymentMemory
        do { (fit, memory) = try deploymentFit(q, layout: layout, on: hardware, dtypes: dt) } catch { throw .invalidQuery(error) }
        let batch = fit.batch, n = q.promptTokens, g = q.generatedTokens
        // The figures of one replica's whole model (FLOPs and bytes do not depend on the split).
        let prefill = prefillCost(batch: batch, promptTokens: n, dtypes: dt, tiling: q.tiling)
        let decodeOps = decodeOperators(batch: batch, dtypes: dt)
        let step = decodeStepCost(decodeOps, batch: batch, context: n + 1)
        let decodeFlops = Self.decodeFlops(decodeOps, promptTokens: n, generatedTokens: g)
        guard fit.fits else {
            let u = UnfitEstimate(
                modelID: id, hardwareID: hardware.id, promptTokens: n, generatedTokens: g, batchIsMax: q.batch == .max,
                fit: fit, computeDType: computeDType, prefill: prefill, firstDecodeStep: step,
                decodeFlops: decodeFlops, memory: memory.perDevice)
            return DeploymentEstimate(layout: layout, outcome: .doesNotFit(u), memory: memory, timing: nil)
        }
        let timing = deploymentTiming(layout: layout, batch: batch, promptTokens: n, generatedTokens: g, dtypes: dt,
                                      tiling: q.tiling, rates: rates)
        let tokens = Double(layout.data) * Double(batch) * Double(g)
        let total = timing.prefillSeconds + timing.decodeSeconds
        let e = Estimate(
            modelID: id, hardwareID: hardware.id, promptTokens: n, generatedTokens: g,
            batch: batch, batchIsMax: q.batch == .max, batchLimitedBy: q.batch == .max ? fit.limitedBy : nil, fit: fit,
            computeDType: computeDType, rates: rates,
            prefill: prefill, prefillSeconds: timing.prefillSeconds,
            firstDecodeStep: step, firstDecodeStepSeconds: timing.firstDecodeStepSeconds,
            decodeFlops: decodeFlops, decodeSeconds: timing.decodeSeconds,
            decodeTokensPerSecond: g > 0 && timing.decodeSeconds > 0 ? tokens / timing.decodeSeconds : nil,
            throughputTokensPerSecond: g > 0 && total > 0 ? tokens / total : 0,
            memory: memory.perDevice, memoryCapacityBytes: hardware.memoryBytes)
        return DeploymentEstimate(layout: layout, outcome: .fits(e), memory: memory, timing: timing)
    }
}

/// Cost of generated tokens at a price per device-hour.
public enum ServingCost {
    /// US dollars per million generated tokens: devices * price * seconds / 3600 / tokens * 1e6;
    /// nil when nothing is generated or the time is not known.
    public static func perMillionTokens(devices: Int, pricePerDeviceHour: Double, seconds: Double, generatedTokens: Double) -> Double? {
        guard generatedTokens > 0, seconds > 0 else { return nil }
        return Double(devices) * pricePerDeviceHour * seconds / 3600 / generatedTokens * 1e6
    }
}
