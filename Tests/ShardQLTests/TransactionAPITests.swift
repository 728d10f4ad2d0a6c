import Foundation
import ShardQL
import Testing

@Suite("Swift API: transactions")
struct TransactionAPITests {
    @Test func commitsWhenTheClosureReturns() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INT)")
            try await database.execute("INSERT INTO accounts VALUES (1, 100), (2, 0)")
            let moved = try await database.withTransaction { transaction in
                try await transaction.execute("UPDATE accounts SET balance = balance - 30 WHERE id = 1")
                try await transaction.execute("UPDATE accounts SET balance = balance + 30 WHERE id = 2")
                // The transaction reads its own writes.
                return try await transaction.fetchOne("SELECT balance FROM accounts WHERE id = 2")?.get(0, as: Int.self)
            }
            #expect(moved == 30)
            #expect(try await database.fetchAll(Int.self, "SELECT balance FROM accounts ORDER BY id") == [70, 30])
        }
    }

    struct Failure: Error {}

    @Test func rollsBackWhenTheClosureThrows() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)")
            try await database.execute("INSERT INTO t VALUES (1, 1)")
            await #expect(throws: Failure.self) {
                try await database.withTransaction { transaction in
                    try await transaction.execute("INSERT INTO t VALUES (2, 2), (3, 3), (4, 4), (5, 5)")
                    try await transaction.execute("CREATE TABLE scratch(a)")
                    throw Failure()
                }
            }
            #expect(try await database.fetchAll(Int.self, "SELECT id FROM t") == [1])
            await expectError(.sqlite) { try await database.fetchAll("SELECT * FROM scratch") }
        }
    }

    @Test func otherTasksSeeNothingUntilCommit() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INT)")
            try await database.withTransaction { transaction in
                try await transaction.execute("INSERT INTO t VALUES (1, 1), (2, 2), (3, 3)")
                // A statement on the shared database, while the transaction is open, runs outside it.
                let outside = try await Task { try await database.fetchAll("SELECT * FROM t") }.value
                #expect(outside.isEmpty)
                #expect(try await transaction.fetchAll("SELECT * FROM t").count == 3)
            }
            #expect(try await database.fetchAll("SELECT * FROM t").count == 3)
        }
    }

    @Test func savepointsWorkInside() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
            try await database.withTransaction { transaction in
                try await transaction.execute("INSERT INTO t VALUES (1)")
                try await transaction.execute("SAVEPOINT s")
                try await transaction.execute("INSERT INTO t VALUES (2), (3)")
                try await transaction.execute("ROLLBACK TO s")
                try await transaction.execute("RELEASE s")
                await expectError(.invalidArgument) { try await transaction.execute("COMMIT") }
                await expectError(.invalidArgument) { try await transaction.execute("BEGIN") }
            }
            #expect(try await database.fetchAll(Int.self, "SELECT id FROM t") == [1])
        }
    }

    @Test func aStatementErrorUndoesOnlyThatStatement() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
            try await database.withTransaction { transaction in
                try await transaction.execute("INSERT INTO t VALUES (1)")
                await expectError(.sqlite) { try await transaction.execute("INSERT INTO t VALUES (2), (1)") }
                try await transaction.execute("INSERT INTO t VALUES (3)")
            }
            #expect(try await database.fetchAll(Int.self, "SELECT id FROM t ORDER BY id") == [1, 3])
        }
    }

    @Test func anEscapedTransactionIsRefused() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
            let escaped = try await database.withTransaction { $0 }
            await expectError(.invalidArgument) { try await escaped.execute("INSERT INTO t VALUES (1)") }
            #expect(try await database.fetchAll("SELECT * FROM t").isEmpty)
        }
    }

    @Test func concurrentTransactionsLoseNoUpdate() async throws {
        try await withDatabase { database in
            try await database.execute("CREATE TABLE counter(id INTEGER PRIMARY KEY, n INT)")
            try await database.execute("INSERT INTO counter VALUES (1, 0), (2, 0)")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        for _ in 0..<5 {
                            // As an application would: a transaction that found the rows locked
                            // past the busy timeout (a loaded machine) rolled back whole; run it again.
                            var attempts = 0
                            while true {
                                do {
                                    try await database.withTransaction { transaction in
                                        try await transaction.execute("UPDATE counter SET n = n + 1")
                                    }
                                    break
                                } catch let error as ShardQLError where error.code == .busy && attempts < 5 {
                                    attempts += 1
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await database.fetchAll(Int.self, "SELECT n FROM counter ORDER BY id") == [20, 20])
        }
    }
}
