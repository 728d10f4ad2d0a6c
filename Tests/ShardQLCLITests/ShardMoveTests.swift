import Foundation
import ShardQL
import Synchronization
import Testing
import Worker
import WorkerClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Issue #12's acceptance tests with real processes on 127.0.0.1: `shardql node add --rebalance`
/// moves shard files onto a new worker while this process writes and reads through its own
/// coordinator, and `shardql shard repair` makes copies that missed writes current again.
@Suite("shard moves, repair and backup over worker processes", .serialized, .timeLimit(.minutes(4)))
struct ShardMoveTests {
    typealias Progress = ReplicaFailoverTests.Progress

    /// Inserts two rows per statement (a two-phase write when they land on two shards) until told
    /// to stop, recording acknowledged ids and failures.
    static func writer(_ database: Database, _ progress: Progress) -> Task<Void, Never> {
        Task {
            var next = 10_000
            while !progress.stop.load(ordering: .relaxed) {
                next += 1
                do {
                    _ = try await database.execute("INSERT INTO t VALUES (\(next), 'w'), (\(next + 500_000), 'w')")
                    progress.acknowledged.withLock { $0.append(next) }
                } catch {
                    progress.failedWrites.withLock { $0.append("\(next): \(error)") }
                }
            }
        }
    }

    /// Reads `summary` (which must keep answering `expected`) until told to stop.
    static func reader(_ database: Database, _ progress: Progress, _ summary: String, _ expected: [[SQLValue]])
        -> Task<Void, Never>
    {
        Task {
            while !progress.stop.load(ordering: .relaxed) {
                do {
                    let answer = try await database.fetchAll(summary).map(\.values)
                    if answer != expected { progress.badReads.withLock { $0.append("summary \(answer)") } }
                } catch {
                    progress.badReads.withLock { $0.append("\(error)") }
                }
                progress.reads.add(1, ordering: .relaxed)
            }
        }
    }

    /// The writer's rows are exactly those it was told were written: none lost, none doubled.
    static func expectExactlyAcknowledged(_ database: Database, _ progress: Progress) async throws {
        let ids = progress.acknowledged.withLock { $0 }
        let written = try await database.fetchAll("SELECT id FROM t WHERE id > 3000 ORDER BY id").map(\.values)
        let expected = (ids + ids.map { $0 + 500_000 }).sorted().map { [SQLValue.integer(Int64($0))] }
        #expect(written.count == expected.count)
        #expect(written == expected)
    }

    static let summary = "SELECT count(*), sum(id), sum(length(v)) FROM t WHERE id <= 3000"
    static let loaded: [[SQLValue]] = [[.integer(3000), .integer(4_501_500), .integer(13_893)]]

    static func load(_ database: Database, replicas: Int) async throws {
        _ = try await database.execute(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT) DISTRIBUTED BY HASH (id) SHARDS 6 REPLICAS \(replicas)")
        _ = try await database.execute("""
            INSERT INTO t WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)
                SELECT i, 'v' || i FROM c
            """)
        #expect(try await database.fetchAll(summary).map(\.values) == loaded)
    }

