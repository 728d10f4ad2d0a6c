import Catalog
import Foundation
import SQLSyntax
import ShardQLBase
import Synchronization
import Testing
import Worker

@testable import Coordinator

/// Replicated shard groups (issue #11), with ``LocalWorker``s in directories of their own standing
/// in for remote nodes, each behind a switch that makes every call fail as a dead node's does
/// (``ShardQLError/Code/unavailable``), mid-stream included. Real processes killed with SIGKILL
/// are in the CLI tests.
@Suite("Replicated shards")
struct ReplicationTests {
    static let addresses = ["127.0.0.1:7101", "127.0.0.1:7102", "127.0.0.1:7103"]

    /// Nodes that can be switched off, and how many calls each served.
    final class Switchboard: Sendable {
        let down = Mutex<Set<String>>([])
        let calls = Mutex<[String: Int]>([:])
        /// Every call, answered or not.
        let attempts = Mutex<[String: Int]>([:])

        /// Calls each node fails before it answers again (a connection that broke).
        let blips = Mutex<[String: Int]>([:])
        /// Nodes that stopped answering without going away (a stopped process, a full disk):
        /// their streams' next batch and health checks never come.
        let hung = Mutex<Set<String>>([])

        func isHung(_ address: String) -> Bool { hung.withLock { $0.contains(address) } }

        func kill(_ address: String) { _ = down.withLock { $0.insert(address) } }
        func revive(_ address: String) { _ = down.withLock { $0.remove(address) } }
        func blip(_ address: String, calls: Int) { blips.withLock { $0[address] = calls } }

        func check(_ address: String) throws {
            attempts.withLock { $0[address, default: 0] += 1 }
            let blipped = blips.withLock { blips in
                guard let left = blips[address], left > 0 else { return false }
                blips[address] = left - 1
                return true
            }
            if blipped || down.withLock({ $0.contains(address) }) {
                throw ShardQLError(.unavailable, "node \(address) is down (test switch)")
            }
            calls.withLock { $0[address, default: 0] += 1 }
        }

        func resetCalls() {
            calls.withLock { $0 = [:] }
            attempts.withLock { $0 = [:] }
        }
    }

    /// A node: a ``LocalWorker`` whose calls fail while its switch is off.
    struct SwitchedNode: ShardExecutor {
        let address: String
        let worker: LocalWorker
        let board: Switchboard

        func createShard(_ shard: ShardFileID) async throws {
            try board.check(address)
            try await worker.createShard(shard)
        }
        func dropShard(_ shard: ShardFileID) async throws {
            try board.check(address)
            try await worker.dropShard(shard)
        }
        func query(_ sql: String, parameters: [SQLValue], on shard: ShardFileID) async throws -> RowSet {
            try board.check(address)
            return try await worker.query(sql, parameters: parameters, on: shard)
        }
        func read(_ read: ShardRead, on shard: ShardFileID, batchRows: Int) async throws -> ShardRowStream {
            try board.check(address)
            let stream = try await worker.read(read, on: shard, batchRows: batchRows)
            let rows = SharedIterator(stream.makeAsyncIterator())
            let (board, address) = (board, address)
            return ShardRowStream(
                columns: stream.columns,
                nextBatch: {
                    // A node dying mid-stream: the next batch never comes.
                    try board.check(address)
                    if board.isHung(address) {
                        // Long enough for any health check to notice; a read still waiting
                        // then fails (a timeout is not a node going away: no failover).
                        try await Task.sleep(for: .seconds(60))
                        throw ShardQLError(.timeout, "node \(address) hung (test switch)")
                    }
                    return try await rows.next()
                },
                onTermination: { rows.drop() })
        }
        func begin(_ transaction: TransactionID, on shard: ShardFileID, recording: Bool) async throws {
            try board.check(address)
            try await worker.begin(transaction, on: shard, recording: recording)
        }
        func write(
            _ statements: [ShardStatement], on shard: ShardFileID, in transaction: TransactionID, recording: Bool
        ) async throws -> [WriteOutcome] {
            try board.check(address)
            return try await worker.write(statements, on: shard, in: transaction, recording: recording)
        }
        func ingest(
            _ batch: IngestBatch, sql: String, on shard: ShardFileID, in transaction: TransactionID, recording: Bool,
            rejectionLimit: Int
        ) async throws -> IngestOutcome {
            try board.check(address)
            return try await worker.ingest(
                batch, sql: sql, on: shard, in: transaction, recording: recording, rejectionLimit: rejectionLimit)
        }
        func savepoint(_ operation: SavepointOperation, on shard: ShardFileID, in transaction: TransactionID) async throws {
            try board.check(address)
            try await worker.savepoint(operation, on: shard, in: transaction)
        }
        func commit(_ transaction: TransactionID, on shard: ShardFileID) async throws {
            try board.check(address)
            try await worker.commit(transaction, on: shard)
        }
        func prepare(_ transaction: TransactionID, on shard: ShardFileID) async throws -> Bool {
            try board.check(address)
            return try await worker.prepare(transaction, on: shard)
        }
        func commitPrepared(_ transaction: TransactionID, on shard: ShardFileID) async throws {
            try board.check(address)
            try await worker.commitPrepared(transaction, on: shard)
        }
        func abort(_ transaction: TransactionID, on shard: ShardFileID) async throws {
            try board.check(address)
            try await worker.abort(transaction, on: shard)
        }
        func preparedTransactions(on shard: ShardFileID) async throws -> [TransactionID] {
            try board.check(address)
            return try await worker.preparedTransactions(on: shard)
        }
        func statistics(of shard: ShardFileID) async throws -> ShardStatistics {
            try board.check(address)
            return try await worker.statistics(of: shard)
        }
        func ping(timeout: Duration) async throws -> Bool {
            // Not counted among the calls: health checks run on their own schedule.
            if board.down.withLock({ $0.contains(address) }) {
                throw ShardQLError(.unavailable, "node \(address) is down (test switch)")
            }
            if board.isHung(address) {
                try await Task.sleep(for: timeout)
                throw ShardQLError(.timeout, "node \(address) did not answer in time (test switch)")
            }
            return true
        }
        func close() async {}
    }

