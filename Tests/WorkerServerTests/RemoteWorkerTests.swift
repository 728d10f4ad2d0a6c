import Foundation
import ShardQLBase
import Testing
import WorkerProtocol
import WorkerServer
import WorkerTestSupport

@testable import Worker
@testable import WorkerClient

/// The behaviours the Worker tests check on ``LocalWorker``, through a real gRPC server on
/// 127.0.0.1 and ``RemoteWorker``: the two implementations of ``ShardExecutor`` must not differ.
@Suite("RemoteWorker over gRPC", .timeLimit(.minutes(2)))
struct RemoteWorkerTests {
    let shard = ShardFileID(group: 1, index: 0)

    @Test func batchesConcatenateToTheFullResult() async throws {
        try await withRemoteWorker { h in
            try await h.remote.makeShard(shard, rows: 1000)
            let stream = try await h.remote.read(ShardRead("SELECT a, b FROM t ORDER BY a"), on: shard, batchRows: 64)
            #expect(stream.columns == ["a", "b"])
            var rows: [[SQLValue]] = []
            var batches = 0
            for try await batch in stream {
                #expect(!batch.isEmpty && batch.count <= 64)
                rows += batch
                batches += 1
            }
            #expect(batches == 16)
            #expect(rows == (1...1000).map { [.integer(Int64($0)), .text("row \($0)")] })
            #expect(try await h.remote.query("SELECT a, b FROM t ORDER BY a", parameters: [], on: shard).rows == rows)
            let empty = try await h.remote.read(
                ShardRead("SELECT a FROM t WHERE a < ?", parameters: [.integer(0)]), on: shard, batchRows: 8)
            #expect(try await empty.collect() == RowSet(columns: ["a"], rows: []))
            // Every value type crosses intact.
            let values: [SQLValue] = [.null, .integer(.min), .real(-2.5), .text("é\u{0}x"), .blob([0, 255])]
            let echoed = try await h.remote.query("SELECT ?, ?, ?, ?, ?", parameters: values, on: shard)
            #expect(echoed.rows == [values])
        }
    }

    @Test func earlyTerminationReleasesTheWorkersConnection() async throws {
        try await withRemoteWorker { h in
            try await h.remote.makeShard(shard, rows: 1000)
            for _ in 0..<20 {
                for try await batch in try await h.remote.read(ShardRead("SELECT a FROM t"), on: shard, batchRows: 10) {
                    #expect(batch.count == 10)
                    break
                }
            }
            // A stream dropped before its first batch too.
            _ = try await h.remote.read(ShardRead("SELECT a FROM t"), on: shard, batchRows: 10)
            try await expectReleased(h.local, shard)
            _ = try await h.remote.write([ShardStatement("DELETE FROM t WHERE a > 10")], on: shard)
            try await h.remote.finish(shard, commit: true)
            #expect(try await h.remote.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(10)]])
        }
    }

    /// NIO closes a server connection whose client resets more than 200 streams in 30 s (its
    /// rapid-reset defence); every call on it then fails. Neither finished reads nor reads a
    /// consumer stops early (a satisfied LIMIT) may count towards that.
    @Test func hundredsOfReadsFinishedOrStoppedEarlyKeepTheConnection() async throws {
        try await withRemoteWorker { h in
            try await h.remote.makeShard(shard, rows: 5000)
            for index in 0..<500 {
                if index.isMultiple(of: 2) {
                    let rows = try await h.remote.read(ShardRead("SELECT a FROM t WHERE a = ?", parameters: [.integer(Int64(index + 1))]), on: shard, batchRows: 10).collect()
                    #expect(rows.rows == [[.integer(Int64(index + 1))]])
                } else {
                    for try await batch in try await h.remote.read(ShardRead("SELECT a FROM t"), on: shard, batchRows: 100) {
                        #expect(batch.count == 100)
                        break
                    }
                }
            }
            #expect(try await h.remote.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(5000)]])
            try await expectReleased(h.local, shard)
        }
    }