    /// `node|…|shards|files` lines of `shardql node list`, by address.
    static func nodeList(_ directory: URL) async throws -> [String: (shards: Int, files: [String])] {
        let listed = try await BoundedProcess.run(
            CommandLineTests.binary, ["node", "list", "--data", directory.path], limit: .seconds(60))
        #expect(listed.status == 0, "\(listed.summary)")
        var nodes: [String: (Int, [String])] = [:]
        for line in listed.stdoutText.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count == 6 else { continue }
            nodes[String(fields[0])] = (Int(fields[4]) ?? -1, fields[5].split(separator: ",").map(String.init))
        }
        return nodes
    }

    @Test func aRebalanceOntoANewNodeLosesNoWriteAndFailsNoRead() async throws {
        let (workers, addresses, directory) = try await ReplicaFailoverTests.cluster(workers: 2)
        defer { try? FileManager.default.removeItem(at: directory) }
        let newcomer = try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"])
        let newAddress = try await newcomer.address()

        let database = try await Database.open(directory: directory.path)
        try await Self.load(database, replicas: 1)
        let progress = Progress()
        let writer = Self.writer(database, progress)
        let reader = Self.reader(database, progress, Self.summary, Self.loaded)
        for _ in 0..<200 where progress.acknowledged.withLock({ $0.count }) < 20 { try await Task.sleep(for: .milliseconds(20)) }

        // Another process moves files while this one writes and reads through its own coordinator.
        let rebalanced = try await BoundedProcess.run(
            CommandLineTests.binary, ["node", "add", newAddress, "--rebalance", "--data", directory.path],
            limit: .seconds(120))
        #expect(rebalanced.status == 0, "\(rebalanced.summary)")
        #expect(rebalanced.stdoutText.contains("2 of 2 copies made"), "\(rebalanced.stdoutText)")
        let writesAtEnd = progress.acknowledged.withLock { $0.count }
        for _ in 0..<200 where progress.acknowledged.withLock({ $0.count }) < writesAtEnd + 20 {
            try await Task.sleep(for: .milliseconds(20))
        }
        progress.stop.store(true, ordering: .relaxed)
        await writer.value
        await reader.value

        #expect(progress.failedWrites.withLock { $0 } == [])
        #expect(progress.badReads.withLock { $0 } == [])
        try await Self.expectExactlyAcknowledged(database, progress)
        #expect(try await database.fetchAll(Self.summary).map(\.values) == Self.loaded)
        await database.close()

        // Six files over three nodes, two each; the old nodes deleted what moved away.
        let nodes = try await Self.nodeList(directory)
        #expect((addresses + [newAddress]).map { nodes[$0]?.shards } == [2, 2, 2], "\(nodes)")
        for (worker, address) in zip(workers, addresses) {
            let files = try FileManager.default.contentsOfDirectory(atPath: worker.directory.path + "/shards")
                .filter { $0.hasSuffix(".sqlite") }.sorted()
            #expect(files == nodes[address]?.files.sorted(), "\(address) keeps only its files")
        }
        // Nothing to do the second time.
        let again = try await BoundedProcess.run(
            CommandLineTests.binary, ["rebalance", "--data", directory.path], limit: .seconds(60))
        #expect(again.stdoutText.contains("the shard files are balanced"), "\(again.summary)")
    }

    @Test func aRepairedCopyHoldsWhatTheHealthyOneHolds() async throws {
        let (workers, addresses, directory) = try await ReplicaFailoverTests.cluster(workers: 2)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await Database.open(directory: directory.path)
        try await Self.load(database, replicas: 2)

        // The second worker dies; writes go on on the first, and its copies become inactive.
        var victim = workers[1]
        victim.process.send(SIGKILL)
        _ = try await victim.waitForExit(within: .seconds(10))
        _ = try await database.execute("UPDATE t SET v = v || '!' WHERE id % 7 = 0")
        _ = try await database.execute("DELETE FROM t WHERE id % 11 = 0")
        _ = try await database.execute("INSERT INTO t VALUES (-5, 'while down')")
        let port = addresses[1].split(separator: ":").last.map(String.init)!
        victim = try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:\(port)"], directory: victim.directory)
        _ = try await victim.address()
        #expect(try await Self.nodeList(directory)[addresses[1]]?.files.allSatisfy { $0.hasSuffix("(inactive)") } == true)

        // Repair while a writer runs.
        let progress = Progress()
        let writer = Self.writer(database, progress)
        for _ in 0..<200 where progress.acknowledged.withLock({ $0.count }) < 10 { try await Task.sleep(for: .milliseconds(20)) }
        let repaired = try await BoundedProcess.run(
            CommandLineTests.binary, ["shard", "repair", "--data", directory.path], limit: .seconds(120))
        #expect(repaired.status == 0, "\(repaired.summary)")
        #expect(repaired.stdoutText.contains("6 of 6 copies made"), "\(repaired.stdoutText)")
        let writesAtEnd = progress.acknowledged.withLock { $0.count }
        for _ in 0..<200 where progress.acknowledged.withLock({ $0.count }) < writesAtEnd + 10 {
            try await Task.sleep(for: .milliseconds(20))
        }
        progress.stop.store(true, ordering: .relaxed)
        await writer.value
        #expect(progress.failedWrites.withLock { $0 } == [])
        try await Self.expectExactlyAcknowledged(database, progress)
        await database.close()

        // Every copy active; each shard's two copies hold the same rows, byte for byte.
        let nodes = try await Self.nodeList(directory)
        #expect(nodes[addresses[1]]?.files.count == 6 && nodes[addresses[1]]?.files.allSatisfy { !$0.contains("(") } == true,
                "\(nodes)")
        let checksum = "SELECT count(*), group_concat(id || ':' || quote(v), ',') FROM (SELECT id, v FROM t ORDER BY id)"
        let copies = try addresses.map { try RemoteWorker(address: $0) }
        for file in nodes[addresses[0]]?.files ?? [] {
            let parts = file.dropFirst().dropLast(".sqlite".count).split(separator: "-s")
            let shard = ShardFileID(group: Int64(parts[0])!, index: Int(parts[1])!)
            let first = try await copies[0].query(checksum, parameters: [], on: shard).rows
            let second = try await copies[1].query(checksum, parameters: [], on: shard).rows
            #expect(first == second, "\(file)")
            #expect(first.first?.first != .integer(0), "\(file) holds rows")
        }
        for copy in copies { await copy.close() }
    }

    @Test func aBackupUnderWritesRestoresTheStateAtItsPoint() async throws {
        let (workers, _, directory) = try await ReplicaFailoverTests.cluster(workers: 2)
        defer { withExtendedLifetime(workers) {} }
        let backup = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-backup-\(UUID().uuidString)")
        let restored = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-restored-\(UUID().uuidString)")
        defer { for path in [directory, backup, restored] { try? FileManager.default.removeItem(at: path) } }
        let database = try await Database.open(directory: directory.path)
        try await Self.load(database, replicas: 2)

        // The backup is taken by another process while this one writes two-row transactions.
        let progress = Progress()
        let writer = Self.writer(database, progress)
        for _ in 0..<200 where progress.acknowledged.withLock({ $0.count }) < 20 { try await Task.sleep(for: .milliseconds(20)) }
        let before = progress.acknowledged.withLock { $0.count }
        let taken = try await BoundedProcess.run(
            CommandLineTests.binary, ["backup", backup.path, "--data", directory.path], limit: .seconds(120))
        let after = progress.acknowledged.withLock { $0.count }
        progress.stop.store(true, ordering: .relaxed)
        await writer.value
        await database.close()
        #expect(taken.status == 0, "\(taken.summary)")
        #expect(progress.failedWrites.withLock { $0 } == [])

        // Into a fresh cluster on two other worker processes.
        var others: [WorkerCommandTests.WorkerProcess] = []
        for _ in 0..<2 {
            let worker = try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"])
            let added = try await BoundedProcess.run(
                CommandLineTests.binary, ["node", "add", try await worker.address(), "--data", restored.path],
                limit: .seconds(60))
            #expect(added.status == 0, "\(added.summary)")
            others.append(worker)
        }
        defer { withExtendedLifetime(others) {} }
        let restore = try await BoundedProcess.run(
            CommandLineTests.binary, ["restore", backup.path, "--data", restored.path], limit: .seconds(120))
        #expect(restore.status == 0, "\(restore.summary)")
        #expect(try await Self.nodeList(restored).values.map(\.shards).sorted() == [0, 6, 6], "six files, two copies each")
        let copy = try await Database.open(directory: restored.path)
        #expect(try await copy.fetchAll(Self.summary).map(\.values) == Self.loaded)
        // The writer's transactions up to the point, whole, and none after: a prefix of the
        // acknowledged ones, ending between those acknowledged before and after the backup.
        let ids = try await copy.fetchAll("SELECT id FROM t WHERE id > 3000 ORDER BY id").map { row -> Int in
            if case .integer(let id) = row.values[0] { return Int(id) }
            return -1
        }
        let firsts = ids.filter { $0 < 500_000 }
        let count = firsts.count
        #expect(firsts == Array(10_001..<(10_001 + count)), "a prefix of the writer's transactions")
        #expect(ids.filter { $0 >= 500_000 } == firsts.map { $0 + 500_000 }, "each transaction whole")
        #expect(count >= before && count <= after + 1, "\(count) transactions, \(before) acknowledged before and \(after) after")
        await copy.close()
    }

    /// Two workers holding `REPLICAS 2` copies, the second started with `fault` armed; both
    /// registered in a new coordinator directory.
    static func replicatedCluster(faultOnSecond fault: String) async throws
        -> (workers: [WorkerCommandTests.WorkerProcess], addresses: [String], directory: URL)
    {
        let workers = [
            try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"]),
            try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"], environment: ["SHARDQL_FAULT": fault]),
        ]
        var addresses: [String] = []
        for worker in workers { addresses.append(try await worker.address()) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-moves-\(UUID().uuidString)")
        for address in addresses {
            let added = try await BoundedProcess.run(
                CommandLineTests.binary, ["node", "add", address, "--data", directory.path], limit: .seconds(60))
            #expect(added.status == 0, "\(added.summary)")
        }
        return (workers, addresses, directory)
    }

    @Test func aMoveWhoseSourceDiesStartsAgainFromAnotherCopy() async throws {
        // The second node (the fullest, so the first move's source) dies when the move asks for
        // its change log: after the file was copied, before the switch.
        let (workers, addresses, directory) = try await Self.replicatedCluster(faultOnSecond: "worker.changes.before")
        defer { try? FileManager.default.removeItem(at: directory) }
        let newcomer = try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"])
        let newAddress = try await newcomer.address()
        let database = try await Database.open(directory: directory.path)
        try await Self.load(database, replicas: 2)
        let progress = Progress()
        let writer = Self.writer(database, progress)
        let reader = Self.reader(database, progress, Self.summary, Self.loaded)
        for _ in 0..<200 where progress.acknowledged.withLock({ $0.count }) < 20 { try await Task.sleep(for: .milliseconds(20)) }

        let rebalanced = try await BoundedProcess.run(
            CommandLineTests.binary, ["node", "add", newAddress, "--rebalance", "--data", directory.path],
            limit: .seconds(120))
        #expect(rebalanced.status == 0, "\(rebalanced.summary)")
        #expect(try await workers[1].waitForExit(within: .seconds(10)) != nil, "the source died mid-move")
        let writesAtEnd = progress.acknowledged.withLock { $0.count }
        for _ in 0..<200 where progress.acknowledged.withLock({ $0.count }) < writesAtEnd + 20 {
            try await Task.sleep(for: .milliseconds(20))
        }
        progress.stop.store(true, ordering: .relaxed)
        await writer.value
        await reader.value
        #expect(progress.failedWrites.withLock { $0 } == [])
        #expect(progress.badReads.withLock { $0 } == [])
        try await Self.expectExactlyAcknowledged(database, progress)
        #expect(try await database.fetchAll(Self.summary).map(\.values) == Self.loaded)
        await database.close()

        // The dead node's files were copied from the live copies instead: the twelve copies are
        // four per node, the newcomer's and the survivor's all active; nothing is left moving.
        let nodes = try await Self.nodeList(directory)
        #expect((addresses + [newAddress]).map { nodes[$0]?.shards } == [4, 4, 4], "\(nodes)")
        for address in [addresses[0], newAddress] {
            #expect(nodes[address]?.files.allSatisfy { !$0.contains("(") } == true, "\(nodes)")
        }
    }

    @Test func aMoveInterruptedByACoordinatorCrashRollsBackAndRunsAgain() async throws {
        let (workers, addresses, directory) = try await ReplicaFailoverTests.cluster(workers: 2)
        defer { try? FileManager.default.removeItem(at: directory) }
        let newcomer = try WorkerCommandTests.WorkerProcess(["--listen", "127.0.0.1:0"])
        let newAddress = try await newcomer.address()
        let database = try await Database.open(directory: directory.path)
        try await Self.load(database, replicas: 1)
        _ = try await database.execute("INSERT INTO t VALUES (10001, 'w'), (510001, 'w')")

        // The rebalancing process dies with the source fenced and the catalog not yet switched.
        let crashed = try await BoundedProcess.run(
            CommandLineTests.binary, ["node", "add", newAddress, "--rebalance", "--data", directory.path],
            limit: .seconds(120), environment: ["SHARDQL_FAULT": "copy.fenced"])
        #expect(crashed.status != 0, "\(crashed.summary)")
        #expect(try await Self.nodeList(directory)[newAddress]?.files.contains { $0.hasSuffix("(moving)") } == true)

        // recover rolls the move back: the fenced source takes writes again at once.
        let recovered = try await BoundedProcess.run(
            CommandLineTests.binary, ["recover", "--data", directory.path], limit: .seconds(60))
        #expect(recovered.status == 0 && recovered.stdoutText.contains("rolled back 1 interrupted shard copy"), "\(recovered.summary)")
        _ = try await database.execute("INSERT INTO t VALUES (10002, 'w'), (510002, 'w')")
        #expect(try await Self.nodeList(directory)[newAddress]?.shards == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: newcomer.directory.path + "/shards")
        #expect(files.filter { $0.hasSuffix(".sqlite") } == [], "the half-made copy is deleted")

        // The next rebalance makes the moves.
        let rebalanced = try await BoundedProcess.run(
            CommandLineTests.binary, ["rebalance", "--data", directory.path], limit: .seconds(120))
        #expect(rebalanced.status == 0 && rebalanced.stdoutText.contains("2 of 2 copies made"), "\(rebalanced.summary)")
        _ = try await database.execute("INSERT INTO t VALUES (10003, 'w'), (510003, 'w')")
        #expect(try await database.fetchAll(Self.summary).map(\.values) == Self.loaded)
        let written = try await database.fetchAll("SELECT count(*), sum(id) FROM t WHERE id > 3000").map(\.values)
        let sum: Int64 = 10_001 + 10_002 + 10_003 + 510_001 + 510_002 + 510_003
        #expect(written == [[.integer(6), .integer(sum)]])
        await database.close()
        let nodes = try await Self.nodeList(directory)
        #expect((addresses + [newAddress]).map { nodes[$0]?.shards } == [2, 2, 2], "\(nodes)")
        withExtendedLifetime(workers) {}
    }
}
