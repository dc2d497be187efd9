import RampartCore
import RampartKernel

/// String catalogue: reports, judging decisions and disputes, in English and Korean.
extension Phrase {
    package static let reportAuditActions: [String: Phrase] = [
        "report.compromise.file": Phrase("compromise reported", ko: "침해 보고"),
        "report.compromise.decide": Phrase("compromise report decided", ko: "침해 보고 판정"),
        "report.compromise.dispute": Phrase("compromise disputed", ko: "침해 이의 제기"),
        "report.compromise.dispute_decide": Phrase("dispute decided", ko: "이의 판정"),
        "report.incident.file": Phrase("incident reported", ko: "사고 보고"),
        "report.incident.grade": Phrase("incident report graded", ko: "사고 보고 채점"),
        "report.evidence.add": Phrase("evidence added", ko: "증거 추가"),
        "report.rules": Phrase("red team rules set", ko: "레드팀 규칙 설정"),
    ]

    package static let factCompromise = Phrase("Compromise", ko: "침해")
    package static let factIncidentReport = Phrase("Incident report", ko: "사고 보고")
    package static let categoryCompromises = Phrase("Compromises", ko: "침해")
    package static let categoryIncidentReports = Phrase("Incident reports", ko: "사고 보고")
    package static let kindCompromise = Phrase("Compromise report", ko: "침해 보고")
    package static let kindDispute = Phrase("Dispute", ko: "이의")
    package static let kindIncident = Phrase("Incident report", ko: "사고 보고")
    package static let reports = Phrase("Reports", ko: "보고")
    package static let report = Phrase("Report", ko: "보고")
    package static let compromiseReport = Phrase("Compromise report", ko: "침해 보고")
    package static let incidentReport = Phrase("Incident report", ko: "사고 보고")
    package static let evidenceFile = Phrase("Evidence file", ko: "증거 파일")

    static func compromiseReason(_ asset: String, _ techniques: String, _ access: String) -> Phrase {
        Phrase("Compromise of \(asset) (\(techniques), \(access) access) validated", ko: "\(asset) 침해 확인 (\(techniques), \(access) 권한)")
    }
    static func disputeUpheldReason(_ note: String) -> Phrase { Phrase("Dispute upheld: \(note)", ko: "이의 인정: \(note)") }
    static func creditReason(_ asset: String, _ percent: Int) -> Phrase {
        Phrase("Detected and reported the compromise of \(asset): \(percent)% of its penalty back", ko: "\(asset) 침해를 탐지·보고: 감점의 \(percent)% 회복")
    }
    static func incidentReason(_ title: String) -> Phrase { Phrase("Incident report graded: \(title)", ko: "사고 보고 채점: \(title)") }

