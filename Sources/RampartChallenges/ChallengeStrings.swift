import RampartKernel
import RampartScoring
/// String catalogue: challenges, flags, hints and attachments, in English and Korean.
extension Phrase {
    package static func challengeHasProblems(_ list: String) -> Phrase { Phrase("The challenge has problems: \(list)", ko: "문제 정의에 오류가 있습니다: \(list)") }
    package static func cannotAffordHint(_ a: Any, _ b: Any) -> Phrase { Phrase("The hint costs \(a) points and your team has \(b)", ko: "힌트는 \(a)점이 들고 팀 점수는 \(b)점입니다") }
    package static let challenge = Phrase("Challenge", ko: "문제")
    package static func challengeNameTaken(_ a: Any) -> Phrase { Phrase("Another challenge is called '\(a)'", ko: "'\(a)' 문제가 이미 있습니다") }
    package static let chooseAFile = Phrase("choose a file to upload", ko: "올릴 파일을 고르십시오")
    package static let costlyHintsOnlyWhileRunning = Phrase("Hints that cost points unlock only while the exercise runs", ko: "점수가 드는 힌트는 훈련 진행 중에만 열 수 있습니다")
    package static let file = Phrase("File", ko: "파일")
    package static func file(_ a: Any) -> Phrase { Phrase("File '\(a)'", ko: "파일 '\(a)'") }
    package static let fileNameRequired = Phrase("is required: POST …/files?name=FILE with the file as the body", ko: "필수입니다")
    package static let fileNameRules = Phrase("must be a file name without slashes, quotes or a leading dot, at most 200 characters", ko: "슬래시, 따옴표, 앞의 점이 없는 200자 이하의 파일 이름이어야 합니다")
    package static func flagLength(_ a: Any) -> Phrase { Phrase("must be 1 to \(a) characters", ko: "1자에서 \(a)자 사이여야 합니다") }
    package static func hasScoreFactsHideInstead(_ a: Any) -> Phrase { Phrase("'\(a)' has score facts; hide it instead (state: hidden)", ko: "'\(a)'에 점수 기록이 있습니다. 대신 숨기십시오 (state: hidden)") }
    package static func hint(_ a: Any) -> Phrase { Phrase("Hint '\(a)'", ko: "힌트 '\(a)'") }
    package static func noChallengeCalled(_ a: Any) -> Phrase { Phrase("no challenge is called '\(a)'", ko: "'\(a)' 문제가 없습니다") }
    package static let onlyCompetingTeamsUnlockHints = Phrase("Only a competing team unlocks hints; the white team sees them all", ko: "경쟁 팀만 힌트를 열 수 있습니다. 백팀은 모두 볼 수 있습니다")
    package static func unlockHintFirst(_ a: Any) -> Phrase { Phrase("Unlock hint '\(a)' first", ko: "먼저 힌트 '\(a)'를 여십시오") }
}

extension S {
    package static func attempt(_ status: AttemptResult.Status) -> S {
        switch status {
        case .correct: .attemptCorrect
        case .incorrect: .attemptIncorrect
        case .partial: .attemptPartial
        case .alreadySolved: .attemptAlreadySolved
        case .locked: .attemptLocked
        case .rateLimited: .attemptRateLimited
        case .notRunning: .attemptNotRunning
        }
    }
}
