import Catalog
import Foundation
import ShardQLBase
import Testing
import Worker

@testable import Coordinator

/// `Cluster.backup(to:)` and `restore(from:)` on embedded clusters: every kind of schema object
/// comes back, keys continue, and a transaction caught prepared in a copied file is in the
/// backup exactly when the decision log had committed it at the point.
@Suite("backup and restore")
struct BackupTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
    }

    /// What the source answers before and the restored cluster after (the transactions
    /// written below 100000 aside).
    static let checks = [
        "SELECT count(*), sum(id), max(id), group_concat(v, '') FROM (SELECT * FROM t WHERE id < 100000 ORDER BY id)",
        "SELECT name, count(*) FROM tr WHERE id < 100000 GROUP BY 1 ORDER BY 1",
        "SELECT * FROM r ORDER BY k",
        "SELECT count(*), sum(id) FROM audit WHERE id < 100000",
    ]

    static func answers(_ cluster: Cluster) async throws -> [[[SQLValue]]] {
        var answers: [[[SQLValue]]] = []
        for check in checks { answers.append(try await cluster.execute(check).last?.rows ?? []) }
        return answers
    }

    @Test func aRestoredClusterAnswersAsTheOriginalDidAtThePoint() async throws {
        let source = Self.temporaryPath("backup-source")
        let backup = Self.temporaryPath("backup")
        let target = Self.temporaryPath("backup-target")
        defer { for path in [source, backup, target] { try? FileManager.default.removeItem(atPath: path) } }

        let cluster = try await Cluster.open(directory: source, defaultShardCount: 4)
        _ = try await cluster.execute("""
            CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT) DISTRIBUTED BY HASH (id) SHARDS 4;
            CREATE TABLE r(k INTEGER PRIMARY KEY, name TEXT) DISTRIBUTED REPLICATED;
            CREATE TABLE audit(id INTEGER PRIMARY KEY, what TEXT) DISTRIBUTED BY HASH (id) COLOCATE WITH t;
            CREATE INDEX tv ON t(v);
            CREATE VIEW tr AS SELECT t.id, r.name FROM t JOIN r ON r.k = t.id % 3;
            CREATE TRIGGER tg AFTER INSERT ON t BEGIN INSERT INTO audit VALUES (new.id, 't ' || new.id); END;
            INSERT INTO t(v) WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 500) SELECT 'x' || i FROM c;
            INSERT INTO r VALUES (0, 'zero'), (1, 'one'), (2, 'two');
            """)

        // Two transactions caught prepared in their shard files: one the log has committed (its
        // coordinator died before applying it), one still pending.
        let snapshot = cluster.snapshot
        let table = try #require(snapshot.table(named: "t"))
        let files = snapshot.shardGroups(of: table).map { ShardFileID(group: $0.group.rawValue, index: $0.index) }
        for (number, (id, commit)) in [("committed-at-the-point", true), ("pending-at-the-point", false)].enumerated() {
            let transaction = TransactionID(id)
            _ = try await cluster.executor.write(
                [ShardStatement("INSERT INTO t VALUES (?, ?)", parameters: [.integer(Int64(100_000 + number)), .text(id)])],
                on: files[number], in: transaction, recording: true)
            #expect(try await cluster.executor.prepare(transaction, on: files[number]))
            try await cluster.store.logTransaction(
                TransactionRecord(id: id, state: .pending, participants: [snapshot.shardGroups(of: table)[number].id],
                                  owner: "a coordinator that died", startedAt: 1),
                forgetting: [])
            if commit { _ = try await cluster.store.decide(id, commit: true, applying: [], expectedVersion: nil) }
        }
        let expected = try await Self.answers(cluster)
        #expect(expected[0].first?[0] == .integer(500))

        let summary = try await cluster.backup(to: backup)
        #expect(summary.tables == 3 && summary.files == 5 && summary.resolvedTransactions == 2)
        #expect(!FileManager.default.fileExists(atPath: backup + ".partial"))
        #expect(await #expect(throws: ShardQLError.self) { try await cluster.backup(to: backup) }?.code == .invalidArgument)
        await cluster.close()

        let restored = try await Cluster.open(directory: target, defaultShardCount: 2)
        let outcome = try await restored.restore(from: backup)
        #expect(outcome.tables == 3 && outcome.files == 5)
        #expect(try await Self.answers(restored) == expected)
        // The committed transaction is there, with what its trigger did; the pending one is not.
        #expect(try await restored.execute("SELECT v FROM t WHERE id >= 100000").last?.rows == [[.text("committed-at-the-point")]])
        #expect(try await restored.execute("SELECT id FROM audit WHERE id >= 100000").last?.rows == [[.integer(100_000)]])
        // Indexes and triggers came back; keys continue past the backup's.
        let next = try await restored.execute("INSERT INTO t(v) VALUES ('after') RETURNING id").last?.rows.first?.first
        guard case .integer(let id)? = next else { Issue.record("no id: \(String(describing: next))"); return }
        #expect(id > 100_000)
        #expect(try await restored.execute("SELECT what FROM audit WHERE id = \(id)").last?.rows == [[.text("t \(id)")]])
        #expect(try await restored.snapshot.index(named: "tv") != nil)
        // A cluster with tables is refused, and nothing changes.
        let before = restored.snapshot.version
        #expect(await #expect(throws: ShardQLError.self) { try await restored.restore(from: backup) }?.code == .invalidArgument)
        #expect(try await restored.store.snapshot().version == before)
        await restored.close()
    }
}
