import RampartCore
import RampartKernel
import RampartScoring
/// String catalogue: services, checks and demo targets, in English and Korean.
extension Phrase {
    package static func serviceHasProblems(_ list: String) -> Phrase { Phrase("The service has problems: \(list)", ko: "서비스 정의에 오류가 있습니다: \(list)") }
    package static func checkSettings(_ message: String) -> Phrase { Phrase(message, ko: "점검 설정 오류: \(message)") }
    package static func checksNoAccount(_ service: String) -> Phrase { Phrase("service \(service) checks no account", ko: "이 서비스는 계정을 점검하지 않습니다") }
    package static func demoTarget(_ a: Any, _ b: Any) -> Phrase { Phrase("Demo target \(a) of \(b)", ko: "시연 대상 \(b)/\(a)") }
    package static func demoTargetCannotListen(_ a: Any, _ b: Any, _ c: Any, _ d: Any) -> Phrase { Phrase("Demo target \(a) of \(b) cannot listen on \(c): \(d)", ko: "시연 대상 \(b)/\(a)이(가) \(c)에서 대기할 수 없습니다: \(d)") }
    package static let demoTargetsOnlyInDemo = Phrase("Demo targets (they run only under rampart demo)", ko: "시연 대상 (rampart demo에서만 실행)")
    package static func flagRoundsNeedAPlantingCheck(_ a: Any, _ b: Any) -> Phrase { Phrase("only checkers that plant flags run flag rounds (check: \(a)), not '\(b)'", ko: "플래그 라운드는 플래그를 심는 점검(\(a))에서만 쓸 수 있습니다") }
    package static func noTeamCalled(_ a: Any) -> Phrase { Phrase("no team is called '\(a)'", ko: "'\(a)' 팀이 없습니다") }
    package static let passwordOneLine = Phrase("must be 1–1,000 characters on one line", ko: "한 줄에 1–1,000자여야 합니다")
    package static func reservedName(_ a: Any) -> Phrase { Phrase("'\(a)' is reserved; choose another name", ko: "'\(a)'은(는) 쓸 수 없는 이름입니다") }
    package static let service = Phrase("Service", ko: "서비스")
    package static func service(_ a: Any) -> Phrase { Phrase("Service '\(a)'", ko: "서비스 '\(a)'") }
    package static func serviceNameTaken(_ a: Any) -> Phrase { Phrase("Another service is called '\(a)'", ko: "'\(a)' 서비스가 이미 있습니다") }
}

/// Page text of this feature (what the kernel's central catalogue used to carry for it).
extension Phrase {
    package static let alive = Phrase("alive", ko: "작동 중")
    package static let bringUp = Phrase("Bring up", ko: "다시 올리기")
    package static let checksLastMinute = Phrase("Checks in the last minute", ko: "최근 1분 점검 수")
    package static let confirmDeleteService = Phrase("Delete this service with all its checks and statuses? Points already scored stay.", ko: "이 서비스와 모든 점검·상태를 삭제할까요? 이미 얻은 점수는 남습니다.")
    package static let factAvailability = Phrase("Availability", ko: "가용성")
    package static let factSLA = Phrase("SLA penalty", ko: "SLA 벌점")
    package static let defenceAuditActions: [String: Phrase] = [
        "service.create": Phrase("service created", ko: "서비스 생성"),
        "service.update": Phrase("service changed", ko: "서비스 변경"),
        "service.delete": Phrase("service deleted", ko: "서비스 삭제"),
        "service.password_change": Phrase("service password changed", ko: "서비스 비밀번호 변경"),
        "demo.target": Phrase("demo target switched", ko: "데모 대상 전환"),
    ]
    package static func slaReason(_ service: String, _ streak: Int, tick: Int) -> Phrase {
        Phrase("SLA: \(service) failing \(streak) ticks in a row (tick \(tick))", ko: "SLA: \(service) \(streak)틱 연속 실패 (틱 \(tick))")
    }
    /// One service's part of a tick's points (`shop up +5`), the status in its short word.
    package static func tickPart(_ service: String, _ status: CheckStatus, _ points: Int) -> Phrase {
        let signed = "\(points > 0 ? "+" : "")\(points)"
        let word = checkStatusShort(status)
        return Phrase("\(service) \(word.en) \(signed)", ko: "\(service) \(word.ko) \(signed)")
    }
    package static func tickReason(_ tick: Int, _ parts: [Phrase]) -> Phrase {
        Phrase("Tick \(tick): " + parts.map(\.en).joined(separator: ", "), ko: "틱 \(tick): " + parts.map(\.ko).joined(separator: ", "))
    }
    package static let categoryAvailability = Phrase("availability", ko: "가용성")
    package static let categoryPenalties = Phrase("SLA penalties", ko: "SLA 벌점")
    package static let flagIDs = Phrase("Flag ids", ko: "플래그 ID")
    package static let flagIDsHint = Phrase("The public ids of the flags alive now, by service and team target: what an exploit needs to find them. The same in ForcAD's attack data format:", ko: "지금 유효한 플래그의 공개 ID입니다(서비스·팀 대상별). 익스플로잇이 플래그를 찾는 데 필요합니다. ForcAD attack data 형식으로도 제공됩니다:")
    package static let heldSince = Phrase("Held since", ko: "유지 시작")
    package static let lastHeartbeat = Phrase("Last heartbeat", ko: "마지막 신호")
    package static let lastScoredTick = Phrase("Statuses as of tick", ko: "상태 기준 틱")
    package static let latency = Phrase("Latency", ko: "지연")
    package static let newService = Phrase("New service", ko: "새 서비스")
    package static let noChecks = Phrase("No checks yet.", ko: "아직 점검이 없습니다.")
    package static let noFlagIDs = Phrase("No flag ids published yet.", ko: "아직 공개된 플래그 ID가 없습니다.")
    package static let noServices = Phrase("No services yet.", ko: "아직 서비스가 없습니다.")
    package static let noWorkers = Phrase("No worker has reported yet.", ko: "아직 보고한 워커가 없습니다.")
    package static let notCheckedYet = Phrase("not checked yet", ko: "아직 점검 전")
    /// A status in a matrix cell: one short word, on the status's colour (the full words, with their
    /// symbol, are in its tooltip). No symbol, so 20 services fit across a laptop screen.
    package static func checkStatusShort(_ status: CheckStatus?) -> Phrase {
        switch status {
        case .up: Phrase("up", ko: "정상")
        case .down: Phrase("down", ko: "중단")
        case .mumble: Phrase("mumble", ko: "이상")
        case .corrupt: Phrase("corrupt", ko: "손상")
        case .error: Phrase("error", ko: "오류")
        case nil: Phrase("not yet", ko: "점검 전")
        }
    }
    package static func statusSince(_ status: String, _ since: String) -> Phrase { Phrase("\(status) for \(since)", ko: "\(since)째 \(status)") }

