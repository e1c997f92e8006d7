// `yocoprof hardware`: the hardware profiles.

import ArgumentParser
import CostModel
import Reporting

struct HardwareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hardware",
        abstract: "List the hardware profiles in Profiles/hardware.",
        discussion: """
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
        ], summaryKeys: ["id", "summary", "memory_bytes", "memory_bandwidth_bytes_per_second", "bf16_peak_flops_per_second", "source"])
        for h in all {
            report.append([
                .text(h.id), .int(h.memoryBytes), .int(h.runtimeOverheadBytes),
                .double(h.memoryBandwidthBytesPerSecond),
                h.peakFlopsPerSecond[.bf16].map(Value.double) ?? .null,
                h.peakFlopsPerSecond[.fp32].map(Value.double) ?? .null,
                .text(Self.summary(h)), .text(h.source),
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
