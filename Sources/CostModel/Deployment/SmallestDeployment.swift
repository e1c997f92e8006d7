// The smallest deployment that holds a workload: over the hardware profiles and the layouts each
// can host, the fewest devices whose busiest device fits, then the smallest device.
//
// Layouts tried on a device kind: tp x pp <= the node's devices (one model-parallel group per node;
// links between nodes are not modelled), every tp and pp the model accepts (ParallelLayout.check);
// dp is 1 (replicas add throughput, not room). Among layouts of one device count, a larger tp comes
// first (tensor parallelism splits every layer, so it shortens a step; pipeline stages do not).
// A device without an interconnect is tried alone.

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
                guard let m = try? deploymentMemory(query, layout: layout), m.perDevice.totalBytes <= hw.memoryBytes else { continue }
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
}
