import ShardQLBase
import SQLiteCore
import Testing

@Suite("Connections: files, WAL, read-only, transactions")
struct SQLiteConnectionTests {
    @Test func libraryVersionLooksLikeAVersion() {
        #expect(SQLiteConnection.libraryVersion.hasPrefix("3."))
    }

    @Test func fileDatabaseIsCreatedInWALMode() throws {
        try withTemporaryDirectory { directory in
            let connection = try SQLiteConnection(path: directory + "/wal.sqlite")
            #expect(try connection.prepare("PRAGMA journal_mode").rows() == [[.text("wal")]])
            #expect(try connection.prepare("PRAGMA synchronous").rows() == [[.integer(1)]])  // NORMAL
            #expect(try connection.prepare("PRAGMA busy_timeout").rows() == [[.integer(5000)]])
        }
    }

    @Test func walCanBeTurnedOff() throws {
        try withTemporaryDirectory { directory in
            let connection = try SQLiteConnection(
                path: directory + "/rollback.sqlite", configuration: SQLiteConfiguration(walMode: false))
            #expect(try connection.prepare("PRAGMA journal_mode").rows() == [[.text("delete")]])
        }
    }

    @Test func memoryDatabaseOpens() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        #expect(try connection.prepare("PRAGMA journal_mode").rows() == [[.text("memory")]])
    }

    @Test func attachedDatabaseLimitIsSQLitesLimit() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let limit = connection.attachedDatabaseLimit
        #expect(limit >= 1)
        for index in 0..<limit {
            try connection.execute("ATTACH DATABASE ':memory:' AS m\(index)")
        }
        #expect(throws: ShardQLError.self) { try connection.execute("ATTACH DATABASE ':memory:' AS one_more") }
        connection.close()
        #expect(connection.attachedDatabaseLimit == 0)
    }

    @Test func readOnlyConnectionRefusesWrites() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/ro.sqlite"
            let writer = try SQLiteConnection(path: path)
            try writer.execute("CREATE TABLE t(a); INSERT INTO t VALUES (1)")

            let reader = try SQLiteConnection(path: path, configuration: SQLiteConfiguration(readOnly: true))
            #expect(try reader.prepare("SELECT a FROM t").rows() == [[.integer(1)]])
            let error = #expect(throws: ShardQLError.self) { try reader.execute("INSERT INTO t VALUES (2)") }
            #expect(error?.code == .sqlite)
            #expect(error?.sqliteResultCode.map { $0 & 0xFF } == 8)  // SQLITE_READONLY
            #expect(try writer.prepare("SELECT count(*) FROM t").rows() == [[.integer(1)]])
        }
    }

    @Test func readOnlyDoesNotCreateFiles() throws {
        try withTemporaryDirectory { directory in
            let error = #expect(throws: ShardQLError.self) {
                try SQLiteConnection(path: directory + "/missing.sqlite", configuration: .init(readOnly: true))
            }
            #expect(error?.sqliteResultCode.map { $0 & 0xFF } == 14)  // SQLITE_CANTOPEN
        }
    }

    @Test func dataSurvivesReopening() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/reopen.sqlite"
            do {
                let connection = try SQLiteConnection(path: path)
                try connection.execute("CREATE TABLE t(a); INSERT INTO t VALUES ('kept')")
                connection.close()
            }
            let connection = try SQLiteConnection(path: path)
            #expect(try connection.prepare("SELECT a FROM t").rows() == [[.text("kept")]])
        }
    }

    struct Boom: Error {}

    @Test func transactionRollsBackOnThrownError() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t(a)")
        #expect(throws: Boom.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO t VALUES (1)")
                #expect(!connection.isAutocommit)
                throw Boom()
            }
        }
        #expect(connection.isAutocommit)
        #expect(try connection.prepare("SELECT count(*) FROM t").rows() == [[.integer(0)]])
    }

    @Test func transactionRollsBackOnSQLiteError() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t(a UNIQUE)")
        let error = #expect(throws: ShardQLError.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO t VALUES (1)")
                try connection.execute("INSERT INTO t VALUES (1)")
            }
        }
        #expect(error?.sqliteResultCode == 2067)
        #expect(connection.isAutocommit)
        #expect(try connection.prepare("SELECT count(*) FROM t").rows() == [[.integer(0)]])
    }

    @Test func transactionCommitsAndReturnsTheBodyResult() throws {
        try withTemporaryDirectory { directory in
            let connection = try SQLiteConnection(path: directory + "/tx.sqlite")
            try connection.execute("CREATE TABLE t(a)")
            let rowID = try connection.transaction(.deferred) {
                try connection.execute("INSERT INTO t VALUES (1)")
                return connection.lastInsertRowID
            }
            #expect(rowID == 1)
            #expect(connection.isAutocommit)
            let other = try SQLiteConnection(path: directory + "/tx.sqlite")
            #expect(try other.prepare("SELECT a FROM t").rows() == [[.integer(1)]])
        }
    }

    @Test func busyWriterFailsAfterTheTimeout() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/busy.sqlite"
            let first = try SQLiteConnection(path: path)
            try first.execute("CREATE TABLE t(a)")
            let second = try SQLiteConnection(path: path, configuration: .init(busyTimeout: .milliseconds(50)))
            try first.transaction {
                let error = #expect(throws: ShardQLError.self) {
                    try second.transaction { try second.execute("INSERT INTO t VALUES (1)") }
                }
                #expect(error?.sqliteResultCode.map { $0 & 0xFF } == 5)  // SQLITE_BUSY
            }
        }
    }
}
