import Fluent
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// Reports as the assembly plugs them in: red-team compromise reports and blue-team incident reports,
/// their judging through the workbench's queue (`Judging`), the penalty and credit facts, the
/// exercise file's `red_team:` rules, their pages, API and exports.
package struct ReportsFeature: ScoredFeature {
    package init() {}

    package var factKinds: [FactKind] { ReportFacts.kinds }
    package var categoryLabels: [String: Phrase] {
        [ReportFacts.compromisesCategory: .categoryCompromises, ReportFacts.reportsCategory: .categoryIncidentReports]
    }
    package var migrations: [any Migration] { [M015CreateReports()] }
    package var exerciseFileSections: [any ExerciseFileSectionStore] { [RedTeamFileSection()] }

    package func boot(_ app: Application) throws {
        app.blobLinks.append(.init(table: ReportEvidence.schema, column: "blob_id"))
        app.judging.register(CompromiseSource())
        app.judging.register(DisputeSource())
        app.judging.register(IncidentSource())
        app.judging.register(proofCheck: CompromiseTokens.check)
    }

    package func routes(_ app: Application) throws {
        ReportsAPI.register(app)
        ReportPages.register(app)
    }

    package var auditActions: [String: Phrase] { Phrase.reportAuditActions }

    package func navigation(_ req: Request, _ context: ExerciseContext) async throws -> [NavigationLink] {
        guard context.role != .green else { return [] }
        return [NavigationLink(.reports, .reports(context.exercise.slug), position: 50)]
    }
}

/// The exercise file's `red_team:` in the database: one row of YAML per exercise.
struct RedTeamFileSection: ExerciseFileSectionStore {
    var section: any ExerciseFileSection.Type { RedTeamSection.self }

    func plan(_ file: ExerciseFile, _ context: ExerciseFilePlanning) async throws -> ExerciseFileSectionPlan {
        var plan = ExerciseFileSectionPlan()
        let wanted = file.section(RedTeamSection.self)
        let stored = if let exercise = context.exercise {
            try await ReportRulesRecord.query(on: context.app.db).filter(\.$exerciseID == exercise.requireID()).first()
        } else { ReportRulesRecord?.none }
        // A file without the section leaves the exercise's rules as they are.
        guard let wanted, stored?.source != wanted.yaml() else { return plan }
        plan.changes.append(stored == nil ? "set the red team rules" : "updated the red team rules")
        let source = wanted.yaml()
        plan.apply = { applying in
            try await applying.app.write(clearingCaches: false) { db in
                let record = try await ReportRulesRecord.query(on: db).filter(\.$exerciseID == applying.exerciseID).first() ?? ReportRulesRecord()
                record.exerciseID = applying.exerciseID
                record.source = source
                try await record.save(on: db)
                try await Audit.record(
                    AuditEvent(exerciseID: applying.exerciseID, action: "report.rules", subjectType: "exercise", subject: "red_team", summary: "set the red team rules"),
                    by: applying.actor, at: applying.now, on: db)
            }
        }
        return plan
    }

    func export(_ exercise: Exercise, on db: any Database) async throws -> (any ExerciseFileSection)? {
        guard let record = try await ReportRulesRecord.query(on: db).filter(\.$exerciseID == exercise.requireID()).first() else { return nil }
        return RedTeamSection.stored(record.source)
    }
}