    /// A check status as a badge says it: a symbol as well as a colour, and a word in either language.
    package static func checkStatus(_ status: CheckStatus) -> Phrase {
        switch status {
        case .up: Phrase("\(status.symbol) up", ko: "\(status.symbol) 정상")
        case .down: Phrase("\(status.symbol) down", ko: "\(status.symbol) 중단")
        case .mumble: Phrase("\(status.symbol) mumble", ko: "\(status.symbol) 비정상 응답")
        case .corrupt: Phrase("\(status.symbol) corrupt", ko: "\(status.symbol) 데이터 손상")
        case .error: Phrase("\(status.symbol) check error", ko: "\(status.symbol) 점검 오류")
        }
    }
    package static let ourServices = Phrase("Services and checks", ko: "서비스와 점검")
    package static let passwordChangeHint = Phrase("From the next tick the checks log in with the new password.", ko: "다음 틱부터 점검이 새 비밀번호로 로그인합니다.")
    package static let passwordChanges = Phrase("Password change requests", ko: "비밀번호 변경 요청")
    package static let noPasswordChanges = Phrase("No requests yet: the checks log in with the passwords of the exercise file.", ko: "아직 요청이 없습니다. 점검은 훈련 파일의 비밀번호로 로그인합니다.")
    package static let recentChecks = Phrase("Recent checks", ko: "최근 점검")
    package static let sendRequest = Phrase("Send request", ko: "요청 보내기")
    package static let serviceSource = Phrase("Service definition (YAML or JSON)", ko: "서비스 정의 (YAML 또는 JSON)")
    package static let serviceSourceHint = Phrase("The fields of one entry of the exercise file's services: section (docs/checks.md). Address placeholders: {team.number}, {team.slug}.", ko: "훈련 파일 services: 항목 하나의 필드입니다 (docs/checks.md). 주소 자리표시자: {team.number}, {team.slug}.")
    package static let statusChanges = Phrase("Status changes", ko: "상태 변경")
    package static let stopped = Phrase("stopped", ko: "멈춤")
    package static let takeDown = Phrase("Take down", ko: "중단시키기")
    package static let target = Phrase("Target", ko: "대상")
    package static let tick = Phrase("Tick", ko: "틱")
    package static let tickUnderWay = Phrase("Tick under way", ko: "진행 중인 틱")
    package static let tryCheck = Phrase("Try it now", ko: "지금 점검")
    package static let tryResult = Phrase("Result of the check", ko: "점검 결과")
    package static let worker = Phrase("Worker", ko: "워커")
    package static let workers = Phrase("Check workers", ko: "점검 워커")
}
