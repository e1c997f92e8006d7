import CostModel
import Testing

@Suite("Operator classes in the roofline")
struct OperatorClassTests {
    static func hardware(_ classes: [OperatorClass: Double]) -> HardwareSpec {
        HardwareSpec(id: "h", source: "test", memoryBytes: 1 << 40, memoryBandwidthBytesPerSecond: 1e12,
                     peakFlopsPerSecond: [.fp32: 1e12], computeEfficiency: 0.5, memoryEfficiency: 1,
                     operatorOverheadSeconds: 0, operatorEfficiency: classes)
    }

    @Test("Names map to classes")
    func names() {
        let f = FlopCount.elementwise(1)
        #expect(OperatorCost(name: "gret.core", flops: f, bytes: 0).operatorClass == .retentionCore)
        #expect(OperatorCost(name: "attention.core", flops: f, bytes: 0).operatorClass == .attentionCore)
        #expect(OperatorCost(name: "cross.core", flops: f, bytes: 0).operatorClass == .attentionCore)
        #expect(OperatorCost(name: "attention.projections", flops: f, bytes: 0).operatorClass == .dense)
        #expect(OperatorCost(name: "head", flops: f, bytes: 0).operatorClass == .dense)
    }

    @Test("A class efficiency applies to its operators only")
    func rates() throws {
        // 1e12 FLOPs, no bytes: dense at 0.5 x 1e12 = 2 s; an attention core at 0.25 = 4 s.
        let core = OperatorCost(name: "attention.core", flops: .elementwise(1_000_000_000_000), bytes: 0)
        let proj = OperatorCost(name: "attention.projections", flops: .elementwise(1_000_000_000_000), bytes: 0)
        let plain = try RooflineRates(hardware: Self.hardware([:]), computeDType: .fp32)
        let split = try RooflineRates(hardware: Self.hardware([.attentionCore: 0.25]), computeDType: .fp32)
        #expect(plain.seconds(core) == 2)
        #expect(split.seconds(core) == 4)
        #expect(split.seconds(proj) == 2)
    }

    @Test("Class efficiencies are validated")
    func validation() {
        #expect(throws: SpecError.self) { try Self.hardware([.retentionCore: 1.5]).validate() }
        #expect(throws: Never.self) { try Self.hardware([.retentionCore: 0.3]).validate() }
    }
}
