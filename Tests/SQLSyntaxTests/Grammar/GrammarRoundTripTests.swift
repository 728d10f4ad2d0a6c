import Foundation
import SQLSyntax
import Testing

/// Random sentences derived from `grammar/shardql.ebnf` must parse, and printing what was parsed
/// must give SQL that parses back to the same tree. A failure names the seed-reproducible SQL.
///
/// `SHARDQL_GRAMMAR_SEED=<n> swift test --filter GrammarRoundTripTests` explores other sentences.
@Suite("Grammar round trip")
struct GrammarRoundTripTests {
    /// Shifts every test's fixed seed; 0 unless `SHARDQL_GRAMMAR_SEED` says otherwise.
    static let seedOffset = ProcessInfo.processInfo.environment["SHARDQL_GRAMMAR_SEED"].flatMap { UInt64($0) } ?? 0

    /// Failures reported one by one before the rest are only counted.
    static let reportedFailureLimit = 25

    @Test("2,000 random statements parse and round-trip through the printer")
    func statements() throws {
        try checkRoundTrip(rule: "sql-stmt", count: 2_000, seed: 0x5348_4152_4451_4C01, budget: 45) { $0 }
    }

    @Test("1,000 random expressions parse and round-trip through the printer")
    func expressions() throws {
        try checkRoundTrip(rule: "expr", count: 1_000, seed: 0x5348_4152_4451_4C02, budget: 40) { "SELECT \($0)" }
    }

    @Test("1,000 random SELECT statements parse and round-trip through the printer")
    func selects() throws {
        try checkRoundTrip(rule: "select-stmt", count: 1_000, seed: 0x5348_4152_4451_4C03, budget: 45) { $0 }
    }

    private func checkRoundTrip(
        rule: String,
        count: Int,
        seed: UInt64,
        budget: Int,
        wrap: (String) -> String
    ) throws {
        let seed = seed &+ Self.seedOffset &* 0x100
        var generator = try SentenceGenerator(grammar: .shardQL(), seed: seed)
        let options = ParseOptions(recordsSourceRanges: false)
        var failures = 0
        func fail(_ message: String) {
            failures += 1
            if failures <= Self.reportedFailureLimit { Issue.record(Comment(rawValue: message)) }
        }

        for index in 0..<count {
            let sql = wrap(generator.sentence(from: rule, budget: budget))
            let first: [Statement]
            do {
                first = try SQLParser.parse(sql, options: options)
            } catch {
                fail("#\(index) generated SQL does not parse\n  sql:   \(sql)\n  error: \(error)")
                continue
            }
            let printed = SQLPrinter.print(first)
            do {
                let second = try SQLParser.parse(printed, options: options)
                if first != second {
                    fail("#\(index) printed SQL parses to a different tree\n  sql:     \(sql)\n  printed: \(printed)")
                }
            } catch {
                fail(
                    "#\(index) printed SQL does not parse\n  sql:     \(sql)\n  printed: \(printed)\n  error: \(error)"
                )
            }
        }

        print("grammar round trip: checked \(count) sentences from \(rule) (seed \(seed)), \(failures) failed")
        #expect(
            failures == 0,
            "\(failures) of \(count) sentences from \(rule) failed (first \(Self.reportedFailureLimit) reported)"
        )
    }
}
