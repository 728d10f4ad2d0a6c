import Foundation
import ShardQLBase
import SQLiteCore
import Testing

/// A confined connection runs statements it did not write: each test hands it one that reaches
/// past what it may do, and checks it is refused before it runs.
@Suite("Connection guards: reading only, own file only")
struct SQLiteConnectionGuardTests {
    /// A file with a table, and a read-only connection to it confined to reading.
    private func withReader(_ body: (SQLiteConnection, String) throws -> Void) throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/shard.sqlite"
            let writer = try SQLiteConnection(path: path)
            try writer.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); INSERT INTO t VALUES (1, 'x'), (2, 'y')")
            let reader = try SQLiteConnection(path: path, configuration: SQLiteConfiguration(readOnly: true))
            try reader.confineToReading(maxValueBytes: 1 << 20)
            try body(reader, directory)
        }
    }

    private func expectRefused(_ connection: SQLiteConnection, _ sql: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        let error = #expect(throws: ShardQLError.self, sourceLocation: sourceLocation) {
            try connection.prepare(sql).run()
        }
        #expect(error?.message.contains("not authorized") == true || error?.message.contains("authorization denied") == true, "\(sql): \(String(describing: error))", sourceLocation: sourceLocation)
    }

    @Test func queriesRunAsBefore() throws {
        try withReader { reader, _ throws in
            let rows = try reader.prepare(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3)
                SELECT b, upper(b), (SELECT count(*) FROM n) FROM t ORDER BY a
                """
            ).rows()
            #expect(rows == [[.text("x"), .text("X"), .integer(3)], [.text("y"), .text("Y"), .integer(3)]])
            #expect(try reader.prepare("SELECT count(*) FROM sqlite_schema").rows() == [[.integer(1)]])
            #expect(try reader.prepare("SELECT page_count * page_size > 0 FROM pragma_page_count(), pragma_page_size()").rows() == [[.integer(1)]])
            #expect(try reader.prepare("PRAGMA user_version").rows() == [[.integer(0)]])
        }
    }

    @Test func anotherFileCannotBeReachedNorWritten() throws {
        try withReader { reader, directory throws in
            let elsewhere = directory + "/elsewhere.sqlite"
            let other = try SQLiteConnection(path: elsewhere)
            try other.execute("CREATE TABLE secret(s)")
            expectRefused(reader, "ATTACH DATABASE '\(elsewhere)' AS e")
            expectRefused(reader, "VACUUM INTO '\(directory)/copy.sqlite'")
            #expect(!FileManager.default.fileExists(atPath: directory + "/copy.sqlite"))
            expectRefused(reader, "DETACH DATABASE temp")
        }
    }

    @Test func nothingChangesNotEvenTemp() throws {
        try withReader { reader, _ throws in
            for sql in [
                "CREATE TEMP TABLE x(a)", "CREATE TEMP VIEW v AS SELECT 1", "BEGIN", "SAVEPOINT s", "ANALYZE",
                "PRAGMA cache_size = 10", "PRAGMA query_only = 0", "PRAGMA wal_checkpoint",
                "SELECT * FROM pragma_table_info('t')", "SELECT load_extension('/tmp/x.so')",
                "INSERT INTO t VALUES (3, 'z')", "DELETE FROM t",
            ] {
                expectRefused(reader, sql)
            }
            #expect(try reader.prepare("SELECT count(*) FROM t").rows() == [[.integer(2)]])
        }
    }

    @Test func valuesAreCappedAtTheConnectionsLimit() throws {
        try withReader { reader, _ throws in
            #expect(try reader.prepare("SELECT length(zeroblob(1000))").rows() == [[.integer(1000)]])
            let error = #expect(throws: ShardQLError.self) {
                try reader.prepare("SELECT zeroblob(2 * 1024 * 1024)").rows()
            }
            #expect(error?.message.contains("too big") == true, "\(String(describing: error))")
        }
    }

    @Test func theOwnerAttachesItsOwnFiles() throws {
        try withReader { reader, directory throws in
            let reference = directory + "/reference.sqlite"
            try SQLiteConnection(path: reference).execute("CREATE TABLE r(a); INSERT INTO r VALUES (42)")
            try reader.withAttachmentsPermitted {
                let attach = try reader.prepare("ATTACH DATABASE ? AS ref")
                try attach.bind([.text(reference)])
                try attach.run()
            }
            #expect(try reader.prepare("SELECT a FROM ref.r").rows() == [[.integer(42)]])
            expectRefused(reader, "DETACH DATABASE ref")
            try reader.withAttachmentsPermitted { try reader.execute("DETACH DATABASE ref") }
        }
    }

    @Test func aWriterConfinedToItsFileWritesButReachesNoOther() throws {
        try withTemporaryDirectory { directory in
            let writer = try SQLiteConnection(path: directory + "/own.sqlite")
            try writer.confineToOwnFile(maxValueBytes: 1 << 20)
            try writer.execute(
                """
                BEGIN; CREATE TABLE t(a); INSERT INTO t VALUES (1); CREATE INDEX ti ON t(a);
                PRAGMA user_version = 3; COMMIT
                """)
            #expect(try writer.prepare("SELECT count(*) FROM t").rows() == [[.integer(1)]])
            expectRefused(writer, "ATTACH DATABASE '\(directory)/other.sqlite' AS o")
            expectRefused(writer, "VACUUM INTO '\(directory)/copy.sqlite'")
            expectRefused(writer, "SELECT load_extension('/tmp/x.so')")
            #expect(!FileManager.default.fileExists(atPath: directory + "/other.sqlite"))
            #expect(!FileManager.default.fileExists(atPath: directory + "/copy.sqlite"))
            #expect(throws: ShardQLError.self) { try writer.execute("INSERT INTO t VALUES (zeroblob(2 * 1024 * 1024))") }
        }
    }
}
