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
        "judging.claim": Phrase("item claimed for judging", ko: "심사 항목 맡음"),
    ]
    package static let judgedItem = Phrase("Judged item", ko: "심사 항목")
    package static let itemNotWaiting = Phrase("This item is not waiting for a judge", ko: "이 항목은 심사를 기다리고 있지 않습니다")
    package static func claimedBy(_ judge: String) -> Phrase { Phrase("\(judge) is judging this item", ko: "\(judge) 심판이 이 항목을 심사 중입니다") }
    package static let judging = Phrase("Judging", ko: "심사")
    package static let judgingQueue = Phrase("Judging queue", ko: "심사 대기열")
    package static let judgingIntro = Phrase("Every item waiting for a judge, oldest first. Claim one before you open it, so that no other judge grades it too; a claim lapses after 30 minutes.", ko: "심판을 기다리는 모든 항목입니다 (오래된 순). 다른 심판과 겹치지 않도록 먼저 맡으십시오. 맡기는 30분 후 풀립니다.")
    package static func queueOldestShown(_ count: Int) -> Phrase {
        Phrase("The \(count) that have waited longest are shown; filter by kind, team or age for the rest.", ko: "가장 오래 기다린 \(count)개를 보여 줍니다. 나머지는 종류, 팀, 대기 시간으로 거르십시오.")
    }
    package static let queueEmpty = Phrase("Nothing is waiting for a judge.", ko: "심사를 기다리는 항목이 없습니다.")
    package static let kindLabel = Phrase("Kind", ko: "종류")
    package static let statusLabel = Phrase("Status", ko: "상태")
    package static let waitingLabel = Phrase("Waiting", ko: "대기")
    package static let claimedLabel = Phrase("Claimed by", ko: "맡은 심판")
    package static let claim = Phrase("Claim", ko: "맡기")
    package static let itemLabel = Phrase("Item", ko: "항목")
    package static let anyOption = Phrase("any", ko: "전체")
    package static let olderThanMinutes = Phrase("Older than (minutes)", ko: "대기 시간 (분 이상)")
    package static let filter = Phrase("Filter", ko: "거르기")
    package static let duplicateFlag = Phrase("duplicate", ko: "중복")
    package static let claimedNotice = Phrase("Claimed: it is yours for 30 minutes", ko: "맡았습니다: 30분 동안 유지됩니다")
    package static func withdrewSolve(_ name: String, _ reason: String) -> Phrase {
        Phrase("Withdrew the solve of \(name): \(reason)", ko: "\(name) 풀이 철회: \(reason)")
    }
}
