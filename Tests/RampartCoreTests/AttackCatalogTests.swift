import Testing

@testable import RampartCore

/// The ATT&CK list reports will be checked against: shipped, complete, and read as people write IDs.
@Suite struct AttackCatalogTests {
    @Test func theShippedListNamesTechniquesWithTheirTactics() throws {
        let catalog = AttackCatalog.enterprise
        #expect(catalog.release == "v18.1" && catalog.tactics.count == 14 && catalog.techniques.count > 600)
        let powershell = try #require(catalog.technique(" t1059.001 "))
        #expect(powershell.name == "PowerShell" && powershell.parent == "T1059" && powershell.tactics.map(\.id) == ["TA0002"])
        let phishing = try #require(catalog.technique("T1566"))
        #expect(phishing.parent == nil && phishing.tactics.map(\.name) == ["Initial Access"])
        #expect(catalog.technique("T9999") == nil && catalog.technique("") == nil && catalog.technique("T1059.001; DROP") == nil)
        // every technique has a tactic, and every sub-technique's parent is in the list
        for technique in catalog.techniques.values {
            #expect(!technique.tactics.isEmpty, "\(technique.id)")
            if let parent = technique.parent { #expect(catalog.techniques[parent] != nil, "\(technique.id)") }
        }
    }

    @Test func aListIsReadFromItsLinesAndIgnoresWhatItDoesNotKnow() {
        let catalog = AttackCatalog(
            tsv: "# MITRE ATT&CK Enterprise v1.0, from somewhere\ntactic\tTA0002\texecution\tExecution\n"
                + "technique\tT1059\tCommand and Scripting Interpreter\texecution,unknown-tactic\nnonsense line\ntechnique\tshort\n")
        #expect(catalog.release == "v1.0" && catalog.techniques.count == 1)
        #expect(catalog.technique("t1059")?.tactics.map(\.shortName) == ["execution"])
    }
}
