import Foundation
import SQLLogicTest
import Testing

@Suite struct SQLLogicTestCorpusTests {
    /// A fresh folder under the system's temporary directory, removed after `body`.
    func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("SQLLogicTestCorpusTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// `z.test` at the top, `sub/a.test` in a subfolder, and a file that is not a `.test` file.
    func makeCorpus(in directory: String) throws {
        try write(
            """
            statement ok
            CREATE TABLE t1(a INTEGER)

            skipif sqlite
            statement ok
            SELECT 'skipped for sqlite'

            onlyif postgresql
            query I nosort
            SELECT 'only for postgresql'
            ----
            1

            onlyif sqlite
            query I rowsort
            SELECT a FROM t1
            ----

            statement error
            CREATE TABLE t1(a)

            onlyif mysql
            halt

            hash-threshold 8

            statement ok
            INSERT INTO t1 VALUES(1)

            """,
            to: directory + "/z.test"
        )
        try write(
            """
            query T
            SELECT 'é'
            ----
            é

            onlyif sqlite
            halt

            statement ok
            SELECT 'after halt'

            """,
            to: directory + "/sub/a.test"
        )
        try write("statement ok\nSELECT 'not a test file'\n", to: directory + "/README.txt")
    }

    @Test func filesAreTheSortedTestFilesInEveryFolder() throws {
        try withTemporaryDirectory { directory in
            try makeCorpus(in: directory)
            let corpus = try #require(SQLLogicTestCorpus(directory: directory + "/"))
            #expect(corpus.directory == directory)
            #expect(corpus.files == ["sub/a.test", "z.test"])
            #expect(corpus.path(of: "sub/a.test") == directory + "/sub/a.test")
        }
    }

    @Test func missingFolderIsNil() throws {
        try withTemporaryDirectory { directory in
            #expect(SQLLogicTestCorpus(directory: directory + "/absent") == nil)
            try write("", to: directory + "/plain.test")
            #expect(SQLLogicTestCorpus(directory: directory + "/plain.test") == nil)
        }
    }

    @Test func runnableRecordsHonourSkipIfOnlyIfAndHalt() throws {
        try withTemporaryDirectory { directory in
            try makeCorpus(in: directory)
            let corpus = try #require(SQLLogicTestCorpus(directory: directory))

            // skipif sqlite and onlyif postgresql drop two records; the mysql halt does not apply.
            let sqlite = try corpus.runnableRecords("z.test", dialect: "sqlite")
            #expect(
                sqlite.map(\.sql) == [
                    "CREATE TABLE t1(a INTEGER)", "SELECT a FROM t1", "CREATE TABLE t1(a)", "",
                    "INSERT INTO t1 VALUES(1)",
                ]
            )
            #expect(sqlite[3].kind == .hashThreshold(8))

            // For mysql the halt applies: nothing after it runs.
            let mysql = try corpus.runnableRecords("z.test", dialect: "mysql")
            #expect(
                mysql.map(\.sql) == ["CREATE TABLE t1(a INTEGER)", "SELECT 'skipped for sqlite'", "CREATE TABLE t1(a)"]
            )

            // The sqlite halt ends sub/a.test for sqlite only.
            #expect(try corpus.runnableRecords("sub/a.test", dialect: "sqlite").map(\.sql) == ["SELECT 'é'"])
            #expect(
                try corpus.runnableRecords("sub/a.test", dialect: "mysql").map(\.sql) == [
                    "SELECT 'é'", "SELECT 'after halt'",
                ]
            )
        }
    }

    @Test func validSQLIsRunnableStatementOkAndQueryRecordsInFileOrder() throws {
        try withTemporaryDirectory { directory in
            try makeCorpus(in: directory)
            let corpus = try #require(SQLLogicTestCorpus(directory: directory))
            let sql = corpus.validSQL(dialect: "sqlite")
            let expected = ["SELECT 'é'", "CREATE TABLE t1(a INTEGER)", "SELECT a FROM t1", "INSERT INTO t1 VALUES(1)"]
            #expect(sql.statements == expected)
            #expect(sql.utf8Count == expected.joined().utf8.count)
            #expect(sql.utf8Count == 11 + 26 + 16 + 24)
        }
    }

    @Test func unparsableFilesAreSkippedByValidSQLButReportedByRunnableRecords() throws {
        try withTemporaryDirectory { directory in
            try write("statement ok\nSELECT 1\n", to: directory + "/a.test")
            try write("statment ok\nSELECT 2\n", to: directory + "/b.test")
            let corpus = try #require(SQLLogicTestCorpus(directory: directory))
            #expect(corpus.validSQL(dialect: "sqlite").statements == ["SELECT 1"])
            #expect(throws: SLTParseError.self) { try corpus.runnableRecords("b.test", dialect: "sqlite") }
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment[SQLLogicTestCorpus.directoryEnvironmentVariable] == nil))
    func locateFindsSharedBesideThePackageRoot() throws {
        try withTemporaryDirectory { directory in
            try write("statement ok\nSELECT 1\n", to: directory + "/shared/sqllogictest/select1.test")
            // <directory>/root is the package root, three components above the source file.
            let source = directory + "/root/Tests/SomeTests/File.swift"
            let corpus = try #require(SQLLogicTestCorpus.locate(startingAt: source, levelsUp: 3))
            #expect(corpus.directory == directory + "/shared/sqllogictest")
            #expect(corpus.files == ["select1.test"])

            #expect(SQLLogicTestCorpus.locate(startingAt: source, levelsUp: 2) == nil)
        }
    }
}
