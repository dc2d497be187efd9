import Foundation

/// What the machine that runs checks lets them use: the folder external checkers must be in, the
/// folder files named by checks (SSH keys, CA certificates) must be in, and the environment checker
/// processes get.
///
/// Services are written by the white team, judges included, but what runs on a server and what it
/// may read is the administrator's decision: a judge who could name `/bin/cat` as a checker and
/// `/proc/self/environ` as its target read the server's secrets. So a check names its checker and
/// files by a path inside the administrator's folders (`RAMPART_CHECKER_DIR`,
/// `RAMPART_CHECK_FILES_DIR`); a path that leaves them (`..`, another absolute path) is refused.
/// What the administrator puts in those folders, symbolic links included, is trusted. Checkers run
/// with only the variables in `environment`, so database URLs and passwords in the server's
/// environment never reach them.
public struct CheckHost: Sendable {
    /// Nil: any path (the operator's own `rampart check` on the command line).
    public var checkerDirectory: String?
    public var fileDirectory: String?
    public var environment: [String: String]

    public init(checkerDirectory: String?, fileDirectory: String?, environment: [String: String]) {
        self.checkerDirectory = checkerDirectory.map(Self.absolute)
        self.fileDirectory = fileDirectory.map(Self.absolute)
        self.environment = environment
    }

    /// The command line: the operator may run any file they can, with the environment of their shell.
    public static func unrestricted(environment: [String: String] = ProcessInfo.processInfo.environment) -> CheckHost {
        CheckHost(checkerDirectory: nil, fileDirectory: nil, environment: environment)
    }

    /// Variables a checker may need to start (finding its interpreter and libraries, its locale), and
    /// nothing else unless the administrator names it in `passing`.
    public static func environment(from all: [String: String], passing extra: [String] = []) -> [String: String] {
        let names: Set<String> = ["PATH", "HOME", "LANG", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL", "VIRTUAL_ENV", "SSL_CERT_FILE", "SSL_CERT_DIR"]
        let prefixes = ["LC_", "PYTHON", "PYENV"]
        return all.filter { name, _ in
            names.contains(name) || prefixes.contains { name.hasPrefix($0) } || extra.contains(name)
        }
    }

    /// The setting that names each folder, for messages.
    static let checkerSetting = "RAMPART_CHECKER_DIR"
    static let fileSetting = "RAMPART_CHECK_FILES_DIR"

    /// The checker `path` names, as a path inside the checker folder. `local`: whether it must exist
    /// here; a checker of another zone lives on that zone's workers, in their own folder, so only a
    /// path relative to it is accepted for one.
    public func checker(_ path: String, local: Bool) throws(CheckConfigurationError) -> String {
        let resolved = try Self.resolve(path, in: checkerDirectory, what: "checker", setting: Self.checkerSetting, local: local)
        if local {
            guard FileManager.default.isExecutableFile(atPath: resolved) else {
                throw CheckConfigurationError("checker '\(path)' is not an executable file\(checkerDirectory.map { " in \($0)" } ?? "")")
            }
        }
        return resolved
    }

    /// A file a check reads (`parameter` names it in messages), as a path inside the file folder.
    public func file(_ path: String, parameter: String, local: Bool) throws(CheckConfigurationError) -> String {
        try Self.resolve(path, in: fileDirectory, what: parameter, setting: Self.fileSetting, local: local)
    }

    private static func resolve(
        _ path: String, in directory: String?, what: String, setting: String, local: Bool
    ) throws(CheckConfigurationError) -> String {
        guard !path.isEmpty, !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw CheckConfigurationError("\(what) must be a file name")
        }
        guard let directory else { return path }
        if path.hasPrefix("/"), !local {
            throw CheckConfigurationError(
                "\(what) '\(path)': a service checked from another zone names its files relative to that zone's \(setting)")
        }
        let full = normalized(path.hasPrefix("/") ? path : directory + "/" + path)
        guard full.hasPrefix(directory + "/") else {
            throw CheckConfigurationError(
                "\(what) '\(path)' is not inside \(setting) (\(directory)): an administrator installs checkers and their files there")
        }
        return full
    }

    static func absolute(_ path: String) -> String {
        normalized(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
    }

    /// `path` with `.` and `..` taken out and no trailing slash, without following links.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : joined
    }
}
