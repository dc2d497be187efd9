import Foundation
import Vapor

/// A JSON request body whose unknown fields are refused with their names, rather than ignored:
/// a misspelt `"statee"` must not look like it worked.
package protocol StrictDecodable: Decodable, Sendable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

extension Request {
    package func decodeStrict<T: StrictDecodable>(_ type: T.Type) throws -> T {
        guard let contentType = headers.contentType, contentType.type == "application", contentType.subType == "json" else {
            throw AppError(
                status: .unsupportedMediaType, code: "unsupported_media_type", message: "Send the body as JSON with Content-Type: application/json")
        }
        guard let buffer = body.data, buffer.readableBytes > 0 else {
            throw AppError.badRequest("invalid_body", "The request needs a JSON object body")
        }
        let data = Data(buffer.readableBytesView)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw AppError.badRequest("invalid_json", "The body is not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw AppError.badRequest("invalid_body", "The body must be a JSON object")
        }
        let allowed = Set(T.CodingKeys.allCases.map(\.stringValue))
        let unknown = dictionary.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw AppError.badRequest(
                "unknown_field",
                "Unknown field(s): \(unknown.joined(separator: ", ")); expected: \(allowed.sorted().joined(separator: ", "))",
                details: unknown
            )
        }
        return try apiDecoder.decode(T.self, from: data)
    }
}

/// Times in API bodies are ISO 8601 with an offset (`2027-02-01T09:00:00+09:00` or `…Z`).
package let apiDecoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .custom { decoder in
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        let exact = ISO8601DateFormatter()
        exact.formatOptions = [.withInternetDateTime]
        if let date = exact.date(from: text) { return date }
        exact.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = exact.date(from: text) { return date }
        throw DecodingError.dataCorruptedError(
            in: container, debugDescription: "expected an ISO 8601 time with offset, such as 2027-02-01T09:00:00+09:00")
    }
    return decoder
}()

extension Request {
    /// The whole body as text (a definition written as YAML or JSON), or a 400 saying what to send.
    package func bodyText(orExplain explanation: String) throws -> String {
        guard let buffer = body.data, buffer.readableBytes > 0 else { throw AppError.badRequest("invalid_body", explanation) }
        return String(decoding: buffer.readableBytesView, as: UTF8.self)
    }
}

extension URLQueryContainer {
    /// `limit` from the query string: absent gives `fallback`; anything but one whole number from 1 to
    /// `maximum` (empty, repeated, too big) is refused (422), never quietly changed.
    package func limit(default fallback: Int, maximum: Int) throws -> Int {
        try integer("limit", in: 1...maximum, "expected a number from 1 to \(maximum)") ?? fallback
    }

    /// A whole number from the query string, or nil when the key is absent; present but empty,
    /// repeated or out of `range` is refused (422) with `explanation`.
    package func integer(_ key: String, in range: ClosedRange<Int>, _ explanation: String) throws -> Int? {
        try integer(key, in: range, orThrow: AppError.invalid(key, explanation))
    }

    /// The same, explained in the viewer's language.
    package func integer(_ key: String, in range: ClosedRange<Int>, _ explanation: Phrase) throws -> Int? {
        try integer(key, in: range, orThrow: AppError.invalid(key, explanation))
    }

    private func integer(_ key: String, in range: ClosedRange<Int>, orThrow error: @autoclosure () -> AppError) throws -> Int? {
        guard let raw = try single(key, orThrow: error()) else { return nil }
        guard let value = Int(raw.trimmingCharacters(in: .whitespaces)), range.contains(value) else { throw error() }
        return value
    }

    /// The key's one value, nil when absent; a repeated key is refused with `error`.
    private func single(_ key: String, orThrow error: @autoclosure () -> AppError) throws -> String? {
        if let values = try? get([String].self, at: key), values.count > 1 { throw error() }
        return try? get(String.self, at: key)
    }

    /// A yes/no from the query string: absent gives `fallback`; `true`/`false`/`1`/`0` once; anything
    /// else (empty, repeated, `null`) is refused (422) rather than read as no.
    package func flag(_ key: String, default fallback: Bool = false) throws -> Bool {
        guard let raw = try single(key, orThrow: AppError.invalid(key, .expectedTrueOrFalse)) else { return fallback }
        switch raw.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw AppError.invalid(key, .expectedTrueOrFalse)
        }
    }
}

/// `201 Created` with the new thing as its JSON body.
package func created(_ value: some Content) throws -> Response {
    let response = Response(status: .created)
    try response.content.encode(value)
    return response
}
