import Foundation
import RampartCore
import RampartKernel
import RampartScoring

/// What defence gives Scoring: the points its checks earn every tick and the SLA penalties.
package enum DefenceFacts {
    /// Where the platform's checks put their points and SLA penalties.
    package static let availabilityCategory = "availability"
    package static let penaltiesCategory = "penalties"

    /// A team's availability points for one tick (evidence `tick:<n>`). Every team earns them all
    /// the time, so they do not move the tie-break time.
    package static let availability = FactKind(
        name: "availability", label: .factAvailability, projected: { .award(points: $0.points, category: $0.category) })
    /// An SLA penalty: one service (source `service:<id>`) failing too many ticks in a row.
    package static let sla = FactKind(name: "sla", label: .factSLA, projected: { .award(points: $0.points, category: $0.category) })
    package static let kinds = [availability, sla]

    package static func source(_ service: UUID) -> FactRef { FactRef("service", service) }
    package static func evidence(_ tick: Int) -> FactRef { FactRef("tick", String(tick)) }
}
