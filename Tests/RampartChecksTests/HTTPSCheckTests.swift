import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwiftASN1
import Testing
import X509

@testable import RampartChecks

/// HTTPS against real TLS servers on loopback, with certificates a range CA made for the test: one
/// valid for 127.0.0.1, one expired, one for another name; and the CA, trusted through `ca_file`.
@Suite struct HTTPSCheckTests {
    struct Authority {
        let key = P256.Signing.PrivateKey()
        let name = try! DistinguishedName { CommonName("Rampart test range CA") }
        let certificate: Certificate

        init() throws {
            let now = Date()
            certificate = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: now - 3600, notValidAfter: now + 86400,
                issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    KeyUsage(keyCertSign: true)
                }, issuerPrivateKey: .init(key))
        }

        /// A server certificate and its key, in PEM.
        func issue(for name: GeneralName, validUntil: Date, from: Date = Date() - 3600) throws -> (String, String) {
            let key = P256.Signing.PrivateKey()
            let leaf = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: from, notValidAfter: validUntil,
                issuer: self.name, subject: try DistinguishedName { CommonName("shop") }, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions { SubjectAlternativeNames([name]) }, issuerPrivateKey: .init(self.key))
            return (try leaf.serializeAsPEM().pemString, key.pemRepresentation)
        }
    }

    /// The shop, served over TLS with `certificate`.
    func serve(_ certificate: (String, String)) async throws -> (any Channel, Int) {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificate.0.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.1.utf8), format: .pem)))
        configuration.minimumTLSVersion = .tlsv12
        let context = try NIOSSLContext(configuration: configuration)
        return try await startServer { channel in
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
            try channel.pipeline.syncOperations.addHandler(ShopService())
        }
    }

    @Test func certificatesAreVerifiedAgainstTheTrustedAuthorities() async throws {
        let authority = try Authority()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let caFile = folder.appendingPathComponent("range-ca.pem").path
        try authority.certificate.serializeAsPEM().pemString.write(toFile: caFile, atomically: true, encoding: .utf8)
        let loopback = GeneralName.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))

        let (valid, validPort) = try await serve(try authority.issue(for: loopback, validUntil: Date() + 86400))
        let (expired, expiredPort) = try await serve(try authority.issue(for: loopback, validUntil: Date() - 60, from: Date() - 86400))
        let (other, otherPort) = try await serve(try authority.issue(for: .dnsName("other.example"), validUntil: Date() + 86400))
        defer { for server in [valid, expired, other] { server.close(promise: nil) } }
        func check(_ port: Int, _ parameters: [String: String]) async throws -> CheckResult {
            try await Check(type: "https", parameters: parameters).run(target: "127.0.0.1:\(port)", timeout: .seconds(3))
        }

        // trusted through ca_file, valid, for this address: up
        var result = try await check(validPort, ["ca_file": caFile, "contains": "items in stock"])
        #expect(result.status == .up, "\(result)")
        // the same certificate without the range CA: not trusted
        result = try await check(validPort, [:])
        #expect(result.status == .down)
        #expect(result.publicMessage == "TLS certificate not valid")
        // expired, or for another name: not valid even with the CA
        for port in [expiredPort, otherPort] {
            result = try await check(port, ["ca_file": caFile])
            #expect(result.status == .down, "\(result)")
            #expect(result.publicMessage == "TLS certificate not valid")
        }
        // insecure accepts any of them
        for port in [validPort, expiredPort, otherPort] {
            #expect(try await check(port, ["insecure": "true"]).status == .up)
        }
        #expect(throws: CheckConfigurationError.self) {
            try Check(type: "https", parameters: ["ca_file": folder.appendingPathComponent("none").path])
        }
        #expect(throws: CheckConfigurationError.self) { try Check(type: "http", parameters: ["ca_file": caFile]) }
        _ = try Check(type: "https", parameters: ["ca_file": "/on/the/worker.pem"], local: false)
    }
}
