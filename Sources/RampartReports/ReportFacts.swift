import Foundation
import RampartCore
import RampartKernel
import RampartScoring

/// What reports give Scoring: a validated compromise's penalty and an incident report's points.
package enum ReportFacts {
    /// Where penalties (and the credit that wins part of one back) and report points go on the board.
    package static let compromisesCategory = "compromises"
    package static let reportsCategory = "incident_reports"

    /// A validated compromise against a blue team (negative; source `compromise:<id>`). Not the
    /// team's own doing, so it does not move the tie-break time.
    package static let compromise = FactKind(
        name: "compromise", label: .factCompromise,
        projected: { .judged(points: $0.points, category: $0.category, timed: false) },
        subject: { fact, _ in fact.source.map { "#" + $0.id.prefix(8) } })
    /// A graded incident report: the rubric's points (category `incident_reports`, source
    /// `incident:<id>`), or the credit it wins back on a compromise it covers (category
    /// `compromises`, source `compromise:<id>`, evidence `incident:<id>`).
    package static let incidentReport = FactKind(
        name: "incident_report", label: .factIncidentReport,
        projected: { .judged(points: $0.points, category: $0.category, timed: true) },
        subject: { fact, _ in (fact.evidence ?? fact.source).map { "#" + $0.id.prefix(8) } })
    package static let kinds = [compromise, incidentReport]

    package static func compromiseRef(_ id: UUID) -> FactRef { FactRef("compromise", id) }
    package static func incidentRef(_ id: UUID) -> FactRef { FactRef("incident", id) }
}
