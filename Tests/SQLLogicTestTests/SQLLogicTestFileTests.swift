import Foundation
import Testing

@testable import SQLLogicTest

@Suite struct SQLLogicTestFileTests {
    func parse(_ text: String) throws -> [SLTRecord] {
        try SQLLogicTestFile.parse(contents: text, path: "t.test")
    }

    @Test func statementsAndComments() throws {
        let records = try parse(
            """
            # a comment before anything
            statement ok
            CREATE TABLE t1(a INTEGER, b INTEGER)

            statement error
            CREATE TABLE t1(a)

            """
        )
        #expect(
            records == [
                SLTRecord(
                    kind: .statement(expectError: false),
                    sql: "CREATE TABLE t1(a INTEGER, b INTEGER)",
                    line: 2,
                    sqlLine: 3
                ),
                SLTRecord(kind: .statement(expectError: true), sql: "CREATE TABLE t1(a)", line: 5, sqlLine: 6),
            ]
        )
    }

    @Test func statementWithSeveralStatementsAndLines() throws {
        let records = try parse(
            """
            statement ok
            CREATE TRIGGER t1r1 UPDATE ON t1 BEGIN
              SELECT 1; SELECT 2;
            END;
            """
        )
        #expect(records.count == 1)
        #expect(records[0].sql == "CREATE TRIGGER t1r1 UPDATE ON t1 BEGIN\n  SELECT 1; SELECT 2;\nEND;")
        #expect(records[0].kind == .statement(expectError: false))
    }

    @Test func queryWithValuesMultiLineSQLAndLabel() throws {
        let records = try parse(
            """
            query IT rowsort label-7
            SELECT a,
                   b
              FROM t1
            ----
            1
            (empty)
            2
            NULL

            query R
            SELECT 1.5
            ----
            1.500
            """
        )
        #expect(records.count == 2)
        #expect(records[0].kind == .query(types: [.integer, .text], sort: .rowsort, label: "label-7"))
        #expect(records[0].sql == "SELECT a,\n       b\n  FROM t1")
        #expect(records[0].expected == .values(["1", "(empty)", "2", "NULL"]))
        #expect(records[0].line == 1 && records[0].sqlLine == 2)
        // No sort mode means nosort.
        #expect(records[1].kind == .query(types: [.real], sort: .nosort, label: nil))
        #expect(records[1].expected == .values(["1.500"]))
        #expect(records[1].line == 11)
    }

    @Test func queryResultShapes() throws {
        let records = try parse(
            """
            query I nosort
            SELECT 1 WHERE 0
            ----

            query I valuesort
            SELECT 1

            query III rowsort
            SELECT a, b, c FROM t1
            ----
            30 values hashing to 3C13DEE48D9356AE19AF2515E05E6B54

            query T nosort
            SELECT x
            ----
            3 values hashing to nothex
            """
        )
        #expect(
            records.map(\.expected) == [
                .values([]),
                nil,
                .hash(count: 30, md5: "3c13dee48d9356ae19af2515e05e6b54"),
                .values(["3 values hashing to nothex"]),
            ]
        )
        #expect(records[1].sql == "SELECT 1")
    }

    @Test func crlfLineEndings() throws {
        let text =
            "hash-threshold 8\r\n\r\nstatement ok\r\nCREATE TABLE tab0(col0 INTEGER)\r\n\r\n"
            + "skipif mysql # not supported\r\nquery I rowsort\r\nSELECT col0\r\nFROM tab0\r\n----\r\n1\r\n2\r\n \r\n"
            + "query I nosort\r\nSELECT 1\r\n----\r\n1\r\n"
        let records = try parse(text)
        #expect(records.count == 4)
        #expect(records[0].kind == .hashThreshold(8))
        #expect(records[1].sql == "CREATE TABLE tab0(col0 INTEGER)")
        #expect(records[2].conditions == [.skipIf("mysql")])
        #expect(records[2].sql == "SELECT col0\nFROM tab0")
        #expect(records[2].expected == .values(["1", "2"]))
        #expect(records[2].line == 6)
        #expect(records[3].expected == .values(["1"]))
        #expect(records[3].line == 14)
        #expect(!records.contains { $0.sql.contains("\r") })
    }

    @Test func multipleConditions() throws {
        let records = try parse(
            """
            skipif mysql
            skipif postgresql # comment after the name
            query I nosort
            SELECT 1
            ----
            1

            onlyif sqlite
            statement ok
            SELECT 1 IN ()

            onlyif mssql
            skipif sqlite
            statement ok
            SELECT 2
            """
        )
        #expect(records[0].conditions == [.skipIf("mysql"), .skipIf("postgresql")])
        #expect(records[0].line == 1)
        #expect(records[0].applies(toDialect: "sqlite"))
        #expect(!records[0].applies(toDialect: "MySQL"))
        #expect(records[1].applies(toDialect: "sqlite"))
        #expect(!records[1].applies(toDialect: "mysql"))
        #expect(!records[2].applies(toDialect: "sqlite"))
        #expect(records[2].applies(toDialect: "mssql"))
        #expect(!records[2].applies(toDialect: "oracle"))
    }

    @Test func haltOnlyStopsWhenItApplies() throws {
        let records = try parse(
            """
            onlyif mssql
            halt

            skipif sqlite
            halt

            statement ok
            CREATE TABLE t1(x)

            onlyif sqlite
            halt

            statement ok
            SELECT 'never reached'
            """
        )
        #expect(
            records.map(\.kind) == [
                .halt, .halt, .statement(expectError: false), .halt,
                .statement(expectError: false),
            ]
        )
        let runnable = SQLLogicTestFile.runnable(records, dialect: "sqlite")
        #expect(runnable.map(\.sql) == ["CREATE TABLE t1(x)"])
        // For mssql, the very first halt applies.
        #expect(SQLLogicTestFile.runnable(records, dialect: "mssql").isEmpty)
    }

    @Test func commentsInsideRecordsAreSkippedNotSeparators() throws {
        let records = try parse(
            """
            query I nosort
            # inside the SQL
            SELECT 1
            ----
            # inside the results
            1

            """
        )
        #expect(records.count == 1)
        #expect(records[0].sql == "SELECT 1")
        #expect(records[0].expected == .values(["1"]))
    }

    @Test func blankLinesAndTrailingText() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("\n\n  \n# only a comment\n").isEmpty)
        // Several blank lines (some with spaces or tabs) between records, and no final newline.
        let records = try parse("statement ok\nSELECT 1\n\n \t\n\n\nstatement ok\nSELECT 2")
        #expect(records.map(\.sql) == ["SELECT 1", "SELECT 2"])
        #expect(records.map(\.line) == [1, 7])
    }

    @Test(arguments: [
        ("statment ok\nSELECT 1", 1, "unknown record type: 'statment'"),
        ("statement maybe\nSELECT 1", 1, "statement argument should be 'ok' or 'error'"),
        ("\nquery I randomsort\nSELECT 1", 2, "unknown sort method: 'randomsort'"),
        ("query IX\nSELECT 1", 1, "unknown column type 'X' in 'IX'"),
        ("query\nSELECT 1", 1, "query needs its column types"),
        ("hash-threshold many", 1, "hash-threshold needs a non-negative integer"),
        ("skipif mysql\nonlyif oracle", 2, "'onlyif' is not followed by a record"),
        ("skipif\nhalt", 1, "'skipif' needs a database name"),
    ])
    func malformedRecordsAreReported(text: String, line: Int, message: String) {
        #expect(throws: SLTParseError(path: "t.test", line: line, message: message)) {
            try SQLLogicTestFile.parse(contents: text, path: "t.test")
        }
    }

    @Test func errorDescriptionNamesFileAndLine() {
        let error = SLTParseError(path: "evidence/in1.test", line: 12, message: "unknown record type: 'x'")
        #expect(error.description == "evidence/in1.test:12: unknown record type: 'x'")
    }

    @Test func invalidUTF8IsDecodedLossily() throws {
        let path = "/tmp/slt-\(UInt64.random(in: 0...UInt64.max)).test"
        let bytes: [UInt8] = Array("statement ok\nSELECT '".utf8) + [0xFF, 0xFE] + Array("'\n".utf8)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let records = try SQLLogicTestFile.parse(fileAtPath: path)
        #expect(records.first?.sql == "SELECT '\u{FFFD}\u{FFFD}'")
    }
}
