import Foundation
import Testing

@testable import RampartCore

@Suite struct ServiceSpecTests {
    /// Scores a run of statuses in order; returns each tick's (points, penalty).
    func run(_ spec: ServiceSpec, _ statuses: [CheckStatus]) -> [(Int, Int)] {
        var track = ServiceTrack()
        return statuses.map { status in
            let outcome = spec.score(status, after: track)
            track = outcome.track
            return (outcome.points, outcome.penalty)
        }
    }

    @Test func upEarnsPointsAndPartialCreditIsAShareOfThem() {
        let spec = ServiceSpec(name: "web", check: "http", address: "x", points: 10, credit: [.mumble: 0.5, .error: 1])
        let scored = run(spec, [.up, .mumble, .corrupt, .down, .error])
        #expect(scored.map(\.0) == [10, 5, 0, 0, 10])
        #expect(scored.map(\.1) == [0, 0, 0, 0, 0])
    }

    @Test func flatSLACostsThePenaltyForEveryThresholdOfFailuresInARow() {
        let spec = ServiceSpec(name: "web", check: "http", address: "x", points: 1, sla: SLARule(after: 3, penalty: 20, mode: .flat))
        // down ×7, error (neither breaks nor extends), up, down ×3
        let statuses: [CheckStatus] = Array(repeating: .down, count: 7) + [.error, .up] + Array(repeating: .down, count: 3)
        #expect(run(spec, statuses).map(\.1) == [0, 0, 20, 0, 0, 20, 0, 0, 0, 0, 0, 20])
    }

    @Test func additiveSLAGrowsWithEveryFurtherFailure() {
        let spec = ServiceSpec(name: "web", check: "http", address: "x", sla: SLARule(after: 2, penalty: 5, mode: .additive))
        #expect(run(spec, [.down, .down, .mumble, .corrupt, .up, .down, .down]).map(\.1) == [0, 5, 10, 15, 0, 0, 5])
    }

    @Test func cappedSLAStopsAtTheCapPerOutage() {
        let spec = ServiceSpec(name: "web", check: "http", address: "x", sla: SLARule(after: 2, penalty: 30, mode: .capped, cap: 70))
        #expect(run(spec, [.down, .down, .down, .down, .down, .up, .down, .down]).map(\.1) == [0, 30, 30, 10, 0, 0, 0, 30])
    }

    @Test func addressesFillTheTemplateUnlessTheTeamHasAnOverride() {
        let spec = ServiceSpec(name: "web", check: "https", address: "10.{team.number}.1.5:443", overrides: ["japan": "203.0.113.7:8443"])
        #expect(spec.address(number: 12, slug: "korea") == "10.12.1.5:443")
        #expect(spec.address(number: 3, slug: "japan") == "203.0.113.7:8443")
        #expect(AddressTemplate.render("web.{team.slug}.range.example", number: 1, slug: "estonia") == "web.estonia.range.example")
        #expect(AddressTemplate.unknownPlaceholders("10.{team.id}.1.{x}:{team.number}") == ["{team.id}", "{x}"])
        let dns = ServiceSpec(name: "dns", check: "dns", parameters: ["expect": "10.{team.number}.1.53", "name": "^a{3}$"], address: "x")
        #expect(dns.parameters(number: 7, slug: "x") == ["expect": "10.7.1.53", "name": "^a{3}$"])
    }

    @Test func yamlReadsBackToAnEqualService() throws {
        let spec = ServiceSpec(
            name: "mail", check: "tcp", parameters: ["expect": "^220 ", "send": "QUIT\r\n"], address: "mail.{team.slug}.example:25",
            overrides: ["japan": "10.9.9.9:25"], points: 4, timeout: 2.5, zone: "range-a", credit: [.mumble: 0.25],
            sla: SLARule(after: 5, penalty: 10, mode: .capped, cap: 40), credentials: [ServiceCredential(username: "bob", password: "p: w\"#")])
        #expect(try ServiceSpec.read(yaml: spec.yaml()) == spec)
        for flags in [
            FlagRounds(), FlagRounds(lifetime: 10, vulnWeights: [1, 2], flagIDs: .pfr), FlagRounds(vulnWeights: [1, 1, 1], flagIDs: .none),
        ] {
            let flagged = ServiceSpec(name: "notes", check: "external", parameters: ["checker": "/c"], address: "x", flags: flags)
            #expect(try ServiceSpec.read(yaml: flagged.yaml()) == flagged)
        }
    }

