import Foundation
import RampartCore
import Vapor

/// The edge every request's text passes before any handler sees it: the path, the query and, for
/// text bodies (JSON, forms, YAML, plain text), every string in the body. NUL and the other control
/// characters but tab and line breaks are refused with a clear 400 naming the field, as is text that
/// is not UTF-8. A NUL once went into a token's name, was stored, and read back cut short, so
/// `rampart audit verify` reported the chain broken for good; PostgreSQL refuses such text outright.
///
/// File uploads (routes registered with their own body limit) carry bytes, not text, and are left
/// alone; a file's name is checked where it is read. The same rule applies to YAML after it is
/// parsed (`YAMLGuard`), where escapes such as `"\0"` become characters.
package struct InputHygieneMiddleware: AsyncMiddleware {
    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        try Self.check(path: request.url.path)
        if let query = request.url.query { try Self.check(form: query, in: "query") }
        // A body without a type is read as text by the API (YAML definitions), so it is checked as text.
        let type = request.headers.contentType ?? .plainText
        if ![.GET, .HEAD].contains(request.method), request.route?.carriesFiles != true, Self.isText(type),
            let body = try await request.body.collect(max: request.application.routes.defaultMaxBodySize.value).get()
        {
            let bytes = Array(body.readableBytesView)
            if type == .urlEncodedForm {
                guard let text = String(validating: bytes, as: UTF8.self) else { throw Self.notUTF8("body") }
                try Self.check(form: text, in: "body")
            } else if type.subType == "json" {
                try Self.checkJSON(bytes)
            } else {
                guard let text = String(validating: bytes, as: UTF8.self) else { throw Self.notUTF8("body") }
                try Self.check(text, field: "body")
            }
        }
        return try await next.respond(to: request)
    }

    package static func isText(_ type: HTTPMediaType) -> Bool {
        type == .urlEncodedForm || type.subType == "json" || type.type == "text" || type.subType.contains("yaml")
    }

    package static func check(path: String) throws {
        guard let decoded = path.removingPercentEncoding else { throw notUTF8("path") }
        try check(decoded, field: "path")
    }

    /// `a=1&b=2`, decoded as a form is (`+` is a space).
    package static func check(form: String, in place: String) throws {
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            guard let name else { throw notUTF8(place) }
            try check(name, field: name)
            if parts.count == 2 {
                guard let value = parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding else { throw notUTF8(name) }
                try check(value, field: name)
            }
        }
    }

    package static func check(_ text: String, field: String) throws {
        guard let bad = TextRule.forbiddenCharacter(in: text) else { return }
        throw forbidden(bad, field: field)
    }

    /// Every string of a JSON body, escapes (`\u0000`) decoded, without building the document.
    package static func checkJSON(_ bytes: [UInt8]) throws {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw notUTF8("body") }
        var inString = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if !inString {
                if byte == 0x22 { inString = true }
                if byte == 0 { throw forbidden("\0", field: "body") }
                index += 1
                continue
            }
            switch byte {
            case 0x22:
                inString = false
            case 0x5C where index + 1 < bytes.count:
                if bytes[index + 1] == 0x75, index + 5 < bytes.count,
                    let value = UInt32(String(decoding: bytes[(index + 2)...(index + 5)], as: UTF8.self), radix: 16),
                    let scalar = Unicode.Scalar(value), TextRule.isForbidden(scalar)
                {
                    throw forbidden(scalar, field: "body")
                }
                index += 1  // the escaped character is skipped with the backslash
            case 0xC2 where index + 1 < bytes.count && (0x80...0x9F).contains(bytes[index + 1]):
                throw forbidden(Unicode.Scalar(UInt32(bytes[index + 1]))!, field: "body")
            default:
                if byte < 0x20 || byte == 0x7F { throw forbidden(Unicode.Scalar(byte), field: "body") }
            }
            index += 1
        }
    }

    package static func forbidden(_ scalar: Unicode.Scalar, field: String) -> AppError {
        let code = "U+" + String(format: "%04X", scalar.value)
        return AppError(status: .badRequest, code: "invalid_text", .controlCharacter(field, code), details: [field])
    }

    package static func notUTF8(_ field: String) -> AppError {
        AppError(status: .badRequest, code: "invalid_text", .notUTF8(field), details: [field])
    }

    package init() {}
}

extension Route {
    /// Registered with a body limit of its own: the body is a file (`RoutesBuilder.endpoint`).
    package var carriesFiles: Bool { userInfo["files"] as? Bool ?? false }
}
