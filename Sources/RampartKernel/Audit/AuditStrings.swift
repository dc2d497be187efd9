/// The audit trail in the reader's language: each action and subject type the kernel records.
/// Features name their own actions (`Feature.auditActions`); `AuditPages` reads both.
extension Phrase {
    package static let kernelAuditActions: [String: Phrase] = [
        "auth.login": Phrase("logged in", ko: "로그인"),
        "auth.logout": Phrase("logged out", ko: "로그아웃"),
        "user.create": Phrase("account created", ko: "계정 생성"),
        "user.update": Phrase("account changed", ko: "계정 변경"),
        "token.create": Phrase("API token created", ko: "API 토큰 발급"),
        "token.revoke": Phrase("API token revoked", ko: "API 토큰 폐기"),
        "exercise.create": Phrase("exercise created", ko: "훈련 생성"),
        "exercise.update": Phrase("exercise settings changed", ko: "훈련 설정 변경"),
        "exercise.state": Phrase("exercise state changed", ko: "훈련 상태 변경"),
        "exercise.apply": Phrase("exercise file applied", ko: "훈련 파일 적용"),
        "exercise.window.add": Phrase("scoring window added", ko: "채점 시간대 추가"),
        "exercise.window.remove": Phrase("scoring window removed", ko: "채점 시간대 삭제"),
        "team.create": Phrase("team created", ko: "팀 생성"),
        "team.update": Phrase("team changed", ko: "팀 변경"),
        "team.delete": Phrase("team deleted", ko: "팀 삭제"),
        "team.join_code": Phrase("join code changed", ko: "참가 코드 변경"),
        "member.add": Phrase("member added", ko: "팀원 추가"),
        "member.join": Phrase("joined with a code", ko: "참가 코드로 합류"),
        "member.remove": Phrase("member removed", ko: "팀원 제외"),
    ]

    /// What kind of thing an entry is about.
    package static func auditSubject(_ type: String) -> Phrase? {
        switch type {
        case "user": Phrase("user", ko: "사용자")
        case "team": Phrase("team", ko: "팀")
        case "exercise": Phrase("exercise", ko: "훈련")
        case "challenge": Phrase("challenge", ko: "문제")
        case "service": Phrase("service", ko: "서비스")
        default: nil
        }
    }

    package static let auditChanges = Phrase("changed", ko: "변경")
}
