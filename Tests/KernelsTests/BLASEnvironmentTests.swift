// The OpenBLAS environment: self-check, fallback detection (the test runner is started with
// OPENBLAS_CORETYPE=SkylakeX per the build instructions, so the fallback case is constructed).

import Testing
@testable import Kernels

@Suite struct BLASEnvironmentTests {
    @Test func sgemmSelfCheckPasses() throws {
        try BLASEnvironment.checkSgemm()
    }

    @Test func prescottOnAnAVX512CPUIsAFallback() {
        let env = BLASEnvironment(coreName: "Prescott", threads: 2, coreTypeVariable: nil, cpuHasAVX512F: true, cpuHasAVX2: true)
        #expect(env.isFallback)
        #expect(throws: KernelError.self) { try env.requireNativeKernels() }
        let ok = BLASEnvironment(coreName: "SkylakeX", threads: 2, coreTypeVariable: "SkylakeX", cpuHasAVX512F: true, cpuHasAVX2: true)
        #expect(!ok.isFallback)
        let old = BLASEnvironment(coreName: "Prescott", threads: 1, coreTypeVariable: nil, cpuHasAVX512F: false, cpuHasAVX2: false)
        #expect(!old.isFallback)  // a CPU without AVX2 has nothing better
    }

    @Test func reportsTheCoreName() {
        let env = BLASEnvironment.current()
        #expect(!env.coreName.isEmpty)
        #expect(env.threads >= 1)
    }
}
