import Fluent
import RampartCore
import FluentPostgresDriver
import SQLKit
import Vapor

/// Who did something, as the audit trail names them.
package struct AuditActor: Sendable {
    package var id: UUID?
    package var name: String
    package var sourceAddress: String?

    package init(id: UUID?, name: String, sourceAddress: String? = nil) {
        self.id = id
        self.name = name
        self.sourceAddress = sourceAddress
    }

    package static func commandLine(_ command: String) -> AuditActor {
        AuditActor(id: nil, name: "cli", sourceAddress: "rampart \(command)")
    }
}

/// One change to write to the trail.
package struct AuditEvent: Sendable {
    package var exerciseID: UUID?
    package var action: String
    package var subjectType: String
    package var subject: String
    package var summary: String
    package var changes: [String: AuditChange] = [:]

    package init(exerciseID: UUID? = nil, action: String, subjectType: String, subject: String, summary: String, changes: [String: AuditChange] = [:]) {
        self.exerciseID = exerciseID
        self.action = action
        self.subjectType = subjectType
        self.subject = subject
        self.summary = summary
        self.changes = changes
    }
}

package struct AuditChange: Codable, Sendable, Equatable {
    package var from: String?
    package var to: String?
}

/// Builds the `changes` of an event from before/after pairs, keeping only what changed.
package struct ChangeSet {
    package private(set) var changes: [String: AuditChange] = [:]

    package mutating func note(_ field: String, _ from: String?, _ to: String?) {
        if from != to { changes[field] = AuditChange(from: from, to: to) }
    }

    package var isEmpty: Bool { changes.isEmpty }

    package var summary: String {
        changes.keys.sorted().map { key in
            let change = changes[key]!
            return "\(key): \(change.from ?? "—") → \(change.to ?? "—")"
        }.joined(separator: "; ")
    }

    package init() {}
}

package enum Audit {
    package static let genesisHash = String(repeating: "0", count: 64)
    /// Arbitrary, fixed: the PostgreSQL advisory lock that serialises appends to the chain across
    /// nodes. Taken with the schema's hash as its second half, so Ramparts in different schemas of one
    /// server (tests do this) keep separate chains and do not wait for each other.
    private static let chainLockKey: Int32 = 0x5241_4D50

    /// Appends one record. Call inside the transaction that makes the change, so the two land together.
    @discardableResult
    package static func record(_ event: AuditEvent, by actor: AuditActor, at now: Date, on database: any Database) async throws -> AuditRecord {
        if database is any PostgresDatabase, let sql = database as? any SQLDatabase {
            try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: chainLockKey), hashtext(current_schema()))").run()
        }
        let last = try await AuditRecord.query(on: database).sort(\.$seq, .descending).first()
        let record = AuditRecord()
        record.seq = (last?.seq ?? 0) + 1
        record.atMilliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        record.exerciseID = event.exerciseID
        record.actorID = actor.id
        record.actorName = storable(actor.name)
        record.action = storable(event.action)
        record.subjectType = storable(event.subjectType)
        record.subject = storable(event.subject)
        record.summary = storable(event.summary)
        record.changes = storable(Self.encode(event.changes))
        record.sourceAddress = actor.sourceAddress.map(storable)
        record.prevHash = last?.hash ?? genesisHash
        record.hash = record.computeHash()
        try await record.create(on: database)
        return record
    }

    /// Text exactly as both databases store and return it, so the hash computed now is the hash
    /// computed on reading: control characters (a NUL, which SQLite returns cut short and PostgreSQL
    /// refuses) become U+FFFD. The edge refuses them in requests; this covers every other way in.
    package static func storable(_ text: String) -> String {
        guard TextRule.forbiddenCharacter(in: text) != nil else { return text }
        return String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { TextRule.isForbidden($0) ? "\u{FFFD}" : $0 }))
    }

    package static func encode(_ changes: [String: AuditChange]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(changes)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    package struct Verification: Sendable {
        package var checked: Int
        /// Every record that is wrong, with what is wrong, in chain order; empty when the chain holds.
        package var broken: [(seq: Int, problem: String)] = []
    }

    /// Walks the whole chain in order, in pages, recomputing every hash, and reports every broken
    /// record: each record is checked against the hash its predecessor stored, so one altered record
    /// is reported once and does not hide tampering further on.
    package static func verify(on database: any Database, pageSize: Int = 1000) async throws -> Verification {
        var result = Verification(checked: 0)
        var expectedSeq = 1
        var previousHash = genesisHash
        var afterGap = false
        while true {
            let page = try await AuditRecord.query(on: database)
                .filter(\.$seq >= expectedSeq).sort(\.$seq).limit(pageSize).all()
            if page.isEmpty { return result }
            for record in page {
                if record.seq > expectedSeq {
                    let missing = record.seq - expectedSeq == 1 ? "record \(expectedSeq) is missing" : "records \(expectedSeq)–\(record.seq - 1) are missing"
                    result.broken.append((expectedSeq, missing))
                    afterGap = true
                }
                // After a gap the link cannot hold; the gap is the problem already reported.
                if record.prevHash != previousHash, !afterGap {
                    result.broken.append((record.seq, "does not link to the record before it"))
                }
                if record.computeHash() != record.hash {
                    result.broken.append((record.seq, "its content does not match its hash"))
                }
                result.checked += 1
                previousHash = record.hash
                expectedSeq = record.seq + 1
                afterGap = false
            }
        }
    }
}
