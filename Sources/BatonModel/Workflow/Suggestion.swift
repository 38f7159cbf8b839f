/// "Did you mean" suggestions for misspelt keys and names.
enum Suggestion {
    /// Candidates longer than this are not compared (keeps the edit-distance table small).
    static let lengthMax = 64
    /// Candidate lists longer than this are not searched (a 100k-task workflow must not be quadratic).
    static let candidatesMax = 2_000

    /// The closest candidate within a small edit distance of `word`, if any.
    static func closest(to word: String, in candidates: some Collection<String>) -> String? {
        guard word.count <= lengthMax, candidates.count <= candidatesMax else { return nil }
        let limit = max(1, min(3, word.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() where candidate.count <= lengthMax {
            let distance = editDistance(Array(word), Array(candidate))
            if distance <= limit, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// ` (did you mean "x"?)` or the empty string.
    static func hint(for word: String, in candidates: some Collection<String>) -> String {
        closest(to: word, in: candidates).map { " (did you mean \"\($0)\"?)" } ?? ""
    }

    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...max(a.count, 1) where !a.isEmpty {
            current[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
