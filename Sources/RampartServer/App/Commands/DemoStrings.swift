import RampartKernel

/// What the demo's seeded facts say, as a white-team member would have written it in either language.
extension Phrase {
    static let demoIncidentReport = Phrase("Clear, timely incident report to Exercise Control", ko: "훈련 통제관에게 명확하고 신속한 침해 사고 보고")
}
