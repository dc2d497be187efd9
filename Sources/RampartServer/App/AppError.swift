import Vapor

/// An error meant for the user: an HTTP status, a stable machine code and a sentence.
struct AppError: AbortError, DebuggableError {
    var status: HTTPResponseStatus
    var code: String
    var message: String
    var headers: HTTPHeaders = [:]
    /// Extra detail for API clients, such as every problem in an exercise file.
    var details: [String] = []

    var reason: String { message }
    var identifier: String { code }

    static func badRequest(_ code: String = "bad_request", _ message: String, details: [String] = []) -> AppError {
        AppError(status: .badRequest, code: code, message: message, details: details)
    }

    static func invalid(_ field: String, _ message: String) -> AppError {
        AppError(status: .unprocessableEntity, code: "invalid_field", message: "\(field): \(message)", details: [field])
    }

    static func notFound(_ what: String) -> AppError {
        AppError(status: .notFound, code: "not_found", message: "\(what) was not found")
    }

    static let unauthenticated = AppError(status: .unauthorized, code: "unauthenticated", message: "Log in to continue")

    static func forbidden(_ message: String = "Your role does not allow this") -> AppError {
        AppError(status: .forbidden, code: "forbidden", message: message)
    }

    static func conflict(_ code: String = "conflict", _ message: String) -> AppError {
        AppError(status: .conflict, code: code, message: message)
    }

    static func tooManyAttempts(retryAfter seconds: Int) -> AppError {
        AppError(
            status: .tooManyRequests, code: "rate_limited",
            message: "Too many attempts; try again in \(seconds) seconds",
            headers: ["Retry-After": String(seconds)]
        )
    }
}

/// The JSON shape of every API error: `{"error": {"code", "message"}}`.
struct ErrorBody: Content {
    struct Detail: Content {
        var code: String
        var message: String
        var details: [String]?
    }

    var error: Detail
}
