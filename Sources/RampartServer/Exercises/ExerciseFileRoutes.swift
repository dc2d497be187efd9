import Fluent
import Plot
import RampartCore
import RampartChallenges
import RampartDefence
import RampartKernel
import RampartScoring
import Vapor

/// The exercise file over the web: the administrator's import page, the API's apply, and the export
/// (page and API). Apart from the exercise pages because an exercise file holds every feature's part.
enum ExerciseFileRoutes {
    static func register(_ routes: any RoutesBuilder) {
        routes.endpoint(.GET, .importFile, .admin) { req async throws -> Response in
            importPage(req, yaml: "", report: nil, error: nil)
        }
        routes.endpoint(.POST, .importFile, .admin) { req async throws -> Response in
            let yaml = (try? req.content.get(String.self, at: "file")) ?? ""
            do {
                let file = try ExerciseFile.read(yaml: yaml, sections: req.application.exerciseFileSections)
                let report = try await ExerciseFileStore.apply(file, dryRun: req.formFlag("dry_run"), by: req.auditActor, app: req.application)
                return importPage(req, yaml: yaml, report: report, error: nil)
            } catch let error as ExerciseFileError {
                return importPage(req, yaml: yaml, report: nil, error: error.issues.map(\.description).joined(separator: "\n"))
            }
        }
        routes.endpoint(.GET, .exerciseFile(AppRoute.param.slug), .white) { req async throws -> Response in
            try await exportResponse(req)
        }
        routes.endpoint(.GET, .apiExerciseExport(AppRoute.param.slug), .white) { req async throws -> Response in
            try await exportResponse(req)
        }
        routes.endpoint(.PUT, .apiExerciseFile, .admin) { req async throws -> ApplyReportDTO in
            guard let buffer = req.body.data, buffer.readableBytes > 0 else {
                throw AppError.badRequest("invalid_body", "Send the exercise file (YAML) as the request body")
            }
            let file = try ExerciseFile.read(yaml: String(decoding: buffer.readableBytesView, as: UTF8.self), sections: req.application.exerciseFileSections)
            let dryRun = try req.query.flag("dry_run")
            let report = try await ExerciseFileStore.apply(file, dryRun: dryRun, by: req.auditActor, app: req.application)
            return ApplyReportDTO(exercise: report.exercise, dryRun: report.dryRun, changes: report.changes, untouched: report.untouched)
        }
    }

    struct ApplyReportDTO: Content {
        var exercise: String
        var dryRun: Bool
        var changes: [String]
        var untouched: [String]

        enum CodingKeys: String, CodingKey {
            case exercise, changes, untouched
            case dryRun = "dry_run"
        }
    }

    /// The exercise file as a YAML download.
    static func exportResponse(_ req: Request) async throws -> Response {
        let slug = try req.parameters.require("slug")
        let file = try await ExerciseFileStore.export(slug, app: req.application)
        let response = Response(status: .ok, body: .init(string: file.yaml()))
        response.headers.replaceOrAdd(name: .contentType, value: "application/yaml; charset=utf-8")
        response.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(slug).yaml\"")
        return response
    }

    static func importPage(_ req: Request, yaml: String, report: ExerciseFileStore.Report?, error: String?) -> Response {
        let page = PageContext(req)
        return Layout.render(
            page, title: page.t(.importExerciseFile),
            .p(.text(page.t(.importExplain))),
            UI.notice(error, error: true),
            .unwrap(report) { report in
                .div(
                    .class("notice"), .attribute(named: "role", value: "status"),
                    .p(
                        .text(report.dryRun ? page.t(.dryRunResult) : page.t(.applied)), .text(" "),
                        .a(.href(AppRoute.exercise(report.exercise).path), .text(report.exercise))),
                    report.changes.isEmpty ? .p(.text(page.t(.noChanges))) : .ul(.forEach(report.changes) { .li(.text($0)) }),
                    .if(!report.untouched.isEmpty, .group(.p(.text(page.t(.untouched))), .ul(.forEach(report.untouched) { .li(.text($0)) })))
                )
            },
            UI.form(
                page, action: AppRoute.importFile.path, submit: page.t(.apply),
                UI.textArea(page.t(.exerciseFile), name: "file", value: yaml, rows: 20),
                UI.checkbox(page.t(.dryRun), name: "dry_run", checked: false)
            )
        )
    }
}
