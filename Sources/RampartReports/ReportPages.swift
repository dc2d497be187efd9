import Fluent
import Plot
import RampartCore
import RampartKernel
import RampartScoring
import Vapor

/// The reports' pages: the reports overview (the red team's campaign view, a blue team's compromises
/// and incident reports, the white team's everything), the filing forms, and one report with its
/// history, evidence and the judge's forms. Every action calls the functions the API calls.
enum ReportPages {
    static func register(_ routes: any RoutesBuilder) {
        let (slug, report, file) = (AppRoute.param.slug, AppRoute.param.report, AppRoute.param.file)
        routes.endpoint(.GET, .reports(slug), ReportsAPI.compromiseReaders) { req in try await overview(req) }
        routes.endpoint(.GET, .compromiseNew(slug), ReportsAPI.compromiseFilers) { req in try await newCompromise(req, error: nil) }
        routes.endpoint(.POST, .compromiseNew(slug), ReportsAPI.compromiseFilers) { req in try await fileCompromise(req) }
        routes.endpoint(.GET, .compromiseReport(slug, report), ReportsAPI.compromiseReaders) { req in try await compromisePage(req, error: nil) }
        routes.endpoint(.POST, .compromiseDecision(slug, report), .white) { req in
            try await act(req, compromise: true) { context, id in
                let penalty = try req.formField("penalty").map { raw in
                    guard let value = Int(raw) else { throw AppError.invalid("penalty", .betweenNumbers(0, 100_000)) }
                    return value
                }
                _ = try await Reports.decide(
                    id, verdict: req.formField("verdict") ?? "", penalty: penalty, note: req.formField("note"), context: context, by: req.auditActor,
                    app: req.application)
            }
        }
        routes.endpoint(.POST, .compromiseDispute(slug, report), .exercise([.blue])) { req in
            try await act(req, compromise: true) { context, id in
                _ = try await Reports.dispute(id, reason: req.formField("reason"), context: context, by: req.auditActor, app: req.application)
            }
        }
        routes.endpoint(.POST, .compromiseDisputeDecision(slug, report), .white) { req in
            try await act(req, compromise: true) { context, id in
                _ = try await Reports.decideDispute(
                    id, verdict: req.formField("verdict") ?? "", note: req.formField("note"), context: context, by: req.auditActor, app: req.application)
            }
        }
        routes.endpoint(.POST, .compromiseEvidence(slug, report), .exercise([.white, .red]), body: .stream, formInStream: true) { req in
            try await evidence(req, kind: CompromiseSource.kindName)
        }
        routes.endpoint(.GET, .compromiseEvidenceFile(slug, report, file), ReportsAPI.compromiseReaders) { req in
            try await ReportsAPI.download(req, kind: CompromiseSource.kindName)
        }
        routes.endpoint(.GET, .incidentNew(slug), .exercise([.blue])) { req in try await newIncident(req, error: nil) }
        routes.endpoint(.POST, .incidentNew(slug), .exercise([.blue])) { req in try await fileIncident(req) }
        routes.endpoint(.GET, .incidentReport(slug, report), ReportsAPI.incidentReaders) { req in try await incidentPage(req, error: nil) }
        routes.endpoint(.POST, .incidentGrade(slug, report), .white) { req in
            try await act(req, compromise: false) { context, id in
                let rules = try await Reports.rules(context.exerciseID, on: req.db)
                var levels: [String: String] = [:]
                for (index, criterion) in rules.rubric.enumerated() {
                    if let level = req.formField("level-\(index)") { levels[criterion.criterion] = level }
                }
                let linked = ((try? req.content.get([String].self, at: "compromise")) ?? []).compactMap(UUID.init(uuidString:))
                _ = try await Reports.grade(
                    id, levels: levels, compromiseReports: linked, note: req.formField("note"), context: context, by: req.auditActor, app: req.application)
            }
        }
        routes.endpoint(.POST, .incidentEvidence(slug, report), .exercise([.white, .blue]), body: .stream, formInStream: true) { req in
            try await evidence(req, kind: IncidentSource.kindName)
        }
        routes.endpoint(.GET, .incidentEvidenceFile(slug, report, file), ReportsAPI.incidentReaders) { req in
            try await ReportsAPI.download(req, kind: IncidentSource.kindName)
        }
    }

