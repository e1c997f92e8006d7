// Reading a file the user named (a profile, a config.json, a baseline or its configurations):
// anything that is not a regular file is refused with what it is, before a read could block (a
// FIFO) or never end (/dev/zero); errors carry the system's reason, not a Foundation error domain.

import Foundation

public struct InputFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path) \(reason)" }
}

public enum InputFile {
    /// Largest file read (1 GiB): profiles and baselines are kilobytes.
    public static let maxBytes = 1 << 30

    /// The bytes of the regular file at `path` (symbolic links followed).
    public static func read(_ path: String) throws(InputFileError) -> Data {
        func fail(_ reason: String) -> InputFileError { InputFileError(path: path, reason: reason) }
        var st = stat()
        if stat(path, &st) != 0 {
            switch errno {
            case ENOENT: throw fail(lstat(path, &st) == 0 ? "is a symbolic link to nothing (its target does not exist)" : "does not exist")
            case ELOOP: throw fail("is a loop of symbolic links")
            case ENOTDIR: throw fail("does not exist (a part of the path is not a folder)")
            default: throw fail("cannot be read (\(String(cString: strerror(errno))))")
            }
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw fail("is a directory, not a file")
        case S_IFIFO: throw fail("is a FIFO (named pipe), not a regular file")
        case S_IFCHR: throw fail("is a character device, not a regular file")
        case S_IFBLK: throw fail("is a block device, not a regular file")
        case S_IFSOCK: throw fail("is a socket, not a regular file")
        default: throw fail("is not a regular file")
        }
        guard Int(st.st_size) <= maxBytes else { throw fail("is \(st.st_size) bytes, more than the \(maxBytes)-byte limit for an input file") }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw fail("cannot be read (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("cannot be read (\(String(cString: strerror(errno))))")
            }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
            if data.count > maxBytes { throw fail("is more than the \(maxBytes)-byte limit for an input file") }
        }
        return data
    }

    /// The file as UTF-8 text.
    public static func text(_ path: String) throws(InputFileError) -> String {
        let data = try read(path)
        guard let s = String(data: data, encoding: .utf8) else { throw InputFileError(path: path, reason: "is not valid UTF-8 text") }
        return s
    }
}
