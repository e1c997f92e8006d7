// Entry point: parse, run, and map every error to its exit code in one place (ExitCodes.swift).

import ArgumentParser
import Foundation
import Kernels

// OpenBLAS picks its kernels when it loads, before any of our code runs: on AVX-512 CPUs it
// mis-detects, so set OPENBLAS_CORETYPE and re-exec ourselves before doing anything else.
BLASEnvironment.reexecWithCoreTypeIfNeeded()

do {
    var command = try YocoProf.parseAsRoot()
    try command.run()
} catch {
    if let (message, code) = ExitCodes.classify(error) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        exit(code)
    }
    YocoProf.exit(withError: error)
}
