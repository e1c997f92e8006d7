// Every file a command writes goes through here (reports, profiles, figures, baselines; `forward`
// stages its folder through `withCommit`). The rules:
//
// - A regular file (or a new name) is written to a temporary file beside it and renamed over it,
//   so an error or an interrupt never leaves a truncated file nor destroys the previous one. The
//   temporary is created with O_EXCL, its name fits NAME_MAX, and it takes the existing file's
//   permission bits (and owner, when we may set it).
// - A symbolic link is followed: its target is replaced, the link stays a link.
// - Anything that is not a regular file is never replaced: a character device or a FIFO
//   (/dev/null, /dev/full, a pipe) is written through, /dev/stdout, /dev/stderr, /dev/fd/N and
//   /proc/self/fd/N write to that descriptor; a directory, a socket or a block device is refused.
// - A set of files (`writeSet`) is staged completely before the first rename, and the renames run
//   inside one InterruptGuard critical section: an error while staging leaves every old file and
//   no temporary; an interrupt waits until the whole set is in place.
// - Errors name the path and the system's reason (strerror), never a Foundation error domain.

import Foundation
import Synchronization

enum AtomicFile {
    static func write(_ text: String, to path: String) throws {
        try writeSet([(path, Data(text.utf8))])
    }

    /// Writes every file or (on an error before the first rename) none.
    static func writeSet(_ files: [(path: String, data: Data)]) throws {
        let targets = try files.map { (try Target.resolve($0.path), $0.data) }
        try withCommit(what: files.map(\.path).joined(separator: ", ")) {
            var staged: [(temporary: String, final: String)] = []
            do {
                for case let (.replace(final, mode), data) in targets {
                    staged.append((try stage(data, beside: final, mode: mode), final))
                }
            } catch {
                for s in staged { unlink(s.temporary) }
                throw error
            }
            return {
                for s in staged where rename(s.temporary, s.final) != 0 {
                    let reason = String(cString: strerror(errno))
                    for t in staged { unlink(t.temporary) }
                    throw CLIError.failure("cannot write \(s.final): \(reason)")
                }
            }
        }
        // Written through after the set: a FIFO may block until its reader comes, and that wait
        // must stay interruptible (there is no temporary to protect).
        for case let (.writeThrough(path, fd), data) in targets {
            try writeThrough(data, path: path, descriptor: fd)
        }
    }

    /// Runs `stage` (which creates temporaries and returns the step that renames them) and then
    /// the rename step, both inside one critical section, pausing between them under the test hook.
    static func withCommit(what: String, _ stage: () throws -> (() throws -> Void)) throws {
        try InterruptGuard.deferringInterrupts {
            let commit = try stage()
            InterruptGuard.pauseBeforeCommitForTests(what)
            try commit()
        }
    }

    /// `mkdir -p`, with the system's reason on failure (an existing folder is fine).
    static func createDirectory(_ path: String) throws {
        var st = stat()
        if stat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFDIR else { throw CLIError.usage("cannot create the folder \(path): something that is not a folder is there") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try createDirectory(parent) }
        if mkdir(path, 0o777) != 0 && errno != EEXIST {
            throw CLIError.failure("cannot create the folder \(path): \(String(cString: strerror(errno)))")
        }
    }

    // MARK: - Where the bytes go

    enum Target {
        /// Write a temporary beside `path` (a regular file or a new name) and rename it over.
        case replace(path: String, mode: mode_t?)
        /// Write into the existing node (or descriptor) as it is.
        case writeThrough(path: String, descriptor: Int32?)

