import Foundation
import Testing
import Vapor
import VaporTesting
import Yams

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// The API document, the pages, the string catalogue and the operations endpoints.
@Suite struct SurfaceTests {
    @Test func openAPIDocumentAndRoutesAgree() async throws {
        try await withRampart(.sqlite) { app, _ in
            // setup
            let served = try await app.testing().sendRequest(.GET, "/api/openapi.yaml")
            let document = try #require(try Yams.load(yaml: served.body.string) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let methods: Set<String> = ["get", "post", "put", "patch", "delete"]
            var documented: Set<String> = []
            for (path, item) in paths {
                for method in item.keys where methods.contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                    let operation = item[method] as? [String: Any]
                    #expect(operation?["x-rampart-access"] != nil, "\(method) \(path) does not say who may call it")
                }
            }
            // act
            var registered: Set<String> = []
            for route in app.routes.all {
                let path = route.concretePath { "{\($0)}" }
                if path.hasPrefix("/api/") { registered.insert("\(route.method.rawValue) \(path)") }
            }
            // check
            #expect(served.status == .ok)
            #expect(
                registered.subtracting(documented).isEmpty, "routes missing from docs/openapi.yaml: \(registered.subtracting(documented).sorted())")
            #expect(documented.subtracting(registered).isEmpty, "documented but not served: \(documented.subtracting(registered).sorted())")
        }
    }

    @Test(arguments: TestDatabase.all)
    func everyPageRendersInEnglishAndKorean(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            let fixture = try await Fixture.make(app)
            try await Exercises.addWindow(
                "ex", name: "Day 1", startsAt: Date(timeIntervalSince1970: 1_800_000_000), endsAt: Date(timeIntervalSince1970: 1_800_030_000),
                by: .commandLine("test"), app: app)
            let window = try #require(try await ScheduleWindow.query(on: app.db).first())
            let challenge = try await TestChallenges.add(app, fixture)
            _ = try await app.write { db in
                try await Services.save(
                    try Services.parse("name: web\ncheck: tcp\naddress: \"127.0.0.1:1\"\ncredentials: [{username: admin, password: x}]"),
                    exerciseID: fixture.exercise.id!, host: app.checkHost, by: .commandLine("test"), at: Date(), on: db)
            }
            // A compromise report and an incident report, each with a file, for the reports' pages.
            _ = try await Exercises.move("ex", to: .running, by: .commandLine("test"), app: app)
            func post(_ role: Fixture.Role, _ path: String, _ body: ByteBuffer, json: Bool = true) async throws -> String {
                var headers = try await fixture.headers(role)
                if json { headers.contentType = .json }
                let response = try await app.testing().sendRequest(.POST, "/api/v1/exercises/ex" + path, headers: headers, body: body)
                return try #require((try response.json() as? [String: Any])?["id"] as? String, "\(path): \(response.body.string)")
            }
            let now = app.dependencies.now().formatted(.iso8601)
            let compromise = try await post(.red, "/compromise-reports", .json([
                "team": "blue", "asset": "web", "techniques": ["T1190"], "access_level": "user", "compromised_at": now, "narrative": "In",
            ]))
            let incident = try await post(.blue, "/incident-reports", .json(["detected_at": now, "assets": ["web"], "narrative": "Seen"]))
            _ = try await post(.red, "/compromise-reports/\(compromise)/evidence?name=e.txt", ByteBuffer(string: "log"), json: false)
            _ = try await post(.blue, "/incident-reports/\(incident)/evidence?name=e.txt", ByteBuffer(string: "log"), json: false)
            let pages = app.routes.all.filter { route in
                let first = route.path.first?.description ?? ""
                // Pages of one team kind that is not the white team's (a blue team's incident form) are not the administrator's.
                if case .exercise(let kinds) = route.access, !kinds.contains(.white) { return false }
                return route.method == .GET && !["api", "static", "metrics", "healthz", "livez"].contains(first)
            }
            let browser = Browser(app)
            try await browser.logIn("admin")
            for locale in ["en", "ko"] {
                try await browser.post("/language", ["locale": locale, "next": "/exercises"])
                for route in pages {
                    let path =
                        "/"
                        + route.path.map { component -> String in
                            switch component {
                            case .parameter("slug"): "ex"
                            case .parameter("team"): "blue"
                            case .parameter("username"): "blue"
                            case .parameter("window"): window.id!.uuidString
                            case .parameter("challenge"): challenge.uuidString
                            case .parameter("service"): "web"
                            case .parameter("report"): route.path.contains(.constant("incident-reports")) ? incident : compromise
                            case .parameter("file"): "e.txt"
                            default: component.description
                            }
                        }.joined(separator: "/")
                    // act
                    let response = try await browser.get(path)
                    // check
                    #expect(response.status == .ok || response.status == .seeOther, "GET \(path) in \(locale): \(response.status)")
                    let type = response.headers.contentType
                    if type == .html {
                        let html = response.body.string
                        #expect(html.hasPrefix("<!DOCTYPE html>"), "GET \(path)")
                        #expect(html.contains("lang=\"\(locale)\""), "GET \(path) is not in \(locale)")
                        #expect(
                            !html.contains("<input") || html.contains("name=\"_csrf\"") || path == "/exercises/ex/audit" || path == "/admin/audit")
                    }
                }
            }
            let korean = try await browser.get("/exercises/ex")
            #expect(korean.body.string.contains("훈련 통제"))
            _ = fixture
        }
    }

    @Test(arguments: TestDatabase.all)
    func eachRoleSeesTheExerciseHomeWithTheirTeam(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let fixture = try await Fixture.make(app)
            for role in [Fixture.Role.white, .red, .blue, .green, .yellow] {
                let page = try await app.testing().sendRequest(.GET, "/exercises/ex", headers: try await fixture.headers(role))
                let html = page.body.string
                #expect(page.status == .ok)
                #expect(html.contains("\(role.kind!.rawValue) team"))
                #expect(html.contains("Exercise control") == (role == .white), "\(role) control panel")
                let ownCode = fixture.teams[role.kind!]!.joinCode
                #expect(html.contains(ownCode) == (role != .white))
                for other in TeamKind.allCases where other != role.kind! {
                    #expect(!html.contains(fixture.teams[other]!.joinCode), "\(role) sees \(other)'s join code")
                }
            }
        }
    }

    @Test func timesShowInTheViewersZoneAndTheExercises() async throws {
        try await withRampart(.sqlite) { app, clock in
            // setup: the exercise is in Seoul; the viewer's browser says London
            let fixture = try await Fixture.make(app)
            var headers = try await fixture.headers(.blue)
            headers.add(name: "Cookie", value: "rampart_tz=Europe%2FLondon")
            // act
            let page = try await app.testing().sendRequest(.GET, "/exercises/ex", headers: headers)
            // check: 1_800_000_000 is 2027-01-15 08:00 UTC, 17:00 in Seoul
            let html = page.body.string
            #expect(html.contains("08:00 Europe/London (UTC+0)"))
            #expect(html.contains("17:00 Asia/Seoul (UTC+9)"))
            _ = clock
        }
    }

    @Test func theStringCatalogueIsCompleteInBothLanguages() throws {
        for key in S.allCases {
            #expect(!key.en.isEmpty && !key.ko.isEmpty, "\(key)")
        }
        // Korean is not English copied: allow only a handful of identical strings (names like "API").
        let identical = S.allCases.filter { $0.en == $0.ko }
        #expect(identical.isEmpty, "untranslated: \(identical)")
        // Every feature's catalogue: a phrase needs both languages to compile; one left empty or
        // copied from the English is caught here.
        let phrases = try SourceRulesTests.swiftSources().filter { $0.path.hasSuffix("Strings.swift") }.flatMap { file in
            file.text.matches(of: /Phrase\("([^"]*)", ko: "([^"]*)"\)/).map { (file.path, String($0.1), String($0.2)) }
        }
        #expect(phrases.count > 150, "\(phrases.count) phrases found")
        let copied = phrases.filter { $0.1 == $0.2 || $0.1.isEmpty || $0.2.isEmpty }
        #expect(copied.isEmpty, "untranslated: \(copied)")
    }

    @Test(arguments: TestDatabase.all)
    func healthAndMetricsAnswer(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            let health = try await app.testing().sendRequest(.GET, "/healthz")
            let live = try await app.testing().sendRequest(.GET, "/livez")
            #expect(live.status == .ok && live.body.string == #"{"status":"ok"}"#)
            _ = try await app.testing().sendRequest(.GET, "/login")
            let metrics = try await app.testing().sendRequest(.GET, "/metrics")
            #expect(health.status == .ok)
            #expect(metrics.status == .ok)
            #expect(metrics.body.string.contains("rampart_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"}"))
            #expect(metrics.body.string.contains("rampart_http_request_duration_seconds_bucket"))
        }
    }
}
