import RampartKernel
/// String catalogue: score facts and adjustments, in English and Korean.
extension Phrase {
    package static func teamHasScoreFacts(_ a: Any, _ b: Any) -> Phrase { Phrase("Team '\(a)' has \(b) score fact(s); score facts are never deleted", ko: "'\(a)' 팀에 점수 기록이 \(b)개 있습니다. 점수 기록은 삭제되지 않습니다") }
    package static let atMost100Characters = Phrase("must be at most 100 characters", ko: "100자 이하여야 합니다")
    package static let exercise = Phrase("Exercise", ko: "훈련")
    package static func notAStandingSolve(_ a: Any) -> Phrase { Phrase("Fact \(a) is not a standing solve", ko: "기록 \(a)은(는) 유효한 풀이가 아닙니다") }
    package static let pointsRange = Phrase("must be a non-zero number of points up to 1,000,000 either way", ko: "0이 아닌 ±1,000,000 이내의 점수여야 합니다")
    package static let reasonRequired = Phrase("is required, at most 500 characters", ko: "필수이며 500자 이하여야 합니다")
    package static let scoreFact = Phrase("Score fact", ko: "점수 기록")
    package static func scoreFact(_ a: Any) -> Phrase { Phrase("Score fact \(a)", ko: "점수 기록 \(a)") }
    package static let wholeNumber = Phrase("must be a whole number", ko: "정수여야 합니다")
}
