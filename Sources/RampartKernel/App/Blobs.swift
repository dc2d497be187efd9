import Crypto
import Fluent
import SQLKit
import Vapor

/// Stored files (challenge attachments, and later report evidence), kept in the database in chunks
/// of `chunkSize`: every node of a PostgreSQL deployment serves the same files, a backup holds them,
/// and no upload, import or download ever holds a whole file in memory (one 200 MB attachment once
/// took 888 MB to import). Each chunk is written in a short transaction of its own, so a large file
/// never holds up submissions or ticks; a blob becomes visible only when a short final transaction
/// links it (a feature's row, such as a challenge file; see `Application.blobLinks`), and blobs never linked
/// (an upload cut off) are swept.
package enum Blobs {
    package static let chunkSize = 1 << 20

    package struct Stored: Sendable {
        package var id: UUID
        package var size: Int
        package var sha256: String
    }

    /// The SHA-256 and size of what `chunks` yield, reading them once.
    package static func digest<Chunks: AsyncSequence>(_ chunks: Chunks) async throws -> (size: Int, sha256: String) where Chunks.Element == ByteBuffer {
        var hasher = SHA256()
        var size = 0
        for try await chunk in chunks {
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            size += chunk.readableBytes
        }
        return (size, hex(hasher.finalize()))
    }

    /// Writes what `chunks` yield as a new blob (`BlobWriter`).
    package static func store<Chunks: AsyncSequence>(
        _ chunks: Chunks, maxBytes: Int, app: Application
    ) async throws -> Stored where Chunks.Element == ByteBuffer {
        let writer = try await BlobWriter(maxBytes: maxBytes, app: app)
        do {
            for try await chunk in chunks { try await writer.append(chunk) }
            return try await writer.finish()
        } catch {
            await writer.abandon()
            throw error
        }
    }

    /// The file as a response body, one chunk read at a time.
    package static func body(_ blob: UUID, size: Int, app: Application) -> Response.Body {
        Response.Body(
            asyncStream: { writer in
                do {
                    var seq = 0
                    while let chunk = try await FileChunk.query(on: app.db).filter(\.$blobID == blob).filter(\.$seq == seq).first() {
                        try await writer.writeBuffer(ByteBuffer(data: chunk.data))
                        seq += 1
                    }
                    try await writer.write(.end)
                } catch {
                    try? await writer.write(.error(error))
                }
            }, count: size)
    }

    /// The whole file (small ones: tests, the exercise file export of a tiny attachment).
    package static func data(_ blob: UUID, on db: any Database) async throws -> Data {
        try await FileChunk.query(on: db).filter(\.$blobID == blob).sort(\.$seq).all().reduce(into: Data()) { $0.append($1.data) }
    }

    /// The first `bytes` of a file (what type sniffing reads), from its first chunk only.
    package static func prefix(_ blob: UUID, bytes: Int, on db: any Database) async throws -> [UInt8] {
        guard let chunk = try await FileChunk.query(on: db).filter(\.$blobID == blob).filter(\.$seq == 0).first() else { return [] }
        return Array(chunk.data.prefix(bytes))
    }

    package static func delete(_ blob: UUID, on db: any Database) async throws {
        try await FileChunk.query(on: db).filter(\.$blobID == blob).delete()
        try await FileBlob.query(on: db).filter(\.$id == blob).delete()
    }

    /// Removes blobs nothing links to that are older than `age` (uploads cut off, a node stopped between
    /// storing a file and linking it). Each blob in a short transaction of its own.
    @discardableResult
    package static func sweep(olderThan age: TimeInterval = 3600, app: Application) async throws -> Int {
        let cutoff = app.dependencies.now().addingTimeInterval(-age)
        // Without the links, every blob would look unlinked.
        guard let sql = app.db as? any SQLDatabase, !app.blobLinks.isEmpty else { return 0 }
        let kept = app.blobLinks.map { link in
            SQLRaw("AND id NOT IN (SELECT \(link.column) FROM \(link.table) WHERE \(link.column) IS NOT NULL)")
        }
        let rows = try await sql.raw(
            "SELECT id FROM file_blobs WHERE created_at < \(bind: cutoff) \(SQLList(kept, separator: SQLRaw(" ")))"
        ).all()
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            try await app.write(clearingCaches: false) { db in try await delete(id, on: db) }
        }
        return rows.count
    }

    /// A column of blob ids in a feature's table (names from code, never from a request).
    package struct Link: Sendable {
        package var table: String
        package var column: String

        package init(table: String, column: String) {
            self.table = table
            self.column = column
        }
    }

    package static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// Writes one blob as its bytes arrive: full chunks are stored as they fill, each in a short write of
