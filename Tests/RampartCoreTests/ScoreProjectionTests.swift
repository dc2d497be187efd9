import Foundation
import Testing

@testable import RampartCore

@Suite struct ScoreProjectionTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let teamA = UUID()
    let teamB = UUID()
    let teamC = UUID()
    let web = UUID()
    let crypto = UUID()

    var rules: [UUID: ChallengeScoring] {
        [
            web: ChallengeScoring(
                category: "web", value: .decaying(initial: 500, minimum: 100, decay: 100, function: .linear),
                firstBlood: FirstBloodBonus(percents: [10])),
            crypto: ChallengeScoring(category: "crypto", value: .fixed(300)),
        ]
    }

    @Test func earlierSolversFollowTheDecayingValueAndFirstBloodStays() {
        // setup
        var projection = ScoreProjection(challenges: rules)
        // act
        projection.apply(ScoreFact(id: 1, team: teamA, at: t0, kind: .solve(challenge: web)))
        let afterOne = projection.scores[teamA]?.total
        let changed = projection.apply(ScoreFact(id: 2, team: teamB, at: t0 + 60, kind: .solve(challenge: web)))
        projection.apply(ScoreFact(id: 3, team: teamC, at: t0 + 120, kind: .solve(challenge: crypto)))
        // check: one solve = 500 + 10 %; two solves = 400 each, the first also 40
        #expect(afterOne == 550)
        #expect(changed == [teamA, teamB])
        #expect(projection.scores[teamA]?.total == 440)
        #expect(projection.scores[teamB]?.total == 400)
        #expect(projection.scores[teamC]?.categories == ["crypto": 300])
    }

    @Test func withdrawalsHintsAndAdjustmentsAreFactsToo() {
        var projection = ScoreProjection(challenges: rules)
        projection.apply(ScoreFact(id: 1, team: teamA, at: t0, kind: .solve(challenge: web)))
        projection.apply(ScoreFact(id: 2, team: teamB, at: t0 + 60, kind: .solve(challenge: web)))
        projection.apply(ScoreFact(id: 3, team: teamB, at: t0 + 90, kind: .hint(cost: 25)))
        projection.apply(ScoreFact(id: 4, team: teamA, at: t0 + 100, kind: .adjustment(points: -50, category: "penalties")))
        // The white team withdraws A's solve: B becomes first blood of a one-solve challenge.
        projection.apply(ScoreFact(id: 5, team: teamA, at: t0 + 200, kind: .withdrawal(of: 1)))
        #expect(projection.scores[teamB]?.total == 550 - 25)
        #expect(projection.scores[teamA]?.total == -50)
        #expect(projection.scores[teamA]?.lastScoredAt == t0 + 100)
    }

    @Test func judgedFactsStandUntilTakenBackAndOnlyTheTeamsOwnWorkMovesItsTime() {
        var projection = ScoreProjection(challenges: rules)
        projection.apply(ScoreFact(id: 1, team: teamA, at: t0, kind: .solve(challenge: crypto)))
        // A validated compromise against A: a penalty, not A's doing.
        projection.apply(ScoreFact(id: 2, team: teamA, at: t0 + 50, kind: .judged(points: -120, category: "compromises", timed: false)))
        #expect(projection.scores[teamA]?.total == 180)
        #expect(projection.scores[teamA]?.lastScoredAt == t0)
        // A's graded incident report and its credit: A's own work.
        projection.apply(ScoreFact(id: 3, team: teamA, at: t0 + 90, kind: .judged(points: 40, category: "incident_reports", timed: true)))
        #expect(projection.scores[teamA]?.lastScoredAt == t0 + 90)
        #expect(projection.isStanding(judged: 2))
        // The dispute is upheld: the penalty is taken back, and a second withdrawal changes nothing.
        let changed = projection.apply(ScoreFact(id: 4, team: teamA, at: t0 + 100, kind: .withdrawal(of: 2)))
        projection.apply(ScoreFact(id: 5, team: teamA, at: t0 + 110, kind: .withdrawal(of: 2)))
        #expect(changed == [teamA])
        #expect(!projection.isStanding(judged: 2))
        #expect(projection.scores[teamA]?.total == 340)
        #expect(projection.scores[teamA]?.categories["compromises"] == 0)
        #expect(projection.points(of: ScoreFact(id: 2, team: teamA, at: t0 + 50, kind: .judged(points: -120, category: "compromises", timed: false))) == 0)
        let facts = [
            ScoreFact(id: 1, team: teamA, at: t0, kind: .solve(challenge: crypto)),
            ScoreFact(id: 2, team: teamA, at: t0 + 50, kind: .judged(points: -120, category: "compromises", timed: false)),
            ScoreFact(id: 3, team: teamA, at: t0 + 90, kind: .judged(points: 40, category: "incident_reports", timed: true)),
            ScoreFact(id: 4, team: teamA, at: t0 + 100, kind: .withdrawal(of: 2)),
        ]
        #expect(ScoreProjection.recompute(facts, challenges: rules)[teamA]?.total == 340)
    }

    @Test func tiesGoToTheTeamThatGotThereFirst() {
        var projection = ScoreProjection(challenges: rules)
        projection.apply(ScoreFact(id: 1, team: teamB, at: t0 + 10, kind: .solve(challenge: crypto)))
        projection.apply(ScoreFact(id: 2, team: teamA, at: t0 + 20, kind: .solve(challenge: crypto)))
        let order = projection.standings(teams: [teamA, teamB, teamC]).map(\.team)
        #expect(order == [teamB, teamA, teamC])
    }

    /// Random histories of solves, withdrawals, hints, adjustments and rule changes: after every fact the
    /// incrementally maintained projection equals a recomputation from all facts.
    @Test(arguments: 1...25) func incrementalAndRecomputedScoresAlwaysAgree(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let teams = (0..<6).map { _ in UUID() }
        let challengeIDs = (0..<7).map { _ in UUID() }
        func randomScoring() -> ChallengeScoring {
            let category = ["web", "crypto", "forensics"][Int(random.next() % 3)]
            let bonus = random.next() % 2 == 0 ? FirstBloodBonus.none : FirstBloodBonus(percents: [10, 5, 2])
            if random.next() % 3 == 0 { return ChallengeScoring(category: category, value: .fixed(Int(random.next() % 500)), firstBlood: bonus) }
            let function: ChallengeValue.DecayFunction = random.next() % 2 == 0 ? .linear : .logarithmic
            let initial = 100 + Int(random.next() % 900)
            return ChallengeScoring(
                category: category,
                value: .decaying(initial: initial, minimum: Int(random.next() % 100), decay: Double(random.next() % 40), function: function),
                firstBlood: bonus)
        }
        var rules = Dictionary(uniqueKeysWithValues: challengeIDs.map { ($0, randomScoring()) })
        var projection = ScoreProjection(challenges: rules)
        var facts: [ScoreFact] = []
        var now = t0
        for id in 1...300 {
            now += Double(random.next() % 120)
            let team = teams[Int(random.next() % UInt64(teams.count))]
            let roll = random.next() % 100
            if roll < 5 {
                let challenge = challengeIDs[Int(random.next() % UInt64(challengeIDs.count))]
                rules[challenge] = randomScoring()
                projection.update(challenge: challenge, to: rules[challenge]!)
            } else {
                let kind: ScoreFact.Kind
                let solves = facts.filter { if case .solve = $0.kind { return true } else { return false } }
                let judged = facts.filter { if case .judged = $0.kind { return true } else { return false } }
                if roll < 60 {
                    kind = .solve(challenge: challengeIDs[Int(random.next() % UInt64(challengeIDs.count))])
                } else if roll < 66, let solve = solves.randomElement(using: &random) {
                    kind = .withdrawal(of: solve.id)
                } else if roll < 70, let fact = judged.randomElement(using: &random) {
                    kind = .withdrawal(of: fact.id)
                } else if roll < 76 {
                    kind = .judged(points: Int(random.next() % 300) - 200, category: ["compromises", "incident_reports"][Int(random.next() % 2)], timed: random.next() % 2 == 0)
                } else if roll < 80 {
                    kind = .hint(cost: Int(random.next() % 50))
                } else if roll < 90 {
                    kind = .award(points: Int(random.next() % 40) - 20, category: ["availability", "penalties"][Int(random.next() % 2)])
                } else {
                    kind = .adjustment(points: Int(random.next() % 200) - 100, category: "adjustments")
                }
                let fact = ScoreFact(id: id, team: team, at: now, kind: kind)
                facts.append(fact)
                projection.apply(fact)
            }
            let recomputed = ScoreProjection.recompute(facts, challenges: rules)
            for team in teams {
                let incremental = normalized(projection.scores[team])
                let expected = normalized(recomputed[team])
                #expect(incremental == expected, "seed \(seed), after fact \(id), team \(team)")
                if incremental != expected { return }
            }
        }
    }

    private func normalized(_ score: TeamScore?) -> TeamScore {
        var score = score ?? TeamScore()
        score.categories = score.categories.filter { $0.value != 0 }
        return score
    }
}
