// Options that spread a model over several devices (Sources/CostModel/Deployment/), and the price
// of a device-hour. Without any of them every command answers for one device, as before.

import ArgumentParser
import CostModel

struct ParallelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Devices in the deployment: tp x pp x dp replicas (alone: tensor parallelism over all of them).", valueName: "n"))
    var devices: Int?

    @Option(name: .customLong("tp"), help: ArgumentHelp("Tensor-parallel ranks: heads, KV heads, feed-forward and vocabulary split over them (must divide the heads).", valueName: "n"))
    var tensor: Int?

    @Option(name: .customLong("pp"), help: ArgumentHelp("Pipeline stages: the layers split over them (must divide the layers).", valueName: "n"))
    var pipeline: Int?

    @Option(name: .customLong("ep"), help: ArgumentHelp("Expert-parallel ranks over the tp ranks (a mixture-of-experts model only; must divide tp and the experts): E / ep whole experts per rank, an all-to-all dispatch and combine per MoE layer (SGLang's --ep-size).", valueName: "n"))
    var expert: Int?

    @Option(help: ArgumentHelp("The layout as one string instead of --tp/--pp/--ep: tp4pp2, tp8, tp2dp4 (dp: data-parallel replicas).", valueName: "layout"))
    var layout: String?

    var isGiven: Bool { devices != nil || tensor != nil || pipeline != nil || expert != nil || layout != nil }

    /// The layout the flags describe; nil when none is given (one device).
    func resolved() throws -> ParallelLayout? {
        guard isGiven else { return nil }
        for (name, v) in [("--devices", devices), ("--tp", tensor), ("--pp", pipeline), ("--ep", expert)] {
            if let v, !(1...ParallelLayout.maxFactor).contains(v) {
                throw ValidationError("\(name) must be between 1 and \(ParallelLayout.maxFactor); received \(v)")
            }
        }
        var l: ParallelLayout
        if let layout {
            if tensor != nil || pipeline != nil || expert != nil {
                throw ValidationError("give --layout or --tp/--pp/--ep, not both")
            }
            do { l = try ParallelLayout(parsing: layout) } catch { throw ValidationError("--layout \(error.constraint); received \(error.value)") }
        } else if tensor == nil && pipeline == nil && expert == nil, let devices {
            l = ParallelLayout(tensor: devices)
        } else {
            l = ParallelLayout(tensor: tensor ?? 1, pipeline: pipeline ?? 1, expert: expert ?? 1)
            if let devices {
                guard devices % l.modelParallelDevices == 0 else {
                    throw ValidationError("--devices \(devices) is not a multiple of tp x pp = \(l.modelParallelDevices) (the rest would be data-parallel replicas)")
                }
                l.data = devices / l.modelParallelDevices
            }
        }
        if let devices, devices != l.devices {
            throw ValidationError("--devices \(devices) does not match the layout \(l), which uses \(l.devices)")
        }
        return l
    }

    func validate() throws { _ = try resolved() }
}

/// A price per device-hour, for cost per million generated tokens.
struct PriceOption: ParsableArguments {
    @Option(name: .customLong("price-per-device-hour"), help: ArgumentHelp(
        "US dollars per device-hour (default: the hardware profile's `price_per_device_hour`; no profile states one yet): adds cost_per_million_tokens_usd.",
        valueName: "usd"))
    var price: Double?

    func validate() throws {
        if let price, !(price > 0 && price <= 1e6) {
            throw ValidationError("--price-per-device-hour must be above 0 and at most 1e6 US dollars; received \(price)")
        }
    }

    func resolved(_ hw: HardwareSpec) -> Double? { price ?? hw.pricePerDeviceHour }
}

extension ParallelLayout {
    /// Checks against the model, the hardware and the storage formats (a quantised format is
    /// counted under tensor parallelism only), as a usage error (exit 64) naming the reason.
    func checked(for spec: ModelSpec, on hw: HardwareSpec?, plan: DTypePlan) throws {
        do {
            if let hw { try spec.checkDeployment(self, on: hw) } else { try check(for: spec) }
            _ = try spec.deploymentMemory(MemoryQuery(promptTokens: 1, dtypes: plan), layout: self)
        } catch {
            throw CLIError.usage("\(spec.id) at \(self): --\(error.field) \(error.constraint); received \(error.value)")
        }
    }
}
