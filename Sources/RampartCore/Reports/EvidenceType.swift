import Foundation

/// What an evidence file is, read from its first bytes rather than from its name or the uploader's
/// word: screenshots, captures, documents, archives and text logs are accepted when the name's
/// extension agrees with the bytes; programs and anything unrecognised are refused.
public enum EvidenceType {
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// (MIME type, extensions a file of it may have, signature test)
    private static let kinds: [(type: String, extensions: Set<String>, matches: @Sendable ([UInt8]) -> Bool)] = [
        ("image/png", ["png"], { $0.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) }),
        ("image/jpeg", ["jpg", "jpeg"], { $0.starts(with: [0xFF, 0xD8, 0xFF]) }),
        ("image/gif", ["gif"], { $0.starts(with: Array("GIF87a".utf8)) || $0.starts(with: Array("GIF89a".utf8)) }),
        ("image/webp", ["webp"], { $0.count >= 12 && $0.starts(with: Array("RIFF".utf8)) && Array($0[8..<12]) == Array("WEBP".utf8) }),
        ("application/pdf", ["pdf"], { $0.starts(with: Array("%PDF-".utf8)) }),
        (
            "application/vnd.tcpdump.pcap", ["pcap", "cap"],
            { bytes in [[0xD4, 0xC3, 0xB2, 0xA1], [0xA1, 0xB2, 0xC3, 0xD4], [0x4D, 0x3C, 0xB2, 0xA1], [0xA1, 0xB2, 0x3C, 0x4D]].contains { bytes.starts(with: $0) } }
        ),
        ("application/x-pcapng", ["pcapng"], { $0.starts(with: [0x0A, 0x0D, 0x0D, 0x0A]) }),
        ("application/gzip", ["gz", "tgz"], { $0.starts(with: [0x1F, 0x8B]) }),
        ("application/zip", ["zip"], { $0.starts(with: [0x50, 0x4B, 0x03, 0x04]) }),
    ]

    /// The file's type from its first bytes (at least 512 when the file is that long) and its name.
    public static func sniff(_ head: [UInt8], name: String) throws(Refusal) -> String {
        let dot = name.lastIndex(of: ".")
        let ext = dot.map { name[name.index(after: $0)...].lowercased() } ?? ""
        if head.starts(with: Array("MZ".utf8)) || head.starts(with: [0x7F, 0x45, 0x4C, 0x46]) || head.starts(with: [0xCF, 0xFA, 0xED, 0xFE]) {
            throw Refusal(description: "is a program; evidence must be screenshots, captures, documents, archives or text")
        }
        if let kind = kinds.first(where: { $0.matches(head) }) {
            guard kind.extensions.contains(ext) else {
                throw Refusal(description: "is \(kind.type) but is named .\(ext); name it .\(kind.extensions.sorted().first!)")
            }
            return kind.type
        }
        if isText(head) {
            let binaryNamed = kinds.contains { $0.extensions.contains(ext) }
            guard !binaryNamed else { throw Refusal(description: "is named .\(ext) but is text; the bytes do not match the name") }
            return "text/plain"
        }
        throw Refusal(description: "is not a type Rampart accepts as evidence (PNG, JPEG, GIF, WebP, PDF, pcap, pcapng, gzip, zip or text)")
    }

    /// UTF-8 without NUL bytes; a character cut at the end of the sample is allowed.
    private static func isText(_ head: [UInt8]) -> Bool {
        guard !head.isEmpty, !head.contains(0) else { return false }
        for cut in 0...min(3, head.count - 1) where String(validating: head.dropLast(cut), as: UTF8.self) != nil {
            return true
        }
        return false
    }
}
