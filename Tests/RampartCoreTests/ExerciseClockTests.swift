import Foundation
import Testing

@testable import RampartCore

@Suite struct ExerciseClockTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func stateMachineAllowsOnlyTheDocumentedMoves() {
        let allowed: Set<String> = ["draft→running", "running→paused", "running→finished", "paused→running", "paused→finished"]
        for from in ExerciseState.allCases {
            for to in ExerciseState.allCases {
                #expect(from.canMove(to: to) == allowed.contains("\(from.rawValue)→\(to.rawValue)"), "\(from) → \(to)")
            }
        }
    }

    @Test func elapsedTimeExcludesPauses() throws {
        // setup
        var clock = ExerciseClock()
        // act
        try clock.move(to: .running, at: t0)
        #expect(clock.elapsed(at: t0.addingTimeInterval(60)) == 60)
        try clock.move(to: .paused, at: t0.addingTimeInterval(60))
        let paused = clock.elapsed(at: t0.addingTimeInterval(500))
        try clock.move(to: .running, at: t0.addingTimeInterval(90))
        try clock.move(to: .finished, at: t0.addingTimeInterval(100))
        // check
        #expect(paused == 60)
        #expect(clock.elapsed(at: t0.addingTimeInterval(10_000)) == 70)
        #expect(clock.startedAt == t0)
        #expect(clock.finishedAt == t0.addingTimeInterval(100))
    }

    @Test func refusedMovesLeaveTheClockAsItWas() throws {
        var clock = ExerciseClock()
        let before = clock
        #expect(throws: InvalidStateTransition(from: .draft, to: .paused)) { try clock.move(to: .paused, at: t0) }
        #expect(clock == before)
    }

    /// Random walks through the state machine: elapsed time never decreases and equals the sum of running stretches.
    @Test(arguments: 1...20) func randomWalksKeepTheClockConsistent(seed: Int) throws {
        var generator = SplitMix(seed: UInt64(seed))
        var clock = ExerciseClock()
        var now = t0
        var expected = 0.0
        var previous = 0.0
        for _ in 0..<50 {
            let step = Double(generator.next() % 1000)
            if clock.isRunning { expected += step }
            now = now.addingTimeInterval(step)
            let elapsed = clock.elapsed(at: now)
            #expect(elapsed >= previous)
            #expect(abs(elapsed - expected) < 1e-6)
            previous = elapsed
            let options = clock.state.successors.sorted { $0.rawValue < $1.rawValue }
            guard !options.isEmpty else { break }
            try clock.move(to: options[Int(generator.next() % UInt64(options.count))], at: now)
        }
    }
}

/// A small deterministic generator so random tests repeat exactly.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct IdentifierTests {
    @Test(arguments: ["a", "blue-gb", "team-01", String(repeating: "a", count: 63)])
    func validSlugs(_ slug: String) { #expect(Identifier.isValidSlug(slug)) }

    @Test(arguments: ["", "-a", "a-", "A", "a_b", "a b", "é", String(repeating: "a", count: 64), "../x"])
    func invalidSlugs(_ slug: String) { #expect(!Identifier.isValidSlug(slug)) }

    @Test func usernamesAndNations() {
        #expect(Identifier.isValidUsername("kr-lead.2_x"))
        #expect(!Identifier.isValidUsername(".hidden"))
        #expect(!Identifier.isValidUsername("Admin"))
        #expect(Nation(" kr ")?.code == "KR")
        #expect(Nation("XX")?.code == "XX")
        #expect(Nation("UK") == nil)
        #expect(Nation("GB")?.flag == "🇬🇧")
        #expect(TimeZone.iana("Asia/Seoul") != nil)
        #expect(TimeZone.iana("KST") == nil)
        #expect(UILocale(matching: "ko-KR") == .ko)
    }
}