    /// Runs a form's action and returns to the report; a refused action shows the report with the reason.
    private static func act(
        _ req: Request, compromise: Bool, _ body: (ExerciseContext, UUID) async throws -> Void
    ) async throws -> Response {
        let context = try req.exerciseContext
        let id = try ReportsAPI.reportID(req)
        do {
            try await body(context, id)
        } catch let error as AppError where [.unprocessableEntity, .conflict, .badRequest].contains(error.status) {
            let message = error.text(PageContext(req).locale)
            return compromise ? try await compromisePage(req, error: message) : try await incidentPage(req, error: message)
        }
        let route: AppRoute = compromise ? .compromiseReport(context.exercise.slug, id.uuidString) : .incidentReport(context.exercise.slug, id.uuidString)
        return req.seeOther(route, notice: .saved)
    }

    private static func evidence(_ req: Request, kind: String) async throws -> Response {
        let context = try req.exerciseContext
        let id = try ReportsAPI.reportID(req)
        let compromise = kind == CompromiseSource.kindName
        if compromise { _ = try await Reports.visibleCompromise(id, context, on: req.db) } else { _ = try await Reports.visibleIncident(id, context, on: req.db) }
        do {
            let limit = min(req.application.rampart.maxUploadBytes, Reports.maxEvidenceBytes)
            let form = try await StreamedForm.read(req, fileField: "file", maxBytes: limit)
            guard let blob = form.blob, let name = form.fileName else { throw AppError.invalid("file", .isRequired) }
            _ = try await Reports.addEvidence(kind: kind, reportID: id, name: name, blob: blob, context: context, by: req.auditActor, app: req.application)
        } catch let error as AppError where [.unprocessableEntity, .conflict, .payloadTooLarge].contains(error.status) {
            let message = error.text(PageContext(req).locale)
            return compromise ? try await compromisePage(req, error: message) : try await incidentPage(req, error: message)
        }
        let route: AppRoute = compromise ? .compromiseReport(context.exercise.slug, id.uuidString) : .incidentReport(context.exercise.slug, id.uuidString)
        return req.seeOther(route, notice: .saved)
    }

    // MARK: overview

    static func overview(_ req: Request) async throws -> Response {
        req.liveKinds = ["report."]
        let page = PageContext(req)
        let context = try req.exerciseContext
        let slug = context.exercise.slug
        let reader = try await ReportReader.load(context, app: req.application)
        let compromises = try await Reports.visibleCompromises(context, on: req.db).sort(\.$createdAt, .descending).limit(500).all()
        let incidents = try await Reports.visibleIncidents(context, on: req.db).sort(\.$createdAt, .descending).limit(500).all()
        let compromiseRows: [[Node<HTML.BodyContext>]] = compromises.map { report in
            [
                page.time(report.compromisedAt),
                .text(reader.teams.name(report.teamID)),
                .a(.href(AppRoute.compromiseReport(slug, report.id!.uuidString).path), .text(report.asset)),
                .text(report.techniques.joined(separator: ", ")),
                .text(page.t(ReportWords.access(report.accessLevel))),
                statusBadge(page, report),
                .text(report.status == .validated || report.status == .withdrawn ? "−\(report.penalty ?? 0)" : ""),
            ]
        }
        let incidentRows: [[Node<HTML.BodyContext>]] = incidents.map { report in
            [
                page.time(report.detectedAt),
                .text(reader.teams.name(report.teamID)),
                .a(.href(AppRoute.incidentReport(slug, report.id!.uuidString).path), .text(report.title)),
                UI.badge(page.t(ReportWords.incidentStatus(report.status)), kind: report.status == .graded ? "ok" : "warn"),
                .text(report.status == .graded ? "+\((report.rubricPoints ?? 0) + (report.creditPoints ?? 0))" : ""),
            ]
        }
        let compromiseTable = UI.table(
            caption: page.t(context.role == .blue ? ReportWords.compromisesAgainstUs : ReportWords.compromiseReports),
            headers: [page.t(S.time), page.t(S.team), page.t(ReportWords.asset), page.t(ReportWords.techniques), page.t(ReportWords.access), page.t(S.status), page.t(S.points)],
            numeric: [6], rows: compromiseRows, empty: page.t(context.role == .red ? ReportWords.noReportsRed : ReportWords.noCompromises))
        let incidentTable = UI.table(
            caption: page.t(ReportWords.incidentReports), headers: [page.t(S.time), page.t(S.team), page.t(ReportWords.title), page.t(S.status), page.t(S.points)],
            numeric: [4], rows: incidentRows, empty: page.t(ReportWords.noIncidents))
        var content: [Node<HTML.BodyContext>] = [UI.notice(req.pageNotice(page))]
        switch context.role {
        case .red:
            content.append(.p(.a(.class("button primary"), .href(AppRoute.compromiseNew(slug).path), .text(page.t(ReportWords.fileCompromise)))))
            content.append(UI.section(page.t(ReportWords.campaign), campaign(page, compromises, reader: reader)))
            content.append(compromiseTable)
        case .blue:
            content.append(.p(.a(.class("button primary"), .href(AppRoute.incidentNew(slug).path), .text(page.t(ReportWords.fileIncident)))))
            content += [compromiseTable, incidentTable, rulesSummary(page, reader.rules)]
        case .white:
            content.append(
                .p(
                    .a(.class("button primary"), .href(AppRoute.judging(slug).path), .text(page.t(Phrase.judgingQueue))), .text(" "),
                    .a(.class("button"), .href(AppRoute.compromiseNew(slug).path), .text(page.t(ReportWords.fileCompromise))), .text(" "),
                    .a(.class("button"), .href(AppRoute.apiReportsExport(slug).path + "?format=json"), .text(page.t(ReportWords.exportJSON))), .text(" "),
                    .a(.class("button"), .href(AppRoute.apiReportsExport(slug).path + "?format=csv&kind=compromise"), .text(page.t(ReportWords.exportCSV)))))
            content.append(UI.section(page.t(ReportWords.campaign), campaign(page, compromises, reader: reader)))
            content += [compromiseTable, incidentTable, rulesSummary(page, reader.rules)]
            let tokens = try await CompromiseTokens.all(context.exerciseID, app: req.application)
            content.append(
                UI.section(
                    page.t(ReportWords.compromiseTokens), .p(.class("muted"), .text(page.t(ReportWords.tokensHint))),
                    UI.table(headers: [page.t(S.team), page.t(ReportWords.token)], rows: tokens.map { [.text($0.team.name), .code(.text($0.token))] }, empty: "")))
        case .yellow, .green:
            content.append(compromiseTable)
        }
        return Layout.render(page, title: page.t(Phrase.reports), crumbs: Layout.crumbs(page, context.exercise), .group(content))
    }

