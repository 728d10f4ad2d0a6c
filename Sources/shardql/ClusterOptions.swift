import ArgumentParser
import Catalog
import Coordinator
import Foundation
import PostgresCatalog
import ShardQLBase
import WorkerClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the cluster is, for every command that opens one (DESIGN §8): `--data DIR` and
/// `--catalog URL` (or `SHARDQL_CATALOG`).
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "The local cluster directory: the embedded catalog and in-process shards.")
    var data: String = "./shardql-data"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where the catalog is: the path (or sqlite: URL) of a catalog file, or postgres://user:pass@host:port/db (default: DIR/catalog.sqlite; also SHARDQL_CATALOG).",
            valueName: "URL"))
    var catalog: String?

    @OptionGroup var workers: WorkerConnectionOptions

    /// The catalog named by `--catalog`, else by `SHARDQL_CATALOG`, else none (the default file).
    func catalogLocation() throws -> CatalogLocation? {
        let url = catalog ?? getenv("SHARDQL_CATALOG").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        return try url.map(CatalogLocation.init(url:))
    }

    /// Opens the cluster, or reports why not on stderr and fails the command. Shard files on
    /// registered worker nodes are reached over gRPC (``RemoteWorker``), with the cluster token.
    func open(shards: Int = 4, replicas: Int = 1, recovering: Bool = true) async throws -> Cluster {
        do {
            let options = try workers.remoteWorkerOptions()
            return try await Cluster.open(
                directory: data, catalog: try await catalogLocation()?.open(), defaultShardCount: shards,
                defaultReplicas: replicas, recovering: recovering,
                connectingWith: { address in try RemoteWorker(address: address, options: options) })
        } catch {
            printError("Error: \(error)")
            throw ExitCode.failure
        }
    }
}

/// How a coordinator command reaches worker nodes (DESIGN §5): `--token-file` and `--tls-ca`.
struct WorkerConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("token-file"),
        help: "A file holding the cluster token to send to worker nodes (also SHARDQL_TOKEN_FILE).")
    var tokenFile: String?

    @Option(
        name: .customLong("tls-ca"),
        help: "A PEM file of the authorities that signed the workers' TLS certificates: talk TLS to them (also SHARDQL_TLS_CA).")
    var tlsCA: String?

    /// The calls' options: the token in `--token-file` (else in the file `SHARDQL_TOKEN_FILE`
    /// names, else none), TLS trusting `--tls-ca` (else `SHARDQL_TLS_CA`, else plaintext).
    func remoteWorkerOptions() throws(ShardQLError) -> RemoteWorker.Options {
        func environment(_ name: String) -> String? {
            getenv(name).map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        let file = tokenFile ?? environment("SHARDQL_TOKEN_FILE")
        return RemoteWorker.Options(
            token: try file.map(readClusterToken(file:)), tlsCAFile: tlsCA ?? environment("SHARDQL_TLS_CA"))
    }
}

/// The cluster token in `file` (surrounding whitespace dropped); an unreadable or empty file is an error.
func readClusterToken(file: String) throws(ShardQLError) -> String {
    guard let text = readFile(file) else { throw ShardQLError(.io, "cannot read the token file '\(file)'") }
    let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !token.isEmpty else { throw ShardQLError(.invalidArgument, "the token file '\(file)' is empty") }
    return token
}
