import Catalog
import Coordinator
import PostgresCatalog
import ShardQLBase
import SQLLogicTest
import SQLiteCore
import WorkerClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh cluster for one sqllogictest file: its catalog in a temporary directory, its shard
/// files there too (embedded) or on worker nodes.
struct ClusterSLTDatabase: SLTDatabase {
    /// Worker processes to register as the cluster's nodes, and how to call them.
    struct Nodes: Sendable {
        var addresses: [String]
        var options: RemoteWorker.Options
    }

    private let cluster: Cluster
    private let directory: String
    /// Whether anything outlives the cluster's directory (shard files on workers, a catalog
    /// elsewhere): then ``remove()`` drops what the file created.
    private let sharesState: Bool

    /// A cluster in a new temporary directory; with `catalog`, that catalog (it must be empty:
    /// each file leaves it as it found it).
    init(
        shards: Int, distribution: Cluster.DefaultDistribution, nodes: Nodes, catalog: CatalogLocation?
    ) async throws {
        let base = (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
        var template = Array((base + "/shardql-slt-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            let reason = String(cString: strerror(errno))
            throw ShardQLError(.io, "cannot create a temporary directory in '\(base)': \(reason)")
        }
        directory = String(cString: created)
        sharesState = !nodes.addresses.isEmpty || catalog != nil
        do {
            let options = nodes.options
            cluster = try await Cluster.open(
                directory: directory, catalog: try await catalog?.open(), defaultShardCount: shards,
                defaultDistribution: distribution,
                connectingWith: { address in try RemoteWorker(address: address, options: options) })
        } catch {
            removeTree(directory)
            throw error
        }
        do {
            if let leftover = try cluster.schema().first, let catalog {
                throw ShardQLError(
                    .invalidArgument,
                    "the catalog \(catalog) is not empty (it has \(leftover.kind.rawValue) \(leftover.name)): "
                        + "slt runs each file on an empty catalog and drops what the file created")
            }
            // A shared catalog keeps the nodes from one file to the next.
            let registered = Set(cluster.nodeFigures().map(\.address))
            for address in nodes.addresses where !registered.contains(address) {
                try await cluster.addNode(address: address)
            }
        } catch {
            await cluster.close()
            removeTree(directory)
            throw error
        }
    }

    mutating func execute(_ sql: String) async throws -> SLTResult {
        let result = try await cluster.execute(sql).last ?? StatementResult()
        return SLTResult(columnCount: result.columns.count, rows: result.rows)
    }

    /// Drops the views and tables the file left, when they outlive the run — shard files on
    /// worker nodes (every new embedded catalog numbers its shard files from the start: the next
    /// file's tables would replace them silently), or a shared catalog the next file starts
    /// from — then closes the cluster and deletes its directory.
    func remove() async throws {
        defer { removeTree(directory) }
        do {
            if sharesState {
                // A file may end inside a transaction.
                _ = try? await cluster.execute("ROLLBACK")
                for entry in try cluster.schema() where entry.kind == .view {
                    _ = try await cluster.execute("DROP VIEW \(sqliteQuotedIdentifier(entry.name))")
                }
                for entry in try cluster.schema() where entry.kind == .table {
                    _ = try await cluster.execute("DROP TABLE \(sqliteQuotedIdentifier(entry.name))")
                }
            }
        } catch {
            await cluster.close()
            throw error
        }
        await cluster.close()
    }
}

/// Deletes a directory tree (the cluster's catalog and shard files).
func removeTree(_ path: String) {
    guard let directory = opendir(path) else {
        unlink(path)
        return
    }
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        guard name != ".", name != ".." else { continue }
        let child = path + "/" + name
        if entry.pointee.d_type == UInt8(DT_DIR) {
            removeTree(child)
        } else {
            unlink(child)
        }
    }
    closedir(directory)
    rmdir(path)
}
