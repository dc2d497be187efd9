import Fluent
import Foundation
import RampartCore
import SQLKit
import Vapor

/// A message from the white team to everyone of an exercise, or to chosen teams or kinds of team.
package final class Announcement: Model, @unchecked Sendable {
    package static let schema = "announcements"

    @ID(key: .id) package var id: UUID?
    @Field(key: "exercise_id") package var exerciseID: UUID
    @Field(key: "key") package var key: String
    @Field(key: "title") package var title: String
    @OptionalField(key: "title_ko") package var titleKo: String?
    @Field(key: "body") package var body: String
    @OptionalField(key: "body_ko") package var bodyKo: String?
    @Field(key: "level") package var level: String
    /// Team ids, comma-separated; empty with no roles: everyone.
    @Field(key: "teams") package var teams: String
    @Field(key: "roles") package var roles: String
    @Field(key: "posted_at") package var postedAt: Date
    @Field(key: "posted_by") package var postedBy: String
    @OptionalField(key: "withdrawn_at") package var withdrawnAt: Date?

    package init() {}

    package var teamIDs: [UUID] { teams.split(separator: ",").compactMap { UUID(uuidString: String($0)) } }
    package var roleKinds: [TeamKind] { roles.split(separator: ",").compactMap { TeamKind(rawValue: String($0)) } }
    package var levelValue: AnnouncementLevel { AnnouncementLevel(rawValue: level) ?? .info }

    /// Everyone, when it names neither teams nor roles.
    package var audience: LiveAudience {
        guard !teams.isEmpty || !roles.isEmpty else { return .everyone }
        return LiveAudience(kinds: Set(roleKinds), teams: Set(teamIDs))
    }

    /// Addressed to the viewer's role or team, or to everyone (the white team reads every one on the
    /// Announcements page, but only these are its banners).
    package func isAddressed(to context: ExerciseContext) -> Bool {
        let audience = audience
        return audience.everyone || audience.kinds.contains(context.role) || (context.team?.id.map { audience.teams.contains($0) } ?? false)
    }

    package func displayTitle(_ locale: UILocale) -> String { locale == .ko ? (titleKo ?? title) : title }
    package func displayBody(_ locale: UILocale) -> String { locale == .ko ? (bodyKo ?? body) : body }
}

package struct M017CreateAnnouncements: AsyncMigration {
    package func prepare(on database: any Database) async throws {
        try await database.schema(Announcement.schema)
            .id()
            .field("exercise_id", .uuid, .required, .references("exercises", "id", onDelete: .cascade))
            .field("key", .string, .required)
            .field("title", .string, .required)
            .field("title_ko", .string)
            .field("body", .string, .required)
            .field("body_ko", .string)
            .field("level", .string, .required)
            .field("teams", .string, .required)
            .field("roles", .string, .required)
            .field("posted_at", .datetime, .required)
            .field("posted_by", .string, .required)
            .field("withdrawn_at", .datetime)
            .unique(on: "exercise_id", "key")
            .create()
    }

    package func revert(on database: any Database) async throws {
        try await database.schema(Announcement.schema).delete()
    }

    package init() {}
}

