import ArgumentParser
import Coordinator

/// `shardql recover [--data DIR] [--catalog URL]`: finishes every distributed transaction a crashed coordinator
/// left in doubt, and deletes prepared records no transaction log entry knows.
struct Recover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Finish or roll back transactions left in doubt by a crash.",
        discussion: """
            Opening a cluster already recovers what a dead coordinator left; this command also \
            looks into every shard file for prepared changes the decision log does not know, and \
            reports what it did. Transactions of a coordinator that is still running are left alone.
            """
    )

    @OptionGroup var location: ClusterOptions

    func run() async throws {
        let cluster = try await location.open(recovering: false)
        do {
            let report = try await cluster.recover(scanningShards: true)
            let undone = try await cluster.rollBackInterruptedCopies()
            if undone > 0 { print("rolled back \(undone) interrupted shard cop\(undone == 1 ? "y" : "ies")") }
            print("committed: \(report.committed.count), rolled back: \(report.aborted.count), left to a running coordinator: \(report.skipped.count)")
            for id in report.committed { print("  committed \(id)") }
            for id in report.aborted { print("  rolled back \(id)") }
            for id in report.skipped { print("  left alone \(id)") }
        } catch {
            printError("Error: \(error)")
            await cluster.close()
            throw ExitCode.failure
        }
        await cluster.close()
    }
}
