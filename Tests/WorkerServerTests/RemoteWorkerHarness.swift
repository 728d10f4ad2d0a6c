import Foundation
import ShardQLBase
import Testing
import WorkerServer
import WorkerTestSupport

@testable import Worker
@testable import WorkerClient

/// A worker server in this process on 127.0.0.1 (a free port) over a ``LocalWorker`` in a fresh
/// directory, and a ``RemoteWorker`` talking to it; both stopped and the directory removed after.
struct RemoteHarness: Sendable {
    let local: LocalWorker
    let remote: RemoteWorker
    let server: WorkerServer
    let address: String
}

func withRemoteWorker(
    serverToken: String? = nil, tls: WorkerServer.TLSFiles? = nil,
    options: RemoteWorker.Options = .init(callTimeout: .seconds(30)),
    busyTimeout: Duration = .seconds(5), _ body: (RemoteHarness) async throws -> Void
) async throws {
    try await withTemporaryWorker(busyTimeout: busyTimeout) { local, _ in
        let server = try WorkerServer(host: "127.0.0.1", port: 0, executor: local, token: serverToken, tls: tls)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.listeningPort
            let remote = try RemoteWorker(address: "127.0.0.1:\(port)", options: options)
            let harness = RemoteHarness(local: local, remote: remote, server: server, address: "127.0.0.1:\(port)")
            do {
                try await body(harness)
            } catch {
                server.beginGracefulShutdown()
                group.cancelAll()
                await remote.close()
                throw error
            }
            server.beginGracefulShutdown()
            // Streams a test left open must not hold the suite.
            group.cancelAll()
            await remote.close()
        }
    }
}

/// Waits (boundedly) until no read holds a connection of `shard` on the worker: the remote end
/// releases it once the RPC's cancellation reaches the worker.
func expectReleased(_ worker: LocalWorker, _ shard: ShardFileID, sourceLocation: Testing.SourceLocation = #_sourceLocation)
    async throws
{
    for _ in 0..<1000 where worker.readerCounts(of: shard)?.checkedOut != 0 {
        try await Task.sleep(for: .milliseconds(10))
    }
    #expect(worker.readerCounts(of: shard)?.checkedOut == 0, sourceLocation: sourceLocation)
}
