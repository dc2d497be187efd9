import Foundation
import RampartCore
import RampartKernel

/// What defence gives Scoring: the points its checks earn every tick and the SLA penalties.
enum DefenceFacts {
    /// Where the platform's checks put their points and SLA penalties.
    static let availabilityCategory = "availability"
    static let penaltiesCategory = "penalties"

    /// A team's availability points for one tick (evidence `tick:<n>`). Every team earns them all
    /// the time, so they do not move the tie-break time.
    static let availability = FactKind(
        name: "availability", label: .factAvailability, projected: { .award(points: $0.points, category: $0.category) })
    /// An SLA penalty: one service (source `service:<id>`) failing too many ticks in a row.
    static let sla = FactKind(name: "sla", label: .factSLA, projected: { .award(points: $0.points, category: $0.category) })
    static let kinds = [availability, sla]

    static func source(_ service: UUID) -> FactRef { FactRef("service", service) }
    static func evidence(_ tick: Int) -> FactRef { FactRef("tick", String(tick)) }
}