    /// A coordinator and three switchable nodes, in a temporary directory deleted afterwards.
    struct Fixture {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("replicas-\(UUID().uuidString)").path
        let board = Switchboard()

        func with<T>(nodes: Int = 3, defaultReplicas: Int = 1, _ body: (Cluster) async throws -> T) async throws -> T {
            defer { try? FileManager.default.removeItem(atPath: base) }
            let (base, board) = (base, board)
            let workers = Mutex<[String: LocalWorker]>([:])
            let cluster = try await Cluster.open(
                directory: base + "/coordinator", defaultShardCount: 4, defaultReplicas: defaultReplicas,
                connectingWith: { address in
                    let worker = try workers.withLock { workers in
                        if let worker = workers[address] { return worker }
                        let worker = try LocalWorker(directory: base + "/" + address.replacingOccurrences(of: ":", with: "_"))
                        workers[address] = worker
                        return worker
                    }
                    return SwitchedNode(address: address, worker: worker, board: board)
                })
            do {
                for address in ReplicationTests.addresses.prefix(nodes) { try await cluster.addNode(address: address) }
                let result = try await body(cluster)
                await cluster.close()
                for worker in workers.withLock({ Array($0.values) }) { await worker.close() }
                return result
            } catch {
                await cluster.close()
                for worker in workers.withLock({ Array($0.values) }) { await worker.close() }
                throw error
            }
        }
    }

    static func rows(_ cluster: Cluster, _ sql: String) async throws -> [[SQLValue]] {
        try await cluster.execute(sql).last?.rows ?? []
    }

    /// Every placement of `table`'s shard groups: (shard index, node address, state).
    static func placements(of table: String, in cluster: Cluster) throws -> [(Int, String, Placement.State)] {
        let snapshot = cluster.snapshot
        let found = try #require(snapshot.table(named: table))
        return snapshot.shardGroups(of: found).flatMap { shard in
            snapshot.placements(of: shard.id).map { ($0.shardGroup.index, snapshot.node($0.node)!.address, $0.state) }
        }
    }

    static let table = "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT) DISTRIBUTED BY HASH (id) SHARDS 4 REPLICAS 2"

    static func fill(_ cluster: Cluster, rows: Int) async throws {
        var values: [String] = []
        for id in 1...rows { values.append("(\(id), 'v\(id)')") }
        _ = try await cluster.execute("INSERT INTO t VALUES " + values.joined(separator: ", "))
    }

    static let summary = "SELECT count(*), sum(id), group_concat(v, '') FROM (SELECT id, v FROM t ORDER BY id)"

