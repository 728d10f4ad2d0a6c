import Coordinator
import Foundation
import ShardQL
import Testing
import Worker
import WorkerServer
import WorkerTestSupport

/// The Swift API on a cluster whose shard files are on a worker node that requires a token and
/// TLS: ``Database/Options`` carries both.
@Suite("Swift API: worker nodes", .timeLimit(.minutes(2)))
struct RemoteNodeTests {
    @Test func aDatabaseReachesASecuredWorkerWithTheTokenAndAuthority() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("shardql-api-node-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let certificates = try TestCertificates(in: root)
        let worker = try LocalWorker(directory: root + "/worker")
        let server = try WorkerServer(
            host: "127.0.0.1", port: 0, executor: worker, token: "t0ken",
            tls: .init(certificateChain: certificates.certificate, privateKey: certificates.privateKey))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { server.beginGracefulShutdown() }
            let address = "127.0.0.1:\(try await server.listeningPort)"
            let directory = root + "/coordinator"
            let registering = try await Cluster.open(directory: directory)
            try await registering.addNode(address: address)
            await registering.close()

            let options = Database.Options(clusterToken: "t0ken", tlsCAFile: certificates.authority)
            let database = try await Database.open(directory: directory, options: options)
            try await database.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)")
            try await database.execute("INSERT INTO t VALUES (?, ?), (?, ?)", parameters: [1, "Ada", 2, "Grace"])
            let names = try await database.fetchAll("SELECT name FROM t ORDER BY id").map { try $0.get(0, as: String.self) }
            #expect(names == ["Ada", "Grace"])
            await database.close()
            // The files are on the worker, not in the coordinator's directory.
            let files = try FileManager.default.contentsOfDirectory(atPath: root + "/worker")
            #expect(files.contains { $0.hasSuffix(".sqlite") }, "\(files)")

            // Without the token the worker refuses, and the error says which node.
            let untrusted = try await Database.open(directory: directory, options: .init(tlsCAFile: certificates.authority))
            let error = await expectError(.unauthenticated) { try await untrusted.fetchAll("SELECT count(*) FROM t") }
            #expect(error?.message.contains(address) == true, "\(String(describing: error))")
            await untrusted.close()
            await worker.close()
        }
    }
}
