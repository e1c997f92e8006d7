// Entry point: parse, run, and map every error to its exit code in one place (ExitCodes.swift).

import ArgumentParser
import Foundation

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
