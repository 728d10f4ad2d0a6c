import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import ShardQLBase
import Synchronization
import Worker
import WorkerProtocol
import WorkerServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `shardql worker --listen HOST:PORT --data DIR [--token-file F] [--tls-cert F --tls-key F]`:
/// serves the shard files in `DIR/shards` to coordinators over gRPC until SIGTERM or SIGINT,
/// which drain it.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Serve this node's shard files to coordinators over gRPC.",
        discussion: """
            Prints 'listening on HOST:PORT' once bound (port 0 picks a free port). Without \
            --token-file it listens on a loopback address only (127.0.0.1, ::1); with one, every \
            call must carry the token. SIGTERM or SIGINT stops taking calls, lets the running ones \
            finish (for at most --drain-seconds), closes the shard files and exits 0.
            """
    )

    @Option(name: .long, help: "The address to listen on, HOST:PORT (e.g. 127.0.0.1:7001).")
    var listen: String

    @Option(name: .long, help: "The node's data directory (shard files go in DIR/shards).")
    var data: String

    @Option(name: .customLong("token-file"), help: "A file holding the cluster token every call must carry.")
    var tokenFile: String?

    @Option(name: .customLong("tls-cert"), help: "A PEM certificate (chain) to serve TLS with; needs --tls-key.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(name: .customLong("drain-seconds"), help: "How long running calls may take after SIGTERM.")
    var drainSeconds: Double = 10

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together.")
        }
    }

    func run() async throws {
        let address: WorkerAddress
        do {
            address = try WorkerAddress(parsing: listen)
        } catch {
            printError("Error: \(error)")
            throw ExitCode(2)
        }
        var token: String?
        if let tokenFile {
            do {
                token = try readClusterToken(file: tokenFile)
            } catch {
                printError("Error: \(error)")
                throw ExitCode.failure
            }
        }
        guard token != nil || address.isLoopback else {
            printError(
                "Error: refusing to listen on \(address) without --token-file: a worker without a cluster token "
                    + "listens on a loopback address only (127.0.0.1 or ::1)")
            throw ExitCode.failure
        }
        if token != nil, tlsCert == nil, !address.isLoopback {
            printError("warning: without --tls-cert the cluster token and all data travel unencrypted")
        }
        let worker: LocalWorker
        let server: WorkerServer
        do {
            worker = try LocalWorker(directory: data + "/shards")
            let directory = worker.directory
            server = try WorkerServer(
                host: address.host, port: address.port, executor: worker, token: token,
                tls: tlsCert.map { WorkerServer.TLSFiles(certificateChain: $0, privateKey: tlsKey ?? "") },
                shardFiles: { Self.countShardFiles(in: directory) })
        } catch {
            printError("Error: \(error)")
            throw ExitCode.failure
        }

        // swift-service-lifecycle turns SIGTERM and SIGINT into a graceful shutdown: the server
        // stops taking calls and lets the running ones finish; past the drain time the group
        // cancels them.
        var logger = Logger(label: "shardql.worker")
        logger.logLevel = .warning
        let stopping = Flag()
        let service = WorkerServerService(server: server, stopping: stopping) { port in
            // Straight to the descriptor: a test or script waits for this line on a pipe.
            writeFully(Array("listening on \(WorkerAddress(host: address.host, port: port))\n".utf8), to: STDOUT_FILENO)
        }
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = .milliseconds(Int64(drainSeconds * 1000))
        var failure: (any Error)?
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch {
            failure = error
        }
        await worker.close()
        // After a signal, calls cancelled at the end of the drain time are no failure.
        if let failure, !stopping.isSet {
            printError("Error: \(failure)")
            throw ExitCode.failure
        }
    }

    static func countShardFiles(in directory: String) -> Int {
        guard let entries = opendir(directory) else { return 0 }
        defer { closedir(entries) }
        var count = 0
        while let entry = readdir(entries) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasSuffix(".sqlite") { count += 1 }
        }
        return count
    }
}

/// Set once, when the graceful shutdown begins.
private final class Flag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// The worker's gRPC server as a service of the process's `ServiceGroup`: a graceful shutdown
/// drains it. Prints its address (through `announce`) once it listens.
private struct WorkerServerService: Service {
    let server: WorkerServer
    let stopping: Flag
    let announce: @Sendable (Int) -> Void

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await withGracefulShutdownHandler {
                    try await server.run()
                } onGracefulShutdown: {
                    stopping.set()
                    server.beginGracefulShutdown()
                }
            }
            group.addTask {
                // When binding fails, run() reports why.
                if let port = try? await server.listeningPort { announce(port) }
            }
            try await group.waitForAll()
        }
    }
}
