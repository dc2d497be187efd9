import Foundation
import Testing

@testable import RampartCore

@Suite struct ChallengeSpecTests {
    @Test func readsAStandardCtfcliChallenge() throws {
        let yaml = """
            name: "Ransom note"
            author: white-cell
            category: forensics
            description: |
              The port authority's file server is encrypted. **Who** did it?
            value: 150
            type: standard
            connection_info: https://files.port.example
            attempts: 5
            flags:
              - RAMPART{lockbit-affiliate}
              - {type: static, content: "rampart{lockbit}", data: case_insensitive}
              - {type: regex, content: "RAMPART\\\\{note-[0-9]{4}\\\\}"}
            tags: [ransomware, easy]
            files: [dist/ransom-note.txt]
            hints:
              - Look at the file's metadata.
            requirements: ["Initial access"]
            next: "Double extortion"
            state: hidden
            version: "0.1"
            image: null
            healthcheck: healthcheck.py
            """
        let (challenge, warnings) = try ChallengeSpec.read(yaml: yaml)
        #expect(challenge.name == "Ransom note")
        #expect(challenge.value == .fixed(150))
        #expect(challenge.maxAttempts == 5)
        #expect(challenge.flags.count == 3)
        #expect(challenge.flags[1].matches("RAMPART{LOCKBIT}"))
        #expect(challenge.flags[2].matches("RAMPART{note-2027}"))
        #expect(challenge.hints == [HintSpec(content: "Look at the file's metadata.")])
        #expect(challenge.prerequisites == ["Initial access"])
        #expect(challenge.state == .hidden)
        #expect(challenge.files == ["dist/ransom-note.txt"])
        // Deployment keys are not errors: the organiser's file imports as it is.
        #expect(Set(warnings.map(\.field)) == ["image", "healthcheck"])
    }

    @Test func readsDecayingValuesHintChainsAndRampartsFirstBlood() throws {
        let yaml = """
            name: Wallet drain
            category: crypto
            type: dynamic
            value: 500
            extra:
              initial: 500
              decay: 20
              minimum: 100
              function: linear
              first_blood: [10, 5]
            logic: all
            flags: ["RAMPART{part-1}", "RAMPART{part-2}"]
            hints:
              - {key: first, title: "Where to start", content: "Follow the mixer.", cost: 25}
              - {key: second, content: "Bridge to chain B.", cost: 50, requirements: [first]}
            requirements:
              prerequisites: [Recon, Phishing]
              anonymize: true
            scheduled_at: 2027-02-03T09:00:00+09:00
            """
        let (challenge, warnings) = try ChallengeSpec.read(yaml: yaml)
        #expect(challenge.value == .decaying(initial: 500, minimum: 100, decay: 20, function: .linear))
        #expect(challenge.firstBlood == FirstBloodBonus(percents: [10, 5]))
        #expect(challenge.logic == .all)
        #expect(challenge.hints[1].prerequisites == ["first"])
        #expect(challenge.prerequisites == ["Recon", "Phishing"])
        #expect(challenge.anonymize)
        #expect(challenge.scheduledAt == ExerciseTime.parseExact("2027-02-03T00:00:00Z"))
        #expect(warnings.isEmpty)
    }

    @Test func dynamicWithoutFunctionIsLogarithmicAsInCTFd() throws {
        let yaml = "name: A\ncategory: web\ntype: dynamic\nextra: {initial: 300, decay: 10, minimum: 50}\nflags: [x]\n"
        #expect(try ChallengeSpec.read(yaml: yaml).challenge.value == .decaying(initial: 300, minimum: 50, decay: 10, function: .logarithmic))
    }

    @Test func problemsAreErrorsWithLinesAndOdditiesAreWarnings() {
        let yaml = """
            category: web
            value: 100
            type: dynamic
            extra: {initial: 100, minimum: 200, decay: 5, colour: red}
            flags:
              - {type: regex, content: "RAMPART{(broken"}
            hints:
              - {content: "x", requirements: [nope]}
            scheduled_at: "2027-02-03 09:00"
            """
        do {
            _ = try ChallengeSpec.read(yaml: yaml)
            Issue.record("expected errors")
        } catch {
            let fields = Set(error.issues.map(\.field))
            #expect(fields.contains("name"))
            #expect(fields.contains("extra.minimum"))
            #expect(fields.contains("flags[0].content"))
            #expect(fields.contains("hints[0].requirements"))
            #expect(fields.contains("scheduled_at"))
            #expect(error.issues.first { $0.field == "flags[0].content" }?.line == 6)
        }
        let warned = try? ChallengeSpec.read(
            yaml: "name: A\ncategory: b\nvalue: 1\nflags: [x, {content: Y, data: whatever}]\nrequirements: [7]\nlogic: team\nfancy: yes\n")
        #expect(Set(warned?.warnings.map(\.field) ?? []) == ["requirements[0]", "logic", "fancy", "flags[1].data"])
        // CTFd treats any `data` but case_insensitive as case-sensitive; so does Rampart.
        #expect(warned?.challenge.flags[1].matches("Y") == true && warned?.challenge.flags[1].matches("y") == false)
        #expect(warned?.challenge.logic == .all)
    }
}
