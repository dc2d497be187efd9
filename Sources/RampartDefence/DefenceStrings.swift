import RampartKernel
import RampartScoring
/// String catalogue: services, checks and demo targets, in English and Korean.
extension Phrase {
    package static func serviceHasProblems(_ list: String) -> Phrase { Phrase("The service has problems: \(list)", ko: "서비스 정의에 오류가 있습니다: \(list)") }
    package static func checkSettings(_ message: String) -> Phrase { Phrase(message, ko: "점검 설정 오류: \(message)") }
    package static func checksNoAccount(_ service: String) -> Phrase { Phrase("service \(service) checks no account", ko: "이 서비스는 계정을 점검하지 않습니다") }
    package static func expectedOneOf(_ known: String) -> Phrase { Phrase("expected one of: \(known)", ko: "다음 중 하나여야 합니다: \(known)") }
    package static func demoTarget(_ a: Any, _ b: Any) -> Phrase { Phrase("Demo target \(a) of \(b)", ko: "시연 대상 \(b)/\(a)") }
    package static func demoTargetCannotListen(_ a: Any, _ b: Any, _ c: Any, _ d: Any) -> Phrase { Phrase("Demo target \(a) of \(b) cannot listen on \(c): \(d)", ko: "시연 대상 \(b)/\(a)이(가) \(c)에서 대기할 수 없습니다: \(d)") }
    package static let demoTargets = Phrase("Demo targets (they run only under rampart demo)", ko: "시연 대상 (rampart demo에서만 실행)")
    package static func flagRoundsNeedAPlantingCheck(_ a: Any, _ b: Any) -> Phrase { Phrase("only checkers that plant flags run flag rounds (check: \(a)), not '\(b)'", ko: "플래그 라운드는 플래그를 심는 점검(\(a))에서만 쓸 수 있습니다") }
    package static func noTeamCalled(_ a: Any) -> Phrase { Phrase("no team is called '\(a)'", ko: "'\(a)' 팀이 없습니다") }
    package static let passwordOneLine = Phrase("must be 1–1,000 characters on one line", ko: "한 줄에 1–1,000자여야 합니다")
    package static func reservedName(_ a: Any) -> Phrase { Phrase("'\(a)' is reserved; choose another name", ko: "'\(a)'은(는) 쓸 수 없는 이름입니다") }
    package static let service = Phrase("Service", ko: "서비스")
    package static func service(_ a: Any) -> Phrase { Phrase("Service '\(a)'", ko: "서비스 '\(a)'") }
    package static func serviceNameTaken(_ a: Any) -> Phrase { Phrase("Another service is called '\(a)'", ko: "'\(a)' 서비스가 이미 있습니다") }
}
