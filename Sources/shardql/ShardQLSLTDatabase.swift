import ShardQLBase
import SQLLogicTest
import SQLSyntax
import SQLiteCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `shardql slt` runs sqllogictest files on until the sharded engine lands: a fresh
/// temporary SQLite file per test file, reached the way `BatchRunner` reaches its database —
/// statements split by ShardQL's lexer, parsed by its parser, printed back by its printer
/// (``UnshardedSQL``), then run by SQLite. So the corpus checks ShardQL's front end today and the
/// whole engine once it replaces this adapter.
struct ShardQLSLTDatabase: SLTDatabase {
    private let database: SQLiteDatabase
    private let directory: String

    /// Creates a temporary directory and an empty database file in it.
    init() async throws {
        let base = (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
        var template = Array((base + "/shardql-slt-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            let reason = String(cString: strerror(errno))
            throw ShardQLError(.io, "cannot create a temporary directory in '\(base)': \(reason)")
        }
        directory = String(cString: created)
        do {
            database = try await SQLiteDatabase(path: directory + "/slt.sqlite")
        } catch {
            rmdir(directory)
            throw error
        }
    }

    mutating func execute(_ sql: String) async throws -> SLTResult {
        try await database.withConnection { connection in
            var result = SLTResult.empty
            for piece in SQLScript(sql).pieces {
                for statementSQL in try UnshardedSQL.statements(in: piece.text) {
                    let statement = try connection.prepare(statementSQL)
                    var rows: [[SQLValue]] = []
                    while try statement.step() {
                        rows.append(statement.row())
                    }
                    result = SLTResult(columnCount: statement.columnCount, rows: rows)
                }
            }
            return result
        }
    }

    /// Closes the database and deletes its files.
    func remove() async {
        await database.close()
        for suffix in ["", "-wal", "-shm", "-journal"] {
            unlink(directory + "/slt.sqlite" + suffix)
        }
        rmdir(directory)
    }
}
