import RampartCore

/// String catalogue: live pages, announcements and the command centre, in English and Korean.
extension Phrase {
    package static let liveAuditActions: [String: Phrase] = [
        "announcement.post": Phrase("announcement posted", ko: "공지 게시"),
        "announcement.withdraw": Phrase("announcement withdrawn", ko: "공지 철회"),
    ]

    package static let requiredField = Phrase("is required", ko: "필수 항목입니다")
    package static func atMostItems(_ count: Int) -> Phrase { Phrase("may list at most \(count)", ko: "최대 \(count)개까지 가능합니다") }
    package static func noSuchTeam(_ slug: String) -> Phrase { Phrase("no team '\(slug)' in this exercise", ko: "이 훈련에 '\(slug)' 팀이 없습니다") }
    package static func tooManyAnnouncements(_ count: Int) -> Phrase {
        Phrase("An exercise holds at most \(count) announcements", ko: "훈련당 공지는 최대 \(count)개입니다")
    }
    package static let crossSiteSocket = Phrase(
        "A live connection must come from this site's own pages", ko: "실시간 연결은 이 사이트의 페이지에서만 열 수 있습니다")
    package static let liveSinceNumber = Phrase("must be an event number, 0 or more", ko: "0 이상의 이벤트 번호여야 합니다")
    package static let tooManyLiveConnections = Phrase(
        "Too many live connections are open; close some tabs and try again", ko: "실시간 연결이 너무 많습니다. 탭을 닫고 다시 시도하세요")
    package static let announcement = Phrase("Announcement", ko: "공지")
    package static let announcements = Phrase("Announcements", ko: "공지")
    package static let announce = Phrase("Post the announcement", ko: "공지 게시")
    package static let newAnnouncement = Phrase("New announcement", ko: "새 공지")
    package static let announcementTitle = Phrase("Title", ko: "제목")
    package static let announcementTitleKo = Phrase("Title in Korean", ko: "한국어 제목")
    package static let announcementBody = Phrase("Message (Markdown)", ko: "내용 (Markdown)")
    package static let announcementBodyKo = Phrase("Message in Korean (Markdown)", ko: "한국어 내용 (Markdown)")
    package static let announcementLevel = Phrase("Level", ko: "등급")
    package static let announcementTeams = Phrase("Only these teams", ko: "대상 팀")
    package static let announcementRoles = Phrase("Only these kinds of team", ko: "대상 팀 종류")
    package static let announcementAudienceHint = Phrase(
        "Tick none of either for everyone. Teams and kinds add up.", ko: "아무것도 선택하지 않으면 모두에게 보냅니다. 팀과 종류는 합쳐집니다.")
    package static let noAnnouncements = Phrase("No announcements yet.", ko: "아직 공지가 없습니다.")
    package static let withdraw = Phrase("Withdraw", ko: "철회")
    package static let withdrawAnnouncementConfirm = Phrase(
        "Withdraw this announcement from every page?", ko: "모든 화면에서 이 공지를 철회할까요?")
    package static let withdrawn = Phrase("Withdrawn", ko: "철회됨")
    package static let everyone = Phrase("Everyone", ko: "모두")
    package static let postedBy = Phrase("Posted by", ko: "게시자")
    package static let audienceLabel = Phrase("For", ko: "대상")
    package static func levelName(_ level: AnnouncementLevel) -> Phrase {
        switch level {
        case .info: Phrase("Information", ko: "안내")
        case .warning: Phrase("Warning", ko: "경고")
        case .critical: Phrase("Critical", ko: "긴급")
        }
    }
    package static let liveUpdates = Phrase("Live", ko: "실시간")
    package static let dismiss = Phrase("Dismiss", ko: "닫기")
    package static let commandCentre = Phrase("Command centre", ko: "지휘소")
}
