import Foundation

/// Serializes `Process.run()` across the test process: Foundation's spawn on Linux crashed in
/// `memcpy` when several threads started children at once (the suites start shardql processes
/// from many threads in parallel).
private let spawning = NSLock()

extension Process {
    /// `run()`, one spawn at a time in this process.
    package func runSerialized() throws {
        spawning.lock()
        defer { spawning.unlock() }
        try run()
    }
}
