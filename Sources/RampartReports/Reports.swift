import Fluent
import Foundation
import RampartCore
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// Filing, judging and disputing reports: every rule of docs/reports.md in one place, called by the
/// API, the pages and the demo alike.
package enum Reports {
    static let maxNarrative = 20_000
    static let maxNote = 2_000
    static let maxTechniques = 20
    static let maxIndicators = 200
    static let maxAssets = 50
    static let maxEvidencePerReport = 20
    /// Evidence is capped here even when uploads in general may be larger.
    static let maxEvidenceBytes = 25 << 20
    /// How far outside the exercise's running time a reported time may be (clock skew on a range, minutes typed without seconds).
    static let futureSkew: TimeInterval = 120

    // MARK: rules

    /// The exercise's `red_team:` rules (the standard ones until its file sets some).
    package static func rules(_ exerciseID: UUID, on db: any Database) async throws -> ReportRules {
        guard let record = try await ReportRulesRecord.query(on: db).filter(\.$exerciseID == exerciseID).first() else { return .standard }
        return RedTeamSection.stored(record.source).rules
    }

    // MARK: filing

    package struct CompromiseInput: StrictDecodable {
        var team: String
        var asset: String
        var techniques: [String]
        var accessLevel: String
        var persistence: Bool?
        var dataAccessed: [String]?
        var sourceAddress: String?
        var targetAddress: String?
        var compromisedAt: Date
        var narrative: String
        var proof: String?

        package enum CodingKeys: String, CodingKey, CaseIterable {
            case team, asset, techniques, persistence, narrative, proof
            case accessLevel = "access_level", dataAccessed = "data_accessed", sourceAddress = "source_address"
            case targetAddress = "target_address", compromisedAt = "compromised_at"
        }

        package init(
            team: String, asset: String, techniques: [String], accessLevel: String, persistence: Bool? = nil, dataAccessed: [String]? = nil,
            sourceAddress: String? = nil, targetAddress: String? = nil, compromisedAt: Date, narrative: String, proof: String? = nil
        ) {
            self.team = team
            self.asset = asset
            self.techniques = techniques
            self.accessLevel = accessLevel
            self.persistence = persistence
            self.dataAccessed = dataAccessed
            self.sourceAddress = sourceAddress
            self.targetAddress = targetAddress
            self.compromisedAt = compromisedAt
            self.narrative = narrative
            self.proof = proof
        }
    }

    /// Files a compromise report. A valid proof (a service flag, the team's compromise token) validates
    /// it at once with the table's penalty; otherwise it waits in the judging queue.
    /// `seeding`: the demo's history, filed before its exercise first runs; every other check holds.
    package static func fileCompromise(
        _ input: CompromiseInput, context: ExerciseContext, by actor: AuditActor, app: Application, seeding: Bool = false
    ) async throws -> CompromiseReport {
        let exercise = context.exercise
        let now = app.dependencies.now()
        if !seeding { try requireRunning(exercise, at: input.compromisedAt, now: now, field: "compromised_at") }
        let team = try await blueTeam(input.team, context, app: app)
        let teamID = try team.requireID()
        let techniques = try checkedTechniques(input.techniques, required: true)
        guard let access = AccessLevel(rawValue: input.accessLevel) else {
            throw AppError.invalid("access_level", .expectedOneOf(AccessLevel.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        var data: [DataAccessed] = []
        for raw in input.dataAccessed ?? [] {
            guard let value = DataAccessed(rawValue: raw) else {
                throw AppError.invalid("data_accessed", .expectedOneOf(DataAccessed.allCases.map(\.rawValue).joined(separator: ", ")))
            }
            if !data.contains(value) { data.append(value) }
        }
        let asset = try line(input.asset, field: "asset", max: TextLimit.name, required: true)!
        try await checkAsset(asset, team: teamID, exerciseID: context.exerciseID, app: app)
        let source = try address(input.sourceAddress, field: "source_address")
        let target = try address(input.targetAddress, field: "target_address")
        let narrative = try text(input.narrative, field: "narrative", max: maxNarrative, required: true)!
        let proof = try line(input.proof, field: "proof", max: TextLimit.flag, required: false)
        let rules = try await rules(context.exerciseID, on: app.db)
        let windowIndex = try await window(of: input.compromisedAt, exerciseID: context.exerciseID, on: app.db)?.index
        let report = CompromiseReport()
        report.id = UUID()
        report.exerciseID = context.exerciseID
        report.teamID = teamID
        report.authorID = actor.id
        report.authorName = actor.name
        report.asset = asset
        report.techniquesText = techniques.joined(separator: ",")
        report.accessLevel = access
        report.persistence = input.persistence ?? false
        report.dataAccessedText = data.map(\.rawValue).joined(separator: ",")
        report.sourceAddress = source
        report.targetAddress = target
        report.compromisedAt = input.compromisedAt
        report.windowIndex = windowIndex
        report.narrative = narrative
        report.proof = proof
        report.createdAt = now
        report.status = .pending
        let filed = try await app.scores.write(context.exerciseID, app: app) { db, state in
            report.duplicateOf = try await duplicate(of: report, on: db)
            try await report.create(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: context.exerciseID, action: "report.compromise.file", subjectType: "compromise_report", subject: report.id!.uuidString,
                    summary: "filed a compromise of \(team.slug) \(asset) (\(techniques.joined(separator: ", ")), \(access.rawValue))"),
                by: actor, at: now, on: db)
            if let proof, let found = try await app.judging.check(proof: proof, team: teamID, exerciseID: context.exerciseID, on: db) {
                report.proofFound = found
                let penalty = report.duplicateOf == nil ? rules.penalty(access: access, persistence: report.persistence, asset: asset) : 0
                try await validate(
                    report, penalty: penalty, note: "Validated automatically: \(found)", team: team, by: automaticJudge, at: now, db: db, state: &state)
            }
            stage("report.compromise.filed", report, team: team, at: now)
            return report
        }
        return filed
    }

    /// The actor of decisions Rampart makes itself (a report proved by a valid flag or token).
    static let automaticJudge = AuditActor(id: nil, name: ScoreFacts.scoringActor)

    package struct IncidentInput: StrictDecodable {
        var title: String?
        var detectedAt: Date
        var assets: [String]
        var techniques: [String]?
        var indicators: [String]?
        var actions: String?
        var narrative: String

        package enum CodingKeys: String, CodingKey, CaseIterable {
            case title, assets, techniques, indicators, actions, narrative
            case detectedAt = "detected_at"
        }

        package init(
            title: String? = nil, detectedAt: Date, assets: [String], techniques: [String]? = nil, indicators: [String]? = nil, actions: String? = nil,
            narrative: String
        ) {
            self.title = title
            self.detectedAt = detectedAt
            self.assets = assets
            self.techniques = techniques
            self.indicators = indicators
            self.actions = actions
            self.narrative = narrative
        }
    }

    /// Files a blue team's incident report for its own team.
    package static func fileIncident(
        _ input: IncidentInput, context: ExerciseContext, by actor: AuditActor, app: Application, seeding: Bool = false
    ) async throws -> IncidentReport {
        guard let team = context.team, team.kind == .blue, let teamID = team.id else { throw AppError.forbidden() }
        let now = app.dependencies.now()
        if !seeding { try requireRunning(context.exercise, at: input.detectedAt, now: now, field: "detected_at") }
        guard !input.assets.isEmpty, input.assets.count <= maxAssets else { throw AppError.invalid("assets", .betweenItems(1, maxAssets)) }
        var assets: [String] = []
        for raw in input.assets {
            let asset = try line(raw, field: "assets", max: TextLimit.name, required: true)!
            try await checkAsset(asset, team: teamID, exerciseID: context.exerciseID, app: app)
            if !assets.contains(asset) { assets.append(asset) }
        }
        let techniques = try checkedTechniques(input.techniques ?? [], required: false)
        guard (input.indicators ?? []).count <= maxIndicators else { throw AppError.invalid("indicators", .betweenItems(0, maxIndicators)) }
        let indicators = try (input.indicators ?? []).compactMap { try line($0, field: "indicators", max: 500, required: false) }
        let report = IncidentReport()
        report.id = UUID()
        report.exerciseID = context.exerciseID
        report.teamID = teamID
        report.authorID = actor.id
        report.authorName = actor.name
        let title = try line(input.title, field: "title", max: TextLimit.name, required: false)
        report.title = title ?? assets.joined(separator: ", ")
        report.detectedAt = input.detectedAt
        report.assetsJSON = ReportJSON.encode(assets)
        report.techniquesText = techniques.joined(separator: ",")
        report.indicatorsJSON = ReportJSON.encode(indicators)
        report.actions = try text(input.actions, field: "actions", max: maxNarrative, required: false) ?? ""
        report.narrative = try text(input.narrative, field: "narrative", max: maxNarrative, required: true)!
        report.createdAt = now
        report.status = .submitted
        try await app.write(clearingCaches: false) { db in
            try await report.create(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: context.exerciseID, action: "report.incident.file", subjectType: "incident_report", subject: report.id!.uuidString,
                    summary: "\(team.slug) filed an incident report: \(report.title)"),
                by: actor, at: now, on: db)
            LiveEvents.stage(
                LiveEvent(
                    kind: "report.incident.filed", exerciseID: context.exerciseID, teamID: teamID, at: now, audience: .ownTeam,
                    payload: ["id": report.id!.uuidString.lowercased(), "team_name": team.name]))
        }
        return report
    }

    // MARK: judging

    package enum Verdict: String, Sendable, CaseIterable {
        case validated, rejected
        case needsEvidence = "needs_evidence"
    }

    /// A judge's decision on a compromise report waiting for one. Validating writes the penalty as a
    /// score fact; a duplicate is priced 0 unless the judge names a penalty. A penalty other than the
    /// table's, a rejection and a request for evidence each need a note.
    package static func decide(
        _ id: UUID, verdict rawVerdict: String, penalty: Int?, note rawNote: String?, context: ExerciseContext, by actor: AuditActor, app: Application
    ) async throws -> CompromiseReport {
        guard let verdict = Verdict(rawValue: rawVerdict) else {
            throw AppError.invalid("verdict", .expectedOneOf(Verdict.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        let note = try text(rawNote, field: "note", max: maxNote, required: false)
        if let penalty, !(0...100_000).contains(penalty) { throw AppError.invalid("penalty", .betweenNumbers(0, 100_000)) }
        let rules = try await rules(context.exerciseID, on: app.db)
        let now = app.dependencies.now()
        let decided = try await app.scores.write(context.exerciseID, app: app) { db, state in
            let report = try await compromise(id, exerciseID: context.exerciseID, on: db)
            guard [.pending, .needsEvidence].contains(report.status) else { throw AppError.conflict("already_decided", .alreadyDecided(report.status.rawValue)) }
            try await Judging.settleClaim(kind: CompromiseSource.kindName, id: id, by: actor, now: now, on: db)
            guard let team = try await Team.find(report.teamID, on: db) else { throw AppError.notFound(.team(report.teamID.uuidString)) }
            switch verdict {
            case .validated:
                let table = report.duplicateOf == nil ? rules.penalty(access: report.accessLevel, persistence: report.persistence, asset: report.asset) : 0
                let chosen = penalty ?? table
                if chosen != table, note == nil { throw AppError.invalid("note", .noteForOverride(table)) }
                try await validate(report, penalty: chosen, note: note, team: team, by: actor, at: now, db: db, state: &state)
            case .rejected, .needsEvidence:
                guard let note else { throw AppError.invalid("note", .noteRequired) }
                report.status = verdict == .rejected ? .rejected : .needsEvidence
                report.decisionNote = note
                report.decidedByID = actor.id
                report.decidedByName = actor.name
                report.decidedAt = now
                try await report.save(on: db)
                try await Audit.record(
                    AuditEvent(
                        exerciseID: context.exerciseID, action: "report.compromise.decide", subjectType: "compromise_report", subject: id.uuidString,
                        summary: "\(verdict.rawValue) the compromise of \(team.slug) \(report.asset): \(note)"),
                    by: actor, at: now, on: db)
            }
            stage("report.compromise.decided", report, team: team, at: now)
            return report
        }
        return decided
    }

    /// Marks a report validated with `penalty` and writes its fact (none for 0), in the caller's write.
    private static func validate(
        _ report: CompromiseReport, penalty: Int, note: String?, team: Team, by actor: AuditActor, at now: Date, db: any Database,
        state: inout ScoreEngine.State
    ) async throws {
        let id = try report.requireID()
        report.status = .validated
        report.penalty = penalty
        report.decisionNote = note
        report.decidedByID = actor.id
        report.decidedByName = actor.name
        report.decidedAt = now
        if penalty > 0 {
            let fact = ScoreFactRecord(
                team: report.teamID, at: now, kind: ReportFacts.compromise, points: -penalty, category: ReportFacts.compromisesCategory,
                reason: .compromiseReason(report.asset, report.techniques.joined(separator: ", "), report.accessLevel.rawValue)
                    + (note.map { .verbatim(": " + $0) } ?? .verbatim("")),
                actorID: actor.id, actorName: actor.name, source: ReportFacts.compromiseRef(id))
            state.append(fact)
            report.factSeq = fact.seq
        }
        try await report.save(on: db)
        try await Audit.record(
            AuditEvent(
                exerciseID: report.exerciseID, action: "report.compromise.decide", subjectType: "compromise_report", subject: id.uuidString,
                summary: "validated the compromise of \(team.slug) \(report.asset) for -\(penalty)" + (note.map { ": \($0)" } ?? "")),
            by: actor, at: now, on: db)
    }

    /// A blue team disputes a validated compromise against it, once, with a reason.
    package static func dispute(_ id: UUID, reason rawReason: String?, context: ExerciseContext, by actor: AuditActor, app: Application) async throws -> CompromiseReport {
        guard let teamID = context.team?.id, context.role == .blue else { throw AppError.forbidden() }
        guard let reason = try text(rawReason, field: "reason", max: maxNote, required: true) else { throw AppError.invalid("reason", .reasonRequired) }
        let rules = try await rules(context.exerciseID, on: app.db)
        guard rules.disputes == .once else { throw AppError.conflict("disputes_closed", .disputesNotAllowed) }
        let now = app.dependencies.now()
        // Under the scoring lock, as every other change of a compromise's state: two members disputing at
        // once are taken in turn, and the second is told it was disputed already.
        let report = try await app.scores.write(context.exerciseID, app: app) { db, _ in
            let report = try await compromise(id, exerciseID: context.exerciseID, on: db)
            guard report.teamID == teamID, report.status == .validated || report.status == .withdrawn else { throw AppError.notFound(.compromiseReport) }
            guard report.disputeStatus == nil else { throw AppError.conflict("already_disputed", .alreadyDisputed) }
            guard report.status == .validated else { throw AppError.conflict("already_decided", .alreadyDecided(report.status.rawValue)) }
            report.disputeStatus = .open
            report.disputeReason = reason
            report.disputedByName = actor.name
            report.disputedAt = now
            try await report.save(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: context.exerciseID, action: "report.compromise.dispute", subjectType: "compromise_report", subject: id.uuidString,
                    summary: "disputed: \(reason)"),
                by: actor, at: now, on: db)
            stage("report.compromise.disputed", report, team: try await Team.find(report.teamID, on: db), at: now, audience: .ownTeam)
            return report
        }
        return report
    }

    package enum DisputeVerdict: String, Sendable, CaseIterable {
        case upheld, dismissed
    }

    /// Another judge (not the one who validated) decides an open dispute. Upheld: the penalty and any
    /// credit an incident report won on it are withdrawn, and the report reads `withdrawn`.
    package static func decideDispute(
        _ id: UUID, verdict rawVerdict: String, note rawNote: String?, context: ExerciseContext, by actor: AuditActor, app: Application
    ) async throws -> CompromiseReport {
        guard let verdict = DisputeVerdict(rawValue: rawVerdict) else {
            throw AppError.invalid("verdict", .expectedOneOf(DisputeVerdict.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        guard let note = try text(rawNote, field: "note", max: maxNote, required: true) else { throw AppError.invalid("note", .noteRequired) }
        let now = app.dependencies.now()
        let report = try await app.scores.write(context.exerciseID, app: app) { db, state in
            let report = try await compromise(id, exerciseID: context.exerciseID, on: db)
            guard report.disputeStatus == .open else { throw AppError.conflict("already_decided", .noOpenDispute) }
            if let judge = report.decidedByID, judge == actor.id { throw AppError.conflict("same_judge", .anotherJudgeDecidesDisputes) }
            try await Judging.settleClaim(kind: DisputeSource.kindName, id: id, by: actor, now: now, on: db)
            report.disputeStatus = verdict == .upheld ? .upheld : .dismissed
            report.disputeNote = note
            report.disputeDecidedByName = actor.name
            report.disputeDecidedAt = now
            if verdict == .upheld {
                report.status = .withdrawn
                // The penalty, and every credit written against it.
                let standing = try await ScoreFactRecord.query(on: db).filter(\.$exerciseID == context.exerciseID)
                    .filter(\.$sourceText == ReportFacts.compromiseRef(id).description).all()
                for fact in standing where state.projection.isStanding(judged: fact.seq) {
                    state.append(
                        ScoreFactRecord(
                            team: fact.teamID, at: now, kind: ScoreFacts.withdrawal, category: fact.category, reason: .disputeUpheldReason(note),
                            actorID: actor.id, actorName: actor.name, source: fact.source, evidence: FactRef("fact", String(fact.seq))))
                }
            }
            try await report.save(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: context.exerciseID, action: "report.compromise.dispute_decide", subjectType: "compromise_report", subject: id.uuidString,
                    summary: "dispute \(verdict.rawValue): \(note)"),
                by: actor, at: now, on: db)
            stage("report.compromise.dispute_decided", report, team: try await Team.find(report.teamID, on: db), at: now, audience: .everyone)
            return report
        }
        return report
    }

    /// A judge grades a submitted incident report against the rubric and links the compromises it covers.
    /// Writes the rubric's points, and for each linked compromise that stands and was not credited
    /// before, the rules' share of its penalty back.
    package static func grade(
        _ id: UUID, levels: [String: String], compromiseReports: [UUID], note rawNote: String?, context: ExerciseContext, by actor: AuditActor,
        app: Application
    ) async throws -> IncidentReport {
        let note = try text(rawNote, field: "note", max: maxNote, required: false)
        guard compromiseReports.count <= 100 else { throw AppError.invalid("compromise_reports", .betweenItems(0, 100)) }
        let rules = try await rules(context.exerciseID, on: app.db)
        let points: Int
        do { points = try rules.grade(levels) } catch { throw AppError.invalid("levels", .rubricProblem(error)) }
        let now = app.dependencies.now()
        let graded = try await app.scores.write(context.exerciseID, app: app) { db, state in
            let report = try await incident(id, exerciseID: context.exerciseID, on: db)
            guard report.status == .submitted else { throw AppError.conflict("already_decided", .alreadyDecided(report.status.rawValue)) }
            try await Judging.settleClaim(kind: IncidentSource.kindName, id: id, by: actor, now: now, on: db)
            let linked = try await CompromiseReport.query(on: db).filter(\.$exerciseID == context.exerciseID)
                .filter(\.$id ~~ Set(compromiseReports)).all()
            guard linked.count == Set(compromiseReports).count, linked.allSatisfy({ $0.teamID == report.teamID }) else {
                throw AppError.invalid("compromise_reports", .linkSameTeam)
            }
            var credit = 0
            for compromise in linked where compromise.status == .validated {
                guard let penalty = compromise.penalty, penalty > 0, let cid = compromise.id else { continue }
                let credited = try await ScoreFactRecord.query(on: db).filter(\.$exerciseID == context.exerciseID)
                    .filter(\.$kind == ReportFacts.incidentReport.name).filter(\.$sourceText == ReportFacts.compromiseRef(cid).description).all()
                guard !credited.contains(where: { state.projection.isStanding(judged: $0.seq) }) else { continue }
                let amount = rules.credit(forPenalty: penalty)
                guard amount > 0 else { continue }
                credit += amount
                state.append(
                    ScoreFactRecord(
                        team: report.teamID, at: now, kind: ReportFacts.incidentReport, points: amount, category: ReportFacts.compromisesCategory,
                        reason: .creditReason(compromise.asset, Int((rules.creditShare * 100).rounded())), actorID: actor.id, actorName: actor.name,
                        source: ReportFacts.compromiseRef(cid), evidence: ReportFacts.incidentRef(id)))
            }
            if points > 0 {
                state.append(
                    ScoreFactRecord(
                        team: report.teamID, at: now, kind: ReportFacts.incidentReport, points: points, category: ReportFacts.reportsCategory,
                        reason: .incidentReason(report.title), actorID: actor.id, actorName: actor.name, source: ReportFacts.incidentRef(id)))
            }
            report.status = .graded
            report.levelsJSON = ReportJSON.encode(levels)
            report.rubricPoints = points
            report.creditPoints = credit
            report.linkedJSON = ReportJSON.encode(linked.compactMap { $0.id?.uuidString }.sorted())
            report.gradeNote = note
            report.gradedByName = actor.name
            report.gradedAt = now
            try await report.save(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: context.exerciseID, action: "report.incident.grade", subjectType: "incident_report", subject: id.uuidString,
                    summary: "graded \(report.title): +\(points) by the rubric, +\(credit) credit on \(linked.count) compromise(s)"),
                by: actor, at: now, on: db)
            LiveEvents.stage(
                LiveEvent(
                    kind: "report.incident.graded", exerciseID: context.exerciseID, teamID: report.teamID, at: now, audience: .ownTeam, scored: true,
                    payload: ["id": id.uuidString.lowercased(), "points": String(points + credit)]))
            return report
        }
        return graded
    }

    // MARK: evidence

    /// Stores an uploaded file as evidence of a report, once its type is sniffed and allowed. The red
    /// team adds to its compromise reports until they are decided (one asked for evidence goes back to
    /// the queue); a blue team to its incident reports until graded; the white team at any time.
    package static func addEvidence(
        kind: String, reportID: UUID, name rawName: String, blob: Blobs.Stored, context: ExerciseContext, by actor: AuditActor, app: Application
    ) async throws -> ReportEvidence {
        do {
            let name = try evidenceName(rawName)
            guard blob.size <= maxEvidenceBytes else {
                throw AppError(status: .payloadTooLarge, code: "payload_too_large", .fileTooLarge(maxEvidenceBytes))
            }
            let head = try await Blobs.prefix(blob.id, bytes: 512, on: app.db)
            let type: String
            do { type = try EvidenceType.sniff(head, name: name) } catch { throw AppError.invalid("file", .evidenceRefused(error.description)) }
            let now = app.dependencies.now()
            let evidence = try await app.write(clearingCaches: false) { db in
                var reopened = false
                switch kind {
                case CompromiseSource.kindName:
                    let report = try await compromise(reportID, exerciseID: context.exerciseID, on: db)
                    guard context.isWhite || (context.role == .red && [.pending, .needsEvidence].contains(report.status)) else {
                        throw AppError.conflict("already_decided", .alreadyDecided(report.status.rawValue))
                    }
                    if report.status == .needsEvidence, context.role == .red {
                        report.status = .pending
                        try await report.save(on: db)
                        reopened = true
                    }
                default:
                    let report = try await incident(reportID, exerciseID: context.exerciseID, on: db)
                    guard context.isWhite || (report.teamID == context.team?.id && report.status == .submitted) else {
                        throw AppError.conflict("already_decided", .alreadyDecided(report.status.rawValue))
                    }
                }
                let count = try await ReportEvidence.query(on: db).filter(\.$reportKind == kind).filter(\.$reportID == reportID).count()
                guard count < maxEvidencePerReport else { throw AppError.conflict("too_many_files", .tooManyEvidenceFiles(maxEvidencePerReport)) }
                guard try await ReportEvidence.query(on: db).filter(\.$reportKind == kind).filter(\.$reportID == reportID).filter(\.$name == name).first() == nil
                else { throw AppError.conflict("file_exists", .evidenceNameTaken(name)) }
                let evidence = ReportEvidence()
                evidence.exerciseID = context.exerciseID
                evidence.reportKind = kind
                evidence.reportID = reportID
                evidence.name = name
                evidence.contentType = type
                evidence.size = blob.size
                evidence.sha256 = blob.sha256
                evidence.blobID = blob.id
                evidence.uploadedBy = actor.name
                evidence.createdAt = now
                try await evidence.create(on: db)
                try await Audit.record(
                    AuditEvent(
                        exerciseID: context.exerciseID, action: "report.evidence.add", subjectType: "\(kind)_report", subject: reportID.uuidString,
                        summary: "added evidence \(name) (\(type), \(blob.size) B, sha256 \(blob.sha256.prefix(16)))" + (reopened ? "; back in the queue" : "")),
                    by: actor, at: now, on: db)
                return evidence
            }
            return evidence
        } catch {
            try? await app.write(clearingCaches: false) { db in try await Blobs.delete(blob.id, on: db) }
            throw error
        }
    }

    /// A file name as people write them, without paths, quotes or a leading dot.
    static func evidenceName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= TextLimit.name, !name.hasPrefix("."),
            !name.unicodeScalars.contains(where: { "/\\\"'<>".unicodeScalars.contains($0) || CharacterSet.controlCharacters.contains($0) })
        else { throw AppError.invalid("name", .evidenceNameRules) }
        return name
    }

    // MARK: reading

    package static func compromise(_ id: UUID, exerciseID: UUID, on db: any Database) async throws -> CompromiseReport {
        guard let report = try await CompromiseReport.query(on: db).filter(\.$id == id).filter(\.$exerciseID == exerciseID).first() else {
            throw AppError.notFound(.compromiseReport)
        }
        return report
    }

    package static func incident(_ id: UUID, exerciseID: UUID, on db: any Database) async throws -> IncidentReport {
        guard let report = try await IncidentReport.query(on: db).filter(\.$id == id).filter(\.$exerciseID == exerciseID).first() else {
            throw AppError.notFound(.incidentReport)
        }
        return report
    }

    /// A compromise report as the viewer may see it, or not found: the white and red teams see every
    /// one; a blue team only validated (or withdrawn) ones against itself; yellow only validated ones.
    package static func visibleCompromise(_ id: UUID, _ context: ExerciseContext, on db: any Database) async throws -> CompromiseReport {
        let report = try await compromise(id, exerciseID: context.exerciseID, on: db)
        guard mayRead(report, context) else { throw AppError.notFound(.compromiseReport) }
        return report
    }

    static func mayRead(_ report: CompromiseReport, _ context: ExerciseContext) -> Bool {
        switch context.role {
        case .white, .red: true
        case .blue: report.teamID == context.team?.id && [.validated, .withdrawn].contains(report.status)
        case .yellow: report.status == .validated
        case .green: false
        }
    }

    /// The query of what the viewer may list.
    static func visibleCompromises(_ context: ExerciseContext, on db: any Database) -> QueryBuilder<CompromiseReport> {
        let query = CompromiseReport.query(on: db).filter(\.$exerciseID == context.exerciseID)
        switch context.role {
        case .white, .red: return query
        case .blue: return query.filter(\.$teamID == (context.team?.id ?? UUID())).filter(\.$status ~~ [.validated, .withdrawn])
        case .yellow: return query.filter(\.$status == .validated)
        case .green: return query.filter(\.$id == UUID())
        }
    }

    /// An incident report as the viewer may see it: the white team and the filing team; nobody else.
    package static func visibleIncident(_ id: UUID, _ context: ExerciseContext, on db: any Database) async throws -> IncidentReport {
        let report = try await incident(id, exerciseID: context.exerciseID, on: db)
        guard context.isWhite || (context.role == .blue && report.teamID == context.team?.id) else { throw AppError.notFound(.incidentReport) }
        return report
    }

    static func visibleIncidents(_ context: ExerciseContext, on db: any Database) -> QueryBuilder<IncidentReport> {
        let query = IncidentReport.query(on: db).filter(\.$exerciseID == context.exerciseID)
        if context.isWhite { return query }
        return query.filter(\.$teamID == (context.role == .blue ? context.team?.id ?? UUID() : UUID()))
    }

    /// Whether the viewer may read a compromise's narrative, addresses and evidence: the white and
    /// red teams always; the blue team it is about as the rules' evidence visibility says; nobody else.
    static func mayReadDetails(_ report: CompromiseReport, _ context: ExerciseContext, rules: ReportRules, windows: [ScheduleWindow], now: Date) -> Bool {
        switch context.role {
        case .white, .red: return true
        case .green, .yellow: return false
        case .blue:
            guard report.teamID == context.team?.id else { return false }
            switch rules.evidence {
            case .immediately: return true
            case .afterExercise: return context.exercise.state == .finished
            case .afterWindow:
                if context.exercise.state == .finished { return true }
                let sorted = windows.sorted { $0.startsAt < $1.startsAt }
                guard let index = report.windowIndex, sorted.indices.contains(index) else { return false }
                return now >= sorted[index].endsAt
            }
        }
    }

    /// Incident reports that may be about this compromise (same team; shared asset or technique;
    /// detected within a day of it), best first.
    package static func suggestions(for report: CompromiseReport, on db: any Database) async throws -> [IncidentReport] {
        let candidates = try await IncidentReport.query(on: db).filter(\.$exerciseID == report.exerciseID).filter(\.$teamID == report.teamID)
            .sort(\.$detectedAt).limit(500).all()
        return rank(candidates.map { ($0, match(compromise: report, incident: $0)) })
    }

    /// Compromise reports an incident report may cover, best first.
    package static func suggestions(for incident: IncidentReport, on db: any Database) async throws -> [CompromiseReport] {
        let candidates = try await CompromiseReport.query(on: db).filter(\.$exerciseID == incident.exerciseID).filter(\.$teamID == incident.teamID)
            .filter(\.$status ~~ [.pending, .needsEvidence, .validated]).sort(\.$compromisedAt).limit(500).all()
        return rank(candidates.map { ($0, match(compromise: $0, incident: incident)) })
    }

    private static func rank<T>(_ scored: [(T, Int)]) -> [T] {
        scored.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }.prefix(10).map(\.0)
    }

    /// How well an incident report fits a compromise: shared asset, shared technique (or its parent),
    /// and detection close after the compromise. 0: no match.
    static func match(compromise: CompromiseReport, incident: IncidentReport) -> Int {
        let gap = incident.detectedAt.timeIntervalSince(compromise.compromisedAt)
        guard gap > -3600, gap < 24 * 3600 else { return 0 }
        var score = 0
        if incident.assets.contains(compromise.asset) || compromise.targetAddress.map(incident.assets.contains) == true { score += 3 }
        let parents = { (ids: [String]) in Set(ids.map { $0.split(separator: ".").first.map(String.init) ?? $0 }) }
        if !Set(incident.techniques).isDisjoint(with: compromise.techniques) { score += 2 } else if !parents(incident.techniques).isDisjoint(with: parents(compromise.techniques)) { score += 1 }
        guard score > 0 else { return 0 }
        return score * 10 + (gap < 3600 ? 2 : gap < 4 * 3600 ? 1 : 0)
    }

    // MARK: checks

    private static func requireRunning(_ exercise: Exercise, at time: Date, now: Date, field: String) throws {
        guard exercise.state == .running || exercise.state == .paused else { throw AppError.conflict("not_running", .reportsOnlyWhileRunning) }
        // Times people type have minutes, and range clocks drift: the same grace on both sides.
        guard let started = exercise.startedAt, time >= started.addingTimeInterval(-futureSkew), time <= now.addingTimeInterval(futureSkew) else {
            throw AppError.invalid(field, .outsideRunningTime)
        }
    }

    private static func blueTeam(_ slug: String, _ context: ExerciseContext, app: Application) async throws -> Team {
        let team = try await Teams.find(slug, in: context.exercise, on: app.db)
        guard team.kind == .blue else { throw AppError.invalid("team", .notABlueTeam(slug)) }
        return team
    }

    /// An asset must not be another team's: a host another team defends is refused. A service's name
    /// (every team runs its own) and a host nobody declared (named by the red team) are accepted.
    private static func checkAsset(_ asset: String, team: UUID, exerciseID: UUID, app: Application) async throws {
        let assets = try await app.judging.assets(exerciseID, on: app.db)
        let own = assets[team] ?? TeamAssets()
        if own.services.contains(asset) || own.hosts.contains(asset) { return }
        if assets.contains(where: { $0.key != team && $0.value.hosts.contains(asset) }) { throw AppError.invalid("asset", .assetOfAnotherTeam(asset)) }
    }

    static func checkedTechniques(_ raw: [String], required: Bool) throws -> [String] {
        guard raw.count <= maxTechniques, !required || !raw.isEmpty else { throw AppError.invalid("techniques", .betweenItems(required ? 1 : 0, maxTechniques)) }
        var ids: [String] = []
        for value in raw {
            guard value.count <= 20, let technique = AttackCatalog.enterprise.technique(value) else {
                throw AppError.invalid("techniques", .unknownTechnique(String(value.prefix(20))))
            }
            if !ids.contains(technique.id) { ids.append(technique.id) }
        }
        return ids
    }

    /// One line of text: trimmed, at most `max` characters, no control characters.
    static func line(_ raw: String?, field: String, max: Int, required: Bool) throws -> String? {
        let value = raw?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if value.isEmpty {
            if required { throw AppError.invalid(field, .isRequired) }
            return nil
        }
        guard value.count <= max, !value.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw AppError.invalid(field, .oneLineUpTo(max))
        }
        return value
    }

    /// Text that may run over lines (Markdown): at most `max` characters, no control characters but line breaks and tabs.
    static func text(_ raw: String?, field: String, max: Int, required: Bool) throws -> String? {
        let value = raw?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if value.isEmpty {
            if required { throw AppError.invalid(field, .isRequired) }
            return nil
        }
        guard value.count <= max,
            !value.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) && !["\n", "\r", "\t"].contains($0) })
        else { throw AppError.invalid(field, .textUpTo(max)) }
        return value
    }

    /// An IP address or host name, as people write them in a report.
    private static func address(_ raw: String?, field: String) throws -> String? {
        guard let value = try line(raw, field: field, max: 255, required: false) else { return nil }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".:-_/[]%"))
        guard value.unicodeScalars.allSatisfy({ allowed.contains($0) && $0.isASCII }) else { throw AppError.invalid(field, .notAnAddress) }
        return value
    }

    /// The schedule window a time falls in, with its index in start order.
    static func window(of time: Date, exerciseID: UUID, on db: any Database) async throws -> (index: Int, window: ScheduleWindow)? {
        let windows = try await ScheduleWindow.query(on: db).filter(\.$exercise.$id == exerciseID).sort(\.$startsAt).all()
        return windows.enumerated().first { $0.element.startsAt <= time && time < $0.element.endsAt }.map { ($0.offset, $0.element) }
    }

    /// A validated or waiting report this one repeats: same team and asset, a shared technique, the
    /// same window (or both outside every window).
    private static func duplicate(of report: CompromiseReport, on db: any Database) async throws -> UUID? {
        guard let sql = db as? any SQLDatabase else { return nil }
        // Three columns of the team's reports on this asset, not whole models: a week's campaign repeats.
        let query = sql.select().columns("id", "techniques").from(CompromiseReport.schema)
            .where("exercise_id", .equal, report.exerciseID).where("team_id", .equal, report.teamID).where("asset", .equal, report.asset)
            .where("status", .in, [CompromiseReport.Status.pending, .needsEvidence, .validated].map(\.rawValue))
        if let window = report.windowIndex { query.where("window_index", .equal, window) } else { query.where(SQLIdentifier("window_index"), .is, SQLLiteral.null) }
        let wanted = Set(report.techniques)
        for row in try await query.orderBy("created_at").all() {
            let techniques = try row.decode(column: "techniques", as: String.self).split(separator: ",").map(String.init)
            let id = try row.decode(column: "id", as: UUID.self)
            if id != report.id, !wanted.isDisjoint(with: techniques) { return id }
        }
        return nil
    }

    /// Stages a compromise report's live event in the write that changes it: to everyone once
    /// validated or withdrawn (it is on the board, so it counts as a score during a freeze), else to the
    /// white and red teams, unless `audience` says otherwise (a dispute: the white team and the target).
    private static func stage(_ kind: String, _ report: CompromiseReport, team: Team?, at now: Date, audience: LiveAudience? = nil) {
        let onTheBoard = report.status == .validated || report.status == .withdrawn
        var payload = ["id": report.id?.uuidString.lowercased() ?? "", "status": report.status.rawValue]
        if onTheBoard {
            payload["points"] = String(report.penalty ?? 0)
            payload["team_name"] = team?.name ?? ""
        }
        let audience = audience ?? (onTheBoard ? .everyone : LiveAudience(kinds: [.red]))
        LiveEvents.stage(
            LiveEvent(
                kind: kind, exerciseID: report.exerciseID, teamID: report.teamID, at: now, audience: audience, scored: audience == .everyone,
                payload: payload))
    }
}
