import Coordinator
import Foundation
import Import
import SQLiteCore
import ShardQLBase
import Testing
import Worker
import WorkerClient
import WorkerServer

/// The importer on a cluster: the same file gives the same table embedded and over two worker
/// nodes (the Ingest RPC), and JSON Lines and SQLite sources load as their types say.
@Suite("Importer", .serialized, .timeLimit(.minutes(3)))
struct ImporterTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-importer-\(UUID().uuidString)").path

    init() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = root + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Mixed values: integers, reals, text with quotes and commas, NA for NULL, a duplicate key.
    func sampleCSV() throws -> String {
        var text = "id,city,amount,note\n"
        for id in 1...5_000 {
            let note = id % 7 == 0 ? "NA" : "\"say \"\"\(id)\"\", then, go\""
            text += "\(id % 1_000 == 0 ? "NA" : String(id)),city\(id % 13),\(Double(id) / 4),\(note)\n"
        }
        return try write("sample.csv", text)
    }

    func importSample(into cluster: Cluster, file: String) async throws -> ImportReport {
        var options = ImportOptions()
        options.create = true
        options.nullText = "NA"
        options.distributeBy = "id"
        return try await Importer(cluster: cluster, table: "sample", files: [file], options: options).run()
    }

    func contents(_ cluster: Cluster) async throws -> [[SQLValue]] {
        try await cluster.execute("SELECT rowid, id, city, amount, note, typeof(amount) FROM sample ORDER BY rowid").last!.rows
    }

    @Test func twoWorkerNodesGetTheSameTableAsTheEmbeddedCluster() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = try sampleCSV()
        let embedded = try await Cluster.open(directory: root + "/embedded")
        let embeddedReport = try await importSample(into: embedded, file: file)
        let expected = try await contents(embedded)
        await embedded.close()
        #expect(embeddedReport.rows == 5_000)
        #expect(expected.count == 5_000)

        let workers = try (0..<2).map { try LocalWorker(directory: root + "/worker\($0)") }
        let servers = try workers.map { try WorkerServer(host: "127.0.0.1", port: 0, executor: $0, token: nil) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for server in servers { group.addTask { try await server.run() } }
            defer { for server in servers { server.beginGracefulShutdown() } }
            let directory = root + "/coordinator"
            let cluster = try await Cluster.open(
                directory: directory, connectingWith: { address in try RemoteWorker(address: address) })
            for server in servers { try await cluster.addNode(address: "127.0.0.1:\(try await server.listeningPort)") }
            let report = try await importSample(into: cluster, file: file)
            #expect(report.rows == 5_000)
            #expect(report.rowsPerShard == embeddedReport.rowsPerShard)
            #expect(try await contents(cluster) == expected)
            await cluster.close()
            // The rows are on the workers.
            for index in 0..<2 {
                let files = try FileManager.default.contentsOfDirectory(atPath: root + "/worker\(index)")
                #expect(files.contains { $0.hasSuffix(".sqlite") }, "\(files)")
            }
            for worker in workers { await worker.close() }
        }
    }

    @Test func appendsContinueRowidsAndRollBackOnARefusedRow() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try await Cluster.open(directory: root + "/data")
        _ = try await cluster.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        _ = try await cluster.execute("INSERT INTO t VALUES (10, 'ten')")
        let good = try write("good.csv", "name\nA\nB\n")
        var options = ImportOptions()
        options.columns = ["name"]
        let report = try await Importer(cluster: cluster, table: "t", files: [good], options: options).run()
        #expect(report.rows == 2)
        #expect(try await cluster.execute("SELECT id, name FROM t ORDER BY id").last!.rows == [
            [.integer(10), .text("ten")], [.integer(11), .text("A")], [.integer(12), .text("B")],
        ])
        options.nullText = "NA"
        let bad = try write("bad.csv", "name\nC\nNA\n")
        await #expect(throws: ShardQLError.self) {
            _ = try await Importer(cluster: cluster, table: "t", files: [bad], options: options).run()
        }
        #expect(try await cluster.execute("SELECT count(*) FROM t").last!.rows == [[.integer(3)]])
        await cluster.close()
    }

    @Test func jsonLinesKeepTheirTypes() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try await Cluster.open(directory: root + "/data")
        let file = try write(
            "rows.jsonl",
            """
            {"id": 1, "name": "Ada \\u00e9", "score": 1.5, "ok": true, "tags": ["a", "b"]}

            {"id": 2, "name": null, "score": 2, "ok": false, "tags": {"x": 1}}
            {"name": "only a name", "id": 3}
            """)
        var options = ImportOptions()
        options.create = true
        let report = try await Importer(cluster: cluster, table: "j", files: [file], options: options).run()
        #expect(report.rows == 3)
        let rows = try await cluster.execute("SELECT id, name, score, typeof(score), ok, tags FROM j ORDER BY id").last!.rows
        #expect(rows == [
            [.integer(1), .text("Ada é"), .real(1.5), .text("real"), .integer(1), .text("[\"a\", \"b\"]")],
            [.integer(2), .null, .real(2), .text("real"), .integer(0), .text("{\"x\": 1}")],
            [.integer(3), .text("only a name"), .null, .text("null"), .null, .null],
        ])
        let broken = try write("broken.jsonl", "{\"id\": 4}\n{\"id\": 5,}\n")
        options.create = false
        let error = await #expect(throws: ShardQLError.self) {
            _ = try await Importer(cluster: cluster, table: "j", files: [broken], options: options).run()
        }
        #expect(error?.message.contains("broken.jsonl:2:10: expected a member name") == true, "\(String(describing: error))")
        #expect(try await cluster.execute("SELECT count(*) FROM j").last!.rows == [[.integer(3)]])
        await cluster.close()
    }

    @Test func aSQLiteTableIsCopiedWithItsDeclaredTypes() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let source = root + "/source.db"
        let connection = try SQLiteConnection(path: source)
        try connection.execute("CREATE TABLE items(id INTEGER, label VARCHAR(20), weight REAL, data BLOB)")
        try connection.execute("INSERT INTO items VALUES (1, 'one', 1.25, x'00ff'), (2, NULL, 7, NULL), (3, 'three', NULL, x'')")
        connection.close()
        let cluster = try await Cluster.open(directory: root + "/data")
        var options = ImportOptions()
        options.create = true
        options.format = .sqlite
        options.sourceTable = "items"
        options.reference = true
        let report = try await Importer(cluster: cluster, table: "copied", files: [source], options: options).run()
        #expect(report.rows == 3)
        #expect(try await cluster.execute("SELECT id, label, weight, data FROM copied ORDER BY id").last!.rows == [
            [.integer(1), .text("one"), .real(1.25), .blob([0, 255])],
            [.integer(2), .null, .real(7), .null],
            [.integer(3), .text("three"), .null, .blob([])],
        ])
        await cluster.close()
    }

    @Test func aCreatedTableJoinsACompatibleGroupAsCreateTableWould() async throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cluster = try await Cluster.open(directory: root + "/data")
        func shardFiles() throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: root + "/data/shards").filter { $0.hasSuffix(".sqlite") }.count
        }
        let orders = try write("orders.csv", "id,customer\n1,7\n2,8\n3,7\n")
        let items = try write("items.csv", "order_id,amount\n1,10\n1,5\n3,2\n")
        let nations = try write("nations.csv", "code,name\n7,Ada\n8,Grace\n")
        let countries = try write("countries.csv", "code,label\nA,a\n")
        var options = ImportOptions()
        options.create = true
        options.distributeBy = "id"
        _ = try await Importer(cluster: cluster, table: "orders", files: [orders], options: options).run()
        #expect(try shardFiles() == 4)
        options.distributeBy = "order_id"
        _ = try await Importer(cluster: cluster, table: "items", files: [items], options: options).run()
        options.distributeBy = nil
        options.reference = true
        _ = try await Importer(cluster: cluster, table: "nations", files: [nations], options: options).run()
        _ = try await Importer(cluster: cluster, table: "countries", files: [countries], options: options).run()
        // items joined orders' group (same shard count and key affinity); both reference tables
        // share one group: 4 + 1 files.
        #expect(try shardFiles() == 5)
        let rows = try await cluster.execute(
            "SELECT o.id, sum(i.amount), n.name FROM orders o JOIN items i ON i.order_id = o.id JOIN nations n ON n.code = o.customer GROUP BY o.id ORDER BY o.id"
        ).last!.rows
        #expect(rows == [[.integer(1), .integer(15), .text("Ada")], [.integer(3), .integer(2), .text("Ada")]])
        let plan = try await cluster.execute(
            "EXPLAIN SELECT o.id, i.amount FROM orders o JOIN items i ON i.order_id = o.id").last!.rows
        #expect(plan.first == [.text("Tier: pushdown")], "\(plan)")
        await cluster.close()
    }
}
