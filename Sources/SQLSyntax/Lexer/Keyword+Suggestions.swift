extension Keyword {
    /// The reserved keywords one edit away from `word` (a letter added, dropped, changed, or two
    /// neighbours swapped), for a hint on a syntax error: `FORM` → `FROM`, `WHER` → `WHERE or WHEN`.
    /// Keywords that `word` begins are listed first. Short words and non-reserved keywords are
    /// left out, so ordinary names rarely match.
    static func closeMatches(to word: String) -> [Keyword] {
        let upper = Array(word.uppercased().utf8)
        guard upper.count >= 3 else { return [] }
        let matches = allCases.filter { keyword in
            !keyword.isNonReserved && keyword.rawValue.utf8.count >= 4
                && isOneEditApart(upper, Array(keyword.rawValue.utf8))
        }
        let upperWord = String(decoding: upper, as: UTF8.self)
        return matches.filter { $0.rawValue.hasPrefix(upperWord) } + matches.filter { !$0.rawValue.hasPrefix(upperWord) }
    }

    /// `did you mean WHERE or WHEN?`, or `nil` when nothing is close.
    static func suggestion(for word: String) -> String? {
        let matches = closeMatches(to: word)
        guard !matches.isEmpty else { return nil }
        return "did you mean " + matches.map(\.rawValue).joined(separator: " or ") + "?"
    }

    private static func isOneEditApart(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        if a == b { return false }
        if a.count == b.count {
            let differences = a.indices.filter { a[$0] != b[$0] }
            if differences.count == 1 { return true }
            // A transposition of two neighbours.
            return differences.count == 2 && differences[1] == differences[0] + 1
                && a[differences[0]] == b[differences[1]] && a[differences[1]] == b[differences[0]]
        }
        guard abs(a.count - b.count) == 1 else { return false }
        let (shorter, longer) = a.count < b.count ? (a, b) : (b, a)
        var i = 0
        while i < shorter.count, shorter[i] == longer[i] { i += 1 }
        return shorter[i...] == longer[(i + 1)...]
    }
}
