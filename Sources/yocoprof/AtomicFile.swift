// Reports are written to a temporary file beside the target and renamed over it, so an error or an
// interrupt never leaves a truncated report nor destroys the previous one.

import Foundation

enum AtomicFile {
    static func write(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try Data(text.utf8).write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: tmp)
                throw CLIError.failure("cannot write \(path): \(reason)")
            }
        } catch let error as CLIError {
            throw error
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw CLIError.failure("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
