// Entry point: parse, run, and map every error to its exit code in one place (ExitCodes.swift).

import ArgumentParser
import Foundation

// OpenBLAS is not linked: the commands that run the kernels open it (BLASEnvironment.requireRunnable,
// after settling OPENBLAS_CORETYPE); the analytic ones never load it (Kernels/OpenBLASLibrary.swift).
// Every command may write files: Ctrl-C waits for a file set in progress (InterruptGuard.swift).
InterruptGuard.install()

/// Everything `print` buffered must reach standard output; a lost report is a failure (exit 1).
/// (glibc's `stdout` stream is read through dlsym: Swift 6 refuses a reference to a C global var.)
func flushStandardOutput() {
    let stream = dlsym(nil, "stdout")?.assumingMemoryBound(to: UnsafeMutablePointer<FILE>?.self).pointee
    if fflush(nil) != 0 || stream.map({ ferror($0) != 0 }) == true {
        let reason = errno != 0 ? String(cString: strerror(errno)) : "write error"
        StandardError.write("error: cannot write standard output: \(reason)\n")
        exit(1)
    }
}

do {
    var command = try YocoProf.parseAsRoot()
    try command.run()
    flushStandardOutput()
} catch {
    flushStandardOutput()
    if let (message, code) = ExitCodes.classify(error) {
        StandardError.write("error: \(ExitCodes.printable(message))\n")
        exit(code)
    }
    YocoProf.exit(withError: error)
}
