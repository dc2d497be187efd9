/// String catalogue: accounts and API tokens, in English and Korean.
extension Phrase {
    package static func atLeastCharacters(_ a: Any) -> Phrase { Phrase("must be at least \(a) characters", ko: "\(a)자 이상이어야 합니다") }
    package static let cannotDisableOwnAccount = Phrase("You cannot disable your own account", ko: "자신의 계정은 비활성화할 수 없습니다")
    package static let cannotRemoveOwnAdministrator = Phrase("You cannot remove your own administrator role", ko: "자신의 관리자 역할은 해제할 수 없습니다")
    package static let expectedLocale = Phrase("expected en or ko", ko: "en 또는 ko여야 합니다")
    package static let notEmpty = Phrase("must not be empty", ko: "비어 있으면 안 됩니다")
    package static let oneLine = Phrase("must be one line, without tabs", ko: "탭 없이 한 줄이어야 합니다")
    package static let token = Phrase("Token", ko: "토큰")
    package static func tooManyTokens(_ a: Any) -> Phrase { Phrase("You have \(a) live API tokens; revoke some first", ko: "유효한 API 토큰이 \(a)개입니다. 먼저 일부를 폐기하십시오") }
    package static func usernameTaken(_ a: Any) -> Phrase { Phrase("The username '\(a)' is taken", ko: "사용자 이름 '\(a)'은(는) 이미 쓰이고 있습니다") }
}