    static func betweenItems(_ low: Int, _ high: Int) -> Phrase { Phrase("must list \(low) to \(high) items", ko: "\(low)개에서 \(high)개 사이여야 합니다") }
    static func betweenNumbers(_ low: Int, _ high: Int) -> Phrase { Phrase("must be a whole number from \(low) to \(high)", ko: "\(low)에서 \(high) 사이의 정수여야 합니다") }
    static func alreadyDecided(_ status: String) -> Phrase { Phrase("This report is \(status) already; it cannot be decided again", ko: "이 보고는 이미 \(status) 상태입니다. 다시 판정할 수 없습니다") }
    static func noteForOverride(_ table: Int) -> Phrase {
        Phrase("is required when the penalty differs from the severity table's \(table)", ko: "감점이 심각도 표의 \(table)점과 다르면 필수입니다")
    }
    static let noteRequired = Phrase("is required: say why, for the team and the after-action review", ko: "필수입니다: 팀과 사후 검토를 위해 이유를 적으십시오")
    static let disputesNotAllowed = Phrase("This exercise does not take disputes", ko: "이 훈련은 이의 제기를 받지 않습니다")
    static let alreadyDisputed = Phrase("This compromise has been disputed already; a team disputes one once", ko: "이미 이의를 제기한 침해입니다. 한 번만 제기할 수 있습니다")
    static let noOpenDispute = Phrase("This compromise has no dispute waiting", ko: "이 침해에는 대기 중인 이의가 없습니다")
    static let anotherJudgeDecidesDisputes = Phrase("Another judge must decide this dispute: you validated the compromise", ko: "이 침해를 확인한 심판이므로 다른 심판이 이의를 판정해야 합니다")
    static func rubricProblem(_ error: RubricError) -> Phrase {
        switch error {
        case .unknownCriterion(let name): Phrase("the rubric has no criterion '\(name)'", ko: "채점 기준에 '\(name)' 항목이 없습니다")
        case .ungraded(let name): Phrase("grade every criterion: '\(name)' has no level", ko: "모든 항목을 채점하십시오: '\(name)' 수준이 없습니다")
        case .unknownLevel(let name, let level): Phrase("criterion '\(name)' has no level '\(level)'", ko: "'\(name)' 항목에 '\(level)' 수준이 없습니다")
        }
    }
    static let linkSameTeam = Phrase("must name compromise reports of this exercise against the same team", ko: "같은 팀에 대한 이 훈련의 침해 보고여야 합니다")
    static func evidenceRefused(_ why: String) -> Phrase { Phrase("The file \(why)", ko: "허용되지 않는 파일입니다: \(why)") }
    static func tooManyEvidenceFiles(_ max: Int) -> Phrase { Phrase("A report holds at most \(max) evidence files", ko: "보고 하나에 증거 파일은 \(max)개까지입니다") }
    static func evidenceNameTaken(_ name: String) -> Phrase { Phrase("The report has a file called '\(name)' already", ko: "이 보고에 '\(name)' 파일이 이미 있습니다") }
    static let evidenceNameRules = Phrase("must be a file name without slashes, quotes or a leading dot, at most 200 characters", ko: "슬래시, 따옴표, 앞의 점이 없는 200자 이하의 파일 이름이어야 합니다")
    static let evidenceNameRequired = Phrase("is required: POST …/evidence?name=FILE with the file as the body", ko: "필수입니다: …/evidence?name=파일이름")
    static let reportsOnlyWhileRunning = Phrase("Reports are filed while the exercise runs", ko: "보고는 훈련 진행 중에만 제출할 수 있습니다")
    static let outsideRunningTime = Phrase("must be a time since the exercise started, and not in the future", ko: "훈련 시작 이후이며 미래가 아닌 시각이어야 합니다")
    static func notABlueTeam(_ slug: String) -> Phrase { Phrase("'\(slug)' is not a blue team", ko: "'\(slug)'은(는) 블루팀이 아닙니다") }
    static func assetOfAnotherTeam(_ asset: String) -> Phrase { Phrase("'\(asset)' belongs to another team", ko: "'\(asset)'은(는) 다른 팀의 자산입니다") }
    static func unknownTechnique(_ id: String) -> Phrase {
        Phrase("'\(id)' is not an ATT&CK Enterprise technique ID in Rampart's list (T1059, T1059.001…)", ko: "'\(id)'은(는) ATT&CK Enterprise 기법 ID가 아닙니다 (T1059, T1059.001…)")
    }
    static func oneLineUpTo(_ max: Int) -> Phrase { Phrase("must be one line of at most \(max) characters", ko: "\(max)자 이하의 한 줄이어야 합니다") }
    static func textUpTo(_ max: Int) -> Phrase { Phrase("must be at most \(max) characters, without control characters", ko: "제어 문자 없이 \(max)자 이하여야 합니다") }
    static let notAnAddress = Phrase("must be an IP address or a host name", ko: "IP 주소나 호스트 이름이어야 합니다")
}