    @Test func flagRoundsReadForcADsVulnsAndMakeForcADsFlags() throws {
        let spec = try ServiceSpec.read(yaml: "name: notes\ncheck: external\naddress: x\nflags: {vulns: \"1:3\", flag_ids: pfr}")
        #expect(spec.flags == FlagRounds(lifetime: FlagRounds.defaultLifetime, vulnWeights: [1, 3], flagIDs: .pfr))
        #expect(try ServiceSpec.read(yaml: "name: a\ncheck: external\naddress: x\nflags: {vulns: 2}").flags?.vulnWeights == [1, 1])
        // weights 1:3 → vuln 1 for a quarter of the values, vuln 2 for the rest
        let rule = try #require(spec.flags)
        #expect((0..<4).map { rule.vuln(random: UInt32($0)) } == [1, 2, 2, 2])
        let flag = ServiceFlag.make(service: "notes", random: (0..<60).map { UInt8($0 * 7 % 256) })
        #expect(flag.range(of: "^\(ServiceFlag.pattern)$", options: .regularExpression) != nil && flag.hasPrefix("N"))
        #expect(ServiceFlag.make(service: "9lives", random: [1, 2]).hasPrefix("9"))
        #expect(ServiceFlag.initialID(random: Array(repeating: 0xAB, count: 20)) == String(repeating: "ab", count: 20))
        #expect(throws: ExerciseFileError.self) {
            try ServiceSpec.read(yaml: "name: a\ncheck: external\naddress: x\nflags: {lifetime: 0, vulns: \"a:b\", flag_ids: json, x: 1}")
        }
        do {
            _ = try ServiceSpec.read(yaml: "name: a\ncheck: external\naddress: x\nflags: {lifetime: 0, vulns: \"a:b\", flag_ids: json, x: 1}")
        } catch {
            for expected in ["flags.lifetime", "flags.vulns", "flags.flag_ids", "flags.x"] {
                #expect(error.description.contains(expected), "\(expected) in \(error.description)")
            }
        }
    }

    @Test func badServicesNameEveryProblem() {
        let yaml = """
            name: Web Shop
            check: http
            address: "10.{team.id}.1.5"
            credit: {up: 2, broken: 1}
            sla: {after: 0, mode: capped}
            credentials: [{username: a}]
            """
        #expect(throws: ExerciseFileError.self) { try ServiceSpec.read(yaml: yaml) }
        do {
            _ = try ServiceSpec.read(yaml: yaml)
        } catch {
            let text = error.description
            for expected in [
                "name: must use", "{team.id}", "credit.up", "credit.broken", "sla.after", "sla.penalty: is required", "sla.cap",
                "password: is required",
            ] {
                #expect(text.contains(expected), "\(expected) in \(text)")
            }
        }
    }

    @Test func ticksCountRunningTime() {
        let schedule = TickSchedule(length: 60)
        #expect(schedule.tick(atElapsed: 0) == 1)
        #expect(schedule.tick(atElapsed: 59.9) == 1)
        #expect(schedule.tick(atElapsed: 60) == 2)
        #expect(schedule.start(of: 3) == 120)
    }

    @Test func theExerciseFileCarriesServicesAndTicks() throws {
        let yaml = """
            exercise: {slug: ls, name: LS, tick_seconds: 30, jitter_seconds: 5}
            teams: [{slug: korea, kind: blue, name: Korea}]
            services:
              - {name: web, check: http, address: "10.{team.number}.1.5:80", overrides: {korea: "127.0.0.1:8080", nobody: "x:1"}}
              - {name: web, check: tcp, address: "x:1"}
            """
        do {
            _ = try ExerciseFile.read(yaml: yaml)
            Issue.record("expected problems")
        } catch {
            #expect(error.description.contains("services[0].overrides.nobody: no team is called 'nobody'"))
            #expect(error.description.contains("services[1].name: another service is called 'web'"))
        }
        let good = try ExerciseFile.read(
            yaml: """
                exercise: {slug: ls, name: LS, tick_seconds: 30, jitter_seconds: 5}
                services: [{name: web, check: http, address: "10.{team.number}.1.5:80", points: 3}]
                """)
        #expect(good.exercise.tickSeconds == 30 && good.exercise.jitterSeconds == 5)
        #expect(good.services.first?.points == 3)
        #expect(try ExerciseFile.read(yaml: good.yaml()) == good)
        #expect(throws: ExerciseFileError.self) {
            try ExerciseFile.read(yaml: "exercise: {slug: ls, name: LS, tick_seconds: 30, jitter_seconds: 30}")
        }
    }
}
