import TestSupport
import Foundation
import SQLSyntax
import ShardQLBase
import Testing

/// Bounded, deterministic fuzzing of the parser: random bytes, mutated corpus statements and
/// pathological nesting. For every input, parsing returns statements or throws a well-formed
/// `ShardQLError` (a location inside the text for syntax and complexity errors); it never crashes.
/// Whenever parsing succeeds, printing and reparsing gives the same AST.
@Suite struct FuzzTests {
    static let seed: UInt64 = 0x5348_4152_4451_4C21  // "SHARDQL!"

    @Test func randomText() {
        var random = SplitMix64(seed: Self.seed)
        var failures = FailureLog()
        var parsed = 0
        let start = ContinuousClock.now
        for index in 0..<20_000 {
            let sql = FuzzInput.randomText(using: &random)
            switch RoundTrip.check(sql, requireParse: false) {
            case .success(let ok): parsed += ok ? 1 : 0
            case .failure(let failure): failures.record(failure, at: "random text #\(index)")
            }
        }
        failures.recordOverflow("random text")
        print("fuzz: random text: 20000 inputs, \(parsed) parsed, \(ContinuousClock.now - start)")
    }

    @Test func mutatedCorpusStatements() {
        var random = SplitMix64(seed: Self.seed &+ 1)
        let pool = SLTCorpus.validSQL.isEmpty ? FuzzInput.fallbackStatements : SLTCorpus.validSQL
        var failures = FailureLog()
        var parsed = 0
        let count = 20_000
        let start = ContinuousClock.now
        for index in 0..<count {
            let original = pool[Int(random.next() % UInt64(pool.count))]
            let sql = FuzzInput.mutate(original, using: &random)
            switch RoundTrip.check(sql, requireParse: false) {
            case .success(let ok): parsed += ok ? 1 : 0
            case .failure(let failure):
                failures.record(failure, at: "mutation #\(index) of \(original.debugDescription)")
            }
        }
        failures.recordOverflow("mutated statements")
        print(
            "fuzz: mutated statements: \(count) inputs from a pool of \(pool.count), \(parsed) parsed,"
                + " \(ContinuousClock.now - start)"
        )
    }

    /// One case per shape, so a crash (stack overflow) names the input that caused it.
    @Test(arguments: FuzzInput.deepShapes)
    func deepNesting(_ shape: FuzzInput.Shape) {
        let start = ContinuousClock.now
        let sql = shape.make()
        var failures = FailureLog()
        switch RoundTrip.check(sql, requireParse: false) {
        case .success(let ok):
            print(
                "fuzz: \(shape.name): \(ok ? "parsed and round-tripped" : "rejected"), \(ContinuousClock.now - start)"
            )
        case .failure(let failure):
            failures.record(failure, at: shape.name)
        }
    }
}

// SplitMix64 lives in the TestSupport target, shared by every test target.

enum FuzzInput {
    static let keywords = [
        "SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "OFFSET", "AS", "ON", "JOIN", "LEFT",
        "CROSS", "NATURAL", "USING", "UNION", "ALL", "INTERSECT", "EXCEPT", "DISTINCT", "INSERT", "INTO", "VALUES",
        "UPDATE", "SET", "DELETE", "CREATE", "TABLE", "INDEX", "VIEW", "TRIGGER", "DROP", "IF", "EXISTS", "NOT",
        "NULL", "AND", "OR", "IN", "IS", "BETWEEN", "LIKE", "GLOB", "ESCAPE", "CASE", "WHEN", "THEN", "ELSE", "END",
        "CAST", "COLLATE", "WITH", "RECURSIVE", "BEGIN", "COMMIT", "PRIMARY", "KEY", "UNIQUE", "DEFAULT", "CHECK",
        "REFERENCES", "REPLACE", "OVER", "PARTITION", "FILTER", "ASC", "DESC", "NULLS", "FIRST", "TEMP", "REINDEX",
    ]
    static let punctuation = [
        "(", ")", ",", ";", ".", "*", "+", "-", "/", "%", "=", "==", "!=", "<>", "<", "<=", ">", ">=", "<<", ">>",
        "&", "|", "||", "~", "'", "\"", "`", "[", "]", "?", "?1", ":a", "@a", "$a", "x'", "X'0F'", "--", "/*", "*/",
        "0x", "1e", "1e+", ".5", "'it''s'", "\"q\"\"q\"", "->", "->>", "!",
    ]
    static let fallbackStatements = [
        "SELECT * FROM t WHERE id = ?",
        "SELECT a, b + 1 AS c FROM t1 JOIN t2 ON t1.x = t2.y WHERE a IN (1, 2, 3) ORDER BY 1 DESC LIMIT 10",
        "CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT NOT NULL DEFAULT 'x', c REAL CHECK (c > 0))",
        "INSERT INTO t1(a, b) VALUES (1, 'one'), (2, NULL)",
        "UPDATE t1 SET b = b || '!' WHERE a BETWEEN 1 AND 5",
        "DELETE FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.a = t1.a)",
        "SELECT CASE WHEN a > 0 THEN 'p' ELSE 'n' END, CAST(b AS INTEGER), count(*) FROM t1 GROUP BY 1"
            + " HAVING count(*) > 1",
        "WITH r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT n FROM r",
        "CREATE INDEX i1 ON t1(b DESC, c)", "DROP TABLE IF EXISTS t1",
    ]

