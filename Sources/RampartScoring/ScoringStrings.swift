import RampartKernel
/// String catalogue: score facts and adjustments, in English and Korean.
extension Phrase {
    package static func teamHasScoreFacts(_ a: Any, _ b: Any) -> Phrase { Phrase("Team '\(a)' has \(b) score fact(s); score facts are never deleted", ko: "'\(a)' 팀에 점수 기록이 \(b)개 있습니다. 점수 기록은 삭제되지 않습니다") }
    package static let categoryAdjustments = Phrase("adjustments", ko: "조정")
    package static let categoryHints = Phrase("hints", ko: "힌트")
    package static let atMost100Characters = Phrase("must be at most 100 characters", ko: "100자 이하여야 합니다")
    package static func notAStandingSolve(_ a: Any) -> Phrase { Phrase("Fact \(a) is not a standing solve", ko: "기록 \(a)은(는) 유효한 풀이가 아닙니다") }
    package static let pointsRange = Phrase("must be a non-zero number of points up to 1,000,000 either way", ko: "0이 아닌 ±1,000,000 이내의 점수여야 합니다")
    package static let reasonRequired = Phrase("is required, at most 500 characters", ko: "필수이며 500자 이하여야 합니다")
    package static let scoreFact = Phrase("Score fact", ko: "점수 기록")
    package static func scoreFact(_ a: Any) -> Phrase { Phrase("Score fact \(a)", ko: "점수 기록 \(a)") }
    package static let wholeNumber = Phrase("must be a whole number", ko: "정수여야 합니다")
}

/// Page text of this feature (what the kernel's central catalogue used to carry for it).
extension Phrase {
    package static let adjustHint = Phrase("Positive to award, negative to deduct.", ko: "양수는 가점, 음수는 감점입니다.")
    package static let adjustScore = Phrase("Adjust score", ko: "점수 조정")
    package static let boardFrozen = Phrase("The scoreboard is frozen: it shows the standings at the freeze time.", ko: "점수판이 동결되었습니다. 동결 시점의 순위를 보여 줍니다.")
    package static let boardFrozenWhite = Phrase("The scoreboard is frozen for participants; the white team sees the live standings.", ko: "참가자에게는 점수판이 동결되었습니다. 백팀은 실시간 순위를 봅니다.")
    package static let confirmWithdraw = Phrase("Withdraw this solve? Its points are taken back with a new fact.", ko: "이 풀이를 철회하시겠습니까? 새 기록으로 점수가 회수됩니다.")
    package static let factAdjustment = Phrase("Adjustment", ko: "조정")
    package static let factWithdrawal = Phrase("Withdrawal", ko: "철회")
    package static let noScoreFacts = Phrase("No score facts yet.", ko: "아직 점수 기록이 없습니다.")
    package static let ourScore = Phrase("Our score", ko: "우리 팀 점수")
    package static let scoreFactsOf = Phrase("Score facts:", ko: "점수 기록:")
    package static let scoreOverTime = Phrase("Score over time of the leading teams", ko: "상위 팀의 시간별 점수")
    package static let what = Phrase("What", ko: "내용")
    package static let why = Phrase("Why", ko: "이유")
    package static let withdraw = Phrase("Withdraw", ko: "철회")
    package static let withdrawn = Phrase("withdrawn", ko: "철회됨")
    /// Who wrote a fact nobody typed (a tick's points, an SLA penalty).
    package static let scoringActor = Phrase("scoring", ko: "자동 채점")
    package static func totalAfter(_ total: Int) -> Phrase { Phrase("total \(total)", ko: "누계 \(total)점") }
    package static let scoringAuditActions: [String: Phrase] = [
        "score.adjust": Phrase("score adjusted", ko: "점수 조정"),
        "score.withdraw": Phrase("solve withdrawn", ko: "풀이 철회"),
    ]
    package static func withdrewSolve(_ name: String, _ reason: String) -> Phrase {
        Phrase("Withdrew the solve of \(name): \(reason)", ko: "\(name) 풀이 철회: \(reason)")
    }
}
