import Foundation

/// One MITRE ATT&CK Enterprise tactic (`TA0002`, `execution`, "Execution").
public struct AttackTactic: Sendable, Hashable {
    public let id: String
    public let shortName: String
    public let name: String
}

/// One technique or sub-technique (`T1059.001` "PowerShell", under `T1059`), with its tactics.
public struct AttackTechnique: Sendable, Hashable {
    public let id: String
    public let name: String
    public let tactics: [AttackTactic]

    /// The technique a sub-technique belongs to (`T1059` for `T1059.001`); nil for a technique.
    public var parent: String? { id.firstIndex(of: ".").map { String(id[..<$0]) } }
}

/// The ATT&CK Enterprise techniques Rampart ships (`Reports/Resources/attack-enterprise.tsv`, written by
/// `scripts/attack-techniques.py` from github.com/mitre/cti; the file's first line names the release),
/// so that reports name techniques by checked IDs on a range with no Internet.
public struct AttackCatalog: Sendable {
    public let release: String
    public let tactics: [AttackTactic]
    public let techniques: [String: AttackTechnique]

    /// The list that ships with Rampart.
    public static let enterprise: AttackCatalog = {
        guard let url = Bundle.module.url(forResource: "attack-enterprise", withExtension: "tsv"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { preconditionFailure("attack-enterprise.tsv is missing from RampartCore's resources") }
        return AttackCatalog(tsv: text)
    }()

    /// Reads the shipped format: `tactic ID short name`, `technique ID name tactics`, `#` comments.
    public init(tsv: String) {
        var release = "?"
        var tactics: [AttackTactic] = []
        var rows: [(String, String, String)] = []
        for line in tsv.split(separator: "\n") {
            if line.hasPrefix("# MITRE ATT&CK Enterprise ") {
                release = String(line.dropFirst("# MITRE ATT&CK Enterprise ".count).prefix { $0 != "," })
            }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if fields.count == 4, fields[0] == "tactic" { tactics.append(AttackTactic(id: fields[1], shortName: fields[2], name: fields[3])) }
            if fields.count == 4, fields[0] == "technique" { rows.append((fields[1], fields[2], fields[3])) }
        }
        let byShortName = Dictionary(tactics.map { ($0.shortName, $0) }, uniquingKeysWith: { first, _ in first })
        self.release = release
        self.tactics = tactics
        techniques = Dictionary(
            rows.map { id, name, phases in
                (id, AttackTechnique(id: id, name: name, tactics: phases.split(separator: ",").compactMap { byShortName[String($0)] }))
            }, uniquingKeysWith: { first, _ in first })
    }

    /// The technique an ID names, written as people write them (`t1059.001`, ` T1059.001 `); nil when
    /// the list has no such technique (a typo, or one revoked or deprecated in this release).
    public func technique(_ id: String) -> AttackTechnique? {
        techniques[id.trimmingCharacters(in: .whitespaces).uppercased()]
    }
}
