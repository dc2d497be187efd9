import RampartCore

/// String catalogue: messages every part of the server uses, in English and Korean.
extension Phrase {
    package static func notFound(_ what: String) -> Phrase { Phrase("\(what) was not found", ko: "\(what)을(를) 찾을 수 없습니다") }
    package static let logInToContinue = Phrase("Log in to continue", ko: "계속하려면 로그인하십시오")
    package static let roleNotAllowed = Phrase("Your role does not allow this", ko: "이 역할로는 할 수 없습니다")
    package static func tooManyAttempts(_ seconds: Int) -> Phrase {
        Phrase("Too many attempts; try again in \(seconds) seconds", ko: "시도가 너무 많습니다. \(seconds)초 뒤에 다시 시도하십시오")
    }
    package static let busy = Phrase(
        "Rampart is busy with other writes; nothing was changed, try again in a moment",
        ko: "다른 쓰기 작업으로 바쁩니다. 아무것도 바뀌지 않았으니 잠시 후 다시 시도하십시오")
    package static let unreadableBody = Phrase("The request body could not be read", ko: "요청 본문을 읽을 수 없습니다")
    package static func bodyTooLarge(_ bytes: Int) -> Phrase {
        Phrase("The request body is larger than \(bytes) bytes", ko: "요청 본문이 \(bytes)바이트보다 큽니다")
    }
    package static let pageNotFound = Phrase("Page not found", ko: "페이지를 찾을 수 없습니다")
    package static let somethingWentWrong = Phrase("Something went wrong on our side; it has been logged", ko: "서버에서 문제가 발생했습니다. 기록해 두었습니다")
    package static func controlCharacter(_ field: String, _ code: String) -> Phrase {
        Phrase(
            "\(field): contains the control character \(code), which no field may hold",
            ko: "\(field): 어떤 필드에도 넣을 수 없는 제어 문자(\(code))가 있습니다")
    }
    package static func notUTF8(_ field: String) -> Phrase { Phrase("\(field): is not UTF-8 text", ko: "\(field): UTF-8 텍스트가 아닙니다") }
    package static let sendMultipart = Phrase("Send the file as multipart/form-data", ko: "파일은 multipart/form-data로 보내십시오")
    package static func fileTooLarge(_ bytes: Int) -> Phrase { Phrase("The file is larger than \(bytes) bytes", ko: "파일이 \(bytes)바이트보다 큽니다") }
    package static let formExpired = Phrase(
        "This form has expired or came from another site; reload the page and try again",
        ko: "이 양식이 만료되었거나 다른 사이트에서 왔습니다. 페이지를 새로 고친 뒤 다시 시도하십시오")
    /// A language's name in itself, as a language switch shows it.
    package static func languageName(_ locale: UILocale) -> String { locale == .ko ? "한국어" : "English" }
    package static func days(_ days: Int) -> Phrase { Phrase("\(days)d", ko: "\(days)일") }
    /// An age to its largest two units, for dense tables (`PageContext.shortDuration`).
    package static func shortAge(days: Int, hours: Int, minutes: Int, seconds: Int) -> Phrase {
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        if days > 0 { return Phrase("\(days)d\(two(hours))h", ko: "\(days)일\(hours)시간") }
        if hours > 0 { return Phrase("\(hours)h\(two(minutes))m", ko: "\(hours)시간\(minutes)분") }
        if minutes > 0 { return Phrase("\(minutes)m", ko: "\(minutes)분") }
        return Phrase("\(seconds)s", ko: "\(seconds)초")
    }
    package static func expectedOneOf(_ known: String) -> Phrase { Phrase("expected one of: \(known)", ko: "다음 중 하나여야 합니다: \(known)") }
    package static let expectedTrueOrFalse = Phrase("expected true or false", ko: "true 또는 false여야 합니다")
    package static func atMostCharacters(_ a: Any) -> Phrase { Phrase("must be at most \(a) characters", ko: "\(a)자 이하여야 합니다") }
    package static let isEmpty = Phrase("is empty", ko: "비어 있습니다")
    package static let onlyAdministrators = Phrase("Only administrators may do this", ko: "관리자만 할 수 있습니다")
    package static func team(_ a: Any) -> Phrase { Phrase("Team '\(a)'", ko: "팀 '\(a)'") }
    package static func teamMayNotDoThis(_ a: Any, _ b: Any) -> Phrase { Phrase("The \(a) team may not do this", ko: "\(b)은(는) 할 수 없습니다") }
    package static func unknownTimeZone(_ a: Any) -> Phrase { Phrase("unknown time zone '\(a)'; use an IANA name such as Europe/London or Asia/Seoul", ko: "알 수 없는 시간대 '\(a)'입니다. Europe/London, Asia/Seoul 같은 IANA 이름을 쓰십시오") }
    package static func user(_ a: Any) -> Phrase { Phrase("User '\(a)'", ko: "사용자 '\(a)'") }
}
