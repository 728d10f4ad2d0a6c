import SQLiteCore
import ShardQLBase
import Synchronization

/// The running statement behind a ``ShardRowStream``, on a connection checked out of the shard's
/// ``ReaderPool`` for as long as the statement runs.
///
/// Each ``next()`` steps up to one batch inside `SQLiteDatabase.withConnection`: on the
/// connection's own queue, but still in the consumer's task, so cancelling that task makes the
/// connection's progress handler (``SQLiteConfiguration/cancelsOnTaskCancellation``) interrupt
/// the step. The statement ends in one of three ways, and each returns the connection:
/// - it finishes or fails: the batch call resets it on the queue, and ``next()`` checks the
///   connection back in before returning;
/// - the consumer stops early (break, dropped iterator or stream, or a task cancelled between
///   batches): ``close()`` schedules a task that resets the statement on the queue, then checks
///   the connection in. It is a task because `close()` runs from deinit, which cannot wait;
/// - ``close()`` arrives while a batch is running (a copy of the iterator was dropped): the
///   running ``next()`` releases the connection when its batch returns.
final class ShardReadCursor: Sendable {
    private enum State {
        /// Between batches, holding the connection.
        case idle(ShardReader)
        /// A ``next()`` call holds the connection; `closing` if ``close()`` came meanwhile.
        case stepping(ShardReader, closing: Bool)
        /// The connection was released (or is being released).
        case finished
    }

    /// Rows per batch.
    let batchRows: Int
    /// Bytes of values per batch, roughly: wide rows end a batch before `batchRows`.
    static let batchBytes = 1 << 20

    private let state: Mutex<State>
    private let statement: StatementSlot
    private let pool: ReaderPool
    private let iterated = Atomic(false)
    /// The batch stepped when the read started, until ``next()`` hands it over.
    private let first: Mutex<Result<StatementSlot.Batch, ShardQLError>?>

    /// `reader` is nil when the statement already ended within `first` (its connection is back
    /// in the pool).
    init(
        reader: ShardReader?, statement: StatementSlot, pool: ReaderPool, batchRows: Int,
        first: Result<StatementSlot.Batch, ShardQLError>
    ) {
        self.state = Mutex(reader.map { .idle($0) } ?? .finished)
        self.statement = statement
        self.pool = pool
        self.batchRows = batchRows
        self.first = Mutex(first)
    }

    deinit {
        close()
    }

    /// Whether an iterator was made before; marks that one is now.
    func markIterated() -> Bool {
        iterated.exchange(true, ordering: .relaxed)
    }

    /// The next batch, or `nil` once the statement has finished (never an empty batch).
    func next() async throws -> [[SQLValue]]? {
        if let first = first.withLock({ $0.take() }) {
            let batch = try first.get()
            if !batch.rows.isEmpty { return batch.rows }
        }
        let reader = try state.withLock { state throws(ShardQLError) -> ShardReader? in
            switch state {
            case .idle(let reader):
                state = .stepping(reader, closing: false)
                return reader
            case .stepping:
                throw ShardQLError(.invalidArgument, "ShardRowStream: next() called while another call runs")
            case .finished:
                return nil
            }
        }
        guard let reader else { return nil }
        let outcome: Result<StatementSlot.Batch, ShardQLError>
        do {
            // The statement's own failure comes back as a value: it means the batch ran (and reset
            // the statement), unlike an error thrown by `withConnection` itself.
            outcome = try await reader.database.withConnection { [statement, batchRows] _ in
                Result { () throws(ShardQLError) in
                    try statement.nextBatch(maxRows: batchRows, maxBytes: Self.batchBytes)
                }
            }
        } catch {
            // The task was cancelled before the batch started: the statement is still open.
            state.withLock { $0 = .finished }
            Self.scheduleRelease(reader, statement, pool)
            throw error
        }
        let batch: StatementSlot.Batch
        switch outcome {
        case .success(let success):
            batch = success
        case .failure(let error):
            state.withLock { $0 = .finished }
            await pool.checkIn(reader)
            throw error
        }
        let release = state.withLock { state in
            guard !batch.isFinished, case .stepping(_, closing: false) = state else {
                state = .finished
                return true
            }
            state = .idle(reader)
            return false
        }
        if release {
            if batch.isFinished {
                await pool.checkIn(reader)
            } else {
                Self.scheduleRelease(reader, statement, pool)
            }
        }
        return batch.rows.isEmpty ? nil : batch.rows
    }

    /// Stops the statement and returns its connection, soon; does nothing once finished.
    func close() {
        let reader = state.withLock { state -> ShardReader? in
            switch state {
            case .idle(let reader):
                state = .finished
                return reader
            case .stepping(let reader, _):
                state = .stepping(reader, closing: true)
                return nil
            case .finished:
                return nil
            }
        }
        if let reader { Self.scheduleRelease(reader, statement, pool) }
    }

    /// Resets the statement on the connection's queue, then returns the connection to the pool.
    /// In a new task: it is not cancelled (so `withConnection` runs), and callers need not wait.
    private static func scheduleRelease(_ reader: ShardReader, _ statement: StatementSlot, _ pool: ReaderPool) {
        Task {
            try? await reader.database.withConnection { _ in statement.clear() }
            await pool.checkIn(reader)
        }
    }
}

/// Holds the prepared statement of one read between batches.
///
/// `@unchecked Sendable` because `SQLiteStatement` is not. Safe: `statement` is only read or
/// written inside `withConnection` closures of the one ``SQLiteDatabase`` owning the statement's
/// connection, which run one at a time on that database's serial queue (and the actor's
/// executor orders those accesses). It is set when the read starts and cleared (reset and
/// released) on the queue when it ends, so the statement is also finalized there.
package final class StatementSlot: @unchecked Sendable {
    package struct Batch: Sendable {
        package var rows: [[SQLValue]]
        /// The statement ran to its end (or failed) and has been cleared.
        package var isFinished: Bool
    }

    private var statement: SQLiteStatement?

    package init() {}

    /// On the database's queue: keeps `statement` for later batches.
    package func set(_ statement: SQLiteStatement) {
        self.statement = statement
    }

    /// On the database's queue: resets and drops the statement, which ends its read transaction.
    package func clear() {
        statement?.reset()
        statement = nil
    }

    /// On the database's queue: steps up to `maxRows` rows, or fewer once their values pass
    /// `maxBytes`; clears the statement when it finishes or fails.
    package func nextBatch(maxRows: Int, maxBytes: Int) throws(ShardQLError) -> Batch {
        guard let statement else { return Batch(rows: [], isFinished: true) }
        var rows: [[SQLValue]] = []
        var bytes = 0
        do {
            while rows.count < maxRows, bytes < maxBytes {
                guard try statement.step() else {
                    clear()
                    return Batch(rows: rows, isFinished: true)
                }
                let row = statement.row()
                for value in row { bytes += value.approximateSize }
                rows.append(row)
            }
        } catch {
            clear()
            // SQLiteStatement throws ShardQLError only.
            throw error as? ShardQLError ?? ShardQLError(.internalError, "\(error)")
        }
        return Batch(rows: rows, isFinished: false)
    }
}

extension SQLValue {
    /// Bytes the value takes in memory, roughly: enough to bound a batch.
    fileprivate var approximateSize: Int {
        switch self {
        case .null, .integer, .real: MemoryLayout<SQLValue>.stride
        case .text(let text): MemoryLayout<SQLValue>.stride + text.bytes.count
        case .blob(let bytes): MemoryLayout<SQLValue>.stride + bytes.count
        }
    }
}