    @Test func cancellingTheConsumerInterruptsTheWorkersQuery() async throws {
        try await withRemoteWorker { h in
            try await h.remote.createShard(shard)
            let start = ContinuousClock.now
            let (consumer, started) = try await h.remote.startSlowRead(on: shard)
            #expect(started)
            try await Task.sleep(for: .milliseconds(200))
            #expect(h.local.readerCounts(of: shard)?.checkedOut == 1)
            consumer.cancel()
            await #expect {
                _ = try await consumer.value
            } throws: { error in
                (error as? ShardQLError)?.code == .cancelled
            }
            // The worker's statement was interrupted, not left counting.
            try await expectReleased(h.local, shard)
            #expect(ContinuousClock.now - start < .seconds(10))
            #expect(try await h.remote.query("SELECT 1", parameters: [], on: shard).rows == [[.integer(1)]])
        }
    }

    @Test func errorsKeepTheirCodeAcrossTheWire() async throws {
        try await withRemoteWorker { h in
            try await h.remote.createShard(shard)
            _ = try await h.remote.write(
                [
                    ShardStatement("CREATE TABLE n(x INTEGER)"),
                    ShardStatement("INSERT INTO n VALUES (1), (-2), (3), (-4), (5), (?)", parameters: [.integer(.min)]),
                ], on: shard)
            try await h.remote.finish(shard, commit: true)
            // Mid-stream: after five good batches, the same error as in-process.
            let local = await #expect(throws: ShardQLError.self) {
                _ = try await h.local.query("SELECT abs(x) FROM n ORDER BY rowid", parameters: [], on: shard)
            }
            let stream = try await h.remote.read(ShardRead("SELECT abs(x) FROM n ORDER BY rowid"), on: shard, batchRows: 1)
            var rows: [[SQLValue]] = []
            var iterator = stream.makeAsyncIterator()
            let remote = await #expect(throws: ShardQLError.self) {
                while let batch = try await iterator.next() { rows += batch }
            }
            #expect(rows == (1...5).map { [.integer(Int64($0))] })
            #expect(try await iterator.next() == nil)
            #expect(remote?.message.contains("integer overflow") == true)
            #expect(remote?.code == local?.code && remote?.sqliteResultCode == local?.sqliteResultCode)
            #expect(remote?.sqliteResultCode != nil)

            // Preparing: thrown by read, with the position in the SQL.
            let syntax = await #expect(throws: ShardQLError.self) {
                _ = try await h.remote.read(ShardRead("SELECT FROM n"), on: shard, batchRows: 1)
            }
            #expect(syntax?.code == .sqlite && syntax?.location != nil)
            // A constraint failure in a write.
            _ = try await h.remote.write([ShardStatement("CREATE TABLE u(a INTEGER PRIMARY KEY)")], on: shard)
            let constraint = await #expect(throws: ShardQLError.self) {
                _ = try await h.remote.write([ShardStatement("INSERT INTO u VALUES (1), (1)")], on: shard)
            }
            #expect(constraint?.code == .sqlite && constraint?.sqliteResultCode == 1555)  // SQLITE_CONSTRAINT_PRIMARYKEY
            try await h.remote.finish(shard, commit: false)
            // A missing shard file.
            let missing = await #expect(throws: ShardQLError.self) {
                _ = try await h.remote.statistics(of: ShardFileID(group: 7, index: 1))
            }
            #expect(missing?.code == .io && missing?.message.contains("g7-s1.sqlite") == true)
            await #expect(throws: ShardQLError.self) {
                _ = try await h.remote.read(ShardRead("SELECT 1"), on: shard, batchRows: 0)
            }
            try await expectReleased(h.local, shard)
        }
    }

    @Test func referenceFilesAttach() async throws {
        try await withRemoteWorker { h in
            let europe = ShardFileID(group: 9, index: 0)
            try await h.remote.createShard(shard)
            _ = try await h.remote.write(
                [
                    ShardStatement("CREATE TABLE orders(id INTEGER PRIMARY KEY, country TEXT)"),
                    ShardStatement("INSERT INTO orders VALUES (1, 'fr'), (2, 'jp'), (3, 'fr')"),
                ], on: shard)
            try await h.remote.finish(shard, commit: true)
            try await h.remote.createShard(europe)
            _ = try await h.remote.write(
                [
                    ShardStatement("CREATE TABLE countries(code TEXT PRIMARY KEY, name TEXT)"),
                    ShardStatement("INSERT INTO countries VALUES ('fr', 'France'), ('jp', 'Japon')"),
                ], on: europe)
            try await h.remote.finish(europe, commit: true)
            let join = "SELECT o.id, c.name FROM orders o JOIN countries c ON c.code = o.country ORDER BY o.id"
            let rows = try await h.remote.read(ShardRead(join, attaching: [europe]), on: shard, batchRows: 2).collect()
            #expect(rows.rows.map { $0[1] } == [.text("France"), .text("Japon"), .text("France")])
            let missing = ShardFileID(group: 42, index: 3)
            let error = await #expect(throws: ShardQLError.self) {
                _ = try await h.remote.read(ShardRead("SELECT 1", attaching: [missing]), on: shard, batchRows: 1)
            }
            #expect(error?.code == .io && error?.message.contains(missing.fileName) == true)
        }
    }

    @Test func writesCommitInOneOrTwoPhasesIdempotently() async throws {
        try await withRemoteWorker(busyTimeout: .milliseconds(200)) { h in
            let first = TransactionID("first")
            let second = TransactionID("second")
            try await h.remote.createShard(shard)
            _ = try await h.remote.write([ShardStatement("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")], on: shard)
            try await h.remote.finish(shard, commit: true)

            // One phase.
            let outcomes = try await h.remote.write(
                [ShardStatement("INSERT INTO t VALUES (?, ?) RETURNING a", parameters: [.integer(7), .text("x")])],
                on: shard)
            #expect(outcomes[0].changes == 1 && outcomes[0].lastInsertRowID == 7)
            #expect(outcomes[0].returned == RowSet(columns: ["a"], rows: [[.integer(7)]]))
            // Reads in the transaction see its rows; others the committed state.
            let own = try await h.remote.read(
                ShardRead("SELECT count(*) FROM t", transaction: RemoteWorker.testTransaction), on: shard, batchRows: 1)
            #expect(try await own.collect().rows == [[.integer(1)]])
            #expect(try await h.remote.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(0)]])
            try await h.remote.finish(shard, commit: false)
            try await h.remote.begin(first, on: shard, recording: true)
            try await h.remote.savepoint(.begin("s"), on: shard, in: first)
            _ = try await h.remote.write(
                [ShardStatement("INSERT INTO t VALUES (1, 'x')")], on: shard, in: first, recording: true)
            let inside = try await h.remote.read(ShardRead("SELECT count(*) FROM t", transaction: first), on: shard, batchRows: 1)
            #expect(try await inside.collect().rows == [[.integer(1)]])
            try await h.remote.savepoint(.rollback(to: "s"), on: shard, in: first)
            let rolledBack = try await h.remote.read(
                ShardRead("SELECT count(*) FROM t", transaction: first), on: shard, batchRows: 1)
            #expect(try await rolledBack.collect().rows == [[.integer(0)]])
            try await h.remote.savepoint(.release("s"), on: shard, in: first)
            try await h.remote.abort(first, on: shard)

            // Two phases.
            try await h.remote.begin(first, on: shard, recording: true)
            _ = try await h.remote.write(
                [ShardStatement("INSERT INTO t VALUES (1, 'x'), (2, 'y')")], on: shard, in: first, recording: true)
            #expect(try await h.remote.prepare(first, on: shard))
            #expect(try await h.remote.preparedTransactions(on: shard) == [first])
            let busy = await #expect(throws: ShardQLError.self) {
                try await h.remote.begin(second, on: shard, recording: false)
            }
            #expect(busy?.code == .busy && busy?.message.contains("first") == true)
            try await h.remote.commitPrepared(first, on: shard)
            try await h.remote.commitPrepared(first, on: shard)
            #expect(try await h.remote.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(2)]])
            _ = try await h.remote.write([ShardStatement("DELETE FROM t")], on: shard, in: second, recording: true)
            #expect(try await h.remote.prepare(second, on: shard))
            try await h.remote.abort(second, on: shard)
            try await h.remote.abort(second, on: shard)
            #expect(try await h.remote.preparedTransactions(on: shard).isEmpty)
            #expect(try await h.remote.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(2)]])
            // Nothing changed: nothing prepared.
            _ = try await h.remote.write([ShardStatement("DELETE FROM t WHERE a = 42")], on: shard, in: first, recording: true)
            #expect(try await h.remote.prepare(first, on: shard) == false)
        }
    }

    @Test func aFileCopiesBetweenNodesWhileWritten() async throws {
        // Export over the wire into a local copy, then install over the wire from a local source.
        try await withRemoteWorker { source in
            try await withTemporaryWorker { target, _ in
                try await copyWhileWriting(from: source.remote, to: target)
            }
        }
        try await withRemoteWorker { target in
            try await withTemporaryWorker { source, _ in
                try await copyWhileWriting(from: source, to: target.remote)
            }
        }
    }

    @Test func statisticsCountRowsAndBytes() async throws {
        try await withRemoteWorker { h in
            try await h.remote.makeShard(shard, rows: 25)
            let remote = try await h.remote.statistics(of: shard)
            #expect(remote.rowsByTable == ["t": 25] && remote.bytes > 0)
            #expect(try await h.local.statistics(of: shard) == remote)
            try await h.remote.dropShard(shard)
            #expect(!FileManager.default.fileExists(atPath: h.local.directory + "/" + shard.fileName))
        }
    }

    @Test func severalFragmentsInOneCallRunConcurrently() async throws {
        try await withRemoteWorker { h in
            let shards = (0..<6).map { ShardFileID(group: 3, index: $0) }
            for (index, file) in shards.enumerated() { try await h.remote.makeShard(file, rows: 100 * (index + 1)) }
            var request = Shardql_V1_ReadRequest()
            request.protocolVersion = WireProtocol.version
            request.batchRows = 32
            request.fragments = shards.map { file in
                var fragment = Shardql_V1_Fragment()
                fragment.shard = Shardql_V1_ShardRef(file)
                fragment.sql = "SELECT a FROM t ORDER BY a"
                return fragment
            }
            let counts = try await h.remote.stub.read(request, metadata: [:]) { response in
                var counts = [Int](repeating: 0, count: 6)
                var columns = [[String]](repeating: [], count: 6)
                var lasts = 0
                for try await batch in response.messages {
                    let index = Int(batch.fragment)
                    if columns[index].isEmpty { columns[index] = batch.columns } else { #expect(batch.columns.isEmpty) }
                    counts[index] += try batch.rows.decoded().count
                    if batch.last { lasts += 1 }
                }
                #expect(lasts == 6 && columns.allSatisfy { $0 == ["a"] })
                return counts
            }
            #expect(counts == [100, 200, 300, 400, 500, 600])
        }
    }

    @Test func ingestLoadsRowsInTheTransaction() async throws {
        try await withRemoteWorker { h in
            try await h.remote.createShard(shard)
            _ = try await h.remote.write([ShardStatement("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")], on: shard)
            try await h.remote.finish(shard, commit: true)
            let transaction = TransactionID("load")
            let shard = shard
            let result = try await h.remote.stub.ingest(requestProducer: { writer in
                for start in stride(from: 0, to: 1000, by: 250) {
                    var chunk = Shardql_V1_IngestChunk()
                    if start == 0 {
                        chunk.protocolVersion = WireProtocol.version
                        chunk.transaction = transaction.rawValue
                        chunk.shard = Shardql_V1_ShardRef(shard)
                        chunk.insertSql = "INSERT INTO t VALUES (?, ?)"
                        chunk.rejectionLimit = 10
                    }
                    var batch = IngestBatch(columnCount: 2)
                    for id in start..<start + 250 {
                        // Row 510 of the stream repeats key 7: refused, reported, the rest loaded.
                        batch.append(.integer(id == 510 ? 7 : Int64(id)))
                        batch.appendText("row \(id)")
                    }
                    chunk.columnCount = 2
                    chunk.kinds = Data(batch.kinds.map(\.rawValue))
                    chunk.ends = batch.ends
                    chunk.data = Data(batch.bytes)
                    try await writer.write(chunk)
                }
            })
            #expect(result.rows == 1000)
            #expect(result.rejected.map(\.row) == [510])
            #expect(result.rejected.first?.message.contains("UNIQUE constraint failed") == true)
            #expect(try await h.remote.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(0)]])
            try await h.remote.commit(transaction, on: shard)
            #expect(try await h.remote.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(999)]])
        }
    }

    @Test func onlyNumbersNameAFileSoEveryFileStaysInTheDirectory() async throws {
        try await withRemoteWorker { h in
            // The extremes of both fields: the file is still `g<int>-s<int>.sqlite` in the directory.
            var request = Shardql_V1_ShardRequest()
            request.protocolVersion = WireProtocol.version
            request.shard.group = .max
            request.shard.index = .max
            _ = try await h.remote.stub.createShard(request, metadata: [:])
            let files = try FileManager.default.contentsOfDirectory(atPath: h.local.directory)
            #expect(files.filter { $0.hasSuffix(".sqlite") } == ["g-1-s\(UInt32.max).sqlite"])
            await #expect(throws: ShardQLError.self) {
                try await h.remote.createShard(ShardFileID(group: 1, index: -1))
            }
        }
    }

    @Test func aFragmentCanOnlyReadAndAWriteReachesNoOtherFile() async throws {
        try await withRemoteWorker { h in
            try await h.remote.createShard(shard)
            _ = try await h.remote.write(
                [ShardStatement("CREATE TABLE t(a INTEGER PRIMARY KEY)"), ShardStatement("INSERT INTO t VALUES (1)")],
                on: shard)
            try await h.remote.finish(shard, commit: true)
            let outside = h.local.directory + "/../outside.sqlite"
            // A file the read did not ask for, by path.
            let other = ShardFileID(group: 2, index: 0)
            try await h.remote.createShard(other)
            for sql in [
                "ATTACH DATABASE '\(h.local.directory)/\(other.fileName)' AS x", "VACUUM INTO '\(outside)'", "SELECT load_extension('libm.so')",
                "CREATE TEMP TABLE x AS SELECT * FROM t", "PRAGMA query_only = 0", "DELETE FROM t", "BEGIN",
            ] {
                let error = await #expect(throws: ShardQLError.self, "\(sql)") {
                    _ = try await h.remote.read(ShardRead(sql), on: shard, batchRows: 10).collect()
                }
                #expect(error != nil && error?.code != .internalError, "\(sql): \(String(describing: error))")
            }
            // On the transaction's own connection, which can write, a read must still be a read.
            let own = RemoteWorker.testTransaction
            _ = try await h.remote.write([ShardStatement("INSERT INTO t VALUES (2)")], on: shard)
            let deleting = await #expect(throws: ShardQLError.self) {
                _ = try await h.remote.read(ShardRead("DELETE FROM t", transaction: own), on: shard, batchRows: 10).collect()
            }
            #expect(deleting?.message.contains("read-only statement") == true, "\(String(describing: deleting))")
            for sql in ["ATTACH DATABASE '\(outside)' AS x", "VACUUM INTO '\(outside)'"] {
                await #expect(throws: ShardQLError.self, "\(sql)") {
                    _ = try await h.remote.write([ShardStatement(sql)], on: shard)
                }
            }
            try await h.remote.finish(shard, commit: true)
            #expect(!FileManager.default.fileExists(atPath: outside))
            #expect(try await h.remote.query("SELECT a FROM t ORDER BY a", parameters: [], on: shard).rows == [[.integer(1)], [.integer(2)]])
        }
    }

    @Test func anotherProtocolVersionIsRefused() async throws {
        var options = RemoteWorker.Options()
        options.protocolVersion = 99
        try await withRemoteWorker(options: options) { h in
            let error = await #expect(throws: ShardQLError.self) { _ = try await h.remote.health() }
            #expect(error?.code == .unsupported)
            #expect(error?.message.contains("version 99") == true, "\(String(describing: error))")
            await #expect(throws: ShardQLError.self) { try await h.remote.createShard(shard) }
            await #expect(throws: ShardQLError.self) { _ = try await h.remote.read(ShardRead("SELECT 1"), on: shard, batchRows: 1) }
        }
    }

    @Test func aWorkerWithATokenRefusesCallsWithoutIt() async throws {
        for clientToken in [nil, "wrong", "s3cret-but-longer"] {
            try await withRemoteWorker(serverToken: "s3cret", options: .init(token: clientToken)) { h in
                let error = await #expect(throws: ShardQLError.self) { _ = try await h.remote.health() }
                #expect(error?.code == .unauthenticated, "\(String(describing: error))")
                #expect(error?.message.contains(h.address) == true)
                await #expect(throws: ShardQLError.self) {
                    _ = try await h.remote.read(ShardRead("SELECT 1"), on: shard, batchRows: 1)
                }
                #expect(!FileManager.default.fileExists(atPath: h.local.directory + "/" + shard.fileName))
            }
        }
        try await withRemoteWorker(serverToken: "s3cret", options: .init(token: "s3cret")) { h in
            #expect(try await h.remote.health().status == .serving)
            try await h.remote.makeShard(shard, rows: 3)
            #expect(try await h.remote.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(3)]])
        }
    }

    @Test func overTLSOnlyAClientTrustingTheWorkersAuthorityGetsThrough() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = try TestCertificates(in: directory.path)
        let tls = WorkerServer.TLSFiles(certificateChain: certificates.certificate, privateKey: certificates.privateKey)
        // Trusting the authority: calls, reads and writes work, with the token on top.
        try await withRemoteWorker(
            serverToken: "s3cret", tls: tls,
            options: .init(callTimeout: .seconds(10), token: "s3cret", tlsCAFile: certificates.authority)
        ) { h in
            try await h.remote.makeShard(shard, rows: 100)
            #expect(try await h.remote.query("SELECT count(*) FROM t", parameters: [], on: shard).rows == [[.integer(100)]])
            #expect(try await h.remote.health().status == .serving)
        }
        // Plaintext to a TLS worker, or TLS trusting another authority: refused, naming the node.
        for options in [
            RemoteWorker.Options(callTimeout: .seconds(10)),
            RemoteWorker.Options(callTimeout: .seconds(10), tlsCAFile: certificates.otherAuthority),
        ] {
            try await withRemoteWorker(tls: tls, options: options) { h in
                let error = await #expect(throws: ShardQLError.self) { _ = try await h.remote.health() }
                #expect(error?.code == .unavailable && error?.message.contains(h.address) == true, "\(String(describing: error))")
            }
        }
        // TLS to a plaintext worker fails too.
        try await withRemoteWorker(options: .init(callTimeout: .seconds(10), tlsCAFile: certificates.authority)) { h in
            let error = await #expect(throws: ShardQLError.self) { _ = try await h.remote.health() }
            #expect(error?.code == .unavailable, "\(String(describing: error))")
        }
        // Files that cannot be read are named at once.
        let missing = directory.path + "/missing.pem"
        #expect(throws: ShardQLError.self) {
            _ = try WorkerServer(
                host: "127.0.0.1", port: 0, executor: try LocalWorker(directory: directory.path + "/w"), token: nil,
                tls: .init(certificateChain: missing, privateKey: certificates.privateKey))
        }
        let unreadable = #expect(throws: ShardQLError.self) {
            _ = try RemoteWorker(address: "127.0.0.1:1", options: .init(tlsCAFile: missing))
        }
        #expect(unreadable?.message.contains(missing) == true)
    }

    @Test func aDeadNodeIsNamedWithinTheDeadline() async throws {
        var stoppedAddress = ""
        try await withRemoteWorker { h in
            try await h.remote.makeShard(shard, rows: 3)
            stoppedAddress = h.address
        }
        // The server is gone now; a client to its address fails fast, naming node and shard.
        let remote = try RemoteWorker(address: stoppedAddress, options: .init(callTimeout: .seconds(3)))
        let start = ContinuousClock.now
        let error = await #expect(throws: ShardQLError.self) {
            _ = try await remote.write([ShardStatement("DELETE FROM t")], on: shard)
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(error?.code == .unavailable || error?.code == .timeout, "\(String(describing: error))")
        #expect(error?.message.contains(stoppedAddress) == true && error?.message.contains("\(shard)") == true)
        let read = await #expect(throws: ShardQLError.self) {
            _ = try await remote.read(ShardRead("SELECT 1"), on: shard, batchRows: 1)
        }
        #expect(read?.message.contains(stoppedAddress) == true, "\(String(describing: read))")
        await remote.close()
    }
}
