// OpenBLAS opened at run time (issue 13): where it is looked for, the refusals naming the file or
// the missing symbol, and the file this process mapped. The files opened here that are not
// OpenBLAS (a missing path, libm) are opened directly, never through `BLAS.load`, so the
// process's own OpenBLAS is untouched.

import Foundation
import Testing
@testable import Kernels

@Suite struct OpenBLASLibraryTests {
    static let onLinux = FileManager.default.fileExists(atPath: "/proc/self/maps")  // Linux: /proc, glibc, ELF

    @Test func theOverrideIsTheOnlyCandidate() {
        #expect(OpenBLASLibrary.candidates(["YOCOPROF_OPENBLAS": "/opt/x/libopenblas.so.0"]) == ["/opt/x/libopenblas.so.0"])
        #expect(OpenBLASLibrary.candidates(["YOCOPROF_OPENBLAS": ""]) == OpenBLASLibrary.defaultCandidates)
        #expect(OpenBLASLibrary.candidates([:]) == OpenBLASLibrary.defaultCandidates)
    }

    @Test(.enabled(if: onLinux, "Linux names"))
    func theDefaultSearchStartsWithTheLoadersName() {
        let names = OpenBLASLibrary.defaultCandidates
        #expect(names.first == "libopenblas.so.0")
        #if arch(x86_64)
        #expect(names.contains("/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"))
        #endif
    }

    @Test func aFileThatCannotBeOpenedIsRefusedNamingIt() {
        let missing = "/nonexistent-\(UUID().uuidString)/libopenblas.so.0"
        #expect {
            try OpenBLASLibrary.open(candidates: [missing], overridden: true)
        } throws: { error in
            guard case .blasUnavailable(let library, let reason) = error as? KernelError else { return false }
            return library == "YOCOPROF_OPENBLAS=\(missing)" && reason.contains(missing)
                && (error as! KernelError).description.contains("cannot load OpenBLAS (YOCOPROF_OPENBLAS=\(missing))")
        }
    }

    @Test func everyDefaultCandidateIsListedWhenNoneOpens() {
        let names = ["/nonexistent-a/libopenblas.so.0", "/nonexistent-b/libopenblas.so.0"]
        #expect {
            try OpenBLASLibrary.open(candidates: names, overridden: false)
        } throws: { error in
            guard case .blasUnavailable(let library, let reason) = error as? KernelError else { return false }
            return library == names[0] && reason.contains("tried \(names[0]), \(names[1])")
        }
    }

    /// libm opens but is not OpenBLAS: the first symbol looked up is the one named.
    @Test(.enabled(if: onLinux, "glibc's libm.so.6"))
    func aLibraryWithoutCBLASIsRefusedNamingTheSymbol() {
        #expect(throws: KernelError.blasSymbolMissing(library: "libm.so.6", symbol: "cblas_sgemm")) {
            try OpenBLASLibrary.open(candidates: ["libm.so.6"], overridden: true)
        }
    }

    @Test(.enabled(if: onLinux, "/proc/self/maps"))
    func theLoadedLibraryIsTheFileThatHoldsTheProducts() throws {
        try BLAS.load()
        let path = try #require(BLAS.libraryPath)
        #expect(path.contains("openblas"), "\(path)")
        #expect(path.hasPrefix("/") && FileManager.default.fileExists(atPath: path), "\(path)")
    }

    @Test func aKeptUnrunnableCoreIsRefusedBeforeLoading() {
        let zen3 = BLASEnvironmentTests.zen3
        #expect(throws: KernelError.blasCoreUnrunnable(variable: "OPENBLAS_CORETYPE", coreName: "SkylakeX",
                                                      missingFlags: OpenBLASCore.avx512Flags)) {
            try BLASEnvironment.settleCoreType(["OPENBLAS_CORETYPE": "SkylakeX", "YOCOPROF_NO_REEXEC": "1"], cpuFlags: zen3)
        }
    }
}
