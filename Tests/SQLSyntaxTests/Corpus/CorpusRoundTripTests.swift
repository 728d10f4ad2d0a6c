import Foundation
import SQLLogicTest
import SQLSyntax
import Synchronization
import Testing

/// Every runnable `statement ok` and `query` of SQLite's sqllogictest corpus parses, prints, and
/// parses back to the same AST; `statement error` records never crash the parser.
@Suite(.enabled(if: SLTCorpus.isAvailable, SLTCorpus.unavailableComment))
struct CorpusRoundTripTests {
    /// Totals over all files; the last file to finish prints them (Swift Testing has no suite-end hook).
    private static let totals = Mutex((files: 0, records: 0, roundTripped: 0, errorRecords: 0))

    @Test(arguments: SLTCorpus.files)
    func fileParsesAndRoundTrips(_ file: String) throws {
        let records = try SLTCorpus.runnableRecords(file)
        var failures = FailureLog()
        var roundTripped = 0
        var errorRecords = 0
        for record in records {
            let place = "\(file):\(record.line)"
            switch record.kind {
            case .statement(expectError: false), .query:
                switch RoundTrip.check(record.sql, requireParse: true) {
                case .success: roundTripped += 1
                case .failure(let failure): failures.record(failure, at: place)
                }
            case .statement(expectError: true):
                // Most are semantic errors (a missing table, a duplicate index), so parsing may
                // succeed; it must not crash, a thrown error must be well-formed, and SQL that
                // parses must round-trip like any other.
                errorRecords += 1
                if case .failure(let failure) = RoundTrip.check(record.sql, requireParse: false) {
                    failures.record(failure, at: place)
                }
            case .hashThreshold, .halt:
                continue
            }
        }
        failures.recordOverflow(file)

        let summary = Self.totals.withLock { totals in
            totals.files += 1
            totals.records += roundTripped + errorRecords
            totals.roundTripped += roundTripped
            totals.errorRecords += errorRecords
            return totals
        }
        print(
            "corpus: \(file): \(roundTripped) records round-tripped, \(errorRecords) error records,"
                + " \(failures.count) failures"
        )
        if summary.files == SLTCorpus.files.count {
            print(
                "corpus: \(summary.roundTripped) records parsed and round-tripped in \(summary.files) files"
                    + " (plus \(summary.errorRecords) statement error records parsed without crashing)"
            )
        }
    }

    @Test func corpusIsNotEmpty() {
        #expect(SLTCorpus.files.count >= 14, "expected SQLite's sqllogictest files, found \(SLTCorpus.files)")
        #expect(SLTCorpus.validSQL.count > 100_000)
    }
}
