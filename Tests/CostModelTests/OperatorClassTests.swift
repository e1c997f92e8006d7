import CostModel
import Testing

@Suite("Operator classes in the roofline")
struct OperatorClassTests {
    static func hardware(_ classes: [OperatorClass: Double]) -> HardwareSpec {
        HardwareSpec(id: "h", source: "test", memoryBytes: 1 << 40, memoryBandwidthBytesPerSecond: 1e12,
                     peakFlopsPerSecond: [.fp32: 1e12], computeEfficiency: 0.5, memoryEfficiency: 1,
                     operatorOverheadSeconds: 0, operatorEfficiency: classes)
    }

    static func op(_ label: String?, _ part: OperatorPart, flops: FlopCount = .elementwise(1)) -> OperatorCost {
        OperatorCost(OperatorID(run: label == nil ? nil : 0, label: label, part: part), flops: flops, bytes: 0)
    }

    @Test("Parts map to classes, whatever the label")
    func parts() {
        #expect(Self.op("gret", .retentionCore).operatorClass == .retentionCore)
        #expect(Self.op("attention", .attentionCore(windowed: false)).operatorClass == .attentionCore)
        #expect(Self.op("cross", .attentionCore(windowed: false)).operatorClass == .attentionCore)
        #expect(Self.op("attention", .projections).operatorClass == .dense)
        #expect(Self.op(nil, .head).operatorClass == .dense)
        // A label is only a name: a retention core stays one under any label, and names still print.
        #expect(Self.op("anything", .retentionCore).operatorClass == .retentionCore)
        #expect(Self.op("gret", .retentionCore).name == "gret.core")
        #expect(Self.op(nil, .kvProjection).name == "kv_projection")
    }

    @Test("Every prefill operator of the fixtures gets the class of its part")
    func prefillClasses() {
        let yoco = Fixtures.yoco3B.prefillCost(batch: 1, promptTokens: 1000, dtypes: .uniform(.bf16))
        #expect(yoco.operators.filter { $0.operatorClass == .retentionCore }.map(\.name) == ["gret.core"])
        #expect(yoco.operators.filter { $0.operatorClass == .attentionCore }.map(\.name) == ["cross.core"])
    }

    @Test("A class efficiency applies to its operators only")
    func rates() throws {
        // 1e12 FLOPs, no bytes: dense at 0.5 x 1e12 = 2 s; an attention core at 0.25 = 4 s.
        let core = Self.op("attention", .attentionCore(windowed: false), flops: .elementwise(1_000_000_000_000))
        let proj = Self.op("attention", .projections, flops: .elementwise(1_000_000_000_000))
        let plain = try RooflineRates(hardware: Self.hardware([:]), computeDType: .fp32)
        let split = try RooflineRates(hardware: Self.hardware([.attentionCore: 0.25]), computeDType: .fp32)
        #expect(plain.seconds(core) == 2)
        #expect(split.seconds(core) == 4)
        #expect(split.seconds(proj) == 2)
    }

    @Test("Dense operators follow the efficiency-by-rows curve, interpolated in log2(rows)")
    func byRows() throws {
        var hw = Self.hardware([:])
        hw.computeEfficiencyByRows = [1024: 0.2, 4096: 0.6]
        let rates = try RooflineRates(hardware: hw, computeDType: .fp32)
        func rate(_ rows: Int128) -> Double {
            var op = Self.op("attention", .ffn)
            op.rows = rows
            return rates.flopsPerSecond(for: op)
        }
        // Flat beyond the calibrated points; 2048 rows is halfway between 2^10 and 2^12.
        #expect(abs(rate(1) - 0.2e12) < 1)
        #expect(abs(rate(1 << 20) - 0.6e12) < 1)
        #expect(abs(rate(2048) - 0.4e12) < 1e3)  // log2 approximation error below 1e-9 relative
        // An operator without rows (embedding) keeps compute_efficiency.
        #expect(rates.flopsPerSecond(for: Self.op(nil, .embedding)) == 0.5e12)
    }

    @Test("Windowed cores use their own efficiency, else the attention core's")
    func windowed() throws {
        let core = Self.op("swa_self", .attentionCore(windowed: true))
        #expect(core.operatorClass == .windowedAttentionCore)
        let fallback = try RooflineRates(hardware: Self.hardware([.attentionCore: 0.25]), computeDType: .fp32)
        #expect(fallback.flopsPerSecond(for: core) == 0.25e12)
        let own = try RooflineRates(hardware: Self.hardware([.attentionCore: 0.25, .windowedAttentionCore: 0.4]), computeDType: .fp32)
        #expect(own.flopsPerSecond(for: core) == 0.4e12)
        // Mistral's windowed layers are marked by the prefill model itself.
        let mistral = Fixtures.mistral7B.prefillCost(batch: 1, promptTokens: 8192, dtypes: .uniform(.bf16))
        #expect(mistral.operators.filter { $0.name.hasSuffix(".core") }.allSatisfy { $0.operatorClass == .windowedAttentionCore })
    }

    @Test("Other FLOPs run at the element-wise rate when the profile states one")
    func elementwise() throws {
        var hw = Self.hardware([:])
        let op = Self.op("attention", .ffn, flops: FlopCount(matmul: 1_000_000_000_000, other: 10_000_000_000))
        // Folded into the matrix rate: (1e12 + 1e10) / 0.5e12 = 2.02 s.
        #expect(abs(try RooflineRates(hardware: hw, computeDType: .fp32).seconds(op) - 2.02) < 1e-9)
        // Split: 1e12 / 0.5e12 + 1e10 / 1e10 = 3 s.
        hw.elementwiseFlopsPerSecond = 1e10
        #expect(abs(try RooflineRates(hardware: hw, computeDType: .fp32).seconds(op) - 3) < 1e-9)
        hw.elementwiseFlopsPerSecond = 0
        #expect(throws: SpecError.self) { try hw.validate() }
    }

    @Test("Class efficiencies are validated")
    func validation() {
        #expect(throws: SpecError.self) { try Self.hardware([.retentionCore: 1.5]).validate() }
        #expect(throws: Never.self) { try Self.hardware([.retentionCore: 0.3]).validate() }
        var hw = Self.hardware([:])
        hw.computeEfficiencyByRows = [0: 0.5]
        #expect(throws: SpecError.self) { try hw.validate() }
        hw.computeEfficiencyByRows = [1024: 0]
        #expect(throws: SpecError.self) { try hw.validate() }
    }
}
