import Fluent
import Prometheus
import RampartChallenges
import RampartDefence
import RampartKernel
import RampartScoring
import SQLKit
import Vapor

/// `/livez`, `/healthz`, `/metrics`, the OpenAPI document and the static assets.
enum Operations {
    /// `/livez`'s answer, encoded once.
    private static let alive = ByteBuffer(string: #"{"status":"ok"}"#)

    static func register(_ routes: any RoutesBuilder) {
        // Liveness: the process answers HTTP. No database: a proxy or orchestrator that restarts on
        // failure should not restart every node because the database is slow.
        routes.endpoint(.GET, .livez, .anyone) { _ async throws -> Response in
            Response(status: .ok, headers: ["Content-Type": "application/json; charset=utf-8"], body: .init(buffer: alive))
        }
        // Readiness: the database answers too.
        routes.endpoint(.GET, .healthz, .anyone) { req async throws -> Response in
            do {
                guard let sql = req.db as? any SQLDatabase else { throw AppError.notFound("SQL database") }
                try await sql.raw("SELECT 1").run()
                return try await ["status": "ok"].encodeResponse(for: req)
            } catch {
                req.logger.error("health check failed: \(String(reflecting: error))")
                let response = try await ["status": "database unavailable"].encodeResponse(for: req)
                response.status = .serviceUnavailable
                return response
            }
        }
        routes.endpoint(.GET, .metrics, .anyone) { req async throws -> Response in
            var buffer: [UInt8] = []
            req.application.metrics.registry.emit(into: &buffer)
            if let hub = req.application.liveHub { buffer += Array(liveMetrics(hub).utf8) }
            let response = Response(status: .ok, body: .init(data: Data(buffer)))
            response.headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
            return response
        }
        routes.endpoint(.GET, .openAPI, .anyone) { req async throws -> Response in
            asset(req, "openapi.yaml", type: "application/yaml; charset=utf-8")
        }
        routes.endpoint(.GET, .stylesheet, .anyone) { req async throws -> Response in
            asset(req, "static/rampart.css", type: "text/css; charset=utf-8")
        }
        routes.endpoint(.GET, .script, .anyone) { req async throws -> Response in
            asset(req, "static/rampart.js", type: "text/javascript; charset=utf-8")
        }
        routes.endpoint(.GET, .icon, .anyone) { req async throws -> Response in
            asset(req, "static/rampart.svg", type: "image/svg+xml")
        }
    }

    /// The live hub's counters in Prometheus' text format, read from the hub at each scrape.
    static func liveMetrics(_ hub: LiveHub) -> String {
        let stats = hub.stats
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ value: Int) {
            lines += ["# HELP rampart_live_\(name) \(help)", "# TYPE rampart_live_\(name) \(type)", "rampart_live_\(name) \(value)"]
        }
        metric("connections", "gauge", "Live WebSocket connections open on this node", hub.connectionCount)
        metric("connections_opened_total", "counter", "Live connections accepted", stats.opened.current)
        metric("connections_refused_total", "counter", "Live connections refused over the limits", stats.refused.current)
        metric("messages_sent_total", "counter", "Live messages written to viewers", stats.sent.current)
        metric("drops_total", "counter", "Viewers disconnected for falling behind (they resume with since)", stats.dropped.current)
        metric("events_read_total", "counter", "Events this node read from live_events", stats.eventsRead.current)
        metric("reads_total", "counter", "Reads of live_events (about one a second when idle)", stats.reads.current)
        metric("read_errors_total", "counter", "Failed reads of live_events", stats.readErrors.current)
        metric("listen_reconnects_total", "counter", "Times the PostgreSQL LISTEN connection was opened again", stats.listenReconnects.current)
        metric("listening", "gauge", "1 while the PostgreSQL LISTEN connection is up", stats.listening.current)
        let lag = stats.lag.snapshot
        lines += [
            "# HELP rampart_live_notify_lag_seconds From a commit's NOTIFY to this node receiving it",
            "# TYPE rampart_live_notify_lag_seconds histogram",
        ]
        for (bound, count) in zip(LagRecorder.bounds, lag.counts) { lines.append("rampart_live_notify_lag_seconds_bucket{le=\"\(bound)\"} \(count)") }
        lines += [
            "rampart_live_notify_lag_seconds_bucket{le=\"+Inf\"} \(lag.count)", "rampart_live_notify_lag_seconds_sum \(lag.sum)",
            "rampart_live_notify_lag_seconds_count \(lag.count)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Files shipped in the module bundle, read once.
    static let assets: [String: Data] = {
        var files: [String: Data] = [:]
        for name in ["openapi.yaml", "static/rampart.css", "static/rampart.js", "static/rampart.svg"] {
            if let url = Bundle.module.url(forResource: "Resources/\(name)", withExtension: nil), let data = try? Data(contentsOf: url) {
                files[name] = data
            }
        }
        return files
    }()

    static func asset(_ req: Request, _ name: String, type: String) -> Response {
        guard let data = assets[name] else { return Response(status: .notFound) }
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: type)
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
        return response
    }
}

/// Request counts, latencies and errors, in Prometheus format at `/metrics`.
final class RampartMetrics: Sendable {
    // MetricNameDescriptor is immutable (all `let`s) but not marked Sendable upstream.
    let registry = PrometheusCollectorRegistry()

    private nonisolated(unsafe) static let requests = MetricNameDescriptor(
        namespace: "rampart", subsystem: "http", metricName: "requests", unitName: "total", helpText: "HTTP requests by route and status")
    private nonisolated(unsafe) static let duration = MetricNameDescriptor(
        namespace: "rampart", subsystem: "http", metricName: "request_duration", unitName: "seconds", helpText: "HTTP request latency by route")
    private nonisolated(unsafe) static let errors = MetricNameDescriptor(
        namespace: "rampart", subsystem: "http", metricName: "errors", unitName: "total", helpText: "HTTP 5xx answers by route")
    private static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    func observe(method: String, route: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.requests, labels: [("method", method), ("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.duration, labels: [("method", method), ("route", route)], buckets: Self.buckets).record(
            duration)
        if status >= 500 {
            registry.makeCounter(descriptor: Self.errors, labels: [("method", method), ("route", route)]).increment()
        }
    }
}

extension Application {
    private struct MetricsKey: StorageKey {
        typealias Value = RampartMetrics
    }

    var metrics: RampartMetrics {
        if let metrics = storage[MetricsKey.self] { return metrics }
        let metrics = RampartMetrics()
        storage[MetricsKey.self] = metrics
        return metrics
    }
}

struct MetricsMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next.respond(to: request)
        let elapsed = ContinuousClock.now - start
        // The route pattern, not the path, so label cardinality stays bounded.
        let route = request.route.map { "/" + $0.path.map(\.description).joined(separator: "/") } ?? "unmatched"
        request.application.metrics.observe(method: request.method.rawValue, route: route, status: Int(response.status.code), duration: elapsed)
        return response
    }
}
