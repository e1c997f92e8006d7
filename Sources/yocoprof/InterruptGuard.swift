// Interrupt handling for every command that writes files (see the type's documentation).

import Foundation
import Synchronization

/// Ctrl-C must not leave a half-written file or a half-replaced set of files.
///
/// `install()` runs once, in main.swift, before any command: SIGINT and SIGTERM end the process
/// with status 130 / 143, and are unblocked (a parent may have spawned us with them blocked; a
/// blocked Ctrl-C would be ignored for the whole run). A signal whose disposition was SIG_IGN when
/// we started (`nohup`, a background job of a script) stays ignored.
///
/// `deferringInterrupts` marks a critical section — AtomicFile writes its temporary files and
/// renames them inside one. A signal mask would not do: it is per thread, and the kernel delivers
/// a process-directed signal to any thread that does not block it (OpenBLAS starts its workers
/// when a command that runs the kernels opens the library, with the mask the process has then). So the
/// handler itself decides, on whichever thread it runs: outside a critical section it ends the
/// process at once; inside one it records the signal and returns, and the section's end exits
/// with that signal's status once every file is in place. Temporary files exist only inside
/// critical sections, so no path ever needs cleaning up from a handler.
enum InterruptGuard {
    /// Depth of nested critical sections, and the first signal that arrived inside one (0: none).
    /// Lock-free atomics: the handler reads and writes them from any thread.
    private static let depth = Atomic<Int>(0)
    private static let pending = Atomic<Int32>(0)

    static func install() {
        _ = depth.load(ordering: .relaxed)  // initialise the statics before any handler can run
        _ = pending.load(ordering: .relaxed)
        var set = sigset_t()
        sigemptyset(&set)
        for sig in [SIGINT, SIGTERM] {
            var old = sigaction()
            sigaction(sig, nil, &old)
            // SIG_IGN is the handler address 1 (<signal.h>); the union is one pointer wide.
            if unsafeBitCast(old.__sigaction_handler, to: Int.self) == 1 { continue }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in InterruptGuard.handle(sig) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(sig, &action, nil)
            sigaddset(&set, sig)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        // A file-size limit (`ulimit -f`) must make write(2) fail with EFBIG, which we report,
        // instead of killing the process mid-write.
        signal(SIGXFSZ, SIG_IGN)
    }

    /// Async-signal-safe: atomics and _exit only.
    private static func handle(_ sig: Int32) {
        if depth.load(ordering: .sequentiallyConsistent) > 0 {
            _ = pending.compareExchange(expected: 0, desired: sig, ordering: .sequentiallyConsistent)
            // The section may have ended between the two loads: then nobody will read `pending`.
            if depth.load(ordering: .sequentiallyConsistent) > 0 { return }
        }
        _exit(128 + sig)
    }

    /// Runs `body` with SIGINT and SIGTERM deferred until it returns (or throws).
    static func deferringInterrupts<T>(_ body: () throws -> T) rethrows -> T {
        depth.add(1, ordering: .sequentiallyConsistent)
        defer {
            if depth.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 {
                let sig = pending.load(ordering: .sequentiallyConsistent)
                if sig != 0 {
                    fflush(nil)
                    _exit(128 + sig)
                }
            }
        }
        return try body()
    }

    /// Test hook: with YOCOPROF_TEST_PAUSE_BEFORE_COMMIT=<seconds>, a writer announces on standard
    /// error that its temporary files are complete and sleeps before renaming them, so a test can
    /// interrupt it at exactly that point.
    static func pauseBeforeCommitForTests(_ what: String) {
        guard let text = ProcessInfo.processInfo.environment["YOCOPROF_TEST_PAUSE_BEFORE_COMMIT"],
              let seconds = Double(text), seconds > 0 else { return }
        StandardError.write("test hook: paused before committing \(what)\n")
        // Sleeps in 10 ms steps and stops early once a deferred signal is pending, so a test need
        // not wait out the whole pause.
        for _ in 0..<Int(seconds * 100) where pending.load(ordering: .sequentiallyConsistent) == 0 {
            var step = timespec(tv_sec: 0, tv_nsec: 10_000_000)
            var left = timespec()
            while nanosleep(&step, &left) != 0 && errno == EINTR { step = left }
        }
    }
}
