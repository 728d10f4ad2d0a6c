import CSQLite
import Synchronization

/// Interrupts the statements of one ``SQLiteConnection`` from any thread.
///
/// `sqlite3_interrupt` is the one SQLite call made for another thread, but it is undefined
/// behaviour on a connection that is closed or closes while the call runs. The handle therefore
/// keeps a validity flag behind a mutex, and ``SQLiteConnection/close()`` clears it under the
/// same mutex before calling `sqlite3_close_v2`: an interrupt either completes before the close
/// starts or sees the flag cleared and does nothing. After the connection closes, ``interrupt()``
/// is a no-op, so a handle may outlive its connection.
///
/// ```swift
/// let handle = connection.interruptHandle
/// Task.detached { try await Task.sleep(for: .seconds(1)); handle.interrupt() }
/// try connection.execute(longRunningSQL)  // throws ShardQLError with code .cancelled
/// ```
public final class SQLiteInterruptHandle: Sendable {
    // `nonisolated(unsafe)` because OpaquePointer is not Sendable. Safe: the pointer is immutable,
    // and it is only passed to sqlite3_interrupt (documented as callable from any thread) while
    // `isValid` is locked and true, which rules out a concurrent or completed close.
    private nonisolated(unsafe) let db: OpaquePointer
    private let isValid = Mutex(true)

    package init(_ db: OpaquePointer) {
        self.db = db
    }

    /// Makes the running statement (and any started before it finishes) fail with
    /// ``ShardQLError/Code/cancelled``. Does nothing when no statement runs.
    public func interrupt() {
        isValid.withLock { isValid in
            if isValid { sqlite3_interrupt(db) }
        }
    }

    /// Called by the connection before it closes; waits for a running ``interrupt()`` to return.
    package func invalidate() {
        isValid.withLock { $0 = false }
    }
}
