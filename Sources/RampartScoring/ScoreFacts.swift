import Fluent
import RampartCore
import RampartKernel
import SQLKit
import Vapor

/// A score fact as a team reads it: what, when, how many points now, and why.
package struct ScoreFactDTO: Content {
    var seq: Int
    var at: Date
    var kind: String
    var challenge: String?
    var category: String
    /// What the fact counts for now: a solve follows its challenge's current value; a withdrawn solve counts 0.
    var points: Int
    var reason: String
    /// The reason in Korean, when the fact was written from a phrase (absent for typed reasons).
    var reasonKo: String?
    /// Who wrote it: a team's name, a white-team member's, or `scoring` for the platform itself.
    var by: String
    var withdrawn: Bool
    /// For a withdrawal, the solve it took back.
    var withdraws: Int?

    enum CodingKeys: String, CodingKey {
        case seq, at, kind, challenge, category, points, reason, by, withdrawn, withdraws
        case reasonKo = "reason_ko"
    }

    /// Written by the platform, not a person (not in the JSON: `by` says `scoring`).
    var automatic = false

    /// The reason in the reader's language.
    func reason(_ locale: UILocale) -> String { locale == .ko ? reasonKo ?? reason : reason }
}

/// The white team's corrections, and the trail behind every total.
package enum ScoreFacts {
    package static let adjustmentCategory = "adjustments"
    /// The actor of facts no person wrote (ticks, SLA penalties); shown in the reader's language.
    package static let scoringActor = "scoring"

    /// Points given or taken by the white team, in a category of its choosing.
    package static let adjustment = FactKind(
        name: "adjustment", label: .factAdjustment, projected: { .adjustment(points: $0.points, category: $0.category) })
    /// A fact taken back by the white team; its evidence is the fact (`fact:<seq>`). The projection
    /// can take back solves (the only facts whose worth is not fixed when written).
    package static let withdrawal = FactKind(
        name: "withdrawal", label: .factWithdrawal, projected: { $0.evidence?.number("fact").map { .withdrawal(of: $0) } },
    )
    /// The kinds Scoring itself writes.
    package static let kinds = [adjustment, withdrawal]

    /// Every fact of one team, oldest first, priced as the board prices it now. After the freeze,
    /// viewers other than the white team see solves priced by what stood at the freeze plus this
    /// team's own later facts: a solve's value moves with other teams' solves, so live prices would
    /// tell them what the frozen board hides.
    static func list(team: Team, context: ExerciseContext, app: Application) async throws -> [ScoreFactDTO] {
        let teamID = try team.requireID()
        let now = app.dependencies.now()
        let state = try await app.scores.state(context.exerciseID, on: app.db, now: now)
        let records = try await ScoreFactRecord.query(on: app.db)
            .filter(\.$exerciseID == context.exerciseID).filter(\.$teamID == teamID).sort(\.$seq).all()
        let withdrawals = records.filter { $0.kind == withdrawal.name }
        let withdrawn = Set(withdrawals.compactMap { $0.evidence?.number("fact") })
        var projection = state.projection
        let frozenAt = context.frozenAt(now: now)
        if let frozenAt, let sql = app.db as? any SQLDatabase {
            projection = ScoreProjection(challenges: state.prices.scorings)
            let before = try await app.scores.facts(context.exerciseID, after: 0, before: frozenAt, on: sql)
            let own = records.filter { $0.at >= frozenAt }.compactMap { record in app.scores.fact(record.stored) }
            for fact in (before.compactMap(\.fact) + own).sorted(by: { $0.id < $1.id }) { projection.apply(fact) }
        }
        return records.map { record in
            let stored = record.stored
            let kind = app.scores.kinds[record.kind]
            // A withdrawal names what the fact it takes back was about.
            let about = record.kind == withdrawal.name ? records.first { $0.seq == stored.evidence?.number("fact") }?.stored : stored
            let subject = about.flatMap { about in app.scores.kinds[about.kind]?.subject(about, state.prices) }
            let points = app.scores.fact(stored).map { projection.points(of: $0) } ?? 0
            var reason = Phrase(record.reason, ko: record.reasonKo ?? record.reason)
            if let kind, !withdrawn.contains(record.seq), let explained = kind.explain(stored, points, projection, state.prices) {
                reason = reason + explained
            }
            return ScoreFactDTO(
                seq: record.seq, at: record.at, kind: record.kind, challenge: subject, category: record.category,
                points: points, reason: reason.en, reasonKo: reason.ko == reason.en ? nil : reason.ko, by: record.actorName,
                withdrawn: withdrawn.contains(record.seq), withdraws: record.kind == withdrawal.name ? stored.evidence?.number("fact") : nil,
                automatic: record.actorID == nil && record.actorName == scoringActor)
        }
    }

    /// Every correction says why, in at most 500 characters.
    private static func validReason(_ reason: String) throws -> String {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.unicodeScalars.count <= 500 else {
            throw AppError.invalid("reason", .reasonRequired)
        }
        return reason
    }

    package static func adjust(
        team: Team, points: Int, reason: String, category: String?, context: ExerciseContext, by actor: AuditActor, app: Application
    ) async throws -> ScoreFactDTO {
        let reason = try validReason(reason)
        guard points != 0, abs(points) <= 1_000_000 else {
            throw AppError.invalid("points", .pointsRange)
        }
        let category = (category?.trimmingCharacters(in: .whitespaces)).flatMap { $0.isEmpty ? nil : $0 } ?? adjustmentCategory
        guard category.unicodeScalars.count <= 100 else { throw AppError.invalid("category", .atMost100Characters) }
        let teamID = try team.requireID()
        let now = app.dependencies.now()
        return try await app.scores.write(context.exerciseID, app: app) { db, state in
            let fact = ScoreFactRecord(
                team: teamID, at: now, kind: adjustment, points: points, category: category, reason: .verbatim(reason), actorID: actor.id,
                actorName: actor.name)
            state.append(fact)
            try await Audit.record(
                AuditEvent(
                    exerciseID: context.exerciseID, action: "score.adjust", subjectType: "team", subject: team.slug,
                    summary: "\(points > 0 ? "+" : "")\(points) \(category): \(reason)"),
                by: actor, at: now, on: db)
            return ScoreFactDTO(
                seq: fact.seq, at: now, kind: "adjustment", challenge: nil, category: category, points: points, reason: reason,
                by: actor.name, withdrawn: false, withdraws: nil)
        }
    }

    /// Takes back a solve with a new fact; the solve stays in the log, marked withdrawn.
    /// Returns the withdrawal and the team it concerns.
    package static func withdraw(
        seq: Int, reason: String, context: ExerciseContext, by actor: AuditActor, app: Application
    ) async throws -> (fact: ScoreFactDTO, team: Team?) {
        let reason = try validReason(reason)
        let now = app.dependencies.now()
        let kinds = app.scores.kinds
        return try await app.scores.write(context.exerciseID, app: app) { db, state in
            guard
                let solve = try await ScoreFactRecord.query(on: db)
                    .filter(\.$exerciseID == context.exerciseID).filter(\.$seq == seq).first()
            else { throw AppError.notFound(.scoreFact(seq)) }
            guard kinds[solve.kind]?.withdrawable == true, state.projection.challenge(ofSolve: seq) != nil else {
                throw AppError.conflict("not_withdrawable", .notAStandingSolve(seq))
            }
            let name = kinds[solve.kind]?.subject(solve.stored, state.prices) ?? "a challenge"
            let fact = ScoreFactRecord(
                team: solve.teamID, at: now, kind: withdrawal, category: solve.category, reason: .withdrewSolve(name, reason),
                actorID: actor.id, actorName: actor.name, source: solve.source, evidence: FactRef("fact", String(seq)))
            state.append(fact)
            let team = try await Team.find(solve.teamID, on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: context.exerciseID, action: "score.withdraw", subjectType: "team", subject: team?.slug ?? solve.teamID.uuidString,
                    summary: "withdrew solve \(seq) of \(name): \(reason)"),
                by: actor, at: now, on: db)
            let dto = ScoreFactDTO(
                seq: fact.seq, at: now, kind: "withdrawal", challenge: name, category: solve.category, points: 0, reason: fact.reason,
                reasonKo: fact.reasonKo, by: actor.name, withdrawn: false, withdraws: seq)
            return (dto, team)
        }
    }
}
