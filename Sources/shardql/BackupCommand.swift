import ArgumentParser
import Coordinator
import ShardQLBase

/// `shardql backup DIR`: a consistent backup of the whole cluster (issue #12).
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take a consistent backup of the whole cluster into a new directory.",
        discussion: """
            The backup holds the catalog and every shard file as of one point: the moment no \
            transaction could commit (a few milliseconds; writes go on throughout). A \
            transaction committed by then is in the backup whole, any other is not. The files \
            are copied with SQLite's backup API from one copy of each shard.
            """)

    @Argument(help: ArgumentHelp("The directory to create.", valueName: "DIR"))
    var directory: String

    @OptionGroup var location: ClusterOptions

    func run() async throws {
        try await NodeCommand.withCluster(location) { cluster in
            let summary = try await cluster.backup(to: directory) { printError($0) }
            print(
                "backed up \(summary.tables) tables in \(summary.files) shard files (\(summary.bytes) bytes) to \(summary.directory) "
                    + "as of \(WallClock.utcText(milliseconds: summary.point))")
        }
    }
}

/// `shardql restore DIR`: rebuilds a cluster from a backup (issue #12).
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Rebuild the tables of a backup in a cluster that has none.",
        discussion: """
            Register the worker nodes first ('shardql node add'), or none to restore into the \
            in-process worker: the shard files are placed over the active nodes as new tables' \
            would be, with as many copies as in the backup. The catalog changes in one \
            transaction at the end: a failed restore leaves the cluster as it was.
            """)

    @Argument(help: ArgumentHelp("A directory made by 'shardql backup'.", valueName: "DIR"))
    var directory: String

    @Option(help: "Copies of each shard of a distributed table (default: as in the backup).")
    var replicas: Int?

    @OptionGroup var location: ClusterOptions

    func run() async throws {
        try await NodeCommand.withCluster(location) { cluster in
            let summary = try await cluster.restore(from: directory, replicas: replicas) { printError($0) }
            print("restored \(summary.tables) tables in \(summary.files) shard files (\(summary.bytes) bytes)")
        }
    }
}
