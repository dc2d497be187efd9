import RampartCore
import RampartKernel

/// String catalogue: the command centre's wall.
extension Phrase {
    static let wallStandings = Phrase("Standings", ko: "순위")
    static let wallServices = Phrase("Services", ko: "서비스")
    static let wallFeed = Phrase("Live feed", ko: "실시간 소식")
    static let wallNothingYet = Phrase("Nothing has happened yet.", ko: "아직 아무 일도 없습니다.")
    static let wallFrozen = Phrase("FROZEN", ko: "동결")
    static let wallRunning = Phrase("RUNNING", ko: "진행 중")
    static let wallPaused = Phrase("PAUSED", ko: "일시 정지")
    static let wallDraft = Phrase("NOT STARTED", ko: "시작 전")
    static let wallFinished = Phrase("FINISHED", ko: "종료")
    static let wallNoServices = Phrase("No services in this exercise.", ko: "이 훈련에는 서비스가 없습니다.")
    static let wallWindowEnds = Phrase("ends in", ko: "종료까지")
    static let wallWindowStarts = Phrase("starts in", ko: "시작까지")
    static let demoWelcomeTitle = Phrase("Exercise under way", ko: "훈련 시작")
    static let demoWelcomeBody = Phrase("Day 1 has begun. **Good luck, defenders.**", ko: "1일 차가 시작되었습니다. **행운을 빕니다.**")
    static let demoPatchTitle = Phrase("Patch the shop", ko: "상점 서비스 패치")
    static let demoPatchBody = Phrase(
        "The shop's **invoice upload** is being exploited. Patch it now.", ko: "상점의 **송장 업로드** 기능이 공격받고 있습니다. 지금 패치하세요.")
    static func wallFirstBlood(_ team: String, _ challenge: String) -> Phrase {
        Phrase("First blood: \(team) solved \(challenge)", ko: "퍼스트 블러드: \(team) — \(challenge) 해결")
    }
    static func wallSolved(_ team: String, _ challenge: String) -> Phrase { Phrase("\(team) solved \(challenge)", ko: "\(team) — \(challenge) 해결") }
    static func wallServiceChange(_ team: String, _ service: String, _ status: String) -> Phrase {
        Phrase("\(team): \(service) is \(status)", ko: "\(team): \(service) \(status)")
    }
    static func wallCompromise(_ team: String, _ points: String) -> Phrase {
        Phrase("Compromise validated against \(team) (−\(points))", ko: "\(team) 침해 확인 (−\(points))")
    }
    static func wallStateChange(_ state: String) -> Phrase { Phrase("The exercise is now \(state)", ko: "훈련 상태: \(state)") }
}