/// Page text of the reports' pages.
enum ReportWords {
    static let compromiseReports = Phrase("Compromise reports", ko: "침해 보고")
    static let compromisesAgainstUs = Phrase("Validated compromises against us", ko: "우리 팀에 대해 확인된 침해")
    static let incidentReports = Phrase("Incident reports", ko: "사고 보고")
    static let noReportsRed = Phrase("No compromise reports yet. File one for each foothold you gain.", ko: "아직 침해 보고가 없습니다. 거점을 확보할 때마다 보고하십시오.")
    static let noCompromises = Phrase("No validated compromises.", ko: "확인된 침해가 없습니다.")
    static let noIncidents = Phrase("No incident reports yet.", ko: "아직 사고 보고가 없습니다.")
    static let fileCompromise = Phrase("File a compromise report", ko: "침해 보고 제출")
    static let fileIncident = Phrase("File an incident report", ko: "사고 보고 제출")
    static let campaign = Phrase("Campaign: access held by team and asset", ko: "작전 현황: 팀·자산별 확보 권한")
    static let campaignHint = Phrase("The highest access reported on each asset: ✓ validated, … waiting for a judge.", ko: "자산별 최고 권한: ✓ 확인됨, … 심사 대기.")
    static let rules = Phrase("Severity table", ko: "심각도 표")
    static func rulesLine(_ persistence: Int, _ credit: Int, _ evidence: String, _ disputes: String) -> Phrase {
        Phrase(
            "Persistence adds \(persistence); penalties are multiplied by the asset's weight. A graded incident report that covers a validated compromise wins back \(credit)% of its penalty. Evidence shown to the team: \(evidence). Disputes: \(disputes).",
            ko: "지속성 +\(persistence)점. 감점에는 자산 가중치를 곱합니다. 확인된 침해를 다룬 사고 보고는 감점의 \(credit)%를 회복합니다. 팀에 증거 공개: \(evidence). 이의 제기: \(disputes).")
    }
    static func assetWeights(_ others: String) -> Phrase { Phrase("Asset weights (others × \(others))", ko: "자산 가중치 (그 외 × \(others))") }
    static let exportJSON = Phrase("Export (JSON)", ko: "내보내기 (JSON)")
    static let exportCSV = Phrase("Export (CSV)", ko: "내보내기 (CSV)")
    static let compromiseTokens = Phrase("Compromise tokens", ko: "침해 토큰")
    static let tokensHint = Phrase("Plant each team's token on its hosts (e.g. in /root/token.txt). A report carrying it is validated at once.", ko: "각 팀의 토큰을 호스트에 심으십시오 (예: /root/token.txt). 토큰이 담긴 보고는 즉시 확인됩니다.")
    static let token = Phrase("Token", ko: "토큰")
    static let asset = Phrase("Asset", ko: "자산")
    static let assets = Phrase("Affected assets", ko: "영향받은 자산")
    static let assetHint = Phrase("One of the team's services (shop, mail…) or a host or address of that team", ko: "팀의 서비스(shop, mail…)나 그 팀의 호스트·주소")
    static let assetsHint = Phrase("Services or hosts, separated by commas", ko: "서비스나 호스트, 쉼표로 구분")
    static let techniques = Phrase("ATT&CK techniques", ko: "ATT&CK 기법")
    static let techniquesHint = Phrase("Enterprise IDs separated by commas: T1190, T1059.001", ko: "Enterprise ID, 쉼표로 구분: T1190, T1059.001")
    static let access = Phrase("Access", ko: "권한")
    static func access(_ level: AccessLevel) -> Phrase {
        switch level {
        case .none: Phrase("none", ko: "없음")
        case .user: Phrase("user", ko: "사용자")
        case .administrator: Phrase("administrator", ko: "관리자")
        case .root: Phrase("domain/root", ko: "도메인/루트")
        }
    }
    static let persistence = Phrase("Persistence kept", ko: "지속성 확보")
    static let dataAccessed = Phrase("Data accessed", ko: "접근한 데이터")
    static let sourceAddress = Phrase("From", ko: "출발지")
    static let targetAddress = Phrase("To", ko: "목적지")
    static let compromisedAt = Phrase("Time of compromise", ko: "침해 시각")
    static let detectedAt = Phrase("Detected at", ko: "탐지 시각")
    static func timeHint(_ zone: String) -> Phrase { Phrase("2027-02-02 14:05 in \(zone), or with an offset", ko: "\(zone) 기준 2027-02-02 14:05, 또는 오프셋 포함") }
    static let narrative = Phrase("Narrative", ko: "경위")
    static let narrativeHint = Phrase("Markdown: what you did or saw, step by step", ko: "마크다운: 수행하거나 관찰한 내용을 단계별로")
    static let proof = Phrase("Proof", ko: "증명")
    static let proofHint = Phrase("Optional: a service flag or the team's compromise token; a valid one validates the report at once", ko: "선택: 서비스 플래그나 팀의 침해 토큰. 유효하면 즉시 확인됩니다")
    static let indicators = Phrase("Indicators", ko: "침해 지표")
    static let indicatorsHint = Phrase("One per line: addresses, hashes, domains, accounts", ko: "한 줄에 하나: 주소, 해시, 도메인, 계정")
    static let actions = Phrase("Actions taken", ko: "조치 사항")
    static let title = Phrase("Title", ko: "제목")
    static let evidence = Phrase("Evidence", ko: "증거")
    static let noEvidence = Phrase("No evidence attached.", ko: "첨부된 증거가 없습니다.")
    static let addEvidence = Phrase("Add evidence", ko: "증거 추가")
    static let evidenceHint = Phrase("Screenshots, logs, captures (PNG, JPEG, PDF, pcap, text…), at most 25 MB; the type is read from the bytes", ko: "스크린샷, 로그, 캡처 (PNG, JPEG, PDF, pcap, 텍스트…), 25MB 이하. 형식은 내용으로 판별합니다")
    static let file = Phrase("File", ko: "파일")
    static let type = Phrase("Type", ko: "형식")
    static func detailsLater(_ rule: String) -> Phrase {
        Phrase("The red team's narrative and evidence are shown to your team per the exercise's rule (\(rule)).", ko: "레드팀의 경위와 증거는 훈련 규칙(\(rule))에 따라 공개됩니다.")
    }
    static func tableSays(_ points: Int) -> Phrase { Phrase("The severity table says −\(points)", ko: "심각도 표 기준 −\(points)점") }
    static let duplicateOf = Phrase("Repeats", ko: "중복 대상")
    static let decide = Phrase("Decide", ko: "판정")
    static let decideDispute = Phrase("Decide the dispute", ko: "이의 판정")
    static let verdict = Phrase("Verdict", ko: "판정")
    static func verdict(_ raw: String) -> Phrase {
        switch raw {
        case "validated": Phrase("Validate", ko: "확인")
        case "rejected": Phrase("Reject", ko: "기각")
        case "needs_evidence": Phrase("Ask for more evidence", ko: "추가 증거 요청")
        case "upheld": Phrase("Dispute upheld", ko: "이의 인정")
        default: Phrase("Dispute dismissed", ko: "이의 기각")
        }
    }
    static let penalty = Phrase("Penalty", ko: "감점")
    static let note = Phrase("Note", ko: "메모")
    static let noteHint = Phrase("Required to reject, to ask for evidence, or to depart from the table", ko: "기각, 증거 요청, 표와 다른 감점에는 필수")
    static let matchingIncidents = Phrase("Incident reports that may match", ko: "관련될 수 있는 사고 보고")
    static let noMatches = Phrase("None of the team's incident reports matches yet.", ko: "아직 일치하는 사고 보고가 없습니다.")
    static let dispute = Phrase("Dispute", ko: "이의 제기")
    static let disputeOnce = Phrase("A team disputes a compromise once. Send?", ko: "이의 제기는 한 번만 할 수 있습니다. 보낼까요?")
    static let disputed = Phrase("disputed", ko: "이의 제기됨")
    static let disputeOpen = Phrase("waiting for another judge", ko: "다른 심판 대기")
    static let history = Phrase("History", ko: "경과")
    static let you = Phrase("you", ko: "나")
    static let filed = Phrase("Filed", ko: "제출")
    static let automatic = Phrase("automatically (valid proof)", ko: "자동 (유효한 증명)")
    static let grade = Phrase("Grade", ko: "채점")
    static let criterion = Phrase("Criterion", ko: "기준")
    static let level = Phrase("Level", ko: "수준")
    static let coversCompromises = Phrase("Covers these compromises (★ suggested)", ko: "다루는 침해 (★ 추천)")
    static func gradeLine(_ rubric: Int, _ credit: Int) -> Phrase {
        Phrase("+\(rubric) by the rubric, +\(credit) won back on compromises it covers", ko: "채점 기준 +\(rubric)점, 다룬 침해에서 +\(credit)점 회복")
    }
    static func status(_ status: CompromiseReport.Status) -> Phrase {
        switch status {
        case .pending: Phrase("waiting for a judge", ko: "심사 대기")
        case .needsEvidence: Phrase("needs evidence", ko: "증거 필요")
        case .validated: Phrase("validated", ko: "확인됨")
        case .rejected: Phrase("rejected", ko: "기각됨")
        case .withdrawn: Phrase("withdrawn", ko: "철회됨")
        }
    }
    static func incidentStatus(_ status: IncidentReport.Status) -> Phrase {
        status == .graded ? Phrase("graded", ko: "채점됨") : Phrase("waiting for a grade", ko: "채점 대기")
    }
}
