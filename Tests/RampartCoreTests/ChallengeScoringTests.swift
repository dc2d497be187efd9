import Foundation
import Testing

@testable import RampartCore

@Suite struct ChallengeValueTests {
    /// Values computed with CTFd 3.8's decay.py for the same parameters (the formulas, run in Python 3).
    @Test func linearDecayMatchesCTFd() {
        let value = ChallengeValue.decaying(initial: 500, minimum: 100, decay: 30, function: .linear)
        let expected = [0: 500, 1: 500, 2: 470, 3: 440, 10: 230, 14: 110, 15: 100, 40: 100]
        for (solves, points) in expected { #expect(value.value(solveCount: solves) == points, "\(solves) solves") }
        let fractional = ChallengeValue.decaying(initial: 100, minimum: 1, decay: 2.5, function: .linear)
        #expect(fractional.value(solveCount: 4) == 93)  // ceil(100 − 2.5·3) = ceil(92.5)
    }

    @Test func logarithmicDecayMatchesCTFd() {
        let value = ChallengeValue.decaying(initial: 500, minimum: 100, decay: 20, function: .logarithmic)
        // ceil(((100 − 500) / 20²) · s² + 500) with s = solves − 1
        let expected = [0: 500, 1: 500, 2: 499, 3: 496, 6: 475, 11: 400, 16: 275, 21: 100, 22: 100, 100: 100]
        for (solves, points) in expected { #expect(value.value(solveCount: solves) == points, "\(solves) solves") }
        let zeroDecay = ChallengeValue.decaying(initial: 300, minimum: 50, decay: 0, function: .logarithmic)
        #expect(zeroDecay.value(solveCount: 2) == 50)  // decay 0 is read as 1: ceil(−250·1 + 300) = 50
    }

    @Test func valuesNeverRiseWithMoreSolvesAndStayWithinBounds() {
        for function in ChallengeValue.DecayFunction.allCases {
            for decay in [0.0, 1, 3.5, 10, 50] {
                let value = ChallengeValue.decaying(initial: 1000, minimum: 37, decay: decay, function: function)
                var previous = Int.max
                for solves in 0...200 {
                    let points = value.value(solveCount: solves)
                    #expect(points <= previous && points >= 37 && points <= 1000)
                    previous = points
                }
            }
        }
        #expect(ChallengeValue.fixed(250).value(solveCount: 99) == 250)
    }

    @Test func firstBloodBonusesGoToTheFirstSolversOnly() {
        let bonus = FirstBloodBonus(percents: [10, 5, 2.5])
        #expect(bonus.bonus(position: 1, value: 500) == 50)
        #expect(bonus.bonus(position: 3, value: 500) == 13)  // 12.5 rounds away from zero
        #expect(bonus.bonus(position: 4, value: 500) == 0)
        #expect(FirstBloodBonus(percent: 10, solvers: 2).bonus(position: 2, value: 300) == 30)
        #expect(FirstBloodBonus.none.bonus(position: 1, value: 300) == 0)
    }
}

@Suite struct FlagRuleTests {
    @Test func staticFlagsAreExactAfterTrimming() throws {
        let flag = try FlagRule(kind: .static, content: "RAMPART{seoul-2027}")
        #expect(flag.matches("RAMPART{seoul-2027}"))
        #expect(flag.matches("  RAMPART{seoul-2027}\n"))
        #expect(!flag.matches("rampart{seoul-2027}"))
        #expect(!flag.matches("RAMPART{seoul-2027}x"))
        #expect(!flag.matches(""))
        let loose = try FlagRule(kind: .static, content: "RAMPART{Seoul}", caseInsensitive: true)
        #expect(loose.matches("rampart{SEOUL}"))
    }

    @Test func regexFlagsMustMatchTheWholeSubmission() throws {
        let flag = try FlagRule(kind: .regex, content: #"RAMPART\{[0-9a-f]{8}\}"#)
        #expect(flag.matches("RAMPART{deadbeef}"))
        #expect(!flag.matches("RAMPART{deadbeef}trailing"))
        #expect(!flag.matches("xRAMPART{deadbeef}"))
        #expect(!flag.matches("RAMPART{DEADBEEF}"))
        let loose = try FlagRule(kind: .regex, content: #"rampart\{[a-z]+\}"#, caseInsensitive: true)
        #expect(loose.matches("RAMPART{ABC}"))
        // Like Python's re.match: the first alternative that matches wins, even if a longer one would.
        #expect(!(try FlagRule(kind: .regex, content: "a|ab")).matches("ab"))
        #expect(try FlagRule(kind: .regex, content: "ab|a").matches("ab"))
    }

    @Test func brokenPatternsAreRefusedWhenWritten() {
        #expect(throws: FlagRule.InvalidRegex.self) { try FlagRule(kind: .regex, content: "RAMPART{(unclosed") }
    }
}
