import Foundation
import Testing
import Yams

@testable import RampartCore

@Suite struct ReportRulesTests {
    @Test func theSeverityTableTimesTheAssetsWeightPricesACompromise() {
        var rules = ReportRules.standard
        rules.assetWeights = ["dc01": 2, "kiosk": 0.5]
        #expect(rules.penalty(access: .root, persistence: true, asset: "dc01") == (150 + 25) * 2)
        #expect(rules.penalty(access: .user, persistence: false, asset: "kiosk") == 25)
        #expect(rules.penalty(access: .none, persistence: false, asset: "anything") == 25)
        #expect(rules.credit(forPenalty: 125) == 63)
    }

    @Test func aGradeNamesALevelOfEveryCriterionAndNothingElse() throws {
        let rules = ReportRules.standard
        let top = ["detection": "full", "accuracy": "accurate", "timeliness": "within_hour", "containment": "contained"]
        #expect(try rules.grade(top) == rules.rubricMaximum)
        #expect(throws: RubricError.ungraded("containment")) { try rules.grade(top.filter { $0.key != "containment" }) }
        #expect(throws: RubricError.unknownLevel("detection", "heroic")) { try rules.grade(top.merging(["detection": "heroic"]) { $1 }) }
        #expect(throws: RubricError.unknownCriterion("style")) { try rules.grade(top.merging(["style": "x"]) { $1 }) }
    }

    @Test func theSectionReadsWritesAndReportsItsMistakesWithLines() throws {
        let yaml = """
            rampart: 1
            exercise: {slug: ex, name: Ex}
            red_team:
              severity: {user: 40, root: 200}
              asset_weights: {shop: 1.5}
              credit_share: 0.4
              disputes: never
              rubric:
                - criterion: detection
                  levels: [{id: none, points: 0}, {id: full, points: 30}]
            """
        let file = try ExerciseFile.read(yaml: yaml, sections: [RedTeamSection.self])
        let rules = file.reportRules
        #expect(rules.severity[.user] == 40 && rules.severity[.root] == 200 && rules.severity[.administrator] == 100)
        #expect(rules.weight("shop") == 1.5 && rules.creditShare == 0.4 && rules.disputes == .never && rules.rubric.count == 1)
        let again = try ExerciseFile.read(yaml: file.yaml(), sections: [RedTeamSection.self])
        #expect(again.reportRules == rules)
        #expect(RedTeamSection.stored(RedTeamSection(rules).yaml()).rules == rules)
        let bad = """
            rampart: 1
            exercise: {slug: ex, name: Ex}
            red_team:
              severity: {admin: 5}
              credit_share: 2
              evidence_visibility: never
              rubric: []
            """
        do {
            _ = try ExerciseFile.read(yaml: bad, sections: [RedTeamSection.self])
            Issue.record("a bad section was read")
        } catch {
            let text = "\(error)"
            for field in ["red_team.severity.admin", "red_team.credit_share", "red_team.evidence_visibility", "red_team.rubric"] {
                #expect(text.contains(field), "\(field) in \(text)")
            }
        }
    }

    @Test func evidenceIsTypedByItsBytesAndTheNameMustAgree() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]
        #expect(try EvidenceType.sniff(png, name: "shot.PNG") == "image/png")
        #expect(try EvidenceType.sniff([0xD4, 0xC3, 0xB2, 0xA1, 2, 0], name: "traffic.pcap") == "application/vnd.tcpdump.pcap")
        #expect(try EvidenceType.sniff([0x0A, 0x0D, 0x0D, 0x0A, 0], name: "traffic.pcapng") == "application/x-pcapng")
        #expect(try EvidenceType.sniff(Array("Dec  4 sshd[1]: Accepted".utf8), name: "auth.log") == "text/plain")
        #expect(try EvidenceType.sniff(Array("한국어 로그".utf8).dropLast(1).map { $0 }, name: "kr.txt") == "text/plain", "a character cut by the sample")
        #expect(throws: EvidenceType.Refusal.self) { try EvidenceType.sniff(png, name: "shot.txt") }
        #expect(throws: EvidenceType.Refusal.self) { try EvidenceType.sniff(Array("<html>".utf8), name: "shot.png") }
        #expect(throws: EvidenceType.Refusal.self) { try EvidenceType.sniff(Array("MZ\u{90}".utf8), name: "notes.txt") }
        #expect(throws: EvidenceType.Refusal.self) { try EvidenceType.sniff([0x7F, 0x45, 0x4C, 0x46, 2], name: "a.log") }
        #expect(throws: EvidenceType.Refusal.self) { try EvidenceType.sniff([0, 1, 2, 3], name: "blob.bin") }
    }
}