        static func resolve(_ path: String) throws -> Target {
            guard !path.isEmpty else { throw CLIError.usage("an output path is empty") }
            var current = path
            for _ in 0..<40 {
                // Checked at every step: a link may point at /dev/stdout or /dev/fd/N, whose own
                // target (`pipe:[…]`, a terminal) is no path to write a temporary beside.
                if let fd = descriptorName(current) {
                    guard fcntl(fd, F_GETFD) != -1 else { throw CLIError.failure("cannot write \(path): descriptor \(fd) is not open") }
                    return .writeThrough(path: current, descriptor: fd)
                }
                var st = stat()
                if lstat(current, &st) != 0 {
                    if errno == ENOENT { return .replace(path: current, mode: nil) }
                    throw CLIError.failure("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                switch st.st_mode & S_IFMT {
                case S_IFREG: return .replace(path: current, mode: st.st_mode & 0o7777)
                case S_IFLNK:
                    guard let link = readLink(current) else {
                        throw CLIError.failure("cannot write \(path): \(String(cString: strerror(errno)))")
                    }
                    let dir = (current as NSString).deletingLastPathComponent
                    current = link.hasPrefix("/") || dir.isEmpty ? link : dir + "/" + link
                case S_IFCHR, S_IFIFO: return .writeThrough(path: current, descriptor: nil)
                case S_IFDIR: throw CLIError.usage("cannot write \(path): it is a directory")
                case S_IFBLK: throw CLIError.usage("cannot write \(path): it is a block device (refused: a report never goes onto a disk device)")
                case S_IFSOCK: throw CLIError.usage("cannot write \(path): it is a socket")
                default: throw CLIError.usage("cannot write \(path): it is not a regular file")
                }
            }
            throw CLIError.usage("cannot write \(path): too many levels of symbolic links (a loop?)")
        }

        /// 1 for /dev/stdout, N for /dev/fd/N or /proc/self/fd/N; nil otherwise.
        static func descriptorName(_ path: String) -> Int32? {
            switch path {
            case "/dev/stdin": return 0
            case "/dev/stdout": return 1
            case "/dev/stderr": return 2
            default:
                for prefix in ["/dev/fd/", "/proc/self/fd/", "/proc/\(getpid())/fd/"] where path.hasPrefix(prefix) {
                    return Int32(path.dropFirst(prefix.count))
                }
                return nil
            }
        }

        static func readLink(_ path: String) -> String? {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(path, &buffer, buffer.count - 1)
            guard n >= 0 else { return nil }
            return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    private static let counter = Atomic<Int>(0)

    /// `.<name>.tmp-<pid>-<n>` beside `final`, the name cut (at a character) to fit NAME_MAX.
    static func temporaryName(for final: String) -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        let dir = (final as NSString).deletingLastPathComponent
        let suffix = ".tmp-\(getpid())-\(n)"
        var base = (final as NSString).lastPathComponent
        while 1 + base.utf8.count + suffix.utf8.count > Int(NAME_MAX) { base.removeLast() }
        return (dir.isEmpty ? "" : dir + "/") + "." + base + suffix
    }

    /// Writes `data` to a new temporary beside `final` and returns its path.
    static func stage(_ data: Data, beside final: String, mode: mode_t?) throws -> String {
        let dir = (final as NSString).deletingLastPathComponent
        var tmp = temporaryName(for: final)
        var fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        while fd < 0 && errno == EEXIST {
            tmp = temporaryName(for: final)
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        }
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            var st = stat()
            if stat(dir.isEmpty ? "." : dir, &st) != 0 {
                throw CLIError.failure("cannot write \(final): the folder \(dir) does not exist")
            }
            throw CLIError.failure("cannot write \(final): \(reason) (creating a file in \(dir.isEmpty ? "." : dir))")
        }
        do {
            if let mode {
                var st = stat()
                if stat(final, &st) == 0 && geteuid() == 0 { _ = fchown(fd, st.st_uid, st.st_gid) }
                fchmod(fd, mode)
            }
            try writeAll(data, to: fd, path: final)
            if fsync(fd) != 0 && errno != EINVAL && errno != EROFS {
                throw CLIError.failure("cannot write \(final): \(String(cString: strerror(errno)))")
            }
            if close(fd) != 0 { fd = -1; throw CLIError.failure("cannot write \(final): \(String(cString: strerror(errno)))") }
        } catch {
            if fd >= 0 { close(fd) }
            unlink(tmp)
            throw error
        }
        return tmp
    }

    static func writeThrough(_ data: Data, path: String, descriptor: Int32?) throws {
        if let descriptor { return try writeAll(data, to: descriptor, path: path) }
        let fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError.failure("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try writeAll(data, to: fd, path: path)
    }

    /// write(2) until every byte is out; EINTR retried, any other error thrown with its reason.
    static func writeAll(_ data: Data, to fd: Int32, path: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CLIError.failure("cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
    }
}

/// Standard output, checked: a report or a line that cannot be written (a full disk behind `>>`,
/// a closed pipe) is an error with exit 1, not a silent success.
enum StandardOutput {
    static func write(_ text: String) throws {
        fflush(nil)  // keep the order with anything `print` buffered
        try AtomicFile.writeAll(Data(text.utf8), to: STDOUT_FILENO, path: "standard output")
    }
}

/// Standard error, best effort: a message that cannot be written (a full disk behind `2>`) is
/// dropped; FileHandle would trap instead.
enum StandardError {
    static func write(_ text: String) {
        try? AtomicFile.writeAll(Data(text.utf8), to: STDERR_FILENO, path: "standard error")
    }
}