    /// Team × asset: the highest access held on each (validated, or still waiting), so the white team
    /// sees whether effects are fair across teams.
    private static func campaign(_ page: PageContext, _ reports: [CompromiseReport], reader: ReportReader) -> Node<HTML.BodyContext> {
        let live = reports.filter { [.pending, .needsEvidence, .validated].contains($0.status) }
        let assets = Array(Set(live.map(\.asset))).sorted()
        let teams = reader.teams.byID.filter { id, _ in live.contains { $0.teamID == id } }.sorted { $0.value.name < $1.value.name }
        let order = AccessLevel.allCases
        let rows: [[Node<HTML.BodyContext>]] = teams.map { id, team in
            [.text(team.name)]
                + assets.map { asset in
                    let held = live.filter { $0.teamID == id && $0.asset == asset }
                    guard let best = held.max(by: { (order.firstIndex(of: $0.accessLevel)!, $0.status == .validated ? 1 : 0) < (order.firstIndex(of: $1.accessLevel)!, $1.status == .validated ? 1 : 0) })
                    else { return .text("") }
                    let validated = best.status == .validated
                    return .span(.class("badge \(validated ? "bad" : "warn")"), .text(page.t(ReportWords.access(best.accessLevel)) + (validated ? " ✓" : " …")))
                }
        }
        return .group(
            .p(.class("muted"), .text(page.t(ReportWords.campaignHint))),
            UI.table(headers: [page.t(S.team)] + assets, rows: rows, empty: page.t(ReportWords.noCompromises)))
    }

