// One self-overwriting progress line on standard error, shown only when standard error is a
// terminal (quiet when piped or in CI).

import Foundation

/// One progress line on standard error, only when it is a terminal (quiet when piped).
final class ProgressLine: @unchecked Sendable {
    private let enabled = isatty(STDERR_FILENO) != 0
    private var shown = false

    func show(_ line: String) {
        guard enabled else { return }
        StandardError.write("\r\u{1B}[K\(line)")
        shown = true
    }

    func clear() {
        guard enabled, shown else { return }
        StandardError.write("\r\u{1B}[K")
        shown = false
    }
}
