// The smallest deployment that holds a workload: over the hardware profiles and the layouts each
// can host, the fewest devices whose busiest device fits, then the smallest device.
//
// Layouts tried on a device kind: tp x pp <= the node's devices (one model-parallel group per node;
// links between nodes are not modelled), every tp and pp the model accepts (ParallelLayout.check);
// dp is 1 (replicas add throughput, not room). Among layouts of one device count, a larger tp comes
// first (tensor parallelism splits every layer, so it shortens a step; pipeline stages do not).
// A device without an interconnect is tried alone.
// Expert parallelism: ep holds the same bytes per rank as tp alone (a rank keeps E / ep experts of
// I ep / tp: E 3 d I / tp elements either way, docs/PARALLELISM.md) and only adds the all-to-all,
// so a layout is tried without it first. ep changes the answer in one case: a grouped weight
// format whose group or block a tp split of the experts cuts (Qwen3-235B-A22B-FP8 at tp8: I / 8 =
// 192 outputs against 128-blocks) is whole at an expert group's wider I ep / tp. Only there is
// the smallest ep (dividing tp and every MoE layer's E) that the layout check accepts tried; in
// every other case an ep layout fits exactly when its tp layout does and holds the same bytes.

/// A deployment: a device kind, a layout on it and the memory of every stage.
public struct DeploymentChoice: Sendable, Hashable {
    public var hardware: HardwareSpec
    public var layout: ParallelLayout
    public var memory: DeploymentMemory

    /// The busiest device's total, runtime reserve included.
    public var perDeviceBytes: Int128 { memory.perDevice.totalBytes }
}

extension ModelSpec {
    /// Layouts this model can take on `hw`, fewest devices first, larger tp first among equals.
    public func candidateLayouts(on hw: HardwareSpec) -> [ParallelLayout] {
        let node = hw.interconnect?.nodeDevices ?? 1
        var out: [ParallelLayout] = []
        for tp in 1...node {
            for pp in 1...node where tp * pp <= node {
                let l = ParallelLayout(tensor: tp, pipeline: pp)
                if (try? checkDeployment(l, on: hw)) != nil { out.append(l) }
            }
        }
        return out.sorted { ($0.devices, -$0.tensor) < ($1.devices, -$1.tensor) }
    }

    /// The smallest deployment among `hardware` whose busiest device holds query `q` (its runtime
    /// reserve is each device's own); nil when none does.
    public func smallestDeployment(_ q: MemoryQuery, among hardware: [HardwareSpec]) -> DeploymentChoice? {
        var best: DeploymentChoice?
        for hw in hardware {
            var query = q
            query.runtimeOverheadBytes = hw.runtimeOverheadBytes
            for layout in candidateLayouts(on: hw) {
                if let b = best, layout.devices > b.layout.devices { break }
                guard let (layout, m) = heldLayout(query, layout), m.perDevice.totalBytes <= hw.memoryBytes else { continue }
                let choice = DeploymentChoice(hardware: hw, layout: layout, memory: m)
                if let b = best {
                    let better = (layout.devices, hw.memoryBytes) < (b.layout.devices, b.hardware.memoryBytes)
                    if better { best = choice }
                } else {
                    best = choice
                }
                break  // the first fitting layout of this kind is its smallest
            }
        }
        return best
    }

    /// `layout`'s memory, or, where a quantised format's group is cut by the experts' tp split, that
    /// of the same tp x pp with the smallest ep that keeps the groups whole (see the header).
    func heldLayout(_ q: MemoryQuery, _ layout: ParallelLayout) -> (ParallelLayout, DeploymentMemory)? {
        if let m = try? deploymentMemory(q, layout: layout) { return (layout, m) }
        guard q.dtypes.weightStorage != nil, layout.tensor > 1, layout.expert == 1,
              runs.contains(where: { $0.block.feedForward.experts != nil }) else { return nil }
        for ep in 2...layout.tensor where layout.tensor % ep == 0 {
            var l = layout
            l.expert = ep
            if let m = try? deploymentMemory(q, layout: l) { return (l, m) }
        }
        return nil
    }
}
