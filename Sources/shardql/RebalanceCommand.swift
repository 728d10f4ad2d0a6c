import ArgumentParser
import Coordinator
import Foundation
import ShardQLBase

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `shardql rebalance [--dry-run]`: moves shard files onto new or lightly loaded worker nodes,
/// online (issue #12).
struct RebalanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebalance",
        abstract: "Spread shard files evenly over the active worker nodes, online.",
        discussion: """
            Moves shard files of distributed tables from the fullest nodes to the emptiest until \
            they differ by at most one, moves files off draining nodes, and gives every active \
            node its copy of each reference table. Each file is copied with SQLite's backup API \
            while it takes reads and writes, caught up with the writes made meanwhile, and switched \
            in one catalog transaction; writes to that file pause only for the switch. A move \
            interrupted by a crash is rolled back by the next rebalance, shard repair or recover.
            """)

    @Flag(help: "Print the plan without moving anything.")
    var dryRun = false

    @OptionGroup var location: ClusterOptions

    func run() async throws {
        try await NodeCommand.withCluster(location) { cluster in
            try await Self.rebalance(cluster, dryRun: dryRun)
        }
    }

    static func rebalance(_ cluster: Cluster, dryRun: Bool) async throws {
        try await runCopies(try await cluster.rebalancePlan(), on: cluster, dryRun: dryRun, nothing: "the shard files are balanced")
    }

    /// Prints each copy of `plan`, then (unless `dryRun`) makes them with progress: a line that
    /// updates in place on a terminal, one line per phase otherwise.
    static func runCopies(_ plan: [ShardGroupCopy], on cluster: Cluster, dryRun: Bool, nothing: String) async throws {
        guard !plan.isEmpty else {
            print(nothing)
            return
        }
        for item in plan { print(item) }
        guard !dryRun else { return }
        let clock = ContinuousClock()
        let start = clock.now
        let onTerminal = isatty(STDERR_FILENO) == 1
        let done = try await cluster.run(plan) { progress in
            let line: String
            switch progress.phase {
            case .copying(let bytes, let total):
                // Every few chunks on a terminal; start and end otherwise.
                guard onTerminal || bytes == total else { return }
                line = "\(progress.file): copied \(byteCountText(bytes)) of \(byteCountText(total))"
            case .catchingUp(let position, let of):
                line = "\(progress.file): caught up to change \(position) of \(of)"
            case .switching:
                line = "\(progress.file): switching to \(progress.target)"
            case .done:
                line = "\(progress.file): done"
            }
            if onTerminal {
                let end = progress.phase == .done ? "\n" : ""
                writeFully(Array(("\r\u{1B}[K" + line + end).utf8), to: STDERR_FILENO)
            } else {
                printError(line)
            }
        }
        let elapsed = (clock.now - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        print("\(done.count) of \(plan.count) copies made in \(String(format: "%.1f", seconds)) s")
    }
}

/// `shardql shard repair`: makes the copies that missed writes current again (issue #12).
struct ShardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard",
        abstract: "Maintain shard files.",
        subcommands: [Repair.self])

    struct Repair: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-copy inactive shard copies from a healthy one, online, and mark them active.",
            discussion: """
                A copy that missed a write (its node was down) is inactive: nothing reads it. \
                Repair copies the file from an active copy while it takes writes, catches up the \
                writes made meanwhile, and marks it active.
                """)

        @Flag(help: "Print the plan without copying anything.")
        var dryRun = false

        @OptionGroup var location: ClusterOptions

        func run() async throws {
            try await NodeCommand.withCluster(location) { cluster in
                try await RebalanceCommand.runCopies(
                    try await cluster.repairPlan(), on: cluster, dryRun: dryRun, nothing: "no copy needs repair")
            }
        }
    }
}

/// `12.3 MB`-style sizes.
private func byteCountText(_ bytes: Int64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1000, unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
}