    @Test func eachShardGroupHasCopiesOnDistinctNodes() async throws {
        try await Fixture().with { cluster in
            _ = try await cluster.execute(Self.table)
            let placements = try Self.placements(of: "t", in: cluster)
            #expect(placements.count == 8)
            for index in 0..<4 {
                let nodes = placements.filter { $0.0 == index }.map(\.1)
                #expect(Set(nodes).count == 2, "shard \(index): \(nodes)")
            }
            // Spread evenly: 8 copies over 3 nodes.
            let perNode = Dictionary(grouping: placements, by: \.1).mapValues(\.count)
            #expect(perNode.values.sorted() == [2, 3, 3])
            #expect(try cluster.snapshot.table(named: "t")?.replicationFactor == 2)
            // Co-located tables take the group's copies.
            _ = try await cluster.execute("CREATE TABLE u(id INTEGER PRIMARY KEY, w TEXT) DISTRIBUTED BY HASH (id) SHARDS 4 COLOCATE WITH t")
            #expect(try cluster.snapshot.table(named: "u")?.replicationFactor == 2)
            #expect(try cluster.snapshot.table(named: "u")?.colocationGroup == cluster.snapshot.table(named: "t")?.colocationGroup)
        }
    }

    @Test func theSessionDefaultAppliesToTablesWithoutAClause() async throws {
        try await Fixture().with { cluster in
            #expect(try await Self.rows(cluster, "PRAGMA shardql.default_replicas") == [[.integer(1)]])
            _ = try await cluster.execute("PRAGMA shardql.default_replicas = 3")
            _ = try await cluster.execute("CREATE TABLE d(id INTEGER PRIMARY KEY, v TEXT)")
            let placements = try Self.placements(of: "d", in: cluster)
            #expect(placements.count == 12)
            #expect(try cluster.snapshot.table(named: "d")?.replicationFactor == 3)
            // An explicit clause wins; a table joining the group implicitly takes its copies.
            _ = try await cluster.execute("CREATE TABLE e(id INTEGER PRIMARY KEY, v TEXT) DISTRIBUTED BY HASH (id) REPLICAS 1")
            #expect(try Self.placements(of: "e", in: cluster).count == 4)
            _ = try await cluster.execute("CREATE TABLE f(id INTEGER PRIMARY KEY, w TEXT)")
            #expect(try cluster.snapshot.table(named: "f")?.colocationGroup == cluster.snapshot.table(named: "d")?.colocationGroup)
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("PRAGMA shardql.default_replicas = 0") }
        }
    }

    @Test func theClusterDefaultIsEverySessionsStart() async throws {
        try await Fixture().with(defaultReplicas: 2) { cluster in
            #expect(try await Self.rows(cluster, "PRAGMA shardql.default_replicas") == [[.integer(2)]])
            _ = try await cluster.execute("CREATE TABLE d(id INTEGER PRIMARY KEY, v TEXT)")
            #expect(try Self.placements(of: "d", in: cluster).count == 8)
            let session = cluster.makeSession()
            #expect(try await Self.rows(session, "PRAGMA shardql.default_replicas") == [[.integer(2)]])
            await session.close()
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replicas-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for wrong in [0, 17] {
            await #expect(throws: ShardQLError.self) { _ = try await Cluster.open(directory: directory, defaultReplicas: wrong) }
        }
    }

    @Test func replicasNeedEnoughNodes() async throws {
        try await Fixture().with(nodes: 1) { cluster in
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute(Self.table) }
            do {
                _ = try await cluster.execute(Self.table)
            } catch let error as ShardQLError {
                #expect(error.message.contains("REPLICAS 2 needs 2 active worker nodes; this cluster has 1"), "\(error)")
            }
            _ = try await cluster.execute("CREATE TABLE one(id INTEGER PRIMARY KEY) DISTRIBUTED BY HASH (id) REPLICAS 1")
            await #expect(throws: ShardQLError.self) {
                _ = try await cluster.execute("CREATE TABLE two(id INTEGER PRIMARY KEY) DISTRIBUTED BY HASH (id) REPLICAS 2 COLOCATE WITH one")
            }
        }
        let embedded = FileManager.default.temporaryDirectory.appendingPathComponent("replicas-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: embedded) }
        let cluster = try await Cluster.open(directory: embedded)
        await #expect(throws: ShardQLError.self) { _ = try await cluster.execute(Self.table) }
        await cluster.close()
    }

    @Test func writesReachEveryCopyAndReadsSpreadOverThem() async throws {
        let fixture = Fixture()
        try await fixture.with { cluster in
            _ = try await cluster.execute(Self.table)
            try await Self.fill(cluster, rows: 200)
            _ = try await cluster.execute("UPDATE t SET v = v || '!' WHERE id % 7 = 0; DELETE FROM t WHERE id % 10 = 0")
            let expected = try await Self.rows(cluster, Self.summary)
            #expect(expected.first?[0] == .integer(180))
            // Reads use both copies of a shard: over many point reads every node answers some.
            fixture.board.resetCalls()
            for id in 1...60 { _ = try await Self.rows(cluster, "SELECT v FROM t WHERE id = \(id)") }
            let calls = fixture.board.calls.withLock { $0 }
            #expect(Set(calls.keys) == Set(Self.addresses), "\(calls)")
            // Any one node down: every shard still has a copy, and the answer is the same;
            // EXPLAIN ANALYZE names the copies that answered, never the dead node alone.
            for address in Self.addresses {
                fixture.board.kill(address)
                #expect(try await Self.rows(cluster, Self.summary) == expected, "with \(address) down")
                let analyzed = try await Self.rows(cluster, "EXPLAIN ANALYZE SELECT count(*) FROM t").compactMap { row -> String? in
                    if case .text(let line) = row[0], line.string.hasPrefix("Shard ") { return line.string }
                    return nil
                }
                #expect(analyzed.count == 4, "\(analyzed)")
                for line in analyzed {
                    let served = Self.addresses.filter { line.contains(" on \($0)") || line.contains(" then \($0)") }
                    #expect(served.count == 1 && served != [address], "\(line)")
                }
                fixture.board.revive(address)
            }
        }
    }

    @Test func readsTryANodeThatFailedLastForAWhile() async throws {
        let fixture = Fixture()
        try await fixture.with { cluster in
            _ = try await cluster.execute(Self.table)
            try await Self.fill(cluster, rows: 100)
            let victim = Self.addresses[2]
            fixture.board.kill(victim)
            // Reads until one has tried the dead node (and moved on): it is a suspect now.
            for id in 1...100 where fixture.board.attempts.withLock({ $0[victim] ?? 0 }) == 0 {
                _ = try await Self.rows(cluster, "SELECT v FROM t WHERE id = \(id)")
            }
            #expect(fixture.board.attempts.withLock { $0[victim] ?? 0 } > 0)
            fixture.board.resetCalls()
            let started = ContinuousClock.now
            for id in 1...100 { #expect(try await Self.rows(cluster, "SELECT v FROM t WHERE id = \(id)") == [[.text("v\(id)")]]) }
            // Tried again at most once per suspicion period (5 s) that passed meanwhile.
            let periods = Int((ContinuousClock.now - started) / PlacementExecutor.suspicion)
            #expect(fixture.board.attempts.withLock { $0[victim] ?? 0 } <= periods + 1)
        }
    }

    @Test func aReadMovesToAnotherCopyWhenItsNodeDiesMidStream() async throws {
        let fixture = Fixture()
        try await fixture.with { cluster in
            _ = try await cluster.execute(Self.table)
            try await Self.fill(cluster, rows: 12_000)  // ~3,000 rows a shard: three batches each
            let expected = try await Self.rows(cluster, "SELECT id, v FROM t ORDER BY id")
            #expect(expected.count == 12_000)
            for victim in Self.addresses {
                let query = try await cluster.stream(SQLParser.parseStatement("SELECT id, v FROM t")).result
                var rows: [[SQLValue]] = []
                var killed = false
                for try await batch in query {
                    rows += batch
                    if !killed {
                        fixture.board.kill(victim)
                        killed = true
                    }
                }
                fixture.board.revive(victim)
                let sorted = rows.sorted { SortKey.compare($0, $1, by: [SortKey(column: 0)]) < 0 }
                // Compared as a Bool: 12,000 rows in a failure message help nobody.
                let same = sorted == expected
                #expect(same, "killed \(victim) after the first batch: \(sorted.count) rows, \(Set(sorted).count) distinct")
            }
        }
    }

    @Test func aReadLeavesANodeThatStopsAnsweringMidStream() async throws {
        let fixture = Fixture()
        try await fixture.with { cluster in
            _ = try await cluster.execute(Self.table)
            try await Self.fill(cluster, rows: 12_000)
            let expected = try await Self.rows(cluster, "SELECT id, v FROM t ORDER BY id")
            let victim = Self.addresses[0]
            let query = try await cluster.stream(SQLParser.parseStatement("SELECT id, v FROM t")).result
            var rows: [[SQLValue]] = []
            for try await batch in query {
                rows += batch
                fixture.board.hung.withLock { _ = $0.insert(victim) }
            }
            // The health checks (every 2 s) found it; the waiting reads moved to other copies.
            fixture.board.hung.withLock { $0 = [] }
            let sorted = rows.sorted { SortKey.compare($0, $1, by: [SortKey(column: 0)]) < 0 }
            let same = sorted == expected
            #expect(same, "\(sorted.count) rows, \(Set(sorted).count) distinct")
            #expect(cluster.nodeFigures().first { $0.address == victim }?.health == "down")
        }
    }

    @Test func aCopyThatMissesAWriteBecomesInactiveAndIsNotRead() async throws {
        let fixture = Fixture()
        try await fixture.with { cluster in
            _ = try await cluster.execute(Self.table)
            try await Self.fill(cluster, rows: 100)
            let victim = Self.addresses[1]
            let before = try await Self.rows(cluster, Self.summary)
            fixture.board.kill(victim)
            // A transaction's reads move to another copy too (the victim leads some shards: it
            // has the lower node ID of their two copies).
            _ = try await cluster.execute("BEGIN")
            #expect(try await Self.rows(cluster, Self.summary) == before)
            _ = try await cluster.execute("COMMIT")
            // Writes on every shard, one statement and a BEGIN … COMMIT, while the node is down.
            _ = try await cluster.execute("UPDATE t SET v = 'x' || v")
            _ = try await cluster.execute("BEGIN; INSERT INTO t VALUES (101, 'new'); DELETE FROM t WHERE id = 1; COMMIT")
            let expected = try await Self.rows(cluster, Self.summary)
            #expect(expected.first?[0] == .integer(100))
            // The dead node's copies are inactive; the others are all active.
            let placements = try Self.placements(of: "t", in: cluster)
            for (index, address, state) in placements {
                #expect(state == (address == victim ? .inactive : .active), "shard \(index) on \(address)")
            }
            // Back up, the node holds stale copies: nothing reads them.
            fixture.board.revive(victim)
            fixture.board.resetCalls()
            for _ in 0..<10 { #expect(try await Self.rows(cluster, Self.summary) == expected) }
            #expect(fixture.board.calls.withLock { $0[victim] } == nil)
            // Writes keep going to the active copies only.
            _ = try await cluster.execute("INSERT INTO t VALUES (102, 'later')")
            #expect(try await Self.rows(cluster, "SELECT count(*) FROM t") == [[.integer(101)]])
        }
    }

    @Test func withEveryCopyOfAShardDownTheErrorNamesIt() async throws {
        let fixture = Fixture()
        try await fixture.with { cluster in
            _ = try await cluster.execute(Self.table)
            try await Self.fill(cluster, rows: 40)
            fixture.board.kill(Self.addresses[0])
            fixture.board.kill(Self.addresses[1])
            do {
                _ = try await Self.rows(cluster, "SELECT count(*) FROM t")
                Issue.record("a shard with no reachable copy answered")
            } catch let error as ShardQLError {
                #expect(error.code == .unavailable, "\(error)")
                // Names the shard, says why each copy failed, and what would answer anyway.
                #expect(error.message.contains("no copy of group "), "\(error)")
                #expect(error.message.contains("down"), "\(error)")
                #expect(error.message.contains("PRAGMA shardql.partial_results = on"), "\(error)")
            }
            // A write that cannot reach any copy of a shard changes nothing anywhere.
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("UPDATE t SET v = 'lost'") }
            fixture.board.revive(Self.addresses[0])
            fixture.board.revive(Self.addresses[1])
            #expect(try await Self.rows(cluster, "SELECT count(*) FROM t WHERE v = 'lost'") == [[.integer(0)]])
        }
    }

    @Test func healthChecksFindADeadNodeAndReadsLeaveItAlone() async throws {
        let fixture = Fixture()
        try await fixture.with { cluster in
            _ = try await cluster.execute(Self.table)
            try await Self.fill(cluster, rows: 100)
            await cluster.checkNodeHealth()
            let before = ContinuousClock.now
            for node in cluster.nodeFigures() where !node.isInProcess {
                #expect(node.health == "up", "\(node)")
                #expect(node.lastContact != nil, "\(node)")
            }
            let victim = Self.addresses[0]
            fixture.board.kill(victim)
            await cluster.checkNodeHealth()
            let figures = Dictionary(uniqueKeysWithValues: cluster.nodeFigures().map { ($0.address, $0) })
            #expect(figures[victim]?.health == "down")
            #expect(figures[victim]?.lastContact != nil, "it answered before")
            #expect(figures[Self.addresses[1]]?.health == "up")
            // The catalog learned when it last answered: every coordinator's `node list` shows it.
            let stored = try await cluster.store.snapshot().node(address: victim)?.lastHeartbeat
            #expect(stored != nil && stored == figures[victim]?.lastContact, "\(String(describing: stored))")
            // The check alone made it a suspect: no read tries it while it stays down.
            fixture.board.resetCalls()
            for id in 1...40 { #expect(try await Self.rows(cluster, "SELECT v FROM t WHERE id = \(id)") == [[.text("v\(id)")]]) }
            let periods = Int((ContinuousClock.now - before) / PlacementExecutor.suspicion)
            #expect(fixture.board.attempts.withLock { $0[victim] ?? 0 } <= periods, "\(fixture.board.attempts.withLock { $0 })")
            // Back up: the next check clears it, and reads return to it.
            fixture.board.revive(victim)
            await cluster.checkNodeHealth()
            #expect(cluster.nodeFigures().first { $0.address == victim }?.health == "up")
            fixture.board.resetCalls()
            for id in 1...60 { _ = try await Self.rows(cluster, "SELECT v FROM t WHERE id = \(id)") }
            #expect((fixture.board.calls.withLock { $0[victim] } ?? 0) > 0)
        }
    }

    @Test func readsAreTriedAgainAfterABackoffWritesAreNot() async throws {
        let fixture = Fixture()
        try await fixture.with { cluster in
            _ = try await cluster.execute("CREATE TABLE one(id INTEGER PRIMARY KEY, v TEXT) DISTRIBUTED BY HASH (id) SHARDS 1")
            _ = try await cluster.execute("INSERT INTO one VALUES (1, 'a'), (2, 'b')")
            let node = try #require(Self.placements(of: "one", in: cluster).first?.1)
            // A single copy that fails as many times as there are retries still answers.
            fixture.board.resetCalls()
            fixture.board.blip(node, calls: PlacementExecutor.retryBackoff.count)
            #expect(try await Self.rows(cluster, "SELECT count(*) FROM one") == [[.integer(2)]])
            // One more failure than that is the query's error.
            fixture.board.blip(node, calls: PlacementExecutor.retryBackoff.count + 1)
            await #expect(throws: ShardQLError.self) { _ = try await Self.rows(cluster, "SELECT count(*) FROM one") }
            // Known down (a health check found it): a query is not made to wait for retries.
            fixture.board.kill(node)
            await cluster.checkNodeHealth()
            fixture.board.resetCalls()
            await #expect(throws: ShardQLError.self) { _ = try await Self.rows(cluster, "SELECT count(*) FROM one") }
            #expect(fixture.board.attempts.withLock { $0[node] } == 1)
            fixture.board.revive(node)
            await cluster.checkNodeHealth()
            // A write is never sent twice: its first failure (one call) is the statement's.
            fixture.board.blip(node, calls: 1)
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("INSERT INTO one VALUES (3, 'c')") }
            #expect(try await Self.rows(cluster, "SELECT count(*) FROM one") == [[.integer(2)]])
        }
    }

    @Test func partialResultsLeaveOutTheShardsNoCopyOfWhichIsReachable() async throws {
        let fixture = Fixture()
        try await fixture.with { cluster in
            _ = try await cluster.execute(Self.table)
            try await Self.fill(cluster, rows: 400)
            let ids = try await Self.rows(cluster, "SELECT id FROM t ORDER BY id")
            // Which shard holds each id, and on which nodes.
            var shardOf: [SQLValue: Int] = [:]
            for index in 0..<4 {
                let file = try #require(cluster.snapshot.table(named: "t")).colocationGroup
                let part = try await cluster.executor.query(
                    "SELECT id FROM t", parameters: [], on: ShardFileID(group: file.rawValue, index: index))
                for row in part.rows { shardOf[row[0]] = index }
            }
            #expect(shardOf.count == 400)
            let (first, second) = (Self.addresses[0], Self.addresses[1])
            fixture.board.kill(first)
            fixture.board.kill(second)
            let placements = try Self.placements(of: "t", in: cluster)
            let lost = Set((0..<4).filter { index in placements.filter { $0.0 == index }.allSatisfy { [first, second].contains($0.1) } })
            #expect(!lost.isEmpty && lost.count < 4, "\(placements)")
            let reachable = ids.filter { !lost.contains(shardOf[$0[0]]!) }

            _ = try await cluster.execute("PRAGMA shardql.partial_results = on")
            #expect(try await Self.rows(cluster, "PRAGMA shardql.partial_results") == [[.integer(1)]])
            let names = lost.sorted().map { "shard \($0) of t (g\(try! #require(cluster.snapshot.table(named: "t")).colocationGroup.rawValue)-s\($0).sqlite)" }
            // Pushdown (a merge and an aggregate), a router query on a lost shard, the general path.
            let query = try await cluster.stream(SQLParser.parseStatement("SELECT id FROM t ORDER BY id")).result
            let sorted = try await query.collect()
            #expect(sorted.rows == reachable)
            #expect(sorted.unavailableShards == names)
            let counted = try await cluster.execute("SELECT count(*) FROM t")[0]
            #expect(counted.rows == [[.integer(Int64(reachable.count))]])
            #expect(counted.unavailableShards == names)
            let lostID = try #require(ids.first { lost.contains(shardOf[$0[0]]!) })[0]
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("SELECT v FROM t WHERE id = \(lostID)") }
            cluster.settings.withLock { $0.forceGeneralPath = true }
            let general = try await cluster.execute("SELECT count(*), sum(id) FROM t WHERE id > 0")[0]
            let sum = reachable.reduce(Int64(0)) { if case .integer(let id) = $1[0] { return $0 + id }; return $0 }
            #expect(general.rows == [[.integer(Int64(reachable.count)), .integer(sum)]])
            #expect(general.unavailableShards == names)
            cluster.settings.withLock { $0.forceGeneralPath = false }
            // Writes never go partial.
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("UPDATE t SET v = 'x'") }
            // A shard lost in the middle of its stream ends there, and is named.
            fixture.board.revive(first)
            fixture.board.revive(second)
            let streamed = try await cluster.stream(SQLParser.parseStatement("SELECT id FROM t")).result
            var rows = 0
            for try await batch in streamed {
                if rows == 0 {
                    fixture.board.kill(first)
                    fixture.board.kill(second)
                }
                rows += batch.count
            }
            #expect(rows < 400)
            #expect(!streamed.unavailableShards.isEmpty)
            // Off again: the query fails.
            _ = try await cluster.execute("PRAGMA shardql.partial_results = off")
            await #expect(throws: ShardQLError.self) { _ = try await cluster.execute("SELECT count(*) FROM t") }
        }
    }

    @Test func referenceTablesHaveACopyOnEveryNodeAndJoinsPushDown() async throws {
        try await Fixture().with { cluster in
            _ = try await cluster.execute("""
                CREATE TABLE orders(id INTEGER PRIMARY KEY, country INTEGER, amount INTEGER) DISTRIBUTED BY HASH (id) SHARDS 4;
                CREATE TABLE countries(code INTEGER PRIMARY KEY, label TEXT) DISTRIBUTED REPLICATED;
                INSERT INTO countries VALUES (1, 'one'), (2, 'two'), (3, 'three');
                """)
            for id in 1...30 { _ = try await cluster.execute("INSERT INTO orders VALUES (\(id), \(id % 3 + 1), \(id))") }
            let placements = try Self.placements(of: "countries", in: cluster)
            #expect(Set(placements.map(\.1)) == Set(Self.addresses))
            let join = "SELECT k.label, count(*), sum(o.amount) FROM orders o JOIN countries k ON k.code = o.country GROUP BY k.label ORDER BY k.label"
            let plan = try await cluster.execute("EXPLAIN " + join).last?.rows.map { "\($0)" }.joined() ?? ""
            #expect(plan.contains("pushdown"), "\(plan)")
            #expect(
                try await Self.rows(cluster, join) == [
                    [.text("one"), .integer(10), .integer(165)], [.text("three"), .integer(10), .integer(155)],
                    [.text("two"), .integer(10), .integer(145)],
                ])
        }
    }
}