/// Posting, listing and withdrawing announcements. Each change is audited and goes out live with its
/// title and body (in both languages, rendered), so a toast needs no second request.
package enum Announcements {
    /// What a client sends to post one (`POST …/announcements`).
    package struct Input: StrictDecodable, Sendable {
        package var title: String
        package var title_ko: String?
        package var body: String
        package var body_ko: String?
        package var level: String?
        package var teams: [String]?
        package var roles: [String]?
        package var key: String?
        package enum CodingKeys: String, CodingKey, CaseIterable { case title, title_ko, body, body_ko, level, teams, roles, key }

        package init(
            title: String, title_ko: String? = nil, body: String, body_ko: String? = nil, level: String? = nil, teams: [String]? = nil,
            roles: [String]? = nil, key: String? = nil
        ) {
            self.title = title
            self.title_ko = title_ko
            self.body = body
            self.body_ko = body_ko
            self.level = level
            self.teams = teams
            self.roles = roles
            self.key = key
        }
    }

    /// Checks every field; teams are named by slug and must be the exercise's.
    package static func spec(_ input: Input, exerciseID: UUID, generatedKey: String, on db: any Database) async throws -> (AnnouncementSpec, [UUID]) {
        func text(_ value: String?, _ field: String, max: Int, required: Bool) throws -> String? {
            let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if trimmed.isEmpty {
                if required { throw AppError.invalid(field, .requiredField) }
                return nil
            }
            guard trimmed.count <= max else { throw AppError.invalid(field, .atMostCharacters(max)) }
            return trimmed
        }
        let title = try text(input.title, "title", max: AnnouncementSpec.maxTitle, required: true)!
        let body = try text(input.body, "body", max: AnnouncementSpec.maxBody, required: true)!
        let level = try input.level.map { raw -> AnnouncementLevel in
            guard let level = AnnouncementLevel(rawValue: raw) else { throw AppError.invalid("level", .expectedOneOf("info, warning, critical")) }
            return level
        } ?? .info
        let roles = try (input.roles ?? []).map { raw -> TeamKind in
            guard let kind = TeamKind(rawValue: raw) else { throw AppError.invalid("roles", .expectedOneOf("white, red, blue, green, yellow")) }
            return kind
        }
        let slugs = Array(Set(input.teams ?? []))
        guard slugs.count <= TextLimit.teams else { throw AppError.invalid("teams", .atMostItems(TextLimit.teams)) }
        let found = slugs.isEmpty ? [] : try await Team.query(on: db).filter(\.$exercise.$id == exerciseID).filter(\.$slug ~~ slugs).all()
        if let missing = slugs.first(where: { slug in !found.contains { $0.slug == slug } }) {
            throw AppError.invalid("teams", .noSuchTeam(missing))
        }
        let key = input.key ?? generatedKey
        guard Identifier.isValidSlug(key) else { throw AppError.invalid("key", Identifier.slugRule) }
        let spec = AnnouncementSpec(
            key: key, title: title, titleKo: try text(input.title_ko, "title_ko", max: AnnouncementSpec.maxTitle, required: false), body: body,
            bodyKo: try text(input.body_ko, "body_ko", max: AnnouncementSpec.maxBody, required: false), level: level,
            teams: found.map(\.slug).sorted(), roles: roles.sorted())
        return (spec, found.compactMap(\.id))
    }

    /// Posts an announcement (or, with a key already posted, replaces its text and goes out again).
    @discardableResult
    package static func post(
        _ spec: AnnouncementSpec, teamIDs: [UUID], exerciseID: UUID, by actor: AuditActor, now: Date, app: Application
    ) async throws -> Announcement {
        try await app.write(clearingCaches: false) { db in
            let count = try await Announcement.query(on: db).filter(\.$exerciseID == exerciseID).count()
            let existing = try await Announcement.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$key == spec.key).first()
            guard existing != nil || count < AnnouncementSpec.maxPerExercise else {
                throw AppError.conflict("too_many", .tooManyAnnouncements(AnnouncementSpec.maxPerExercise))
            }
            let announcement = existing ?? Announcement()
            announcement.exerciseID = exerciseID
            announcement.key = spec.key
            announcement.title = spec.title
            announcement.titleKo = spec.titleKo
            announcement.body = spec.body
            announcement.bodyKo = spec.bodyKo
            announcement.level = spec.level.rawValue
            announcement.teams = teamIDs.map(\.uuidString).sorted().joined(separator: ",")
            announcement.roles = spec.roles.map(\.rawValue).joined(separator: ",")
            announcement.postedAt = now
            announcement.postedBy = actor.name
            announcement.withdrawnAt = nil
            try await announcement.save(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exerciseID, action: "announcement.post", subjectType: "announcement", subject: spec.key,
                    summary: "announced (\(spec.level.rawValue)): \(spec.title)"),
                by: actor, at: now, on: db)
            LiveEvents.stage(event(announcement, kind: "announcement.posted", at: now))
            return announcement
        }
    }

    /// Withdraws an announcement: it leaves every open page and the list shows it withdrawn.
    package static func withdraw(_ id: UUID, exerciseID: UUID, by actor: AuditActor, now: Date, app: Application) async throws -> Announcement {
        try await app.write(clearingCaches: false) { db in
            guard let announcement = try await Announcement.query(on: db).filter(\.$exerciseID == exerciseID).filter(\.$id == id).first() else {
                throw AppError.notFound(.announcement)
            }
            guard announcement.withdrawnAt == nil else { return announcement }
            announcement.withdrawnAt = now
            try await announcement.save(on: db)
            try await Audit.record(
                AuditEvent(
                    exerciseID: exerciseID, action: "announcement.withdraw", subjectType: "announcement", subject: announcement.key,
                    summary: "withdrew the announcement \(announcement.title)"),
                by: actor, at: now, on: db)
            LiveEvents.stage(event(announcement, kind: "announcement.withdrawn", at: now))
            return announcement
        }
    }

    /// The live event: everything a toast shows, the body as sanitised HTML in both languages.
    static func event(_ announcement: Announcement, kind: String, at now: Date) -> LiveEvent {
        var payload = ["id": announcement.id!.uuidString.lowercased(), "level": announcement.level]
        if kind == "announcement.posted" {
            payload["title"] = announcement.title
            payload["title_ko"] = announcement.titleKo ?? announcement.title
            payload["html"] = Markdown.html(announcement.body)
            payload["html_ko"] = Markdown.html(announcement.bodyKo ?? announcement.body)
        }
        return LiveEvent(kind: kind, exerciseID: announcement.exerciseID, at: now, audience: announcement.audience, payload: payload)
    }

    /// What `context` may read, newest first: the white team every one, others those addressed to them.
    package static func visible(_ context: ExerciseContext, includingWithdrawn: Bool, on db: any Database) async throws -> [Announcement] {
        let query = Announcement.query(on: db).filter(\.$exerciseID == context.exerciseID).sort(\.$postedAt, .descending)
        if !includingWithdrawn || !context.isWhite { query.filter(\.$withdrawnAt == nil) }
        let all = try await query.all()
        guard !context.isWhite else { return all }
        return all.filter { $0.isAddressed(to: context) }
    }

    /// The banners of a page: warning and critical announcements not withdrawn and addressed to the
    /// viewer itself (the white team too sees only those addressed to everyone or to it), newest first.
    package static func banners(_ context: ExerciseContext, on db: any Database) async throws -> [Announcement] {
        let current = try await Announcement.query(on: db).filter(\.$exerciseID == context.exerciseID).filter(\.$withdrawnAt == nil)
            .filter(\.$level ~~ [AnnouncementLevel.warning.rawValue, AnnouncementLevel.critical.rawValue]).sort(\.$postedAt, .descending)
            .limit(20).all()
        return Array(current.filter { $0.isAddressed(to: context) }.prefix(3))
    }

    package static func dto(_ announcement: Announcement, teams: [UUID: String]) -> AnnouncementDTO {
        AnnouncementDTO(
            id: announcement.id!, key: announcement.key, title: announcement.title, title_ko: announcement.titleKo, body: announcement.body,
            body_ko: announcement.bodyKo, level: announcement.level, teams: announcement.teamIDs.compactMap { teams[$0] }.sorted(),
            roles: announcement.roleKinds.map(\.rawValue), posted_at: announcement.postedAt, posted_by: announcement.postedBy,
            withdrawn_at: announcement.withdrawnAt)
    }
}

package struct AnnouncementDTO: Content {
    package var id: UUID
    package var key: String
    package var title: String
    package var title_ko: String?
    package var body: String
    package var body_ko: String?
    package var level: String
    package var teams: [String]
    package var roles: [String]
    package var posted_at: Date
    package var posted_by: String
    package var withdrawn_at: Date?
}
