import FluentKit
import RampartCore
import Vapor

/// Turns every error into a clear answer: JSON under `/api`, a page elsewhere, never a stack trace.
package struct RampartErrorMiddleware: AsyncMiddleware {
    package func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let appError = Self.appError(for: error, request: request)
            if request.isAPI || !request.acceptsHTML {
                let response = Response(status: appError.status, headers: appError.headers)
                try response.content.encode(
                    ErrorBody(
                        error: .init(code: appError.code, message: appError.message, details: appError.details.isEmpty ? nil : appError.details)))
                return response
            }
            if appError.status == .unauthorized {
                return request.redirect(
                    to: AppRoute.login.path + "?next=" + (request.url.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            }
            return try await ErrorPage.render(appError, for: request)
        }
    }

    package static func appError(for error: any Error, request: Request) -> AppError {
        switch error {
        case let error as AppError:
            return error
        case let error as ExerciseFileError:
            return AppError(
                status: .unprocessableEntity, code: "invalid_exercise_file",
                message: "The exercise file has \(error.issues.count) problem(s): \(error.issues.first.map(\.description) ?? "")",
                details: error.issues.map(\.description))
        case let error as DecodingError:
            var appError = AppError.badRequest("invalid_body", "The request body could not be read: \(Self.describe(error))")
            appError.korean = Phrase.unreadableBody.ko
            return appError
        case let error as any AbortError:
            let code: String
            switch error.status {
            case .payloadTooLarge: code = "payload_too_large"
            case .notFound: code = "not_found"
            case .unsupportedMediaType: code = "unsupported_media_type"
            case .methodNotAllowed: code = "method_not_allowed"
            case .badRequest: code = "bad_request"
            default: code = error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            }
            let phrase: Phrase? =
                switch error.status {
                case .payloadTooLarge: .bodyTooLarge(request.application.rampart.maxBodyBytes)
                case .notFound: .pageNotFound
                default: nil
                }
            let message = error.status == .payloadTooLarge ? phrase?.en ?? error.reason : error.reason
            return AppError(status: error.status, code: code, message: message, headers: error.headers, korean: phrase?.ko)
        case let error where AppError.isBusy(error):
            // A lock or connection waited its bounded time: nothing was written, and the client may retry.
            request.logger.notice("write refused as busy: \(String(reflecting: error))")
            return .busy
        default:
            request.logger.report(error: error)
            return AppError(status: .internalServerError, code: "internal", .somethingWentWrong)
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }
            return keys.isEmpty ? "" : " at '\(keys.joined(separator: "."))'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(let type, let context):
            return "expected \(type)\(path(context))"
        case .valueNotFound(let type, let context):
            return "expected \(type)\(path(context))"
        case .dataCorrupted(let context):
            return "\(context.debugDescription)\(path(context))"
        @unknown default:
            return "malformed data"
        }
    }

    package init() {}
}

extension Request {
    package var isAPI: Bool { url.path.hasPrefix("/api/") }

    package var acceptsHTML: Bool {
        guard let accept = headers.first(name: .accept) else { return true }
        return accept.contains("text/html") || accept.contains("*/*")
    }
}
