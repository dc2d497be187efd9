import Fluent
import Plot
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

@testable import RampartCore
@testable import RampartKernel
@testable import RampartChallenges
@testable import RampartDefence
@testable import RampartScoring
@testable import RampartServer

/// Every value a user controls reaches pages only through the one escaping path, and nothing an
/// author or participant writes can run in a viewer's browser.
@Suite struct OutputEncodingTests {
    /// Characters that end attributes, open tags, start references, reorder text or hide.
    static let payload = #"x"><x-pwn data-pwn='1'>&amp;&<'"# + "\u{202E}\u{200B}"

    /// A field's value: plain, or with the payload.
    struct Values {
        let hostile: Bool
        func callAsFunction(_ base: String) -> String { hostile ? base + OutputEncodingTests.payload : base }
        /// A file name: no quotes or slashes are allowed in one, the rest of the payload is.
        func file(_ base: String) -> String { hostile ? "<x-pwn data-pwn=1>&amp;'" + base : base }
        /// A long text (descriptions): 10,000 characters of payload when hostile.
        func long(_ base: String) -> String {
            hostile ? base + String(repeating: OutputEncodingTests.payload, count: 10_000 / OutputEncodingTests.payload.count) : base
        }
    }

    /// A YAML double-quoted scalar (JSON's string syntax is YAML's).
    static func q(_ value: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    /// An exercise with every free-text field filled from `v`, plus the things users add later
    /// (tokens, submissions, password changes, an attachment). Returns the challenge's id.
    static func seed(_ app: Application, _ v: Values) async throws -> UUID {
        let yaml = """
            rampart: 1
            users:
              - {username: admin, display_name: \(q(v("Admin"))), admin: true}
              - {username: judge, display_name: \(q(v("Judge")))}
              - {username: blue, display_name: \(q(v("Blue")))}
            exercise:
              slug: ex
              name: \(q(v("Exercise")))
              name_ko: \(q(v("훈련")))
              description: \(q(v.long("About")))
              time_zone: Asia/Seoul
              schedule:
                starts_at: "2027-01-15 09:00"
                ends_at: "2027-01-16 18:00"
                freeze_at: "2027-01-16 16:00"
                windows:
                  - {name: \(q(v("Day 1"))), starts_at: "2027-01-15 09:00", ends_at: "2027-01-15 18:00"}
            teams:
              - {slug: control, kind: white, name: \(q(v("Control"))), name_ko: \(q(v("통제"))), nation: GB, members: [admin, {user: judge, judge: true}]}
              - {slug: blue, kind: blue, name: \(q(v("Blue team"))), name_ko: \(q(v("청팀"))), nation: KR, members: [blue]}
            challenges:
              - name: \(q(v("Ransom note")))
                category: \(q(v("forensics")))
                description: \(q(v.long("Find it.")))
                attribution: \(q(v("Author")))
                connection_info: \(q(v("nc host 1")))
                value: 100
                tags: [\(q(v("tag")))]
                flags: [\(q(v("RAMPART{x}")))]
                hints: [{title: \(q(v("Hint"))), content: \(q(v("Look."))), cost: 0}]
            services:
              - name: web
                check: tcp
                address: "127.0.0.1:1"
                credentials: [{username: \(q(v("svc"))), password: \(q(v("secret-pass")))}]
            """
        let file = try ExerciseFile.read(yaml: yaml)
        _ = try await ExerciseFileStore.apply(file, by: .commandLine("test"), app: app)
        for user in ["admin", "judge", "blue"] {
            try await Accounts.updateUser(user, .init(password: Fixture.password), by: .commandLine("test"), app: app)
        }
        let exercise = try await Exercises.find("ex", on: app.db)
        let challenge = try #require(try await Challenge.query(on: app.db).filter(\.$exercise.$id == exercise.requireID()).first())
        try await TestChallenges.attach(app, try challenge.requireID(), v.file("notes.txt"), Data("x".utf8))
        let blue = try #require(try await User.query(on: app.db).filter(\.$username == "blue").first())
        _ = try await Accounts.issueToken(
            userID: blue.requireID(), username: "blue", name: v("laptop"), lifetime: nil, by: .commandLine("test"), app: app)
        let team = try await Teams.find("blue", in: exercise, on: app.db)
        let service = try await Services.find("web", in: exercise.requireID(), on: app.db)
        try await app.write { db in
            _ = try await Services.changePassword(
                team: team, service: service, username: v("svc"), password: v("new-password"), by: .commandLine("test"), at: Date(), on: db)
        }
        let context = ExerciseContext(exercise: exercise, role: .blue, team: team, judge: false)
        _ = try await Attempts.submit(v("guess"), challengeID: challenge.requireID(), context: context, user: blue.requireID(), source: nil, app: app)
        return try challenge.requireID()
    }

    /// Tag names with their attribute names, counted: what the markup is, whatever the text in it.
    static func shape(_ html: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        let s = Array(html.unicodeScalars)
        var i = 0
        while i < s.count {
            guard s[i] == "<", i + 1 < s.count else {
                i += 1
                continue
            }
            var j = i + 1
            var closing = false
            if s[j] == "/" {
                closing = true
                j += 1
            }
            guard j < s.count, s[j].properties.isAlphabetic || s[j] == "!" else {
                i += 1
                continue
            }
            var name = ""
            while j < s.count, !" \t\n\r/>".unicodeScalars.contains(s[j]) {
                name.unicodeScalars.append(s[j])
                j += 1
            }
            var attributes: [String] = []
            while j < s.count, s[j] != ">" {
                if " \t\n\r/".unicodeScalars.contains(s[j]) {
                    j += 1
                    continue
                }
                var attribute = ""
                while j < s.count, !" \t\n\r/>=".unicodeScalars.contains(s[j]) {
                    attribute.unicodeScalars.append(s[j])
                    j += 1
                }
                attributes.append(attribute)
                if j < s.count, s[j] == "=" {
                    j += 1
                    if j < s.count, s[j] == "\"" || s[j] == "'" {
                        let quote = s[j]
                        j += 1
                        while j < s.count, s[j] != quote { j += 1 }
                        j += 1
                    } else {
                        while j < s.count, !" \t\n\r>".unicodeScalars.contains(s[j]) { j += 1 }
                    }
                }
            }
            counts[(closing ? "/" : "") + name.lowercased() + "[" + attributes.sorted().joined(separator: ",") + "]", default: 0] += 1
            i = j + 1
        }
        return counts
    }

    struct Visit {
        var role: String
        var label: String
        var status: HTTPStatus
        var html: String
        var isHTML = true
    }

    /// Every page, as an administrator and as a blue-team member, and the forms that echo what was
    /// sent (a failed login, a challenge that does not read, an exercise file with problems).
    static func visit(_ app: Application, _ v: Values, challenge: UUID) async throws -> [Visit] {
        let window = try #require(try await ScheduleWindow.query(on: app.db).first())
        let pages = app.routes.all.filter { route in
            let first = route.path.first?.description ?? ""
            return route.method == .GET && !["api", "static", "metrics", "healthz", "livez"].contains(first)
        }
        var visits: [Visit] = []
        for role in ["admin", "blue"] {
            let browser = Browser(app)
            try await browser.logIn(role)
            for route in pages {
                let path = route.concretePath { name in
                    switch name {
                    case "slug": "ex"
                    case "team": "blue"
                    case "username": "blue"
                    case "window": window.id!.uuidString
                    case "challenge": challenge.uuidString
                    case "service": "web"
                    default: "x"
                    }
                }
                let response = try await browser.get(path)
                visits.append(
                    Visit(
                        role: role, label: "GET \(route.description)", status: response.status, html: response.body.string,
                        isHTML: response.headers.contentType == .html))
            }
            // Filters echo what was typed: the audit trail's, in both of its places.
            var query = URLComponents()
            query.queryItems = [
                URLQueryItem(name: "actor", value: v("judge")), URLQueryItem(name: "subject", value: v.long("blue")),
                URLQueryItem(name: "action", value: v("team")),
            ]
            for path in ["/admin/audit", "/exercises/ex/audit"] {
                let response = try await browser.get(path + "?" + (query.percentEncodedQuery ?? ""))
                visits.append(Visit(role: role, label: "filtered \(path)", status: response.status, html: response.body.string))
            }
            let missing = try await browser.get("/exercises/" + (v("nope").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            visits.append(Visit(role: role, label: "missing exercise", status: missing.status, html: missing.body.string))
            if role == "admin" {
                try await browser.get("/exercises/ex/challenges/new")
                let broken = try await browser.post("/exercises/ex/challenges/new", ["source": "name: " + q(v("n")) + "\nvalue: [" + q(v("x"))])
                visits.append(Visit(role: role, label: "challenge that does not read", status: broken.status, html: broken.body.string))
                try await browser.get("/admin/import")
                let file = try await browser.post("/admin/import", ["file": "rampart: 1\nexercise: {slug: " + q(v("Bad")) + "}"])
                visits.append(Visit(role: role, label: "exercise file with problems", status: file.status, html: file.body.string))
            }
        }
        let anonymous = Browser(app)
        let login = try await anonymous.get("/login?next=" + (v("/exercises").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        visits.append(Visit(role: "anonymous", label: "login with next", status: login.status, html: login.body.string))
        let failed = try await anonymous.post("/login", ["username": v("nobody"), "password": "wrong password", "next": v("/x")])
        visits.append(Visit(role: "anonymous", label: "failed login", status: failed.status, html: failed.body.string))
        return visits
    }

    @Test(arguments: TestDatabase.all)
    func hostileValuesInEveryFieldLeaveEveryPageItsMarkup(_ database: TestDatabase) async throws {
        // setup: the same exercise twice, once with plain values and once with the payload in every field
        var plain: [Visit] = []
        var hostile: [Visit] = []
        try await withRampart(database) { app, _ in
            let challenge = try await Self.seed(app, Values(hostile: false))
            plain = try await Self.visit(app, Values(hostile: false), challenge: challenge)
        }
        try await withRampart(database) { app, _ in
            let challenge = try await Self.seed(app, Values(hostile: true))
            if database == .sqlite, let sql = app.db as? any SQLDatabase {
                // A NUL that reached the database some other way is still not written into a page.
                try await sql.raw("UPDATE users SET display_name = 'Blue' || char(0) || 'x' WHERE username = 'blue'").run()
            }
            // act
            hostile = try await Self.visit(app, Values(hostile: true), challenge: challenge)
        }
        // check
        #expect(plain.count == hostile.count && plain.count > 60)
        for (a, b) in zip(plain, hostile) {
            #expect(a.label == b.label)
            #expect(b.status != .internalServerError, "\(b.role) \(b.label): 500")
            guard b.isHTML else { continue }
            let injected = b.html.contains("<x-pwn")
            let nul = b.html.unicodeScalars.contains("\0")
            #expect(!injected, "\(b.role) \(b.label) let markup through")
            #expect(!nul, "\(b.role) \(b.label) wrote a NUL")
            guard a.status == b.status else {
                Issue.record("\(b.role) \(b.label): \(a.status.code) with plain values, \(b.status.code) with hostile ones")
                continue
            }
            let (shapeA, shapeB) = (Self.shape(a.html), Self.shape(b.html))
            if shapeA != shapeB {
                let keys = Set(shapeA.keys).union(shapeB.keys).filter { shapeA[$0] != shapeB[$0] }.sorted()
                Issue.record("\(b.role) \(b.label): markup differs: \(keys.map { "\($0) \(shapeA[$0] ?? 0)→\(shapeB[$0] ?? 0)" })")
            }
        }
        // The payload is shown as the text it is.
        let admin = try #require(hostile.first { $0.role == "admin" && $0.label.hasSuffix("/admin/users/:username") })
        #expect(admin.html.contains("value=\"Blue"))
        #expect(hostile.contains { $0.html.contains("x&quot;&gt;&lt;x-pwn data-pwn=&#39;1&#39;&gt;&amp;amp;&amp;&lt;&#39;") })
    }

    @Test func markdownFromAuthorsCannotRunOrLeaveItsBlock() {
        let cases: [(String, String)] = [
            ("<script src=\"/api/v1/exercises/ex/challenges/1/files/notes.js\"></script>", "<script"),
            ("<img src=x onerror=alert(1)>", "onerror"),
            ("[click](javascript:alert(1))", "javascript:"),
            ("[click](JaVaScRiPt&#58;alert(1))", "alert"),
            ("<a href=\"java\tscript:alert(1)\">x</a>", "script:"),
            ("<a href=\"&#106;avascript:alert(1)\">x</a>", "avascript"),
            ("<iframe src=\"//evil\"></iframe>", "<iframe"),
            ("<svg><script>alert(1)</script></svg>", "<svg"),
            ("<div style=\"position:fixed\">x</div>", "style="),
            ("<form action=\"/admin/users\"><input name=admin></form>", "<form"),
            ("<a href=\"//evil.example\">x</a>", "evil.example\""),
            ("</div></main><p>out</p>", "</main>"),
            ("<base href=\"http://evil/\">", "<base"),
            ("<meta http-equiv=refresh content=\"0;url=http://evil\">", "<meta"),
            ("<!-- <script>alert(1)</script> -->", "<script"),
            ("<p title=\"a\" onclick=\"x\">x</p>", "onclick"),
            ("<img src=\"data:text/html,<script>alert(1)</script>\">", "data:"),
        ]
        for (source, forbidden) in cases {
            let html = Markdown.html(source)
            #expect(!html.contains(forbidden), "\(source) → \(html)")
        }
        // What is allowed stays.
        let kept = Markdown.html("**bold** `code` [site](https://example.org/a?b=1&c=2) [rel](/exercises/ex) ![pic](/x.png)\n\n<kbd>Ctrl</kbd>")
        #expect(kept.contains("<strong>bold</strong>"))
        #expect(kept.contains("<a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"noopener noreferrer\">site</a>"))
        #expect(kept.contains("<a href=\"/exercises/ex\""))
        #expect(kept.contains("<img src=\"/x.png\""))
        #expect(kept.contains("<kbd>Ctrl</kbd>"))
        // Stray closing tags cannot close the page's own elements; open ones are closed.
        #expect(Markdown.html("</div></div>x") == "<p>x</p>" || !Markdown.html("</div></div>x").contains("</div>"))
        #expect(Markdown.sanitize("<ul><li>a") == "<ul><li>a</li></ul>")
    }

    @Test(arguments: TestDatabase.all)
    func attachmentsAreServedAsDownloadsThatCannotRun(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup: a judge uploads a script as an attachment
            let fixture = try await Fixture.make(app)
            let challenge = try await TestChallenges.add(app, fixture)
            let judge = try await fixture.headers(.judge)
            let upload = try await app.testing().sendRequest(
                .POST, "/api/v1/exercises/ex/challenges/\(challenge)/files?name=notes.js", headers: judge,
                body: ByteBuffer(string: "fetch('/admin/users/blue',{method:'POST',body:'admin=true'})"))
            #expect(upload.status == .ok)
            // act
            let file = try await app.testing().sendRequest(
                .GET, "/api/v1/exercises/ex/challenges/\(challenge)/files/notes.js", headers: try await fixture.headers(.admin))
            let page = try await app.testing().sendRequest(.GET, "/exercises/ex/challenges/\(challenge)", headers: try await fixture.headers(.admin))
            // check
            #expect(file.status == .ok)
            #expect(file.headers.first(name: .contentType) == "application/octet-stream")
            #expect(file.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(file.headers.first(name: .contentDisposition)?.hasPrefix("attachment;") == true)
            #expect(file.headers.first(name: "Content-Security-Policy")?.contains("sandbox") == true)
            let policy = try #require(page.headers.first(name: "Content-Security-Policy"))
            for directive in ["base-uri 'none'", "object-src 'none'", "form-action 'self'", "frame-ancestors 'none'", "script-src 'nonce-"] {
                #expect(policy.contains(directive), "\(directive) missing from \(policy)")
            }
            #expect(!policy.contains("script-src 'self'"))
            // Only the page's own script tag carries the nonce.
            let nonce = try #require(policy.split(separator: "'").first { $0.hasPrefix("nonce-") }).dropFirst("nonce-".count)
            #expect(page.body.string.components(separatedBy: "nonce=\"\(nonce)\"").count == 2)
            // Every answer, JSON included, carries the headers.
            let json = try await app.testing().sendRequest(.GET, "/api/v1/me", headers: judge)
            #expect(json.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(json.headers.first(name: "Content-Security-Policy") == SecurityHeadersMiddleware.lockedDown)
        }
    }

    /// A nil attribute value means "leave it out": when nil once became a boolean attribute, every
    /// form asked for confirmation and every field was required and checked. (The page script's
    /// `defer`, a boolean attribute that must be there, is checked on the login page.)
    @Test func optionalAttributesAreLeftOutAndBooleanOnesKept() {
        let plain = UI.field("Name", name: "name", maxLength: nil).render()
        let required = UI.field("Name", name: "name", required: true).render()
        let unchecked = UI.checkbox("Visible", name: "visible", checked: false).render()
        let checked = UI.checkbox("Visible", name: "visible", checked: true).render()
        for absent in ["required", "maxlength", "autocomplete", "aria-describedby"] {
            #expect(!plain.contains(absent), "\(absent) in \(plain)")
        }
        #expect(required.contains(#"required="required""#))
        #expect(!unchecked.contains("checked"))
        #expect(checked.contains(#"checked="checked""#))
    }

    /// The fast table body writes what Plot's elements wrote: cells rendered and escaped, classes only
    /// where they say something.
    @Test func aTableBodyWritesWhatPlotsElementsWrote() {
        let row = [UI.text(#"<b>"x"</b> & 'y'"#), UI.link("link", #"/a?b=1&c="2""#)]
        let html = UI.table(headers: ["A", "B"], numeric: [1], rows: [row, row], highlighted: [0], empty: "none").render()
        let cells = #"<td>&lt;b&gt;"x"&lt;/b&gt; &amp; 'y'</td><td class="num"><a href="/a?b=1&amp;c=&quot;2&quot;">link</a></td>"#
        #expect(html.contains(#"<thead><tr><th>A</th><th class="num">B</th></tr></thead>"#), "\(html)")
        #expect(html.contains(#"<tbody><tr class="mine">"# + cells + "</tr><tr>" + cells + "</tr></tbody>"), "\(html)")
    }

    /// The chart's coordinates have one decimal, within half a tenth of the value (as `%.1f` wrote them,
    /// ties aside), whatever the sign.
    @Test func chartCoordinatesHaveOneDecimal() {
        for value in stride(from: -250.0, through: 1250.0, by: 0.37) {
            let written = ScoreChart.decimal(value)
            #expect(written.wholeMatch(of: /-?[0-9]+\.[0-9]/) != nil && abs((Double(written) ?? .nan) - value) <= 0.0500001, "\(value) → \(written)")
        }
        #expect(ScoreChart.decimal(12) == "12.0" && ScoreChart.decimal(-3.26) == "-3.3" && ScoreChart.decimal(0.04) == "0.0")
    }

    @Test func loginSendsOnlyToPathsOnThisSite() {
        for hostile in [
            "//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "https://evil.example", "javascript:alert(1)",
            "/x\r\nSet-Cookie: a=b", "\\\\evil", "/ /evil", "", "exercises", "/\u{0085}/evil",
        ] {
            #expect(AccountPages.safeNext(hostile) == "/exercises", "\(hostile.debugDescription)")
        }
        #expect(AccountPages.safeNext("/exercises/ex/challenges?x=1#top") == "/exercises/ex/challenges?x=1#top")
    }

    @Test(arguments: TestDatabase.all)
    func aTabInNextNeverReachesTheLocationHeader(_ database: TestDatabase) async throws {
        try await withRampart(database) { app, _ in
            // setup
            _ = try await Fixture.make(app)
            let browser = Browser(app)
            try await browser.get("/login")
            // act
            let response = try await browser.post("/login", ["username": "blue", "password": Fixture.password, "next": "/\t/evil.example"])
            // check
            #expect(response.status == .seeOther)
            #expect(response.headers.first(name: .location) == "/exercises")
        }
    }

    /// The escaping is one path only if nothing else writes raw markup.
    @Test func onlyTheEscapingAndMarkdownFilesWriteRawMarkup() throws {
        let allowed: Set<String> = ["HTMLEscaping.swift", "Markdown.swift"]
        var checked = 0
        for (path, text) in try SourceRulesTests.swiftSources() {
            checked += 1
            guard !allowed.contains(URL(fileURLWithPath: path).lastPathComponent) else { continue }
            for forbidden in ["Attribute(name:", "Node.raw", "MarkdownParser("] {
                #expect(!text.contains(forbidden), "\(path) uses \(forbidden): go through HTMLEscaping or Markdown")
            }
            // `.raw(…)` as a Plot node (a leading dot), not SQLKit's `sql.raw(…)`.
            let rawNode = try NSRegularExpression(pattern: #"(^|[^A-Za-z0-9_)\]])\.raw\("#, options: [.anchorsMatchLines])
            #expect(
                rawNode.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil,
                "\(path) writes raw markup: go through HTMLEscaping or Markdown")
        }
        #expect(checked > 80)
    }
}
