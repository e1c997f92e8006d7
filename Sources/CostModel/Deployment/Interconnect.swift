// The links between the devices of one node, as the communication operators use them
// (ModelSpec+Parallel.swift). Base units: bytes/s per direction, seconds. Sources per profile
// (docs/research/interconnect.md): vendors quote NVLink as the bidirectional total per GPU
// (H100 SXM 900 GB/s); one direction, what a ring step moves, is half of that.
//
// Ring all-reduce over n ranks of a message of S bytes (the model issue 12 asks for):
//   seconds = 2 (n - 1) / n * S / (link * collective efficiency) + 2 (n - 1) * latency
// A point-to-point send (pipeline stages): S / (link * efficiency) + latency.

public struct Interconnect: Sendable, Hashable {
    /// Device-to-device bandwidth per device and direction (NVLink, Infinity Fabric; PCIe where the
    /// device has no other link), bytes/s.
    public var deviceLinkBytesPerSecond: Double
    /// Host link (PCIe) per direction, bytes/s.
    public var hostLinkBytesPerSecond: Double
    /// Fraction of the link rate collectives reach (measured NCCL bus bandwidth over line rate).
    public var collectiveEfficiency: Double
    /// Latency of one step of a collective (one ring hop, one send), seconds.
    public var stepLatencySeconds: Double
    /// Devices one node holds; a model-parallel group (tp x pp) must fit in one node.
    public var nodeDevices: Int
    /// Where the figures come from.
    public var source: String

    public init(deviceLinkBytesPerSecond: Double, hostLinkBytesPerSecond: Double, collectiveEfficiency: Double,
                stepLatencySeconds: Double, nodeDevices: Int, source: String) {
        self.deviceLinkBytesPerSecond = deviceLinkBytesPerSecond
        self.hostLinkBytesPerSecond = hostLinkBytesPerSecond
        self.collectiveEfficiency = collectiveEfficiency
        self.stepLatencySeconds = stepLatencySeconds
        self.nodeDevices = nodeDevices
        self.source = source
    }

    /// The rate a collective's bytes move at: link * efficiency, bytes/s.
    public var collectiveBytesPerSecond: Double { deviceLinkBytesPerSecond * collectiveEfficiency }

    /// Throws the first figure outside its range (field names are the profile's keys).
    public func validate() throws(SpecError) {
        for (field, v) in [("interconnect.device_link_bytes_per_second", deviceLinkBytesPerSecond),
                           ("interconnect.host_link_bytes_per_second", hostLinkBytesPerSecond)]
        where !HardwareSpec.bandwidthRange.contains(v) {
            throw SpecError(field: field, constraint: "must be from 1e6 (1 MB/s) to 1e15 (1 PB/s)", value: "\(v)")
        }
        if !HardwareSpec.efficiencyRange.contains(collectiveEfficiency) {
            throw SpecError(field: "interconnect.collective_efficiency", constraint: "must be from 0.001 to 1", value: "\(collectiveEfficiency)")
        }
        if !HardwareSpec.overheadSecondsRange.contains(stepLatencySeconds) {
            throw SpecError(field: "interconnect.step_latency_seconds", constraint: "must be from 0 to 1 second", value: "\(stepLatencySeconds)")
        }
        try SpecError.check("interconnect.node_devices", nodeDevices, in: 1...ParallelLayout.maxFactor)
    }
}