    private static func rulesSummary(_ page: PageContext, _ rules: ReportRules) -> Node<HTML.BodyContext> {
        UI.section(
            page.t(ReportWords.rules),
            UI.table(
                headers: [page.t(ReportWords.access), page.t(S.points)], numeric: [1],
                rows: AccessLevel.allCases.map { [.text(page.t(ReportWords.access($0))), .text(String(rules.severity[$0] ?? 0))] }, empty: ""),
            .p(.text(page.t(ReportWords.rulesLine(rules.persistence, Int((rules.creditShare * 100).rounded()), rules.evidence.rawValue, rules.disputes.rawValue)))),
            .if(
                !rules.assetWeights.isEmpty,
                .p(.text(page.t(ReportWords.assetWeights(rules.defaultWeight.formatted())) + ": " + rules.assetWeights.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value.formatted())" }.joined(separator: ", ")))))
    }

    private static func statusBadge(_ page: PageContext, _ report: CompromiseReport) -> Node<HTML.BodyContext> {
        let kind: String =
            switch report.status {
            case .validated: "bad"
            case .pending, .needsEvidence: "warn"
            case .rejected, .withdrawn: ""
            }
        return .group(
            UI.badge(page.t(ReportWords.status(report.status)), kind: kind),
            .if(report.disputeStatus == .open, .group(.text(" "), UI.badge(page.t(ReportWords.disputed), kind: "warn"))),
            .if(report.duplicateOf != nil && report.status != .validated, .group(.text(" "), UI.badge(page.t(Phrase.duplicateFlag), kind: ""))))
    }

    // MARK: compromise reports

    static func newCompromise(_ req: Request, error: String?) async throws -> Response {
        let page = PageContext(req)
        let context = try req.exerciseContext
        let teams = try await Teams.all(in: context.exercise, on: req.db).filter { $0.kind == .blue }
        let zone = TimeZone.iana(context.exercise.timeZone) ?? .gmt
        let now = ExerciseTime.format(req.now, timeZone: zone)
        func keep(_ name: String) -> String? { error == nil ? nil : req.formField(name) }
        let form = UI.form(
            page, action: AppRoute.compromiseNew(context.exercise.slug).path, submit: page.t(ReportWords.fileCompromise),
            UI.select(page.t(S.team), name: "team", options: teams.map { ($0.slug, $0.name) }, selected: keep("team")),
            UI.field(page.t(ReportWords.asset), name: "asset", value: keep("asset"), required: true, hint: page.t(ReportWords.assetHint)),
            UI.field(page.t(ReportWords.techniques), name: "techniques", value: keep("techniques"), required: true, hint: page.t(ReportWords.techniquesHint)),
            UI.select(page.t(ReportWords.access), name: "access_level", options: AccessLevel.allCases.map { ($0.rawValue, page.t(ReportWords.access($0))) }, selected: keep("access_level") ?? "user"),
            UI.checkbox(page.t(ReportWords.persistence), name: "persistence", checked: req.formFlag("persistence")),
            UI.field(page.t(ReportWords.dataAccessed), name: "data_accessed", value: keep("data_accessed"), hint: DataAccessed.allCases.map(\.rawValue).joined(separator: ", ")),
            UI.field(page.t(ReportWords.sourceAddress), name: "source_address", value: keep("source_address"), maxLength: 255),
            UI.field(page.t(ReportWords.targetAddress), name: "target_address", value: keep("target_address"), maxLength: 255),
            UI.field(page.t(ReportWords.compromisedAt), name: "compromised_at", value: keep("compromised_at") ?? now, required: true, hint: page.t(ReportWords.timeHint(context.exercise.timeZone))),
            UI.textArea(page.t(ReportWords.narrative), name: "narrative", value: keep("narrative") ?? "", rows: 10, hint: page.t(ReportWords.narrativeHint)),
            UI.field(page.t(ReportWords.proof), name: "proof", value: keep("proof"), hint: page.t(ReportWords.proofHint), maxLength: TextLimit.flag))
        return Layout.render(page, title: page.t(ReportWords.fileCompromise), crumbs: Layout.crumbs(page, context.exercise), UI.notice(error, error: true), form)
    }

    static func fileCompromise(_ req: Request) async throws -> Response {
        let context = try req.exerciseContext
        let zone = TimeZone.iana(context.exercise.timeZone) ?? .gmt
        do {
            guard let at = req.formField("compromised_at").flatMap({ ExerciseTime.parse($0, timeZone: zone) }) else {
                throw AppError.invalid("compromised_at", .outsideRunningTime)
            }
            let input = Reports.CompromiseInput(
                team: req.formField("team") ?? "", asset: req.formField("asset") ?? "", techniques: list(req.formField("techniques")),
                accessLevel: req.formField("access_level") ?? "", persistence: req.formFlag("persistence"), dataAccessed: list(req.formField("data_accessed")),
                sourceAddress: req.formField("source_address"), targetAddress: req.formField("target_address"), compromisedAt: at,
                narrative: req.formField("narrative") ?? "", proof: req.formField("proof"))
            let report = try await Reports.fileCompromise(input, context: context, by: req.auditActor, app: req.application)
            return req.seeOther(.compromiseReport(context.exercise.slug, report.id!.uuidString), notice: .created)
        } catch let error as AppError where [.unprocessableEntity, .conflict, .notFound].contains(error.status) {
            return try await newCompromise(req, error: error.text(PageContext(req).locale))
        }
    }

    /// Items written one per line or separated by commas.
    private static func list(_ text: String?) -> [String] {
        (text ?? "").split(whereSeparator: { $0 == "," || $0 == "\n" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func compromisePage(_ req: Request, error: String?) async throws -> Response {
        let page = PageContext(req)
        let context = try req.exerciseContext
        let slug = context.exercise.slug
        let report = try await Reports.visibleCompromise(try ReportsAPI.reportID(req), context, on: req.db)
        let id = report.id!.uuidString
        let reader = try await ReportReader.load(context, app: req.application)
        let dto = try await ReportsAPI.compromiseDTO(report, req, reader: reader)
        var facts: [Node<HTML.BodyContext>] = [
            .p(.text(page.t(S.team) + ": "), .strong(.text(dto.teamName)), .text(" · " + page.t(ReportWords.asset) + ": "), .strong(.text(dto.asset))),
            .ul(.class("techniques"), .forEach(dto.techniques) { technique in
                .li(.code(.text(technique.id)), .text(" " + technique.name), .span(.class("muted"), .text(technique.tactics.isEmpty ? "" : " · " + technique.tactics.joined(separator: ", "))))
            }),
            .p(
                .text(page.t(ReportWords.access) + ": " + page.t(ReportWords.access(report.accessLevel))),
                .text(report.persistence ? " · " + page.t(ReportWords.persistence) : ""),
                .text(dto.dataAccessed.isEmpty ? "" : " · " + page.t(ReportWords.dataAccessed) + ": " + dto.dataAccessed.joined(separator: ", "))),
            .p(.text(page.t(ReportWords.compromisedAt) + ": "), page.time(report.compromisedAt)),
        ]
        if let narrative = dto.narrative {
            facts.append(.p(.class("muted"), .text([dto.sourceAddress.map { page.t(ReportWords.sourceAddress) + " " + $0 }, dto.targetAddress.map { page.t(ReportWords.targetAddress) + " " + $0 }].compactMap { $0 }.joined(separator: " → "))))
            facts.append(UI.section(page.t(ReportWords.narrative), Markdown.block(narrative)))
            facts.append(evidenceTable(page, dto.evidence ?? []) { AppRoute.compromiseEvidenceFile(slug, id, $0).path })
        } else if context.role == .blue {
            facts.append(.p(.class("muted"), .text(page.t(ReportWords.detailsLater(report.status == .validated ? reader.rules.evidence.rawValue : "")))))
        }
        if let proof = dto.proof { facts.append(.p(.text(page.t(ReportWords.proof) + ": "), .code(.text(proof)), .text(dto.proofFound.map { " ✓ " + $0 } ?? ""))) }
        var side: [Node<HTML.BodyContext>] = [
            .section(
                .class("panel"),
                .p(statusBadge(page, report)),
                .unwrap(dto.penalty) { .p(.class("challenge-value"), .strong(.text("−\($0)")), .text(" " + page.t(S.points))) },
                .unwrap(dto.tablePenalty) { .p(.class("muted"), .text(page.t(ReportWords.tableSays($0)))) },
                .unwrap(report.duplicateOf) { dup in .p(.text(page.t(ReportWords.duplicateOf) + " "), .a(.href(AppRoute.compromiseReport(slug, dup.uuidString).path), .text("#" + String(dup.uuidString.prefix(8))))) })
        ]
        if context.isWhite {
            if [.pending, .needsEvidence].contains(report.status) {
                side.append(
                    .section(
                        .class("panel"),
                        .h2(.text(page.t(ReportWords.decide))),
                        try await claimLine(req, page, kind: CompromiseSource.kindName, id: report.id!),
                        UI.form(
                            page, action: AppRoute.compromiseDecision(slug, id).path, submit: page.t(ReportWords.decide),
                            UI.select(page.t(ReportWords.verdict), name: "verdict", options: Reports.Verdict.allCases.map { ($0.rawValue, page.t(ReportWords.verdict($0.rawValue))) }, selected: "validated"),
                            UI.field(page.t(ReportWords.penalty), name: "penalty", value: String(report.duplicateOf == nil ? dto.tablePenalty ?? 0 : 0), type: .number, maxLength: nil),
                            UI.textArea(page.t(ReportWords.note), name: "note", value: "", rows: 3, hint: page.t(ReportWords.noteHint)))))
            }
            if report.disputeStatus == .open {
                side.append(
                    .section(
                        .class("panel"),
                        .h2(.text(page.t(ReportWords.decideDispute))),
                        .p(.text(report.disputeReason ?? "")),
                        UI.form(
                            page, action: AppRoute.compromiseDisputeDecision(slug, id).path, submit: page.t(ReportWords.decide),
                            UI.select(page.t(ReportWords.verdict), name: "verdict", options: Reports.DisputeVerdict.allCases.map { ($0.rawValue, page.t(ReportWords.verdict($0.rawValue))) }, selected: "dismissed"),
                            UI.textArea(page.t(ReportWords.note), name: "note", value: "", rows: 3))))
            }
            let suggested = try await Reports.suggestions(for: report, on: req.db)
            side.append(
                .section(
                    .class("panel"), .h2(.text(page.t(ReportWords.matchingIncidents))),
                    suggested.isEmpty ? .p(.class("muted"), .text(page.t(ReportWords.noMatches)))
                        : .ul(.forEach(suggested) { incident in .li(.a(.href(AppRoute.incidentReport(slug, incident.id!.uuidString).path), .text(incident.title)), .text(" · "), page.time(incident.detectedAt)) })))
        }
        if context.role == .blue, report.status == .validated, report.disputeStatus == nil, reader.rules.disputes == .once {
            side.append(
                .section(
                    .class("panel"), .h2(.text(page.t(ReportWords.dispute))),
                    UI.form(page, action: AppRoute.compromiseDispute(slug, id).path, submit: page.t(ReportWords.dispute), confirm: page.t(ReportWords.disputeOnce),
                            UI.textArea(page.t(S.reason), name: "reason", value: "", rows: 3))))
        }
        if context.isWhite || (context.role == .red && [.pending, .needsEvidence].contains(report.status)) {
            side.append(uploadForm(page, action: AppRoute.compromiseEvidence(slug, id).path))
        }
        return Layout.render(
            page, title: page.t(Phrase.compromiseReport) + " #" + String(id.prefix(8)), crumbs: Layout.crumbs(page, context.exercise) + [Layout.Crumb(title: page.t(Phrase.reports), href: AppRoute.reports(slug).path)],
            UI.notice(req.pageNotice(page)), UI.notice(error, error: true),
            .div(.class("with-aside"), .div(.group(facts), UI.section(page.t(ReportWords.history), UI.timeline(history(page, report, dto), empty: ""))),
                 .element(named: "aside", nodes: [.component(Node<HTML.BodyContext>.group(side))])))
    }

    /// A report's files, each linked to its download (`href` from the file's name).
    private static func evidenceTable(_ page: PageContext, _ items: [EvidenceDTO], href: (String) -> String) -> Node<HTML.BodyContext> {
        UI.section(
            page.t(ReportWords.evidence),
            UI.table(
                headers: [page.t(ReportWords.file), page.t(ReportWords.type), "SHA-256", page.t(S.by)],
                rows: items.map { item in
                    [.a(.href(href(item.name)), .text(item.name)), .text("\(item.contentType), \(item.size) B"), .code(.text(String(item.sha256.prefix(16)))), .text(item.uploadedBy)]
                }, empty: page.t(ReportWords.noEvidence)))
    }

    /// Who holds the item: the caller ("claimed by you"), another judge (named), or nobody (a claim button).
    private static func claimLine(_ req: Request, _ page: PageContext, kind: String, id: UUID) async throws -> Node<HTML.BodyContext> {
        let slug = try req.exerciseContext.exercise.slug
        let live = try await JudgingClaim.query(on: req.db).filter(\.$kind == kind).filter(\.$itemID == id)
            .filter(\.$claimedAt > req.now.addingTimeInterval(-Judging.claimLifetime)).first()
        guard let live else {
            return UI.form(page, action: AppRoute.judgingClaim(slug, kind, id.uuidString).path, submit: page.t(Phrase.claim), inline: true)
        }
        let mine = live.judgeID == req.auditActor.id
        return .p(.class(mine ? "muted" : "notice"), .text(page.t(Phrase.claimedLabel) + ": " + (mine ? page.t(ReportWords.you) : live.judgeName)))
    }

    private static func uploadForm(_ page: PageContext, action: String) -> Node<HTML.BodyContext> {
        .section(
            .class("panel"),
            .h2(.text(page.t(ReportWords.addEvidence))),
            .form(
                .class("stack"), .method(.post), .action(action), .enctype(.multipartData), Layout.csrfField(page),
                .div(.class("field"), .label(.span(.class("label-text"), .text(page.t(ReportWords.file))), .input(.type(.file), .name("file")), .small(.class("hint"), .text(page.t(ReportWords.evidenceHint))))),
                .button(.type(.submit), .class("primary"), .text(page.t(ReportWords.addEvidence)))))
    }

    /// What happened to a report, newest first — only what the viewer's DTO carries: a blue team does
    /// not learn which red operator filed it, and an observer reads no judge's or team's words.
    private static func history(_ page: PageContext, _ report: CompromiseReport, _ dto: CompromiseReportDTO) -> [UI.TimelineEntry] {
        var entries = [UI.TimelineEntry(time: page.time(report.createdAt), title: page.t(ReportWords.filed), details: [.text(dto.filedBy ?? "")])]
        if let at = dto.decidedAt ?? (dto.penalty != nil ? report.decidedAt : nil) {
            let judge = dto.decidedBy.map { $0 == ScoreFacts.scoringActor ? page.t(ReportWords.automatic) : $0 }
            entries.append(
                UI.TimelineEntry(
                    time: page.time(at), title: page.t(ReportWords.status(report.status == .withdrawn ? .validated : report.status)),
                    amount: dto.penalty.map { "−\($0)" }, tone: report.status == .rejected ? .neutral : .loss,
                    details: [.text([judge, dto.note].compactMap { $0 }.joined(separator: ": "))]))
        }
        if let dispute = dto.dispute, let at = dispute.at {
            entries.append(UI.TimelineEntry(time: page.time(at), title: page.t(ReportWords.disputed), details: [.text((dispute.by ?? "") + ": " + (dispute.reason ?? ""))]))
            if let decidedAt = dispute.decidedAt {
                let upheld = dispute.status == CompromiseReport.DisputeStatus.upheld.rawValue
                entries.append(
                    UI.TimelineEntry(
                        time: page.time(decidedAt), title: page.t(ReportWords.verdict(dispute.status)), amount: upheld ? "+\(dto.penalty ?? 0)" : nil,
                        tone: upheld ? .gain : .neutral, details: [.text((dispute.decidedBy ?? "") + ": " + (dispute.note ?? ""))]))
            }
        }
        return entries.reversed()
    }

    // MARK: incident reports

    static func newIncident(_ req: Request, error: String?) async throws -> Response {
        let page = PageContext(req)
        let context = try req.exerciseContext
        let zone = TimeZone.iana(context.exercise.timeZone) ?? .gmt
        func keep(_ name: String) -> String? { error == nil ? nil : req.formField(name) }
        let form = UI.form(
            page, action: AppRoute.incidentNew(context.exercise.slug).path, submit: page.t(ReportWords.fileIncident),
            UI.field(page.t(ReportWords.title), name: "title", value: keep("title")),
            UI.field(page.t(ReportWords.detectedAt), name: "detected_at", value: keep("detected_at") ?? ExerciseTime.format(req.now, timeZone: zone), required: true, hint: page.t(ReportWords.timeHint(context.exercise.timeZone))),
            UI.field(page.t(ReportWords.assets), name: "assets", value: keep("assets"), required: true, hint: page.t(ReportWords.assetsHint), maxLength: 2000),
            UI.field(page.t(ReportWords.techniques), name: "techniques", value: keep("techniques"), hint: page.t(ReportWords.techniquesHint)),
            UI.textArea(page.t(ReportWords.indicators), name: "indicators", value: keep("indicators") ?? "", rows: 4, hint: page.t(ReportWords.indicatorsHint)),
            UI.textArea(page.t(ReportWords.actions), name: "actions", value: keep("actions") ?? "", rows: 4),
            UI.textArea(page.t(ReportWords.narrative), name: "narrative", value: keep("narrative") ?? "", rows: 8, hint: page.t(ReportWords.narrativeHint)))
        return Layout.render(page, title: page.t(ReportWords.fileIncident), crumbs: Layout.crumbs(page, context.exercise), UI.notice(error, error: true), form)
    }

    static func fileIncident(_ req: Request) async throws -> Response {
        let context = try req.exerciseContext
        let zone = TimeZone.iana(context.exercise.timeZone) ?? .gmt
        do {
            guard let at = req.formField("detected_at").flatMap({ ExerciseTime.parse($0, timeZone: zone) }) else {
                throw AppError.invalid("detected_at", .outsideRunningTime)
            }
            let input = Reports.IncidentInput(
                title: req.formField("title"), detectedAt: at, assets: list(req.formField("assets")), techniques: list(req.formField("techniques")),
                indicators: (req.formField("indicators") ?? "").split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                actions: req.formField("actions"), narrative: req.formField("narrative") ?? "")
            let report = try await Reports.fileIncident(input, context: context, by: req.auditActor, app: req.application)
            return req.seeOther(.incidentReport(context.exercise.slug, report.id!.uuidString), notice: .created)
        } catch let error as AppError where [.unprocessableEntity, .conflict].contains(error.status) {
            return try await newIncident(req, error: error.text(PageContext(req).locale))
        }
    }

    static func incidentPage(_ req: Request, error: String?) async throws -> Response {
        let page = PageContext(req)
        let context = try req.exerciseContext
        let slug = context.exercise.slug
        let report = try await Reports.visibleIncident(try ReportsAPI.reportID(req), context, on: req.db)
        let id = report.id!.uuidString
        let dto = try await ReportsAPI.incidentDTO(report, req)
        var main: [Node<HTML.BodyContext>] = [
            .p(.text(page.t(S.team) + ": "), .strong(.text(dto.teamName)), .text(" · " + page.t(ReportWords.detectedAt) + ": "), page.time(report.detectedAt)),
            .p(.text(page.t(ReportWords.assets) + ": " + dto.assets.joined(separator: ", "))),
            .ul(.class("techniques"), .forEach(dto.techniques) { .li(.code(.text($0.id)), .text(" " + $0.name)) }),
            .if(!dto.indicators.isEmpty, UI.section(page.t(ReportWords.indicators), .ul(.forEach(dto.indicators) { .li(.code(.text($0))) }))),
            .if(!dto.actions.isEmpty, UI.section(page.t(ReportWords.actions), Markdown.block(dto.actions))),
            UI.section(page.t(ReportWords.narrative), Markdown.block(dto.narrative)),
            evidenceTable(page, dto.evidence) { AppRoute.incidentEvidenceFile(slug, id, $0).path },
        ]
        if let grade = dto.grade {
            main.append(
                UI.section(
                    page.t(ReportWords.grade),
                    UI.table(headers: [page.t(ReportWords.criterion), page.t(ReportWords.level)], rows: grade.levels.sorted { $0.key < $1.key }.map { [.text($0.key), .text($0.value)] }, empty: ""),
                    .p(.strong(.text(page.t(ReportWords.gradeLine(grade.rubricPoints, grade.creditPoints))))),
                    .unwrap(grade.note) { .p(.text($0)) }))
        }
        var side: [Node<HTML.BodyContext>] = [
            .section(.class("panel"), .p(UI.badge(page.t(ReportWords.incidentStatus(report.status)), kind: report.status == .graded ? "ok" : "warn")),
                     .if(report.status == .graded, .p(.class("challenge-value"), .strong(.text("+\((report.rubricPoints ?? 0) + (report.creditPoints ?? 0))")), .text(" " + page.t(S.points)))))
        ]
        if context.isWhite, report.status == .submitted, let rubric = dto.rubric {
            let candidates = try await Reports.suggestions(for: report, on: req.db)
            let others = try await CompromiseReport.query(on: req.db).filter(\.$exerciseID == context.exerciseID).filter(\.$teamID == report.teamID)
                .filter(\.$status == .validated).sort(\.$compromisedAt).limit(100).all()
            let choices = candidates + others.filter { other in !candidates.contains { $0.id == other.id } }
            let suggested = Set(candidates.compactMap(\.id))
            side.append(
                .section(
                    .class("panel"),
                    .h2(.text(page.t(ReportWords.grade))),
                    try await claimLine(req, page, kind: IncidentSource.kindName, id: report.id!),
                    UI.form(
                        page, action: AppRoute.incidentGrade(slug, id).path, submit: page.t(ReportWords.grade),
                        .group(rubric.enumerated().map { index, criterion in
                            UI.select(criterion.criterion, name: "level-\(index)", options: criterion.levels.map { ($0.id, "\($0.id) (\($0.points))") }, selected: nil)
                        }),
                        .if(!choices.isEmpty, .div(.class("field"), .p(.class("label-text"), .text(page.t(ReportWords.coversCompromises))), .group(choices.map { compromise in
                            .div(.class("field check"), .label(
                                .input(.type(.checkbox), .name("compromise[]"), .value(compromise.id!.uuidString), .attribute(named: "checked", value: suggested.contains(compromise.id!) && compromise.status == .validated ? "checked" : nil)),
                                .text(" \(compromise.asset) · \(compromise.techniques.joined(separator: ", ")) · " + page.t(ReportWords.status(compromise.status)) + (suggested.contains(compromise.id!) ? " ★" : ""))))
                        }))),
                        UI.textArea(page.t(ReportWords.note), name: "note", value: "", rows: 3))))
        }
        if (context.isWhite || report.status == .submitted) {
            side.append(uploadForm(page, action: AppRoute.incidentEvidence(slug, id).path))
        }
        return Layout.render(
            page, title: page.t(Phrase.incidentReport) + ": " + report.title, crumbs: Layout.crumbs(page, context.exercise) + [Layout.Crumb(title: page.t(Phrase.reports), href: AppRoute.reports(slug).path)],
            UI.notice(req.pageNotice(page)), UI.notice(error, error: true),
            .div(.class("with-aside"), .div(.group(main)), .element(named: "aside", nodes: [.component(Node<HTML.BodyContext>.group(side))])))
    }
}
