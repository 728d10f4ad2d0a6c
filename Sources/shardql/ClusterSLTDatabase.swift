import Coordinator
import ShardQLBase
import SQLLogicTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh embedded cluster in a temporary directory, for one sqllogictest file.
struct ClusterSLTDatabase: SLTDatabase {
    private let cluster: Cluster
    private let directory: String

    init(shards: Int, distribution: Cluster.DefaultDistribution) async throws {
        let base = (getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")
        var template = Array((base + "/shardql-slt-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            let reason = String(cString: strerror(errno))
            throw ShardQLError(.io, "cannot create a temporary directory in '\(base)': \(reason)")
        }
        directory = String(cString: created)
        do {
            cluster = try await Cluster.open(directory: directory, defaultShardCount: shards, defaultDistribution: distribution)
        } catch {
            removeTree(directory)
            throw error
        }
    }

    mutating func execute(_ sql: String) async throws -> SLTResult {
        let result = try await cluster.execute(sql).last ?? StatementResult()
        return SLTResult(columnCount: result.columns.count, rows: result.rows)
    }

    /// Closes the cluster and deletes its files.
    func remove() async {
        await cluster.close()
        removeTree(directory)
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
