// Entry point: parse, run, and map every error to its exit code in one place (ExitCodes.swift).

import ArgumentParser
import Foundation
import Kernels

// OpenBLAS picks its kernels when it loads, before any of our code runs: on AVX-512 CPUs it
// mis-detects, and an OPENBLAS_CORETYPE this CPU cannot run would die with SIGILL at the first
// product, so fix the variable and re-exec ourselves before doing anything else.
BLASEnvironment.prepareProcess()

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
