import RampartCore

/// The string catalogue: every user-visible string of the web UI, in English and Korean.
///
/// Both languages are exhaustive switches, so a string without a translation does not compile.
package enum S: String, CaseIterable, Sendable {
    case tickSeconds
    case jitterSeconds
    case jitterHint
    case services
    case zone
    case demoTargets
    case detail
    case message
    case account
    case action
    case active
    case actor
    case addMember
    case addMemberHint
    case addWindow
    case administrator
    case apiTokens
    case apiTokensExplain
    case applied
    case apply
    case auditTrail
    case backHome
    case breadcrumbs
    case changePassword
    case confirmFinish
    case confirmNewJoinCode
    case control
    case createExercise
    case createTeam
    case createToken
    case createUser
    case created
    case currentPassword
    case description
    case disabled
    case displayName
    case dryRun
    case dryRunResult
    case elapsed
    case ends
    case errorBadRequest
    case errorForbidden
    case errorInternal
    case errorNotFound
    case errorTooMany
    case errorBusy
    case exerciseFile
    case exercises
    case expires
    case expiresInDays
    case exportCSV
    case exportExerciseFile
    case exportJSON
    case filter
    case freeze
    case freezeHint
    case importExerciseFile
    case importExplain
    case inExerciseZone
    case inWindow
    case joinCode
    case joinCodeShare
    case joinExplain
    case joinTeam
    case joined
    case judge
    case kind
    case language
    case lastUsed
    case logIn
    case logOut
    case mainNavigation
    case menu
    case overview
    case darkTheme
    case lightTheme
    case members
    case myTeams
    case name
    case nameKo
    case nation
    case nationHint
    case newJoinCode
    case newPassword
    case noChanges
    case noExercises
    case noExercisesAdmin
    case noMembers
    case noPassword
    case noRecords
    case noTeams
    case noTeamsYet
    case noTokens
    case noUsers
    case noWindows
    case now
    case number
    case numberHint
    case older
    case password
    case passwordChanged
    case passwordRule
    case profile
    case remove
    case revoke
    case role
    case save
    case saved
    case passwordRequestRecorded
    case hintUnlocked
    case schedule
    case setPassword
    case settingsAndSchedule
    case since
    case skipToContent
    case slug
    case source
    case starts
    case state
    case stateChanged
    case status
    case subject
    case summary
    case team
    case teams
    case teamsAndMembers
    case time
    case timeZone
    case timeZoneHint
    case tokenRevoked
    case tokenShownOnce
    case until
    case untouched
    case username
    case users
    case windows
    case wrongCredentials
    case wrongCurrentPassword
    case yourTeam
    case kindWhite
    case kindRed
    case kindBlue
    case kindGreen
    case kindYellow
    case stateDraft
    case stateRunning
    case statePaused
    case stateFinished
    case actionStart
    case actionPause
    case actionFinish
    case actionResume
    case slugRule
    case usernameRule
    case auditFilterHint
    case deleteTeam
    case deleteTeamHint
    case confirmDeleteTeam
    case teamDeleted
    case problemEndsBeforeStart
    case problemFreezeBeforeStart
    case problemFreezeAfterEnd
    case problemWindowBeforeExercise
    case problemWindowAfterExercise
    case problemWindowsOverlap

    case challenges
    case delete
    case scoreboard
    case submissions
    case points
    case files
    case hint
    case submit
    case flag
    case create
    case user
    case result
    case deleted
    case score
    case by
    case reason
    case category
    case firstBlood
    case firstBloodHint
    case attemptsPerMinute
    case publicScoreboard

    package func text(_ locale: UILocale) -> String {
        locale == .ko ? ko : en
    }

    /// The same words as a phrase, for a place that takes any feature's catalogue entries.
    package var phrase: Phrase { Phrase(en, ko: ko) }

    package static func kind(_ kind: TeamKind) -> S {
        switch kind {
        case .white: .kindWhite
        case .red: .kindRed
        case .blue: .kindBlue
        case .green: .kindGreen
        case .yellow: .kindYellow
        }
    }

    package static func state(_ state: ExerciseState) -> S {
        switch state {
        case .draft: .stateDraft
        case .running: .stateRunning
        case .paused: .statePaused
        case .finished: .stateFinished
        }
    }

    package static func schedule(_ kind: ScheduleProblem.Kind) -> S {
        switch kind {
        case .endsBeforeStart, .windowEndsBeforeStart: .problemEndsBeforeStart
        case .freezeBeforeStart: .problemFreezeBeforeStart
        case .freezeAfterEnd: .problemFreezeAfterEnd
        case .windowBeforeExercise: .problemWindowBeforeExercise
        case .windowAfterExercise: .problemWindowAfterExercise
        case .windowsOverlap: .problemWindowsOverlap
        }
    }

    /// The button that moves an exercise from `from` into `to`.
    package static func action(from: ExerciseState, to: ExerciseState) -> S {
        switch to {
        case .draft, .running: from == .paused ? .actionResume : .actionStart
        case .paused: .actionPause
        case .finished: .actionFinish
        }
    }

    package var en: String {
        switch self {
        case .tickSeconds: "Tick length (seconds)"
        case .jitterSeconds: "Check jitter (seconds)"
        case .jitterHint: "Each check starts at a random moment this long after its tick starts, so teams cannot predict it"
        case .services: "Services"
        case .zone: "Zone"
        case .demoTargets: "Demo targets"
        case .detail: "Detail (white and green team)"
        case .message: "Message"
        case .challenges: "Challenges"
        case .delete: "Delete"
        case .scoreboard: "Scoreboard"
        case .submissions: "Submissions"
        case .points: "points"
        case .files: "Files"
        case .hint: "Hint"
        case .submit: "Submit"
        case .flag: "Flag"
        case .create: "Create"
        case .user: "User"
        case .result: "Result"
        case .deleted: "Deleted."
        case .score: "Score"
        case .by: "By"
        case .reason: "Reason"
        case .category: "Category"
        case .firstBlood: "First-blood bonus (%)"
        case .firstBloodHint: "Percent of the value for the first solvers, comma-separated: 10, 5, 2. Challenges may set their own."
        case .attemptsPerMinute: "Incorrect flags per minute"
        case .publicScoreboard: "Public scoreboard (readable without logging in; the CTFtime feed too)"
        case .account: "Account"
        case .action: "Action"
        case .active: "Active"
        case .actor: "Actor"
        case .addMember: "Add member"
        case .addMemberHint: "Username of an existing user; moves them if they are in another team of this exercise"
        case .addWindow: "Add window"
        case .administrator: "Administrator"
        case .apiTokens: "API tokens"
        case .apiTokensExplain: "Tokens let scripts and tools act as you: send them as 'Authorization: Bearer …'. Revoke any you no longer use."
        case .applied: "Applied to"
        case .apply: "Apply"
        case .auditTrail: "Audit trail"
        case .backHome: "Back to the start page"
        case .breadcrumbs: "Breadcrumbs"
        case .changePassword: "Change password"
        case .confirmFinish: "Finish the exercise? This cannot be undone."
        case .confirmNewJoinCode: "Issue a new join code? The old one stops working."
        case .control: "Exercise control"
        case .createExercise: "Create exercise"
        case .createTeam: "Create team"
        case .createToken: "Create token"
        case .createUser: "Create user"
        case .created: "Created"
        case .currentPassword: "Current password"
        case .description: "Description"
        case .disabled: "Disabled"
        case .displayName: "Display name"
        case .dryRun: "Dry run: show what would change, change nothing"
        case .dryRunResult: "Dry run, nothing changed, for"
        case .elapsed: "Elapsed"
        case .ends: "Ends"
        case .errorBadRequest: "That request could not be completed"
        case .errorForbidden: "Not allowed"
        case .errorInternal: "Something went wrong"
        case .errorNotFound: "Not found"
        case .errorTooMany: "Too many attempts"
        case .errorBusy: "Busy for a moment"
        case .exerciseFile: "Exercise file (YAML)"
        case .exercises: "Exercises"
        case .expires: "Expires"
        case .expiresInDays: "Expires in (days)"
        case .exportCSV: "Export CSV"
        case .exportExerciseFile: "Export exercise file"
        case .exportJSON: "Export JSON"
        case .filter: "Filter"
        case .freeze: "Scoreboard freeze"
        case .freezeHint: "After this, only the white team sees live standings"
        case .importExerciseFile: "Import exercise file"
        case .importExplain: "Paste an exercise file. Applying it twice changes nothing; it never deletes teams or members."
        case .inExerciseZone: "In the exercise's time zone"
        case .inWindow: "In window"
        case .joinCode: "Join code"
        case .joinCodeShare: "Give this code to team members so they can join"
        case .joinExplain: "Enter the join code your team lead or the white team gave you."
        case .joinTeam: "Join a team"
        case .joined: "You have joined the team"
        case .judge: "Judge"
        case .kind: "Kind"
        case .language: "Language"
        case .lastUsed: "Last used"
        case .logIn: "Log in"
        case .logOut: "Log out"
        case .mainNavigation: "Main navigation"
        case .menu: "Menu"
        case .overview: "Overview"
        case .darkTheme: "Dark"
        case .lightTheme: "Light"
        case .members: "Members"
        case .myTeams: "My teams"
        case .name: "Name"
        case .nameKo: "Name in Korean"
        case .nation: "Nation"
        case .nationHint: "ISO 3166 two-letter code, e.g. GB, KR, EE"
        case .newJoinCode: "Issue new join code"
        case .newPassword: "New password"
        case .noChanges: "Nothing to change: the database already matches the file."
        case .noExercises: "You are not in any exercise yet. Join a team with a join code."
        case .noExercisesAdmin: "No exercises yet. Create one below or import an exercise file."
        case .noMembers: "No members yet."
        case .noPassword: "No password set"
        case .noRecords: "No records match."
        case .noTeams: "No teams yet."
        case .noTeamsYet: "You are not in any team yet."
        case .noTokens: "No active tokens."
        case .noUsers: "No users."
        case .noWindows: "No windows scheduled."
        case .now: "Now"
        case .number: "Number"
        case .numberHint: "Used in per-team addresses such as 10.{team.number}.1.5; blank for the next free one"
        case .older: "Older records"
        case .password: "Password"
        case .passwordChanged: "Password changed"
        case .passwordRule: "At least 10 characters"
        case .profile: "Profile"
        case .remove: "Remove"
        case .revoke: "Revoke"
        case .role: "Role"
        case .save: "Save"
        case .saved: "Saved"
        case .passwordRequestRecorded: "Password change recorded; the next tick uses it"
        case .hintUnlocked: "Hint unlocked."
        case .schedule: "Schedule"
        case .setPassword: "Set a new password"
        case .settingsAndSchedule: "Settings and schedule"
        case .since: "Since"
        case .skipToContent: "Skip to content"
        case .slug: "Short name (in links)"
        case .source: "Source"
        case .starts: "Starts"
        case .state: "State"
        case .stateChanged: "Exercise state changed"
        case .status: "Status"
        case .subject: "Subject"
        case .summary: "Summary"
        case .team: "Team"
        case .teams: "Teams"
        case .teamsAndMembers: "Teams and members"
        case .time: "Time"
        case .timeZone: "Time zone"
        case .timeZoneHint: "IANA name, e.g. Europe/London, Asia/Seoul, UTC"
        case .tokenRevoked: "Token revoked"
        case .tokenShownOnce: "Your new token. Copy it now: it will not be shown again."
        case .until: "Until"
        case .untouched: "In the database but not in the file (left as they are):"
        case .username: "Username"
        case .users: "Users"
        case .windows: "Windows"
        case .wrongCredentials: "Wrong username or password."
        case .wrongCurrentPassword: "The current password is wrong."
        case .yourTeam: "Your team"
        case .kindWhite: "White team"
        case .kindRed: "Red team"
        case .kindBlue: "Blue team"
        case .kindGreen: "Green team"
        case .kindYellow: "Yellow team"
        case .stateDraft: "Draft"
        case .stateRunning: "Running"
        case .statePaused: "Paused"
        case .stateFinished: "Finished"
        case .actionStart: "Start"
        case .actionPause: "Pause"
        case .actionFinish: "Finish"
        case .actionResume: "Resume"
        case .slugRule: "Lower-case letters, digits and inner hyphens, at most 63 characters"
        case .usernameRule: "Lower-case letters, digits, '.', '_' and '-', starting with a letter or digit"
        case .auditFilterHint: "Exact, or a prefix: 'team' matches team.create, team.update …"
        case .deleteTeam: "Delete team"
        case .deleteTeamHint: "Only an empty team can be deleted: move or remove its members first."
        case .confirmDeleteTeam: "Delete this team? Its join code stops working."
        case .teamDeleted: "Team deleted"
        case .problemEndsBeforeStart: "must be after the start"
        case .problemFreezeBeforeStart: "must not be before the start"
        case .problemFreezeAfterEnd: "must not be after the end"
        case .problemWindowBeforeExercise: "must not be before the exercise starts"
        case .problemWindowAfterExercise: "must not be after the exercise ends"
        case .problemWindowsOverlap: "overlaps the window before it"
        }
    }

    package var ko: String {
        switch self {
        case .tickSeconds: "틱 길이 (초)"
        case .jitterSeconds: "점검 지터 (초)"
        case .jitterHint: "각 점검은 틱 시작 후 이 시간 안의 무작위 시점에 시작하므로 팀이 예측할 수 없습니다"
        case .services: "서비스"
        case .zone: "구역"
        case .demoTargets: "시연 대상"
        case .detail: "세부 정보 (화이트·그린팀)"
        case .message: "메시지"
        case .challenges: "문제"
        case .delete: "삭제"
        case .scoreboard: "점수판"
        case .submissions: "제출 기록"
        case .points: "점"
        case .files: "파일"
        case .hint: "힌트"
        case .submit: "제출"
        case .flag: "플래그"
        case .create: "만들기"
        case .user: "사용자"
        case .result: "결과"
        case .deleted: "삭제했습니다."
        case .score: "점수"
        case .by: "처리자"
        case .reason: "사유"
        case .category: "분류"
        case .firstBlood: "첫 풀이 보너스 (%)"
        case .firstBloodHint: "첫 풀이 팀들에게 주는 값의 백분율, 쉼표로 구분: 10, 5, 2. 문제별로 따로 정할 수 있습니다."
        case .attemptsPerMinute: "분당 오답 허용 수"
        case .publicScoreboard: "공개 점수판 (로그인 없이 열람, CTFtime 피드 포함)"
        case .account: "계정"
        case .action: "작업"
        case .active: "활성"
        case .actor: "수행자"
        case .addMember: "구성원 추가"
        case .addMemberHint: "기존 사용자의 사용자 이름. 이 훈련의 다른 팀에 있으면 이 팀으로 옮깁니다"
        case .addWindow: "진행 구간 추가"
        case .administrator: "관리자"
        case .apiTokens: "API 토큰"
        case .apiTokensExplain: "토큰으로 스크립트와 도구가 사용자를 대신해 동작합니다. 'Authorization: Bearer …' 헤더로 보내십시오. 쓰지 않는 토큰은 폐기하십시오."
        case .applied: "적용됨:"
        case .apply: "적용"
        case .auditTrail: "감사 기록"
        case .backHome: "시작 페이지로 돌아가기"
        case .breadcrumbs: "이동 경로"
        case .changePassword: "비밀번호 변경"
        case .confirmFinish: "훈련을 종료하시겠습니까? 되돌릴 수 없습니다."
        case .confirmNewJoinCode: "새 참가 코드를 발급하시겠습니까? 이전 코드는 더 이상 작동하지 않습니다."
        case .control: "훈련 통제"
        case .createExercise: "훈련 만들기"
        case .createTeam: "팀 만들기"
        case .createToken: "토큰 만들기"
        case .createUser: "사용자 만들기"
        case .created: "생성됨"
        case .currentPassword: "현재 비밀번호"
        case .description: "설명"
        case .disabled: "비활성"
        case .displayName: "표시 이름"
        case .dryRun: "시험 실행: 변경할 내용만 보여 주고 아무것도 바꾸지 않음"
        case .dryRunResult: "시험 실행 결과(변경 없음):"
        case .elapsed: "경과 시간"
        case .ends: "종료"
        case .errorBadRequest: "요청을 처리할 수 없습니다"
        case .errorForbidden: "허용되지 않음"
        case .errorInternal: "문제가 발생했습니다"
        case .errorNotFound: "찾을 수 없음"
        case .errorTooMany: "시도 횟수 초과"
        case .errorBusy: "잠시 바쁩니다"
        case .exerciseFile: "훈련 파일 (YAML)"
        case .exercises: "훈련"
        case .expires: "만료"
        case .expiresInDays: "만료 기간(일)"
        case .exportCSV: "CSV 내보내기"
        case .exportExerciseFile: "훈련 파일 내보내기"
        case .exportJSON: "JSON 내보내기"
        case .filter: "필터"
        case .freeze: "점수판 동결"
        case .freezeHint: "이 시각 이후에는 화이트팀만 실시간 순위를 봅니다"
        case .importExerciseFile: "훈련 파일 가져오기"
        case .importExplain: "훈련 파일을 붙여 넣으십시오. 두 번 적용해도 변화가 없으며, 팀이나 구성원을 삭제하지 않습니다."
        case .inExerciseZone: "훈련 시간대 기준"
        case .inWindow: "진행 중인 구간:"
        case .joinCode: "참가 코드"
        case .joinCodeShare: "팀원에게 이 코드를 알려 주면 팀에 참가할 수 있습니다"
        case .joinExplain: "팀장이나 화이트팀에게 받은 참가 코드를 입력하십시오."
        case .joinTeam: "팀 참가"
        case .joined: "팀에 참가했습니다"
        case .judge: "심판"
        case .kind: "구분"
        case .language: "언어"
        case .lastUsed: "마지막 사용"
        case .logIn: "로그인"
        case .logOut: "로그아웃"
        case .mainNavigation: "주 메뉴"
        case .menu: "메뉴"
        case .overview: "개요"
        case .darkTheme: "어둡게"
        case .lightTheme: "밝게"
        case .members: "구성원"
        case .myTeams: "내 팀"
        case .name: "이름"
        case .nameKo: "한국어 이름"
        case .nation: "국가"
        case .nationHint: "ISO 3166 두 글자 코드 (예: GB, KR, EE)"
        case .newJoinCode: "새 참가 코드 발급"
        case .newPassword: "새 비밀번호"
        case .noChanges: "변경할 내용이 없습니다. 데이터베이스가 이미 파일과 같습니다."
        case .noExercises: "아직 참가한 훈련이 없습니다. 참가 코드로 팀에 참가하십시오."
        case .noExercisesAdmin: "아직 훈련이 없습니다. 아래에서 만들거나 훈련 파일을 가져오십시오."
        case .noMembers: "아직 구성원이 없습니다."
        case .noPassword: "비밀번호 미설정"
        case .noRecords: "일치하는 기록이 없습니다."
        case .noTeams: "아직 팀이 없습니다."
        case .noTeamsYet: "아직 소속 팀이 없습니다."
        case .noTokens: "활성 토큰이 없습니다."
        case .noUsers: "사용자가 없습니다."
        case .noWindows: "예정된 진행 구간이 없습니다."
        case .now: "현재"
        case .number: "번호"
        case .numberHint: "팀별 주소(예: 10.{team.number}.1.5)에 쓰입니다. 비워 두면 다음 번호를 씁니다"
        case .older: "이전 기록"
        case .password: "비밀번호"
        case .passwordChanged: "비밀번호를 변경했습니다"
        case .passwordRule: "10자 이상"
        case .profile: "프로필"
        case .remove: "제거"
        case .revoke: "폐기"
        case .role: "역할"
        case .save: "저장"
        case .saved: "저장했습니다"
        case .passwordRequestRecorded: "비밀번호 변경을 기록했습니다. 다음 틱부터 사용합니다"
        case .hintUnlocked: "힌트를 열었습니다."
        case .schedule: "일정"
        case .setPassword: "새 비밀번호 설정"
        case .settingsAndSchedule: "설정 및 일정"
        case .since: "시작 시각"
        case .skipToContent: "본문으로 건너뛰기"
        case .slug: "짧은 이름(링크용)"
        case .source: "출처"
        case .starts: "시작"
        case .state: "상태"
        case .stateChanged: "훈련 상태를 변경했습니다"
        case .status: "상태"
        case .subject: "대상"
        case .summary: "요약"
        case .team: "팀"
        case .teams: "팀"
        case .teamsAndMembers: "팀 및 구성원"
        case .time: "시각"
        case .timeZone: "시간대"
        case .timeZoneHint: "IANA 이름 (예: Europe/London, Asia/Seoul, UTC)"
        case .tokenRevoked: "토큰을 폐기했습니다"
        case .tokenShownOnce: "새 토큰입니다. 지금 복사하십시오. 다시 표시되지 않습니다."
        case .until: "종료 시각"
        case .untouched: "데이터베이스에는 있지만 파일에는 없는 항목(그대로 둠):"
        case .username: "사용자 이름"
        case .users: "사용자"
        case .windows: "진행 구간"
        case .wrongCredentials: "사용자 이름 또는 비밀번호가 틀렸습니다."
        case .wrongCurrentPassword: "현재 비밀번호가 틀렸습니다."
        case .yourTeam: "내 팀"
        case .kindWhite: "화이트팀"
        case .kindRed: "레드팀"
        case .kindBlue: "블루팀"
        case .kindGreen: "그린팀"
        case .kindYellow: "옐로팀"
        case .stateDraft: "준비 중"
        case .stateRunning: "진행 중"
        case .statePaused: "일시 정지"
        case .stateFinished: "종료"
        case .actionStart: "시작"
        case .actionPause: "일시 정지"
        case .actionFinish: "종료"
        case .actionResume: "재개"
        case .slugRule: "영문 소문자, 숫자, 중간의 하이픈(-), 최대 63자"
        case .usernameRule: "영문 소문자, 숫자, '.', '_', '-' (첫 글자는 영문 또는 숫자)"
        case .auditFilterHint: "정확히 일치하거나 접두어: 'team'은 team.create, team.update 등과 일치"
        case .deleteTeam: "팀 삭제"
        case .deleteTeamHint: "구성원이 없는 팀만 삭제할 수 있습니다. 먼저 구성원을 옮기거나 제거하십시오."
        case .confirmDeleteTeam: "이 팀을 삭제하시겠습니까? 참가 코드는 더 이상 작동하지 않습니다."
        case .teamDeleted: "팀을 삭제했습니다"
        case .problemEndsBeforeStart: "시작보다 뒤여야 합니다"
        case .problemFreezeBeforeStart: "시작보다 앞설 수 없습니다"
        case .problemFreezeAfterEnd: "종료보다 뒤일 수 없습니다"
        case .problemWindowBeforeExercise: "훈련 시작보다 앞설 수 없습니다"
        case .problemWindowAfterExercise: "훈련 종료보다 뒤일 수 없습니다"
        case .problemWindowsOverlap: "앞의 진행 구간과 겹칩니다"
        }
    }
}
