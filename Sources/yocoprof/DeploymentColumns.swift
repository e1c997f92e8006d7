// The columns a parallel layout and a price add to `estimate` and `sweep` rows (after every
// single-device column, so a command without those flags prints what it printed before).

import CostModel
import Reporting

enum DeploymentColumns {
    static let columns: [Column] = [
        Column("layout", .text), Column("devices", .count), Column("memory_binding_stage", .count),
        Column("time_binding_stage", .count), Column("communication_seconds", .seconds),
        Column("pipeline_bubble_fraction", .ratio),
    ]

    static func row(_ d: DeploymentEstimate) -> [Value] {
        [.text(d.layout.description), .int(Int128(d.layout.devices)), .int(Int128(d.memory.bindingStage)),
         d.timing.map { .int(Int128($0.bindingStage)) } ?? .null, d.timing.map { .double($0.communicationSeconds) } ?? .null,
         d.timing.map { .double($0.bubbleFraction) } ?? .null]
    }

    static let notes = [
        "layout: memory columns are the busiest device's (memory_binding_stage); FLOPs are one replica's whole model; times add the stages one after the other (one micro-batch) and the communication (ring all-reduce 2(n-1)/n x bytes over the link, plus a latency per step); throughput and the decode rate sum the dp replicas; the batch is one replica's",
    ]

    static let costColumns: [Column] = [Column("price_per_device_hour_usd", .ratio), Column("cost_per_million_tokens_usd", .ratio)]

    /// Dollars per million generated tokens: devices x price x total seconds / (replicas x batch x generated).
    static func costRow(_ o: EstimateOutcome, devices: Int, replicas: Int, pricePerDeviceHour usd: Double) -> [Value] {
        let cost = o.estimate.flatMap {
            ServingCost.perMillionTokens(devices: devices, pricePerDeviceHour: usd, seconds: $0.totalSeconds,
                                         generatedTokens: Double(replicas) * Double($0.batch) * Double($0.generatedTokens))
        }
        return [.double(usd), cost.map(Value.double) ?? .null]
    }
}