/// its own, so a caller reading a request or a file holds at most one chunk. Used by one task.
package final class BlobWriter {
    package let id = UUID()
    private let app: Application
    private let maxBytes: Int
    private var hasher = SHA256()
    private var size = 0
    private var seq = 0
    private var pending = ByteBuffer()

    package init(maxBytes: Int, app: Application) async throws {
        self.app = app
        self.maxBytes = maxBytes
        let (id, now) = (id, app.dependencies.now())
        try await app.write(clearingCaches: false) { db in try await FileBlob(id: id, createdAt: now).create(on: db) }
    }

    /// Adds bytes; refuses to go past `maxBytes` (413).
    package func append(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        size += buffer.readableBytes
        guard size <= maxBytes else {
            throw AppError(status: .payloadTooLarge, code: "payload_too_large", .fileTooLarge(maxBytes))
        }
        buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        pending.writeBuffer(&buffer)
        while pending.readableBytes >= Blobs.chunkSize, let slice = pending.readSlice(length: Blobs.chunkSize) {
            try await store(slice)
        }
        pending.discardReadBytes()
    }

    /// Stores what is left and the blob's size and digest; refuses an empty file (422).
    package func finish() async throws -> Blobs.Stored {
        if pending.readableBytes > 0 { try await store(pending) }
        guard size > 0 else { throw AppError.invalid("file", .isEmpty) }
        let stored = Blobs.Stored(id: id, size: size, sha256: Blobs.hex(hasher.finalize()))
        let (id, chunks) = (id, seq)
        try await app.write(clearingCaches: false) { db in
            try await FileBlob.query(on: db).filter(\.$id == id).set(\.$size, to: stored.size).set(\.$sha256, to: stored.sha256)
                .set(\.$chunks, to: chunks).update()
        }
        return stored
    }

    /// Removes what was written (a failed or refused upload).
    package func abandon() async {
        let id = id
        try? await app.write(clearingCaches: false) { db in try await Blobs.delete(id, on: db) }
    }

    private func store(_ bytes: ByteBuffer) async throws {
        let row = FileChunk(blobID: id, seq: seq, data: Data(bytes.readableBytesView))
        try await app.write(clearingCaches: false, bulk: true) { db in try await row.create(on: db) }
        seq += 1
    }
}

/// A stored file: its size and digest once complete, and how many chunks hold it.
package final class FileBlob: Model, @unchecked Sendable {
    package static let schema = "file_blobs"

    @ID(key: .id) package var id: UUID?
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "size") package var size: Int
    @Field(key: "sha256") package var sha256: String
    @Field(key: "chunks") package var chunks: Int

    package init() {}

    package init(id: UUID, createdAt: Date) {
        self.id = id
        self.createdAt = createdAt
        size = 0
        sha256 = ""
        chunks = 0
    }
}

/// One piece of a stored file, at most `Blobs.chunkSize` bytes.
package final class FileChunk: Model, @unchecked Sendable {
    package static let schema = "file_chunks"

    @ID(key: .id) package var id: UUID?
    @Field(key: "blob_id") package var blobID: UUID
    @Field(key: "seq") package var seq: Int
    @Field(key: "data") package var data: Data

    package init() {}

    package init(blobID: UUID, seq: Int, data: Data) {
        self.blobID = blobID
        self.seq = seq
        self.data = data
    }
}

extension Application {
    private struct BlobLinksKey: StorageKey {
        typealias Value = [Blobs.Link]
    }

    /// The columns that link blobs, each registered by the feature that owns the table; the sweep keeps
    /// every blob one of them links.
    package var blobLinks: [Blobs.Link] {
        get { storage[BlobLinksKey.self] ?? [] }
        set { storage[BlobLinksKey.self] = newValue }
    }
}

package enum Downloads {
    /// An uploaded file is data, never a page or a script of this site: saved rather than shown,
    /// typed as bytes (with `nosniff` from `SecurityHeadersMiddleware`, browsers will not run it as a
    /// script or style), sandboxed should anything open it anyway, and not loadable by other sites.
    package static func asAttachment(_ response: Response, named name: String) {
        response.headers.replaceOrAdd(name: .contentType, value: "application/octet-stream")
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "file"
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename*=UTF-8''\(encoded)")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        response.headers.replaceOrAdd(name: "Cross-Origin-Resource-Policy", value: "same-origin")
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, no-cache")
    }
}
