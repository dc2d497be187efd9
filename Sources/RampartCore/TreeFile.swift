import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file named inside a folder tree someone else wrote (a challenge repository, an exercise file's
/// folder): found with every symbolic link followed, and refused unless it is a regular file still
/// inside the tree. A repository's `notes.txt -> /etc/passwd` once became an attachment served to
/// every team; `../../` paths and links to devices or FIFOs (`/dev/zero`) are refused the same way.
public enum TreeFile {
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The real path of `root`, every link followed.
    public static func realRoot(_ root: URL) throws(Refusal) -> String {
        guard let path = realPath(root.path) else { throw Refusal(message: "'\(root.path)' does not exist") }
        return path
    }

    /// The file `path` names below `root`: its real path and size.
    public static func resolve(_ path: String, in root: URL) throws(Refusal) -> (url: URL, size: Int) {
        let base = try realRoot(root)
        guard !path.hasPrefix("/") else { throw Refusal(message: "'\(path)' is an absolute path; name files relative to their folder") }
        guard let real = realPath(base + "/" + path) else { throw Refusal(message: "'\(path)' does not exist") }
        guard real.hasPrefix(base == "/" ? "/" : base + "/") else {
            throw Refusal(message: "'\(path)' points outside the folder (\(real)); a link out of the tree is not followed")
        }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw Refusal(message: "'\(path)' is not a regular file")
        }
        return (URL(fileURLWithPath: real), Int(info.st_size))
    }

    /// Whether `url` is itself a symbolic link (not followed).
    public static func isLink(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
