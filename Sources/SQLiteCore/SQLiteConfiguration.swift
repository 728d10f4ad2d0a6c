/// How ``SQLiteConnection`` opens and sets up a database.
///
/// The defaults suit a shard: a file database in WAL mode with `synchronous=NORMAL` (durable
/// across application crashes, and a commit costs no fsync), waiting up to five seconds for locks.
///
/// ```swift
/// var configuration = SQLiteConfiguration()
/// configuration.readOnly = true
/// let connection = try SQLiteConnection(path: "/data/shard-7.sqlite", configuration: configuration)
/// ```
public struct SQLiteConfiguration: Sendable, Hashable {
    /// Opens the database read-only: every write fails with `SQLITE_READONLY`. When `false`, the
    /// file is created if it does not exist.
    public var readOnly: Bool

    /// Switches a file database to WAL journal mode (and `synchronous=NORMAL`) on open.
    ///
    /// Ignored for in-memory and read-only databases, which cannot change their journal mode.
    public var walMode: Bool

    /// How long a statement waits for another connection's lock before failing with
    /// `SQLITE_BUSY`. `.zero` fails at once.
    public var busyTimeout: Duration

    /// How many prepared statements ``SQLiteConnection/cachedStatement(_:)`` keeps; `0` disables
    /// the cache.
    public var statementCacheCapacity: Int

    /// Makes a running statement fail with ``ShardQLError/Code/cancelled`` soon after the Swift
    /// task that runs it is cancelled.
    ///
    /// SQLite polls a progress handler every few thousand virtual-machine instructions; the handler
    /// reads `Task.isCancelled`, which is a few nanoseconds and always `false` outside a task.
    public var cancelsOnTaskCancellation: Bool

    /// Bytes of the file SQLite reads through a memory map instead of `read()` calls (`PRAGMA
    /// mmap_size`); 0, the default, maps nothing. Scans of a warm file then cost no system calls.
    public var mmapSize: Int

    /// Creates a configuration; every parameter has the shard default.
    public init(
        readOnly: Bool = false,
        walMode: Bool = true,
        busyTimeout: Duration = .seconds(5),
        statementCacheCapacity: Int = 64,
        cancelsOnTaskCancellation: Bool = true,
        mmapSize: Int = 0
    ) {
        self.readOnly = readOnly
        self.walMode = walMode
        self.busyTimeout = busyTimeout
        self.statementCacheCapacity = statementCacheCapacity
        self.cancelsOnTaskCancellation = cancelsOnTaskCancellation
        self.mmapSize = mmapSize
    }
}
