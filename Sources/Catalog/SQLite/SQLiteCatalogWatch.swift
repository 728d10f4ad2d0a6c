import SQLiteCore
import ShardQLBase
import Synchronization

/// How the embedded store answers ``CatalogStore/mayHaveChanged(since:)`` without a trip to its
/// database queue: a connection of its own that only ever asks `PRAGMA data_version`, which
/// changes whenever another connection — the store's own writer, or another process — commits
/// to the file. A version read in a round trip that began at data version `d` is the catalog's
/// version for as long as the data version stays `d`.
final class SQLiteCatalogWatch: Sendable {
    private struct State {
        var connection: SQLiteConnection?
        /// `PRAGMA data_version`, prepared once: asked before every statement a coordinator runs.
        var statement: SQLiteStatement?
        /// The data version a confirmed round trip began at, and the catalog version it read.
        var confirmed: (dataVersion: Int64, version: Int64)?
    }

    private let state: Mutex<State>

    init(path: String) throws {
        var configuration = SQLiteConfiguration()
        // Never wait for a lock here: a busy file counts as "may have changed".
        configuration.busyTimeout = .zero
        configuration.walMode = false
        let connection = try SQLiteConnection(path: path, configuration: configuration)
        state = Mutex(State(connection: connection, statement: try connection.prepare("PRAGMA data_version")))
    }

    /// The file's data version now; nil when it cannot be read (then nothing is confirmed).
    func dataVersion() -> Int64? {
        state.withLock { Self.read($0.statement) }
    }

    /// Records that a round trip begun at `dataVersion` read catalog `version`.
    func confirm(_ version: Int64, readSince dataVersion: Int64?) {
        guard let dataVersion else { return }
        // Any such pair is true ("while the data version is d, the catalog is at v"); a late,
        // older one only costs a false positive.
        state.withLock { $0.confirmed = (dataVersion, version) }
    }

    func mayHaveChanged(since version: Int64) -> Bool {
        state.withLock { state in
            guard let confirmed = state.confirmed, let now = Self.read(state.statement),
                now == confirmed.dataVersion
            else { return true }
            return confirmed.version > version
        }
    }

    func close() {
        state.withLock { state in
            state.statement = nil
            state.connection?.close()
            state.connection = nil
            state.confirmed = nil
        }
    }

    private static func read(_ statement: SQLiteStatement?) -> Int64? {
        guard let statement else { return nil }
        defer { statement.reset() }
        guard (try? statement.step()) == true, case .integer(let value) = statement.column(0) else { return nil }
        return value
    }
}
