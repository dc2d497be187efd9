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

extension Phrase {
    package static func attempt(_ status: AttemptResult.Status) -> Phrase {
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

/// Page text of this feature (what the kernel's central catalogue used to carry for it).
extension Phrase {
    package static let attemptAlreadySolved = Phrase("Already solved", ko: "이미 풀었음")
    package static func solvedFor(_ points: Int) -> Phrase { Phrase("solved for \(points) points", ko: "\(points)점 획득") }
    package static func flagsFoundOf(_ found: Int, _ total: Int) -> Phrase { Phrase("\(found) of \(total) flags found", ko: "플래그 \(total)개 중 \(found)개 찾음") }
    package static func attemptsLeftOf(_ left: Int, _ max: Int) -> Phrase {
        Phrase("\(left) of \(max) attempts left", ko: "남은 시도 \(left)/\(max)회")
    }
    package static func valueDecays(next: Int, minimum: Int) -> Phrase {
        Phrase("\(next) after the next solve, never below \(minimum)", ko: "다음 풀이 후 \(next)점, 최저 \(minimum)점")
    }
    package static let prerequisitesHeading = Phrase("Solve first", ko: "선행 문제")
    package static func solveCount(_ solves: Int) -> Phrase {
        Phrase("\(solves) \(solves == 1 ? "solve" : "solves")", ko: "풀이 \(solves)팀")
    }
    package static func attemptsLeft(_ left: Int) -> Phrase { Phrase("\(left) attempts left", ko: "남은 시도 \(left)회") }
    package static func tryAgainIn(_ seconds: Int) -> Phrase { Phrase("try again in \(seconds) s", ko: "\(seconds)초 후 다시 시도") }
    package static let attemptsUsedUp = Phrase("your team has used every attempt", ko: "팀의 시도 횟수를 모두 사용했습니다")
    package static let prerequisitesFirst = Phrase("solve its prerequisites first", ko: "먼저 선행 문제를 푸세요")
    package static let scoresOnlyWhileRunning = Phrase("flags score only while the exercise runs", ko: "플래그는 훈련 진행 중에만 점수가 됩니다")
    package static let whiteTeamTest = Phrase("white-team test, not scored", ko: "화이트팀 시험, 점수 없음")
    package static let attemptCorrect = Phrase("Correct", ko: "정답")
    package static let attemptIncorrect = Phrase("Incorrect", ko: "오답")
    package static let attemptLocked = Phrase("Locked", ko: "잠김")
    package static let attemptNotRunning = Phrase("Not running", ko: "진행 중 아님")
    package static let attemptPartial = Phrase("Partly correct", ko: "일부 정답")
    package static let attemptRateLimited = Phrase("Too many attempts", ko: "시도 과다")
    package static let attribution = Phrase("Attribution", ko: "출처")
    package static let challengeSource = Phrase("Definition (ctfcli challenge.yml)", ko: "정의 (ctfcli challenge.yml)")
    package static let challengeSourceHint = Phrase("The fields of ctfcli's challenge.yml: name, category, description, value or type: dynamic with extra, flags, hints, requirements, state. See docs/challenges.md.", ko: "ctfcli challenge.yml 필드: name, category, description, value 또는 type: dynamic과 extra, flags, hints, requirements, state. docs/challenges.md 참고.")
    package static let confirmDelete = Phrase("Delete it? This cannot be undone.", ko: "삭제하시겠습니까? 되돌릴 수 없습니다.")
    package static let confirmHint = Phrase("Unlocking this hint costs your team points. Unlock it?", ko: "이 힌트를 열면 팀 점수가 차감됩니다. 여시겠습니까?")
    package static let connectionInfo = Phrase("Connection", ko: "접속 정보")
    package static let deleteChallenge = Phrase("Delete challenge", ko: "문제 삭제")
    package static let editChallenge = Phrase("Edit challenge", ko: "문제 편집")
    package static let factHint = Phrase("Hint", ko: "힌트")
    package static let factSolve = Phrase("Solve", ko: "풀이")
    package static let challengeAuditActions: [String: Phrase] = [
        "challenge.create": Phrase("challenge created", ko: "문제 생성"),
        "challenge.update": Phrase("challenge changed", ko: "문제 변경"),
        "challenge.delete": Phrase("challenge deleted", ko: "문제 삭제"),
        "challenge.file": Phrase("challenge file uploaded", ko: "문제 파일 업로드"),
        "challenge.file.delete": Phrase("challenge file removed", ko: "문제 파일 삭제"),
    ]
    package static func solvedReason(_ name: String) -> Phrase { Phrase("Solved \(name)", ko: "\(name) 풀이") }
    package static func hintReason(_ hint: String, _ name: String) -> Phrase {
        Phrase("Unlocked hint \(hint) of \(name)", ko: "\(name)의 힌트 \(hint) 열람")
    }
    /// What a solve is worth now, after its stored reason on a team's list.
    package static func solveWorth(_ value: Int, _ solves: Int, firstBlood: Int) -> Phrase {
        Phrase(
            "; worth \(value) with \(solves) solve\(solves == 1 ? "" : "s")" + (firstBlood > 0 ? ", first-blood bonus \(firstBlood)" : ""),
            ko: "; 현재 \(value)점(풀이 \(solves)팀)" + (firstBlood > 0 ? ", 퍼스트 블러드 보너스 \(firstBlood)점" : ""))
    }
    package static let free = Phrase("free", ko: "무료")
    package static let hiddenState = Phrase("hidden", ko: "숨김")
    package static let hints = Phrase("Hints", ko: "힌트")
    package static let lockedChallenge = Phrase("Locked challenge", ko: "잠긴 문제")
    package static let searchChallenges = Phrase("Search challenges", ko: "문제 검색")
    package static let allCategories = Phrase("All categories", ko: "모든 분야")
    package static let unsolvedOnly = Phrase("Unsolved only", ko: "안 푼 문제만")
    package static let firstBloodOpen = Phrase("First blood open", ko: "첫 풀이 보너스")
    package static let noChallengesWhite = Phrase(
        "Add one with New challenge, or import an exercise file or a ctfcli folder.",
        ko: "새 문제를 추가하거나 훈련 파일 또는 ctfcli 폴더를 가져오세요.")
    package static let lockedExplain = Phrase("Solve the challenges it depends on to open it.", ko: "먼저 필요한 문제를 풀면 열립니다.")
    package static let maxAttempts = Phrase("Attempts allowed", ko: "허용 시도 횟수")
    package static let newChallenge = Phrase("New challenge", ko: "새 문제")
    package static let noChallenges = Phrase("No challenges yet.", ko: "아직 문제가 없습니다.")
    package static let noSubmissions = Phrase("No submissions yet.", ko: "아직 제출이 없습니다.")
    package static let scheduled = Phrase("scheduled", ko: "예약됨")
    package static let solved = Phrase("Solved", ko: "풀었음")
    package static let submitFlag = Phrase("Submit a flag", ko: "플래그 제출")
    package static let testFlag = Phrase("Test a flag (not scored)", ko: "플래그 시험 (점수 없음)")
    package static let unlockHint = Phrase("Unlock", ko: "열기")
    package static let uploadFile = Phrase("Upload a file", ko: "파일 올리기")
}
