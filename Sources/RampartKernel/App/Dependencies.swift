import Foundation
import RampartChecks
import Vapor

/// Time and randomness come through here so tests can fix them.
public struct Dependencies: Sendable {
    public var now: @Sendable () -> Date
    /// `count` cryptographically random bytes.
    public var randomBytes: @Sendable (Int) -> [UInt8]

    public static let live = Dependencies(
        now: { Date() },
        randomBytes: { count in
            var generator = SystemRandomNumberGenerator()
            return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        }
    )

    /// A URL-safe random token with `bytes` bytes of entropy.
    public func token(bytes: Int = 32) -> String {
        Data(randomBytes(bytes)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A code people can read out loud and type: no 0/O, 1/I/L.
    public func humanCode(length: Int = 10) -> String {
        let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        return String(randomBytes(length).map { alphabet[Int($0) % alphabet.count] })
    }
}

extension Application {
    private struct DependenciesKey: StorageKey {
        typealias Value = Dependencies
    }

    public var dependencies: Dependencies {
        get { storage[DependenciesKey.self] ?? .live }
        set { storage[DependenciesKey.self] = newValue }
    }

    private struct ConfigurationKey: StorageKey {
        typealias Value = RampartConfiguration
    }

    public var rampart: RampartConfiguration {
        get {
            storage.configured(ConfigurationKey.self)
        }
        set { storage[ConfigurationKey.self] = newValue }
    }
}

extension Application {
    /// Where this node's checks may find checkers and files, and their environment (`RampartConfiguration`).
    package var checkHost: CheckHost {
        CheckHost(
            checkerDirectory: rampart.checkerDirectory, fileDirectory: rampart.checkFilesDirectory, environment: rampart.checkerEnvironment)
    }
}

extension Request {
    package var now: Date { application.dependencies.now() }
    package var dependencies: Dependencies { application.dependencies }
}

/// SHA-256 of a secret as lower-case hex: how tokens and session ids are stored.
package func sha256Hex(_ value: String) -> String {
    sha256Hex(Data(value.utf8))
}

/// Lower-case hex of the SHA-256 digest; runs for every authenticated request, so no `String(format:)`.
package func sha256Hex(_ data: Data) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var hex: [UInt8] = []
    hex.reserveCapacity(64)
    for byte in SHA256.hash(data: data) {
        hex.append(digits[Int(byte >> 4)])
        hex.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: hex, as: UTF8.self)
}

extension Storage {
    /// A value `configure(_:_:)` puts in application storage; its absence is a programming error.
    package func configured<Key: StorageKey>(_ key: Key.Type) -> Key.Value {
        guard let value = self[key] else { fatalError("configure(_:_:) has not run: \(Key.self) is missing") }
        return value
    }
}
