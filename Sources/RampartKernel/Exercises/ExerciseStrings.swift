/// String catalogue: exercises, their schedule, teams and members, in English and Korean.
extension Phrase {
    package static let startsIn = Phrase("Starts in", ko: "시작까지")
    package static let freezeIn = Phrase("Scoreboard freezes in", ko: "점수판 동결까지")
    package static let endsIn = Phrase("Ends in", ko: "종료까지")
    package static let noTeamHasThatJoinCode = Phrase("No team has that join code", ko: "그 참가 코드를 가진 팀이 없습니다")
    package static func alreadyInTeam(_ a: Any, _ b: Any) -> Phrase { Phrase("You are already in team '\(a)' of this exercise; ask the white team to move you", ko: "이미 이 훈련의 '\(b)' 팀에 속해 있습니다. 화이트팀에 이동을 요청하십시오") }
    package static let attemptsRange = Phrase("must be from 1 to 1000000", ko: "1에서 1000000 사이여야 합니다")
    package static let cannotBeChanged = Phrase("cannot be changed", ko: "바꿀 수 없습니다")
    package static func cannotBecome(_ a: Any, _ b: Any, _ c: Any, _ d: Any) -> Phrase { Phrase("The exercise is \(a); it cannot become \(b)", ko: "훈련이 '\(c)' 상태여서 '\(d)' 상태가 될 수 없습니다") }
    package static let exercise = Phrase("Exercise", ko: "훈련")
    package static func exercise(_ a: Any) -> Phrase { Phrase("Exercise '\(a)'", ko: "훈련 '\(a)'") }
    package static func exerciseSlugTaken(_ a: Any) -> Phrase { Phrase("An exercise called '\(a)' exists already", ko: "'\(a)' 훈련이 이미 있습니다") }
    package static let expectedATime = Phrase("expected a time like 2026-02-02 09:00", ko: "2026-02-02 09:00 같은 시각이어야 합니다")
    package static let expectedControlState = Phrase("expected running, paused or finished", ko: "running, paused, finished 중 하나여야 합니다")
    package static let expectedPercentages = Phrase("must be percentages separated by commas, like 10, 5, 2", ko: "10, 5, 2처럼 쉼표로 구분한 백분율이어야 합니다")
    package static let firstBloodRange = Phrase("must be up to 100 percentages from 0 to 1000", ko: "0에서 1000 사이의 백분율 100개 이하여야 합니다")
    package static let isRequired = Phrase("is required", ko: "필수입니다")
    package static let jitterRange = Phrase("must be from 0 to less than tick_seconds", ko: "0 이상, 틱 길이 미만이어야 합니다")
    package static let kindRequired = Phrase("is required: white, red, blue, green or yellow", ko: "필수입니다")
    package static func memberOfTeam(_ a: Any, _ b: Any) -> Phrase { Phrase("Member '\(a)' of team '\(b)'", ko: "'\(b)' 팀의 구성원 '\(a)'") }
    package static func notANationCode(_ a: Any) -> Phrase { Phrase("'\(a)' is not an ISO 3166-1 alpha-2 code (such as GB, KR, EE) or XX", ko: "'\(a)'은(는) ISO 3166-1 두 글자 코드(GB, KR, EE 등)나 XX가 아닙니다") }
    package static let onlyWhiteTeamJudges = Phrase("only white-team members can be judges", ko: "화이트팀 구성원만 심판이 될 수 있습니다")
    package static let slugCannotChange = Phrase("cannot be changed; links and files refer to it", ko: "바꿀 수 없습니다. 링크와 파일이 이 이름을 가리킵니다")
    package static func teamHasMembers(_ a: Any, _ b: Any) -> Phrase { Phrase("Team '\(a)' has \(b) member(s); move or remove them first", ko: "'\(a)' 팀에 구성원이 \(b)명 있습니다. 먼저 옮기거나 제거하십시오") }
    package static let teamNumberRange = Phrase("must be from 1 to 65535", ko: "1에서 65535 사이여야 합니다")
    package static func teamNumberTaken(_ a: Any) -> Phrase { Phrase("Team number \(a) is taken in this exercise", ko: "팀 번호 \(a)은(는) 이 훈련에서 이미 쓰이고 있습니다") }
    package static func teamSlugTaken(_ a: Any) -> Phrase { Phrase("A team called '\(a)' exists already in this exercise", ko: "이 훈련에 '\(a)' 팀이 이미 있습니다") }
    package static let teamsClosed = Phrase("The exercise has finished; teams are closed", ko: "훈련이 끝나 팀에 참가할 수 없습니다")
    package static let tickRange = Phrase("must be from 5 to 86400", ko: "5에서 86400 사이여야 합니다")
    package static let window = Phrase("Window", ko: "진행 구간")
}
