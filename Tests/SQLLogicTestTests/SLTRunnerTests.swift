import ShardQLBase
import Testing

@testable import SQLLogicTest

@Suite struct SLTRunnerTests {
    /// Runs `text` as the file `t.test` on a fresh in-memory SQLite database.
    func run(_ text: String, hashThresholdOverride: Int? = nil) async throws -> SLTFileReport {
        let runner = try SLTRunner(hashThresholdOverride: hashThresholdOverride)
        var database = try await SLTSQLiteDatabase()
        let records = try SQLLogicTestFile.parse(contents: text, path: "t.test")
        return await runner.run(records, path: "t.test", on: &database)
    }

    static let table = """
        statement ok
        CREATE TABLE t(a INTEGER, b TEXT, c REAL)

        statement ok
        INSERT INTO t VALUES (3, 'x', 1.5); INSERT INTO t VALUES (1, 'yy', NULL); INSERT INTO t VALUES (2, '', -0.25)


        """

    @Test func statementsOkAndError() async throws {
        let report = try await run(
            Self.table + """
                statement error
                INSERT INTO nosuch VALUES (1)

                statement ok
                INSERT INTO t VALUES (4, 'z', 0)

                statement error
                SELECT 1

                statement ok
                SELECT nosuch FROM t

                """)
        #expect(report.passed == 4)
        #expect(report.failed == 2)
        #expect(report.failures.map(\.kind) == [.statementSucceeded, .statementFailed])
        #expect(report.failures.map(\.line) == [13, 16])
        #expect(report.failures[1].detail == "no such column: nosuch")
        #expect(
            report.failures[1].description.hasPrefix(
                "t.test:16: statement failed: no such column: nosuch\n  SELECT nosuch FROM t"))
    }

    @Test func sortModes() async throws {
        let report = try await run(
            "hash-threshold 20\n\n" + Self.table + """
                query ITR nosort
                SELECT a, b, c FROM t ORDER BY a DESC
                ----
                3
                x
                1.500
                2
                (empty)
                -0.250
                1
                yy
                NULL

                query IT rowsort
                SELECT a, b FROM t
                ----
                1
                yy
                2
                (empty)
                3
                x

                query T valuesort
                SELECT b FROM t UNION ALL SELECT a FROM t
                ----
                (empty)
                1
                2
                3
                x
                yy

                """)
        #expect(report.failures == [])
        #expect(report.passed == 5)
    }

    /// rowsort compares value by value with strcmp, so `10` sorts before `9`.
    @Test func rowsortComparesStrings() {
        let values = ["9", "b", "10", "a", "10", "0", "(empty)", "z"]
        #expect(
            SLTRunner.sorted(values, columns: 2, by: .rowsort) == ["(empty)", "z", "10", "0", "10", "a", "9", "b"])
        #expect(
            SLTRunner.sorted(values, columns: 2, by: .valuesort) == ["(empty)", "0", "10", "10", "9", "a", "b", "z"])
        #expect(SLTRunner.sorted(values, columns: 2, by: .nosort) == values)
    }

    @Test func wrongResultIsReportedWithBothSides() async throws {
        let report = try await run(
            Self.table + """
                query I nosort
                SELECT a FROM t ORDER BY a
                ----
                1
                2
                4

                query I nosort
                SELECT a FROM t ORDER BY a
                ----
                1
                2

                query I nosort
                SELECT a FROM t WHERE a > 5
                ----

                query I nosort
                SELECT a FROM t WHERE a > 5

                """)
        #expect(report.passed == 4)
        #expect(report.failed == 2)
        let failure = try #require(report.failures.first)
        #expect(failure.kind == .wrongResult)
        #expect(failure.line == 7)
        #expect(failure.expected == ["1", "2", "4"])
        #expect(failure.actual == ["1", "2", "3"])
        #expect(
            failure.description == """
                t.test:7: wrong result
                  SELECT a FROM t ORDER BY a
                  expected (3 lines):
                    1
                    2
                    4
                  got (3 lines):
                    1
                    2
                    3
                """)
        // Fewer expected values than returned is a failure too (sqllogictest.c would stop comparing).
        #expect(report.failures[1].line == 14)
    }

    @Test func columnCountMustMatchTheTypeString() async throws {
        let report = try await run(
            Self.table + """
                query II nosort
                SELECT a FROM t WHERE a = 1
                ----
                1

                query I nosort
                SELECT a, b FROM t WHERE 0
                ----

                """)
        #expect(report.failures.map(\.kind) == [.wrongColumnCount, .wrongColumnCount])
        #expect(report.failures[0].detail == "expected 2 but got 1")
    }

    @Test func queryErrorsFail() async throws {
        let report = try await run("query I nosort\nSELECT nosuch\n----\n1\n")
        #expect(report.failures.map(\.kind) == [.queryFailed])
        #expect(report.failures[0].detail == "no such column: nosuch")
    }

    /// The default threshold is 8, as in sqllogictest.c: 9 values compare as a hash line.
    @Test func hashThreshold() async throws {
        let nine = (1...9).map(String.init)
        let hash = MD5.hex(of: nine.map { $0 + "\n" }.joined())
        let select = """
            SELECT value FROM (WITH RECURSIVE c(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM c \
            WHERE value < 9) SELECT value FROM c)
            """
        let report = try await run(
            """
            query I valuesort
            \(select)
            ----
            9 values hashing to \(hash)

            query I valuesort
            \(select)
            ----
            \(nine.joined(separator: "\n"))

            hash-threshold 10

            query I valuesort
            \(select)
            ----
            \(nine.joined(separator: "\n"))

            query I valuesort
            \(select)
            ----
            9 values hashing to \(hash)

            hash-threshold 0

            query I valuesort
            \(select)
            ----
            \(nine.joined(separator: "\n"))

            """)
        #expect(report.passed == 3)
        #expect(report.failures.map(\.line) == [6, 34])
        // Above the threshold the values are not what the canonical runner compares.
        #expect(report.failures[0].actualHash == "9 values hashing to \(hash)")
        #expect(report.failures[0].actual == nine)
        #expect(report.failures[0].description.contains("got (1 line):\n    9 values hashing to \(hash)"))

        // An override replaces every hash-threshold record.
        let overridden = try await run(
            "hash-threshold 3\n\nquery I nosort\nSELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4\n"
                + "----\n1\n2\n3\n4\n",
            hashThresholdOverride: 0)
        #expect(overridden.failures == [])
    }

    /// A hash is over the values after sorting.
    @Test func hashIsOverSortedValues() async throws {
        let hash = MD5.hex(of: (1...9).map { "\($0)\n" }.joined())
        let report = try await run(
            """
            query I rowsort
            SELECT 10 - value FROM (WITH RECURSIVE c(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM c
              WHERE value < 9) SELECT value FROM c)
            ----
            9 values hashing to \(hash)

            """)
        #expect(report.failures == [])
    }

    @Test func labelsMustAgree() async throws {
        let report = try await run(
            Self.table + """
                query I rowsort label-1
                SELECT a FROM t
                ----
                1
                2
                3

                query I rowsort label-1
                SELECT a FROM t WHERE a > 0
                ----
                1
                2
                3

                query I rowsort label-1
                SELECT a + 1 FROM t
                ----
                2
                3
                4

                """)
        #expect(report.passed == 4)
        #expect(report.failed == 1)
        let failure = try #require(report.failures.first)
        #expect(failure.kind == .labelMismatch)
        #expect(failure.line == 21)
        #expect(failure.detail == "[label-1]")
    }

    /// Like `sqllogictest.c -verify`, a skipped labelled query still checks the result the file
    /// gives it against the label; labels compare on 20 characters.
    @Test func skippedLabelledQueriesCheckTheirExpectedResult() async throws {
        let report = try await run(
            """
            query I nosort label-abcdefghijklmn-1
            SELECT 1
            ----
            1

            onlyif mysql
            query I nosort label-abcdefghijklmn-2
            SELECT 1
            ----
            1

            skipif sqlite
            query I nosort label-abcdefghijklmn-3
            SELECT 1
            ----
            2

            """)
        #expect(report.passed == 1)
        #expect(report.skipped == 1)
        #expect(report.failed == 1)
        #expect(report.failures.map(\.line) == [12])
    }

    @Test func skipifOnlyifAndHaltCountAsSkipped() async throws {
        let report = try await run(
            """
            skipif sqlite
            statement ok
            SELECT nosuch

            onlyif mysql
            query I nosort
            SELECT 1
            ----
            2

            onlyif sqlite
            query I nosort
            SELECT 1
            ----
            1

            onlyif mysql
            halt

            statement ok
            SELECT 1

            halt

            statement ok
            SELECT nosuch

            query I nosort
            SELECT 1
            ----
            2

            """)
        #expect(report.summary == "2 passed, 0 failed, 4 skipped")
    }

    @Test func queryResultIsTheLastStatements() async throws {
        let report = try await run(
            """
            query I nosort
            CREATE TABLE u(a); INSERT INTO u VALUES (7); SELECT a * 2 FROM u
            ----
            14

            statement ok
            CREATE TRIGGER r AFTER INSERT ON u BEGIN INSERT INTO u VALUES (new.a + 100); SELECT 1; END; INSERT INTO u VALUES (1)

            query I rowsort
            SELECT a FROM u
            ----
            1
            101
            7

            """)
        #expect(report.failures == [])
        #expect(report.passed == 3)
    }
}
