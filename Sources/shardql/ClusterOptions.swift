import ArgumentParser
import Coordinator

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

    /// The catalog named by `--catalog`, else by `SHARDQL_CATALOG`, else none (the default file).
    func catalogLocation() throws -> CatalogLocation? {
        let url = catalog ?? getenv("SHARDQL_CATALOG").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        return try url.map(CatalogLocation.init(url:))
    }

    /// Opens the cluster, or reports why not on stderr and fails the command.
    func open(shards: Int = 4, recovering: Bool = true) async throws -> Cluster {
        do {
            return try await Cluster.open(
                directory: data, catalog: try catalogLocation(), defaultShardCount: shards, recovering: recovering)
        } catch {
            printError("Error: \(error)")
            throw ExitCode.failure
        }
    }
}
