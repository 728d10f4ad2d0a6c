import ArgumentParser
import Dispatch
import Foundation
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

        // Signals arrive as events on a queue, not as handlers interrupting arbitrary code.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let signals = [SIGTERM, SIGINT].map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
        defer { signals.forEach { $0.cancel() } }

        let stopping = Flag()
        let failure: (any Error)? = await withTaskGroup(of: (any Error)?.self) { group in
            let serving = Task {
                do {
                    try await server.run()
                    return nil as (any Error)?
                } catch {
                    return error
                }
            }
            let drainSeconds = self.drainSeconds
            for source in signals {
                source.setEventHandler {
                    stopping.set()
                    server.beginGracefulShutdown()
                    // Calls still running past the drain time are cancelled.
                    DispatchQueue.global().asyncAfter(deadline: .now() + drainSeconds) { serving.cancel() }
                }
                source.resume()
            }
            group.addTask {
                do {
                    let port = try await server.listeningPort
                    // Straight to the descriptor: a test or script waits for this line on a pipe.
                    writeFully(Array("listening on \(WorkerAddress(host: address.host, port: port))\n".utf8), to: STDOUT_FILENO)
                } catch {
                    // run() reports why.
                }
                return nil
            }
            let outcome = await serving.value
            await group.waitForAll()
            return outcome
        }
        await worker.close()
        // After a signal, a call cancelled at the end of the drain time is no failure.
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

/// Set once, from a signal's event handler.
private final class Flag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
