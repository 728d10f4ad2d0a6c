import Foundation
import ShardQL
import Testing

/// A fresh embedded cluster in a temporary directory, closed and deleted after `body`.
func withDatabase<T>(shards: Int = 4, _ body: (Database) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-api-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let database = try await Database.open(directory: directory, options: .init(shardCount: shards))
    do {
        let result = try await body(database)
        await database.close()
        return result
    } catch {
        await database.close()
        throw error
    }
}

/// Expects `body` to throw a ShardQLError with `code`; returns it.
@discardableResult
func expectError<T>(
    _ code: ShardQLError.Code, sourceLocation: Testing.SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> ShardQLError? {
    do {
        _ = try await body()
        Issue.record("expected a \(code) error, got none", sourceLocation: sourceLocation)
    } catch let error as ShardQLError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a ShardQLError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite("Swift API: opening, statements, errors")
struct DatabaseTests {
    @Test func createFillAndQuery() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, score REAL)")
            let inserted = try await database.execute(
                "INSERT INTO people VALUES (?, ?, ?), (?, ?, ?)", parameters: [1, "Ada", 2.5, 2, "Grace", nil])
            #expect(inserted == 2)
            let rows = try await database.fetchAll("SELECT id, name, score FROM people ORDER BY id")
            #expect(rows.count == 2)
            #expect(try rows[0].get("name") == "Ada")
            #expect(try rows[0].get(2) == 2.5)
            #expect(rows[1]["score"] == .null)
            #expect(rows[1]["SCORE"] == .null, "column names are case-insensitive")
            #expect(rows[1]["nosuch"] == nil)
            #expect(rows[0][0] == .integer(1))
            #expect(rows[0].columns.names == ["id", "name", "score"])
            let updated = try await database.execute("UPDATE people SET score = score * 2 WHERE score IS NOT NULL")
            #expect(updated == 1)
            #expect(try await database.fetchOne("SELECT score FROM people WHERE id = 1")?.get(0) == 5.0)
        }
    }

    @Test func scriptsRunInOrderWithoutParameters() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(a); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2), (3);")
            #expect(try await database.fetchOne("SELECT sum(a) FROM t")?.get(0) == 6)
            await expectError(.invalidArgument) {
                try await database.execute("INSERT INTO t VALUES (?); INSERT INTO t VALUES (?)", parameters: [1, 2])
            }
        }
    }

    @Test func errorsCarryCodesToSwitchOn() async throws {
        try await withDatabase { database in
            let syntax = await expectError(.syntaxError) { try await database.execute("SELECT * FORM t") }
            #expect(syntax?.location?.column == 10)
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
            try await database.execute("INSERT INTO t VALUES (1)")
            let constraint = await expectError(.sqlite) { try await database.execute("INSERT INTO t VALUES (1)") }
            #expect(constraint?.message.contains("UNIQUE constraint failed") == true)
            await expectError(.sqlite) { try await database.fetchAll("SELECT nosuch FROM t") }
            // Every failure is the one public type, whatever layer it came from.
            do throws(ShardQLError) {
                try await database.execute("DROP TABLE nosuch")
            } catch {
                switch error.code {
                case .sqlite: break
                default: Issue.record("unexpected code \(error.code)")
                }
            }
        }
    }

    @Test func transactionControlIsRefusedOnTheSharedDatabase() async throws {
        try await withDatabase { database in
            await expectError(.invalidArgument) { try await database.execute("BEGIN") }
            await expectError(.invalidArgument) { try await database.execute("SAVEPOINT a") }
            await expectError(.invalidArgument) { try await database.execute("COMMIT") }
        }
    }

    /// Two coordinators on one embedded directory (as two processes would be): each sees the
    /// other's tables at its next statement, and DDL planned on a stale catalog is planned again.
    @Test func twoDatabasesOnOneDirectorySeeEachOthersChanges() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-api-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try await Database.open(directory: directory)
        let second = try await Database.open(directory: directory)
        try await first.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES ('a'), ('b')")
        #expect(try await second.fetchAll(Int.self, "SELECT count(*) FROM t") == [2])
        // The second plans its CREATE on the catalog it has; the first moved it on meanwhile.
        try await first.execute("CREATE TABLE u(x)")
        try await second.execute("CREATE TABLE w(y); INSERT INTO w VALUES (1)")
        try await first.execute("INSERT INTO u VALUES (2)")
        #expect(try await first.fetchAll(Int.self, "SELECT y FROM w") == [1])
        #expect(try await second.fetchAll(Int.self, "SELECT x FROM u") == [2])
        try await second.execute("DROP TABLE t")
        await expectError(.sqlite) { try await first.fetchAll(Int.self, "SELECT count(*) FROM t") }
        await first.close()
        await second.close()
    }

    @Test func catalogLocations() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-api-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let catalog = directory + "/elsewhere.sqlite"
        let database = try await Database.open(catalog: "sqlite:" + catalog, directory: directory + "/data")
        try await database.execute("CREATE TABLE t(a)")
        await database.close()
        #expect(FileManager.default.fileExists(atPath: catalog))
        let reopened = try await Database.open(catalog: catalog, directory: directory + "/data")
        #expect(try await reopened.fetchAll("SELECT * FROM t").isEmpty)
        await reopened.close()
        // Nothing listens on port 1: the PostgreSQL catalog is refused at once, naming the server.
        await expectError(.unavailable) { try await Database.open(catalog: "postgres://u@127.0.0.1:1/db", directory: directory) }
        await expectError(.invalidArgument) { try await Database.open(catalog: "mysql://x", directory: directory) }
    }

    @Test func closedDatabaseRefusesStatements() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-api-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try await Database.open(directory: directory)
        await database.close()
        await expectError(.invalidArgument) { try await database.execute("SELECT 1") }
    }

    @Test func explainReturnsAStructuredPlan() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)")
            try await database.execute("INSERT INTO t VALUES (1, 10), (2, 20), (3, 30), (4, 40)")
            let point = try await database.explain("SELECT v FROM t WHERE id = ?", parameters: [3])
            #expect(point.tier == .router)
            #expect(point.fragments.count == 1)
            #expect(point.shardsBeforePruning == 4)
            let total = try await database.explain("SELECT sum(v) FROM t")
            #expect(total.tier == .pushdown)
            #expect(total.fragments.count == 4)
            if case .finalQuery = total.merge {} else { Issue.record("expected a final query, got \(total.merge)") }
            #expect(total.description.contains("Tier: pushdown"))
            let analyzed = try await database.explain("SELECT v FROM t", parameters: .none, analyze: true)
            #expect(analyzed.resultRows == 4)
            #expect(analyzed.fragments.compactMap(\.rows).reduce(0, +) == 4)
            let general = try await database.explain("SELECT a.v FROM t a JOIN t b ON a.v = b.id")
            #expect(general.tier == .general)
            #expect(general.merge == .coordinator)
        }
    }
}
