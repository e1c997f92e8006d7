// Interrupt handling for measured commands (see the type's documentation).

import Foundation

/// Ctrl-C must not leave a half-written file. `install()` (first thing in a measured command) makes
/// SIGINT and SIGTERM end the process with status 130 / 143 and unblocks them (a parent may have
/// spawned us with them blocked, and a blocked Ctrl-C would be ignored for the whole run). While
/// AtomicFile writes its temporary file and renames it they are blocked again, and a signal that
/// arrived meanwhile ends the process once the complete file is in place. Temporary files exist
/// only inside that window, so the handler has nothing to clean up.
enum InterruptGuard {
    static func install() {
        signal(SIGINT) { _ in _exit(130) }
        signal(SIGTERM) { _ in _exit(143) }
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    static func deferringInterrupts<T>(_ body: () throws -> T) rethrows -> T {
        var block = sigset_t(), saved = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGINT)
        sigaddset(&block, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &block, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        return try body()
    }
}
