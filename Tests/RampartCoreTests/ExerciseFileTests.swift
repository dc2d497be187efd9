import Foundation
import Testing

import Yams
@testable import RampartCore

extension ExerciseFile {
    /// Read with the sections the server's features register (challenges, services).
    static func read(yaml: String) throws(ExerciseFileError) -> ExerciseFile {
        try read(yaml: yaml, sections: [ChallengesSection.self, ServicesSection.self])
    }
}

/// A section no feature of Rampart has: what a new feature's section is, to Core.
private struct NotesSection: ExerciseFileSection {
    static let key = "notes"
    static let position = 5
    var notes: [String]
    var isEmpty: Bool { notes.isEmpty }
    func node() -> Node { Node(notes.map { Node($0, .implicit, .doubleQuoted) }) }
    static func read(_ node: Node, at path: String, _ reading: ExerciseFileReading) -> NotesSection {
        NotesSection(
            notes: reading.items(node, at: path, max: 3).compactMap { item in
                guard let text = item.node.scalar?.string, !text.isEmpty else {
                    reading.issues.report(item.node, item.path, "expected text")
                    return nil
                }
                return text
            })
    }
}

@Suite struct ExerciseFileTests {
    static let valid = """
        rampart: 1
        exercise:
          slug: drill
          name: "Drill"
          name_ko: "훈련"
          description: |
            Two lines
            of text.
          time_zone: Asia/Seoul
          schedule:
            starts_at: "2027-02-01 09:00"
            ends_at: 2027-02-02T18:00:00+09:00
            freeze_at: "2027-02-02 17:00"
            windows:
              - {name: "Day 1", starts_at: "2027-02-01 09:00", ends_at: "2027-02-01 18:00"}
              - {name: "Day 2", starts_at: "2027-02-02 09:00", ends_at: "2027-02-02 18:00"}
        teams:
          - slug: control
            kind: white
            name: Control
            members:
              - user: ada
                judge: true
          - slug: blue-kr
            kind: blue
            name: "no"
            nation: kr
            number: 12
            members: [bo]
        users:
          - {username: ada, display_name: "Ada <b>", admin: true}
          - {username: bo, display_name: "보", locale: ko, time_zone: Asia/Seoul}
        """

    @Test func readsAValidFile() throws {
        // act
        let file = try ExerciseFile.read(yaml: Self.valid)
        // check
        #expect(file.exercise.slug == "drill")
        #expect(file.exercise.description == "Two lines\nof text.\n")
        let seoul = TimeZone(identifier: "Asia/Seoul")!
        #expect(file.exercise.schedule.startsAt == ExerciseTime.parse("2027-02-01T00:00:00Z", timeZone: seoul))
        #expect(file.exercise.schedule.windows.map(\.name) == ["Day 1", "Day 2"])
        #expect(file.teams[1].nation?.code == "KR")
        #expect(file.teams[1].name == "no")
        #expect(file.teams[0].members == [MemberSpec(username: "ada", judge: true)])
        #expect(file.users[1].locale == .ko)
        #expect(file.lines["teams[1].nation"] == 27)
    }

    @Test func writesAFileThatReadsBackEqual() throws {
        let file = try ExerciseFile.read(yaml: Self.valid)
        let again = try ExerciseFile.read(yaml: file.yaml())
        #expect(again == file)
        #expect(try ExerciseFile.read(yaml: again.yaml()).yaml() == again.yaml())
    }

    @Test func hostileTextSurvivesTheRoundTrip() throws {
        var file = try ExerciseFile.read(yaml: Self.valid)
        file.teams[1].name = "'; DROP TABLE teams; -- <script>\"x\"</script> \u{202E}evil 🛡️ : - # &a *b"
        file.exercise.description = "line: one\n  indented\n\"quoted\"\n"
        let again = try ExerciseFile.read(yaml: file.yaml())
        #expect(again.teams[1].name == file.teams[1].name)
        #expect(again.exercise.description == file.exercise.description)
    }

