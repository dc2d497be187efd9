import Foundation
import Yams

extension ExerciseFile {
    /// The file as YAML that `read(yaml:)` accepts and reads back to an equal value.
    public func yaml() -> String {
        let zone = TimeZone.iana(exercise.timeZone) ?? .gmt
        var top: [(Node, Node)] = [
            (key("rampart"), Node(String(Self.currentVersion))),
            (key("exercise"), exerciseNode(zone)),
        ]
        if !teams.isEmpty { top.append((key("teams"), Node(teams.map(teamNode)))) }
        if !users.isEmpty { top.append((key("users"), Node(users.map(userNode)))) }
        let sections = sections.values.sorted { (type(of: $0).position, type(of: $0).key) < (type(of: $1).position, type(of: $1).key) }
        for section in sections { top.append((key(type(of: section).key), section.node())) }
        let body = (try? Yams.serialize(node: Node(top), width: -1, allowUnicode: true)) ?? ""
        return """
            # Rampart exercise file (docs/exercise-file.md). Apply with: rampart exercise apply FILE

            """ + body
    }

    private func exerciseNode(_ zone: TimeZone) -> Node {
        var pairs: [(Node, Node)] = [(key("slug"), text(exercise.slug)), (key("name"), text(exercise.name))]
        if let nameKo = exercise.nameKo { pairs.append((key("name_ko"), text(nameKo))) }
        if !exercise.description.isEmpty { pairs.append((key("description"), text(exercise.description))) }
        pairs.append((key("time_zone"), text(exercise.timeZone)))
        let schedule = exercise.schedule
        var times: [(Node, Node)] = []
        if let startsAt = schedule.startsAt { times.append((key("starts_at"), time(startsAt, zone))) }
        if let endsAt = schedule.endsAt { times.append((key("ends_at"), time(endsAt, zone))) }
        if let freezeAt = schedule.freezeAt { times.append((key("freeze_at"), time(freezeAt, zone))) }
        if !schedule.windows.isEmpty {
            times.append(
                (
                    key("windows"),
                    Node(
                        schedule.windows.map { window in
                            Node([
                                (key("name"), text(window.name)),
                                (key("starts_at"), time(window.startsAt, zone)),
                                (key("ends_at"), time(window.endsAt, zone)),
                            ])
                        })
                ))
        }
        if !times.isEmpty { pairs.append((key("schedule"), Node(times))) }
        if !exercise.firstBlood.percents.isEmpty {
            pairs.append((key("first_blood"), Node(exercise.firstBlood.percents.map { Node($0 == $0.rounded() ? String(Int($0)) : String($0)) })))
        }
        if exercise.attemptsPerMinute != ExerciseSpec.defaultAttemptsPerMinute {
            pairs.append((key("attempts_per_minute"), Node(String(exercise.attemptsPerMinute))))
        }
        if exercise.publicScoreboard { pairs.append((key("public_scoreboard"), Node("true"))) }
        if exercise.tickSeconds != ExerciseSpec.defaultTickSeconds { pairs.append((key("tick_seconds"), Node(String(exercise.tickSeconds)))) }
        if exercise.jitterSeconds != 0 { pairs.append((key("jitter_seconds"), Node(String(exercise.jitterSeconds)))) }
        return Node(pairs)
    }

    private func teamNode(_ team: TeamSpec) -> Node {
        var pairs: [(Node, Node)] = [
            (key("slug"), text(team.slug)), (key("kind"), key(team.kind.rawValue)), (key("name"), text(team.name)),
        ]
        if let nameKo = team.nameKo { pairs.append((key("name_ko"), text(nameKo))) }
        if let nation = team.nation { pairs.append((key("nation"), key(nation.code))) }
        if let number = team.number { pairs.append((key("number"), Node(String(number)))) }
        if !team.members.isEmpty {
            pairs.append(
                (
                    key("members"),
                    Node(
                        team.members.map { member in
                            member.judge
                                ? Node([(key("user"), text(member.username)), (key("judge"), Node("true"))])
                                : text(member.username)
                        })
                ))
        }
        return Node(pairs)
    }

    private func userNode(_ user: UserSpec) -> Node {
        var pairs: [(Node, Node)] = [(key("username"), text(user.username)), (key("display_name"), text(user.displayName))]
        if user.admin { pairs.append((key("admin"), Node("true"))) }
        pairs.append((key("locale"), key(user.locale.rawValue)))
        if let timeZone = user.timeZone { pairs.append((key("time_zone"), text(timeZone))) }
        return Node(pairs)
    }

    private func key(_ name: String) -> Node { Node(name) }

    /// Free text is always quoted, so a team called `no` or `123` reads back as text.
    private func text(_ value: String) -> Node {
        Node(value, .implicit, value.contains("\n") ? .literal : .doubleQuoted)
    }

    private func time(_ date: Date, _ zone: TimeZone) -> Node {
        Node(ExerciseTime.format(date, timeZone: zone), .implicit, .doubleQuoted)
    }
}
