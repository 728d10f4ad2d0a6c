import Foundation

/// Serializes `Process.run()` across the process: Foundation's spawn on Linux crashed in
/// `memcpy` when several threads started children at once (seen in the test suites, which start
/// processes from many threads; the import tool starts `gzip` children too). Every spawn in
/// ShardQL and its tests goes through ``Foundation/Process/runSerialized()``.
private let spawning = NSLock()

extension Process {
    /// `run()`, one spawn at a time in this process.
    package func runSerialized() throws {
        spawning.lock()
        defer { spawning.unlock() }
        try run()
    }
}
