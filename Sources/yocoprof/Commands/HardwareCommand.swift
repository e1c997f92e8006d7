// `yocoprof hardware`: the hardware profiles.

import ArgumentParser
import CostModel
import Reporting

struct HardwareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hardware",
        abstract: "List the hardware profiles in Profiles/hardware.",
        discussion: """
            CSV, JSON and --wide add the interconnect after the other columns: device_link_bytes_per_second (NVLink or Infinity Fabric, per direction), host_link_bytes_per_second (PCIe), link_step_latency_seconds, collective_efficiency and node_devices; empty for a profile that states none.

            Examples:
              yocoprof hardware --format markdown
              yocoprof hardware --wide
            """)

    @OptionGroup var profiles: ProfileOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let all = try profiles.store().allHardware()
        var report = Report(title: "Hardware profiles", columns: [
            Column("id", .text), Column("memory_bytes", .bytes), Column("runtime_overhead_bytes", .bytes),
            Column("memory_bandwidth_bytes_per_second", .bytesPerSecond),
            Column("bf16_peak_flops_per_second", .flopsPerSecond), Column("fp32_peak_flops_per_second", .flopsPerSecond),
            Column("summary", .text), Column("source", .text),
            // The interconnect (profiles that state one; empty for the others).
            Column("device_link_bytes_per_second", .bytesPerSecond), Column("host_link_bytes_per_second", .bytesPerSecond),
            Column("link_step_latency_seconds", .seconds), Column("collective_efficiency", .ratio), Column("node_devices", .count),
        ], summaryKeys: ["id", "summary", "memory_bytes", "memory_bandwidth_bytes_per_second", "bf16_peak_flops_per_second", "source"])
        for h in all {
            report.append([
                .text(h.id), .int(h.memoryBytes), .int(h.runtimeOverheadBytes),
                .double(h.memoryBandwidthBytesPerSecond),
                h.peakFlopsPerSecond[.bf16].map(Value.double) ?? .null,
                h.peakFlopsPerSecond[.fp32].map(Value.double) ?? .null,
                .text(Self.summary(h)), .text(h.source),
                h.interconnect.map { .double($0.deviceLinkBytesPerSecond) } ?? .null,
                h.interconnect.map { .double($0.hostLinkBytesPerSecond) } ?? .null,
                h.interconnect.map { .double($0.stepLatencySeconds) } ?? .null,
                h.interconnect.map { .double($0.collectiveEfficiency) } ?? .null,
                h.interconnect.map { .int(Int128($0.nodeDevices)) } ?? .null,
            ])
        }
        try output.emit(report)
    }

    /// One line: capacity, bandwidth and the dense peak of every dtype the profile lists.
    static func summary(_ h: HardwareSpec) -> String {
        let peaks = h.peakFlopsPerSecond.sorted { $0.key.bits > $1.key.bits || $0.key.bits == $1.key.bits && $0.key.rawValue < $1.key.rawValue }
            .map { "\($0.key.rawValue) \(Units.si($0.value, "FLOP/s"))" }.joined(separator: ", ")
        return "\(Units.bytes(h.memoryBytes)), \(Units.si(h.memoryBandwidthBytesPerSecond, "B/s")); dense peaks: \(peaks)"
    }
}
