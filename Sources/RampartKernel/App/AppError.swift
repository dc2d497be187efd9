import RampartCore
import Vapor

/// An error meant for the user: an HTTP status, a stable machine code and a sentence.
package struct AppError: AbortError, DebuggableError {
    package var status: HTTPResponseStatus
    package var code: String
    package var message: String
    package var headers: HTTPHeaders = [:]
    /// Extra detail for API clients, such as every problem in an exercise file.
    package var details: [String] = []
    /// The message in Korean, for pages shown in Korean; the API answers in English.
    package var korean: String? = nil

    package var reason: String { message }

    package init(
        status: HTTPResponseStatus, code: String, message: String, headers: HTTPHeaders = [:], details: [String] = [], korean: String? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.details = details
        self.korean = korean
    }

    /// An error whose sentence comes from a string catalogue.
    package init(status: HTTPResponseStatus, code: String, _ phrase: Phrase, headers: HTTPHeaders = [:], details: [String] = []) {
        self.init(status: status, code: code, message: phrase.en, headers: headers, details: details, korean: phrase.ko)
    }

    package func text(_ locale: UILocale) -> String {
        locale == .ko ? (korean ?? message) : message
    }
    package var identifier: String { code }

    package static func badRequest(_ code: String = "bad_request", _ message: String, details: [String] = []) -> AppError {
        AppError(status: .badRequest, code: code, message: message, details: details)
    }

    /// A field's value is wrong. `ko` is the same sentence in Korean, without the field name.
    package static func invalid(_ field: String, _ message: String, ko: String? = nil) -> AppError {
        AppError(
            status: .unprocessableEntity, code: "invalid_field", message: "\(field): \(message)", details: [field],
            korean: ko.map { "\(FieldNames.korean(field)): \($0)" })
    }

    package static func invalid(_ field: String, _ phrase: Phrase) -> AppError {
        invalid(field, phrase.en, ko: phrase.ko)
    }

    /// `what` was not found; without a phrase, pages in Korean show the English.
    package static func notFound(_ what: String) -> AppError {
        AppError(status: .notFound, code: "not_found", message: Phrase.notFound(what).en)
    }

    package static func notFound(_ what: Phrase) -> AppError {
        AppError(status: .notFound, code: "not_found", message: Phrase.notFound(what.en).en, korean: Phrase.notFound(what.ko).ko)
    }

    package static let unauthenticated = AppError(status: .unauthorized, code: "unauthenticated", .logInToContinue)

    package static func forbidden(_ phrase: Phrase = .roleNotAllowed) -> AppError {
        AppError(status: .forbidden, code: "forbidden", phrase)
    }

    package static func conflict(_ code: String = "conflict", _ phrase: Phrase) -> AppError {
        AppError(status: .conflict, code: code, phrase)
    }

    package static func tooManyAttempts(retryAfter seconds: Int) -> AppError {
        AppError(status: .tooManyRequests, code: "rate_limited", .tooManyAttempts(seconds), headers: ["Retry-After": String(seconds)])
    }
}

/// The JSON shape of every API error: `{"error": {"code", "message"}}`.
package struct ErrorBody: Content {
    package struct Detail: Content {
        package var code: String
        package var message: String
        package var details: [String]?
    }

    package var error: Detail
}

/// Field names as Korean pages show them in error messages.
package enum FieldNames {
    package static func korean(_ field: String) -> String {
        // `windows[0].ends_at` → the window's own name for the last part
        let last = field.split(separator: ".").last.map(String.init) ?? field
        let base = last.split(separator: "[").first.map(String.init) ?? last
        let label: S? =
            switch base {
            case "name": .name
            case "name_ko": .nameKo
            case "display_name": .displayName
            case "password": .password
            case "time_zone": .timeZone
            case "slug": .slug
            case "username": .username
            case "nation": .nation
            case "number": .number
            case "kind": .kind
            case "judge": .judge
            case "starts_at": .starts
            case "ends_at": .ends
            case "freeze_at": .freeze
            case "description": .description
            case "locale": .language
            case "state": .state
            case "code": .joinCode
            case "expires_in_days": .expiresInDays
            default: nil
            }
        let text = label?.ko ?? field
        return field.hasPrefix("windows[") ? "\(S.windows.ko) \(text)" : text
    }
}