    @Test func reportsEveryProblemWithItsLineAndField() {
        let yaml = """
            exercise:
              slug: Bad Slug
              name: x
              time_zone: Mars/Olympus
              colour: red
            teams:
              - slug: a
                kind: purple
                name: A
              - slug: b
                kind: blue
                name: B
                nation: UK
                members: [ghost]
              - slug: b
                kind: red
                name: C
                members: [ghost]
            """
        do {
            _ = try ExerciseFile.read(yaml: yaml)
            Issue.record("expected an error")
        } catch {
            let byField = Dictionary(error.issues.map { ($0.field, $0) }, uniquingKeysWith: { first, _ in first })
            #expect(byField["exercise.slug"]?.line == 2)
            #expect(byField["exercise.time_zone"]?.line == 4)
            #expect(byField["exercise.colour"]?.line == 5)
            #expect(byField["exercise.colour"]?.message.contains("unknown key") == true)
            #expect(byField["teams[0].kind"]?.line == 8)
            #expect(byField["teams[1].nation"]?.line == 13)
            #expect(byField["teams[2].slug"]?.message.contains("twice") == true)
            #expect(byField["teams[2].members[0].user"]?.message.contains("already a member") == true)
            #expect(error.description.contains("line 13"))
        }
    }

    @Test func reportsScheduleProblems() {
        let yaml = """
            exercise:
              slug: s
              name: S
              schedule:
                starts_at: "2027-02-02 09:00"
                ends_at: "2027-02-01 09:00"
                freeze_at: "2027-03-01 09:00"
                windows:
                  - {name: W, starts_at: "2027-02-02 10:00", ends_at: "2027-02-02 09:00"}
                  - {name: X, starts_at: "soon", ends_at: "2027-02-02 09:00"}
            """
        do {
            _ = try ExerciseFile.read(yaml: yaml)
            Issue.record("expected an error")
        } catch {
            let fields = Set(error.issues.map(\.field))
            #expect(fields.contains("exercise.schedule.ends_at"))
            #expect(fields.contains("exercise.schedule.freeze_at"))
            #expect(fields.contains("exercise.schedule.windows[0].ends_at"))
            #expect(fields.contains("exercise.schedule.windows[1].starts_at"))
        }
    }

    @Test func syntaxErrorsNameTheLine() {
        do {
            _ = try ExerciseFile.read(yaml: "exercise:\n  slug: a\n  name: [unclosed\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.issues.count == 1)
            #expect(error.issues[0].line != nil)
            #expect(error.issues[0].message.contains("not valid YAML"))
        }
    }

    @Test func newerFileVersionsAreRefused() {
        #expect(throws: ExerciseFileError.self) { try ExerciseFile.read(yaml: "rampart: 99\nexercise: {slug: a, name: A}\n") }
    }

    /// A feature's section plugs in through its type alone: read with its lines, written in its
    /// position (before challenges), compared, and refused as an unknown key when it is not given.
    @Test func aSectionPlugsInWithoutEditingTheReader() throws {
        let yaml = """
            exercise: {slug: n, name: N}
            challenges:
              - {name: Warmup, category: web, value: 100, flags: ["flag{a}"]}
            notes:
              - "first"
              - "second"
            """
        let sections: [any ExerciseFileSection.Type] = [ChallengesSection.self, NotesSection.self]
        let file = try ExerciseFile.read(yaml: yaml, sections: sections)
        #expect(file.section(NotesSection.self)?.notes == ["first", "second"])
        #expect(file.lines["notes"] == 5)  // a list starts at its first item
        let written = file.yaml()
        #expect(try #require(written.range(of: "notes:")).lowerBound < #require(written.range(of: "challenges:")).lowerBound)
        #expect(try ExerciseFile.read(yaml: written, sections: sections) == file)
        var other = file
        other.set(NotesSection(notes: ["first"]))
        #expect(other != file)
        other.set(NotesSection(notes: []))
        #expect(other.section(NotesSection.self) == nil)
        // Not registered: an unknown key, with the keys that are known.
        do {
            _ = try ExerciseFile.read(yaml: yaml, sections: [ChallengesSection.self])
            Issue.record("expected an error")
        } catch {
            #expect(error.issues.map(\.field) == ["notes"])
            #expect(error.issues[0].message.contains("rampart, exercise, teams, users, challenges"))
        }
        // The section's own problems come with their lines, beside the file's.
        do {
            _ = try ExerciseFile.read(yaml: yaml.replacingOccurrences(of: "\"second\"", with: "[x]"), sections: sections)
            Issue.record("expected an error")
        } catch {
            #expect(error.issues.map(\.field) == ["notes[1]"])
            #expect(error.issues[0].line == 6)
        }
    }
}
