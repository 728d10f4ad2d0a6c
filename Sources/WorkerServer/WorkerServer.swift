import GRPCCore
import GRPCNIOTransportHTTP2Posix
import ShardQLBase
import Worker
import WorkerProtocol

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A worker process's gRPC server: ``ShardWorkerService`` over one ``ShardExecutor`` on a TCP
/// address, optionally guarded by a cluster token.
///
/// ```swift
/// let server = try WorkerServer(host: "127.0.0.1", port: 0, executor: worker, token: nil)
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { try await server.run() }
///     print("listening on 127.0.0.1:\(try await server.listeningPort)")
///     …
///     server.beginGracefulShutdown()  // refuse new calls, finish the running ones
/// }
/// ```
public final class WorkerServer: Sendable {
    /// The certificate a worker presents over TLS, and its key: PEM files.
    public struct TLSFiles: Sendable, Hashable {
        /// The certificate chain, leaf first (its subjectAltName must name the address
        /// coordinators connect to).
        public var certificateChain: String
        public var privateKey: String

        /// Creates the value from its parts.
        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    /// The host the server binds.
    public let host: String
    private let server: GRPCServer<HTTP2ServerTransport.Posix>
    private let state: WorkerServiceState

    /// A server for `executor` on `host` (an IPv4 or IPv6 literal, or `localhost`) and `port`
    /// (0: any free port, see ``listeningPort``). With a `token`, every call must carry
    /// `authorization: Bearer <token>`. With `tls`, connections are encrypted and the worker
    /// presents that certificate.
    ///
    /// - Parameter shardFiles: counts the shard files held, for health answers.
    public init(
        host: String, port: Int, executor: any ShardExecutor, token: String?, tls: TLSFiles? = nil,
        limits: ShardWorkerService.Limits = .init(), shardFiles: @escaping @Sendable () -> Int = { 0 }
    ) throws(ShardQLError) {
        guard (0...65535).contains(port) else {
            throw ShardQLError(.invalidArgument, "port \(port) is not between 0 and 65535")
        }
        let address: GRPCNIOTransportCore.SocketAddress
        switch WorkerAddress(host: host, port: port).literal {
        case .ipv4(let literal): address = .ipv4(host: literal, port: port)
        case .ipv6(let literal): address = .ipv6(host: literal, port: port)
        case nil:
            throw ShardQLError(.invalidArgument, "'\(host)' is not an IP address to listen on (use e.g. 127.0.0.1 or ::1)")
        }
        if let token, token.isEmpty {
            throw ShardQLError(.invalidArgument, "the cluster token is empty")
        }
        self.host = host
        let state = WorkerServiceState(shardFiles: shardFiles)
        self.state = state
        let security: HTTP2ServerTransport.Posix.TransportSecurity
        if let tls {
            for (file, what) in [(tls.certificateChain, "certificate"), (tls.privateKey, "private key")]
            where access(file, R_OK) != 0 {
                throw ShardQLError(.io, "cannot read the TLS \(what) file '\(file)'")
            }
            security = .tls(
                certificateChain: [.file(path: tls.certificateChain, format: .pem)],
                privateKey: .file(path: tls.privateKey, format: .pem))
        } else {
            security = .plaintext
        }
        let transport = HTTP2ServerTransport.Posix(
            address: address, transportSecurity: security,
            config: .defaults { config in
                // Write requests and ingest chunks carry many rows; a read's batches are capped by
                // the service's own limits.
                config.rpc.maxRequestPayloadSize = 64 << 20
            })
        let service = ShardWorkerService(executor: executor, limits: limits, state: state)
        var interceptors: [any ServerInterceptor] = []
        if let token { interceptors.append(TokenAuthInterceptor(token: token)) }
        server = GRPCServer(transport: transport, services: [service], interceptors: interceptors)
    }

    /// Serves until ``beginGracefulShutdown()`` was called and the running calls have finished,
    /// or until the task is cancelled (which cancels the running calls).
    ///
    /// - Throws: ``ShardQLError/Code/io`` when the address cannot be bound.
    public func run() async throws {
        do {
            try await server.serve()
        } catch let error as RuntimeError {
            throw ShardQLError(.io, "cannot serve on \(host): \(error.message)", cause: error)
        }
    }

    /// The port the server listens on, once it does (waiting for ``run()`` to bind).
    public var listeningPort: Int {
        get async throws {
            let address = try await server.listeningAddress
            if let ipv4 = address?.ipv4 { return ipv4.port }
            if let ipv6 = address?.ipv6 { return ipv6.port }
            throw ShardQLError(.io, "the worker server is not listening on an IP address")
        }
    }

    /// Stops taking new calls (health answers say `DRAINING` meanwhile); ``run()`` returns once
    /// the running ones have finished.
    public func beginGracefulShutdown() {
        state.beginDraining()
        server.beginGracefulShutdown()
    }

    /// Calls running now.
    public var requestsInFlight: Int { state.inFlight }
}
