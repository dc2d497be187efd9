import Fluent
import Vapor

/// What one feature adds to Rampart, in one place. The assembly (`RampartServer`'s `Features.all`) names
/// each feature once, and `configure` asks every one of them for its part: a new feature is a new target
/// and one line there. Every member has a default, so a feature says only what it brings.
package protocol Feature: Sendable {
    /// Its schema steps. Across features they run in the order of their number (`M013…` in the type's
    /// name, a sequence shared by every target): a new migration takes the next free number, and an
    /// applied one keeps its name for ever (see `MigrationOrder`).
    var migrations: [any Migration] { get }

    /// Sets up what the feature keeps on the application and fills the kernel's hooks (caches to forget,
    /// stored files it links, exercise hooks), before any route is registered.
    func boot(_ app: Application) throws

    /// Its API endpoints and pages, each declared with `endpoint(method, route, access)`.
    func routes(_ app: Application) throws

    /// Its commands, by the name that follows `rampart` (`challenge`, `check`, …).
    var commands: [String: any AnyAsyncCommand] { get }

    /// Work started when the application boots and stopped when it shuts down.
    var lifecycle: [any LifecycleHandler] { get }

    /// Its links in an exercise's navigation, for the viewer the request's exercise context describes
    /// (`Request.exerciseNavigation` gathers every feature's).
    func navigation(_ req: Request, _ context: ExerciseContext) async throws -> [NavigationLink]

    /// Its sections of the exercise file: how each is read, applied and exported.
    var exerciseFileSections: [any ExerciseFileSectionStore] { get }

    /// The audit actions it records (`challenge.create`…), named in the reader's language on the trail.
    var auditActions: [String: Phrase] { get }
}

extension Feature {
    package var migrations: [any Migration] { [] }
    package func boot(_ app: Application) throws {}
    package func routes(_ app: Application) throws {}
    package var commands: [String: any AnyAsyncCommand] { [:] }
    package var lifecycle: [any LifecycleHandler] { [] }
    package func navigation(_ req: Request, _ context: ExerciseContext) async throws -> [NavigationLink] { [] }
    package var exerciseFileSections: [any ExerciseFileSectionStore] { [] }
    package var auditActions: [String: Phrase] { [:] }
}

/// One link of an exercise's navigation: what it says, where it goes, and where it stands among the
/// links of every feature (lower first; the team's own page last, at 90).
package struct NavigationLink: Sendable, Equatable {
    package let title: Phrase
    package let href: String
    package let position: Int

    package init(_ title: Phrase, _ route: AppRoute, position: Int) {
        self.title = title
        self.href = route.path
        self.position = position
    }
}

/// The order schema steps run in, across the kernel and every feature.
package enum MigrationOrder {
    /// The number in a migration's name (`RampartServer.M006CreateChallengesAndScores` → 6).
    package static func number(_ migration: any Migration) -> Int? {
        let type = migration.name.split(separator: ".").last ?? ""
        guard type.first == "M" else { return nil }
        return Int(type.dropFirst().prefix { $0.isNumber })
    }

    /// `migrations` by number. Two steps with one number, or one without, is a programming error
    /// caught at boot (and by a test), never a silent choice of order.
    package static func sorted(_ migrations: [any Migration]) -> [any Migration] {
        var byNumber: [Int: any Migration] = [:]
        for migration in migrations {
            guard let number = number(migration) else { preconditionFailure("migration '\(migration.name)' has no number (M013…)") }
            precondition(byNumber[number] == nil, "migrations '\(byNumber[number]!.name)' and '\(migration.name)' share number \(number)")
            byNumber[number] = migration
        }
        return byNumber.keys.sorted().map { byNumber[$0]! }
    }
}

extension Application {
    private struct FeaturesKey: StorageKey {
        typealias Value = [any Feature]
    }

    /// The features this application was assembled with, in the assembly's order.
    package var features: [any Feature] {
        get { storage[FeaturesKey.self] ?? [] }
        set { storage[FeaturesKey.self] = newValue }
    }
}

extension Request {
    private struct PageNavigationKey: StorageKey {
        typealias Value = [NavigationLink]
    }

    /// The exercise's navigation for a page (not an API call) inside an exercise, gathered by
    /// `endpoint` once the caller is authorised; the layout draws it as the exercise's tabs.
    package var pageNavigation: [NavigationLink]? {
        get { storage[PageNavigationKey.self] }
        set { storage[PageNavigationKey.self] = newValue }
    }

    private struct PageBannersKey: StorageKey {
        typealias Value = [Announcement]
    }

    /// The warning and critical announcements addressed to the viewer and not withdrawn, shown as
    /// banners at the top of every page of the exercise until the white team withdraws them.
    package var pageBanners: [Announcement] {
        get { storage[PageBannersKey.self] ?? [] }
        set { storage[PageBannersKey.self] = newValue }
    }

    private struct LiveKindsKey: StorageKey {
        typealias Value = [String]
    }

    /// The live event types (or prefixes: `challenge.`, `score`) after which this page's content is
    /// fetched again and swapped in place (`rampart.js`); nil: the page does not change by itself.
    package var liveKinds: [String]? {
        get { storage[LiveKindsKey.self] }
        set { storage[LiveKindsKey.self] = newValue }
    }

    /// Every feature's navigation links for this exercise's viewer, in their positions' order.
    package func exerciseNavigation(_ context: ExerciseContext) async throws -> [NavigationLink] {
        var links: [NavigationLink] = []
        for feature in application.features { links += try await feature.navigation(self, context) }
        return links.enumerated().sorted { ($0.element.position, $0.offset) < ($1.element.position, $1.offset) }.map(\.element)
    }
}
