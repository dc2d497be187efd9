import Vapor

/// A `multipart/form-data` upload read as it arrives: its small text fields are kept, and the bytes of
/// its one file field go straight into a blob (`BlobWriter`), so a browser's upload never sits whole
/// in memory. The form's CSRF token (`_csrf`, which Rampart's forms send before the file) is checked
/// before a single byte of the file is stored; routes that read their form this way are registered
/// with `formInStream: true`, which hands that check to this reader.
package enum StreamedForm {
    package struct Result: Sendable {
        package var fields: [String: String]
        package var fileName: String?
        package var blob: Blobs.Stored?
    }

    /// Text fields beyond this are refused: a form's text is a token or a name, never a file.
    package static let maxFieldBytes = 64 * 1024

    package static func read(_ req: Request, fileField: String, maxBytes: Int) async throws -> Result {
        guard let type = req.headers.contentType, type.type == "multipart", type.subType == "form-data",
            let boundary = type.parameters["boundary"], !boundary.isEmpty, boundary.utf8.count <= 70
        else {
            throw AppError(status: .unsupportedMediaType, code: "unsupported_media_type", .sendMultipart)
        }
        let parser = MultipartParser(boundary: boundary)
        var headers: [String: String] = [:]
        var text = ByteBuffer()
        var fileBytes = ByteBuffer()
        var fields: [String: String] = [:]
        var fileName: String?
        var failure: AppError?
        var filesDone = 0
        parser.onHeader = { name, value in headers[name.lowercased()] = value }
        parser.onBody = { buffer in
            let disposition = Disposition(headers["content-disposition"] ?? "")
            if disposition.name == fileField, let name = disposition.fileName {
                if filesDone > 0 {
                    failure = AppError.badRequest("invalid_body", "Send one file at a time")
                }
                fileName = name
                fileBytes.writeBuffer(&buffer)
            } else {
                text.writeBuffer(&buffer)
                if text.readableBytes > maxFieldBytes {
                    failure = AppError(status: .payloadTooLarge, code: "payload_too_large", message: "A form field is too large")
                }
            }
        }
        parser.onPartComplete = {
            let disposition = Disposition(headers["content-disposition"] ?? "")
            if disposition.name == fileField, disposition.fileName != nil { filesDone += 1 }
            if let name = disposition.name, disposition.fileName == nil {
                fields[name] = text.readString(length: text.readableBytes) ?? ""
            }
            text.clear()
            headers = [:]
        }
        var writer: BlobWriter?
        var checked = false
        var received = 0
        do {
            for try await chunk in req.body {
                received += chunk.readableBytes
                guard received <= maxBytes + maxFieldBytes else {
                    throw AppError(status: .payloadTooLarge, code: "payload_too_large", .fileTooLarge(maxBytes))
                }
                do {
                    try parser.execute(chunk)
                } catch {
                    throw AppError.badRequest("invalid_body", "The form could not be read")
                }
                if let failure { throw failure }
                guard fileBytes.readableBytes > 0 else { continue }
                if !checked {
                    try CSRF.verify(req, submitted: fields[CSRF.field])
                    checked = true
                }
                if writer == nil { writer = try await BlobWriter(maxBytes: maxBytes, app: req.application) }
                try await writer?.append(fileBytes)
                fileBytes.clear()
            }
            if !checked { try CSRF.verify(req, submitted: fields[CSRF.field]) }
            let blob = try await writer?.finish()
            return Result(fields: fields, fileName: fileName, blob: blob)
        } catch {
            await writer?.abandon()
            throw error
        }
    }

    /// `form-data; name="file"; filename="notes.txt"`: the field's name and, for a file, its name.
    package struct Disposition {
        package var name: String?
        package var fileName: String?

        package init(_ header: String) {
            // Parameters split at semicolons outside quotes: a file may be called `a;b.txt`.
            var parameters: [String] = []
            var current = ""
            var quoted = false
            for character in header {
                if character == "\"" { quoted.toggle() }
                if character == ";", !quoted {
                    parameters.append(current)
                    current = ""
                } else {
                    current.append(character)
                }
            }
            parameters.append(current)
            for parameter in parameters.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { continue }
                var value = pair[1]
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                switch pair[0].lowercased() {
                case "name": name = value
                case "filename": fileName = value.replacingOccurrences(of: "%22", with: "\"")
                default: break
                }
            }
        }
    }
}