    /// A mix of printable ASCII, SQL punctuation, keywords, numbers, whitespace, non-ASCII text and
    /// invalid UTF-8, decoded lossily as a `String` from bytes would be.
    static func randomText(using random: inout SplitMix64) -> String {
        var bytes: [UInt8] = []
        let pieces = Int.random(in: 0...(random.next() % 8 == 0 ? 120 : 20), using: &random)
        for _ in 0..<pieces {
            switch random.next() % 10 {
            case 0, 1: bytes.append(UInt8.random(in: 0x20...0x7E, using: &random))
            case 2, 3: bytes += Array(punctuation.randomElement(using: &random)!.utf8)
            case 4, 5: bytes += Array(keywords.randomElement(using: &random)!.utf8)
            case 6: bytes += Array(String(Int.random(in: -1_000...99_999_999, using: &random)).utf8)
            case 7: bytes += Array([" ", " ", "\n", "\t", "\r\n", "  "].randomElement(using: &random)!.utf8)
            case 8:
                bytes += Array(
                    ["é", "😀", "名前", "\u{0}", "\u{FEFF}", "\u{2028}", "ß"].randomElement(using: &random)!.utf8
                )
            default:
                // Bytes that are not valid UTF-8 on their own: stray continuation bytes, overlong
                // and truncated sequences.
                bytes += [[0x80], [0xC0, 0xAF], [0xE2, 0x82], [0xFF], [0xF0, 0x9F, 0x98]].randomElement(using: &random)!
            }
            if random.next() % 2 == 0 { bytes.append(0x20) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Crude tokens for mutation: runs of word characters, runs of whitespace, single other characters.
    static func crudeTokens(_ sql: String) -> [Substring] {
        var tokens: [Substring] = []
        var index = sql.startIndex
        while index < sql.endIndex {
            let character = sql[index]
            var end = sql.index(after: index)
            let isWord: (Character) -> Bool = { $0.isLetter || $0.isNumber || $0 == "_" }
            if isWord(character) {
                while end < sql.endIndex, isWord(sql[end]) { end = sql.index(after: end) }
            } else if character.isWhitespace {
                while end < sql.endIndex, sql[end].isWhitespace { end = sql.index(after: end) }
            }
            tokens.append(sql[index..<end])
            index = end
        }
        return tokens
    }

    /// One to three edits: delete, duplicate or swap tokens, or insert a keyword or punctuation.
    static func mutate(_ sql: String, using random: inout SplitMix64) -> String {
        var tokens = crudeTokens(sql)
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            guard !tokens.isEmpty else { break }
            let i = Int.random(in: 0..<tokens.count, using: &random)
            switch random.next() % 5 {
            case 0: tokens.remove(at: i)
            case 1: tokens.insert(tokens[i], at: i)
            case 2: tokens.swapAt(i, Int.random(in: 0..<tokens.count, using: &random))
            case 3: tokens.insert(Substring(" " + keywords.randomElement(using: &random)! + " "), at: i)
            default: tokens.insert(Substring(punctuation.randomElement(using: &random)!), at: i)
            }
        }
        return tokens.joined()
    }

    /// A pathological input, built lazily so the argument list stays cheap to print.
    struct Shape: Sendable, CustomTestStringConvertible {
        var name: String
        var make: @Sendable () -> String
        var testDescription: String { name }
    }

    static func rep(_ text: String, _ count: Int) -> String { String(repeating: text, count: count) }

    static let deepShapes: [Shape] = [
        Shape(name: "100,000 balanced parentheses") { "SELECT " + rep("(", 100_000) + "1" + rep(")", 100_000) },
        Shape(name: "100,000 unclosed parentheses") { "SELECT " + rep("(", 100_000) },
        Shape(name: "100,000 parentheses alone") { rep("(", 100_000) },
        Shape(name: "100,000 unary minus") { "SELECT " + rep("-", 100_000) + "1" },
        Shape(name: "100,000 unary minus with spaces") { "SELECT " + rep("- ", 100_000) + "1" },
        Shape(name: "100,000 bitwise not") { "SELECT " + rep("~", 100_000) + "1" },
        Shape(name: "100,000 NOT") { "SELECT " + rep("NOT ", 100_000) + "1" },
        Shape(name: "5,000 nested scalar subqueries") { rep("SELECT (", 5_000) + "SELECT 1" + rep(")", 5_000) },
        Shape(name: "5,000 nested FROM subqueries") { rep("SELECT * FROM (", 5_000) + "SELECT 1" + rep(")", 5_000) },
        Shape(name: "100,000-term sum") { "SELECT 1" + rep("+1", 99_999) },
        Shape(name: "100,000-term AND chain") { "SELECT 1" + rep(" AND 1", 99_999) },
        Shape(name: "100,000-term concatenation") { "SELECT 'a'" + rep(" || 'a'", 99_999) },
        Shape(name: "100,000-term comparison chain") { "SELECT 1" + rep(" = 1", 99_999) },
        Shape(name: "10,000 nested CASE WHEN") {
            "SELECT " + rep("CASE WHEN ", 10_000) + "1" + rep(" THEN 1 END", 10_000)
        },
        Shape(name: "10,000 nested CASE in THEN") {
            "SELECT " + rep("CASE WHEN 1 THEN ", 10_000) + "1" + rep(" END", 10_000)
        },
        Shape(name: "10,000 nested IN lists") { "SELECT " + rep("a IN (", 10_000) + "a" + rep(")", 10_000) },
        Shape(name: "10,000 nested function calls") { "SELECT " + rep("abs(", 10_000) + "1" + rep(")", 10_000) },
        Shape(name: "10,000 nested CAST") { "SELECT " + rep("CAST(", 10_000) + "1" + rep(" AS INTEGER)", 10_000) },
        Shape(name: "10,000 nested EXISTS") { "SELECT " + rep("EXISTS (SELECT ", 10_000) + "1" + rep(")", 10_000) },
        Shape(name: "10,000 chained COLLATE") { "SELECT 'a'" + rep(" COLLATE nocase", 10_000) },
        Shape(name: "10,000 nested IS NOT NULL") { "SELECT 1" + rep(" IS NOT NULL", 10_000) },
        Shape(name: "10,000 UNION ALL") { "SELECT 1" + rep(" UNION ALL SELECT 1", 10_000) },
        Shape(name: "10,000 joined tables") { "SELECT * FROM t0" + (1..<10_000).map { " JOIN t\($0) ON 1" }.joined() },
        Shape(name: "100,000 statements") { rep("SELECT 1;", 100_000) },
        Shape(name: "100,000 semicolons") { rep(";", 100_000) },
        Shape(name: "1 MB identifier") { "SELECT " + rep("a", 1_000_000) },
        Shape(name: "1 MB unterminated string") { "SELECT '" + rep("a", 1_000_000) },
        Shape(name: "100,000 newlines then an error") { "SELECT" + rep("\n", 100_000) + "FROM" },
    ]
}

/// The harness itself: errors that break the contract are caught, not waved through.
@Suite struct FuzzHarnessTests {
    @Test func errorContractIsChecked() {
        let sql = "SELECT\n  1 FORM t"
        let good = ShardQLError(.syntaxError, "x", location: ShardQLBase.SourceLocation(offset: 11, line: 2, column: 5))
        #expect(RoundTrip.checkError(good, in: sql) == nil)
        #expect(RoundTrip.checkError(ShardQLError(.unsupported, "x"), in: sql) == nil)
        #expect(RoundTrip.checkError(ShardQLError(.syntaxError, "x"), in: sql) == "syntax error without a location")
        let outside = ShardQLError(
            .tooComplex,
            "x",
            location: ShardQLBase.SourceLocation(offset: 99, line: 3, column: 1)
        )
        #expect(RoundTrip.checkError(outside, in: sql)?.contains("outside the text") == true)
        let column0 = ShardQLError(
            .syntaxError,
            "x",
            location: ShardQLBase.SourceLocation(offset: 0, line: 1, column: 0)
        )
        #expect(RoundTrip.checkError(column0, in: sql) != nil)
        #expect(RoundTrip.checkError(ShardQLError(.internalError, "x"), in: sql) == "threw an internal error")
        #expect(RoundTrip.checkError(CocoaError(.fileNoSuchFile), in: sql)?.hasPrefix("threw CocoaError") == true)
    }

    @Test func splitMix64IsDeterministic() {
        // Reference values of SplitMix64 seeded with 0 (as in Vigna's splitmix64.c).
        var random = SplitMix64(seed: 0)
        #expect(random.next() == 0xE220_A839_7B1D_CDAF)
        #expect(random.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func mutationsKeepTokensIntact() {
        #expect(FuzzInput.crudeTokens("SELECT a1,b FROM  t").joined() == "SELECT a1,b FROM  t")
        #expect(FuzzInput.crudeTokens("SELECT a1,b").map(String.init) == ["SELECT", " ", "a1", ",", "b"])
    }
}
