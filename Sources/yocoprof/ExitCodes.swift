// The one place that maps errors to exit codes (BRIEF §4):
//   0 ok, 1 failure, 2 regression/changed against a baseline, 5 baseline missing,
//   64 usage error, 65 bad data (a profile or baseline that does not parse or validate).

import ArgumentParser
import Foundation
import CostModel
import Kernels
import Profiler
import ProfileStore

/// Errors raised by commands, each carrying its exit code.
enum CLIError: Error, CustomStringConvertible {
    /// Something went wrong (exit 1).
    case failure(String)
    /// A bad flag value or combination found after parsing (exit 64).
    case usage(String)
    /// A file that does not parse or validate (exit 65).
    case badData(String)
    /// A baseline differs (exit 2); the report has already been printed.
    case regression(String)
    /// A baseline file is missing (exit 5).
    case baselineMissing(String)

    var description: String {
        switch self {
        case .failure(let s), .usage(let s), .badData(let s), .regression(let s), .baselineMissing(let s): s
        }
    }

    var exitCode: Int32 {
        switch self {
        case .failure: 1
        case .regression: 2
        case .baselineMissing: 5
        case .usage: 64
        case .badData: 65
        }
    }
}

enum ExitCodes {
    /// Our own errors -> (message, code); nil for argument-parser errors, which it reports itself.
    static func classify(_ error: Error) -> (String, Int32)? {
        switch error {
        case let e as CLIError: return (e.description, e.exitCode)
        case let e as ProfileError: return (e.description, 65)
        case let e as UnknownProfileError: return (e.description, 64)
        case let e as ProfileLocationError: return (e.description, 64)
        case let e as CostModelError: return (e.description, e.cliError.exitCode)
        case let e as KernelError: return (e.description, 1)
        case let e as ProfilerError: return (e.description, e.exitCode)
        case let e as InputFileError: return (e.description, 65)
        default: break
        }
        // Foundation's file errors ("The operation could not be completed... NSCocoaErrorDomain
        // error 512"): the path and the system's reason instead.
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain {
            let path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
            var code = ns.domain == NSPOSIXErrorDomain ? Int32(ns.code) : 0
            if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
                code = Int32(underlying.code)
            }
            if code == 0 {
                // Cocoa codes without a POSIX cause: the nearest POSIX reason.
                code = switch CocoaError.Code(rawValue: ns.code) {
                case .fileNoSuchFile, .fileReadNoSuchFile: ENOENT
                case .fileReadNoPermission, .fileWriteNoPermission: EACCES
                case .fileWriteFileExists: EEXIST
                case .fileWriteOutOfSpace: ENOSPC
                case .fileWriteVolumeReadOnly: EROFS
                case .fileReadTooLarge: EFBIG
                default: 0
                }
            }
            let reason = code != 0 ? String(cString: strerror(code)) : "the file operation failed (\(ns.localizedFailureReason ?? "no reason given"))"
            return ("\(path.map { "\($0): " } ?? "")\(reason)", 1)
        }
        return nil
    }

    /// Text a terminal shows as it is: control characters (an escape sequence in a file name or
    /// a typed id) written as \u{1B}; the message's own line breaks and tabs are kept.
    static func printable(_ message: String) -> String {
        var out = ""
        for c in message.unicodeScalars {
            if c.isTerminalControl && c != "\n" && c != "\t" {
                out += "\\u{\(String(c.value, radix: 16, uppercase: true))}"
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

extension ProfilerError {
    /// A request outside its domain is a usage error (64); everything else is a failure (1):
    /// a refused run (memory, fallback BLAS core), untrusted counters, a kernel or PAPI failure.
    var exitCode: Int32 {
        if case .invalidRequest = self { return 64 }
        return 1
    }
}
