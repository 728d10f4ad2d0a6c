import Foundation
import ShardQLBase
import Testing

@testable import Coordinator

@Suite("Triggers, temporary views, maintenance")
struct TriggerTests {
    @Test func triggersRunOnTheShardsBesideTheirRows() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            _ = try await cluster.execute("""
                CREATE TABLE t(id INTEGER PRIMARY KEY, v);
                CREATE TABLE log(id INTEGER PRIMARY KEY, note) DISTRIBUTED BY HASH (id) COLOCATE WITH t;
                CREATE TRIGGER t_insert AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.id, 'inserted ' || new.v); END;
                CREATE TRIGGER t_guard BEFORE DELETE ON t WHEN old.v = 'keep' BEGIN SELECT RAISE(ABORT, 'kept'); END;
                """)
            _ = try await cluster.execute("INSERT INTO t VALUES (1, 'a'), (2, 'keep'), (3, 'c')")
            #expect(try await cluster.execute("SELECT id, note FROM log ORDER BY id").last?.rows == [
                [.integer(1), .text("inserted a")], [.integer(2), .text("inserted keep")], [.integer(3), .text("inserted c")],
            ])
            // The trigger aborts on one shard: nothing is deleted anywhere.
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("DELETE FROM t") }
            #expect(try await cluster.execute("SELECT count(*) FROM t").last?.rows == [[.integer(3)]])
            _ = try await cluster.execute("DROP TRIGGER t_guard")
            #expect(try await cluster.execute("DELETE FROM t").last?.changes == 3)
        }
    }

    @Test func triggersTouchingOtherShardGroupsAreRefused() async throws {
        try await DifferentialTests.withCluster(shards: 4) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v); CREATE TABLE other(k TEXT PRIMARY KEY)")
            do {
                _ = try await cluster.execute("CREATE TRIGGER bad AFTER INSERT ON t BEGIN INSERT INTO other VALUES (new.v); END")
                Issue.record("expected a refusal")
            } catch let error as ShardQLError {
                #expect(error.code == .unsupported)
                #expect(error.message.contains("not co-located"))
            }
            #expect(cluster.snapshot.trigger(named: "bad") == nil)
        }
    }

    @Test func temporaryViewsLiveInTheSession() async throws {
        try await DifferentialTests.withCluster(shards: 2) { cluster in
            _ = try await cluster.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1), (-2), (3)")
            _ = try await cluster.execute("CREATE TEMP VIEW positive AS SELECT x FROM t WHERE x > 0")
            #expect(try await cluster.execute("SELECT sum(x) FROM positive").last?.rows == [[.integer(4)]])
            #expect(cluster.snapshot.view(named: "positive") == nil)
            _ = try await cluster.execute("DROP VIEW positive")
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("SELECT * FROM positive") }
            _ = try await cluster.execute("REINDEX; ANALYZE; REINDEX t")
        }
    }
}
