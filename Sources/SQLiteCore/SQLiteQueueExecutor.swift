#if os(Linux)
// Dispatch on Linux lacks some Sendable annotations that Darwin's has.
@preconcurrency import Dispatch
#else
import Dispatch
#endif

/// A serial executor that runs jobs on a dedicated `DispatchQueue`.
///
/// An actor using it runs its methods on the queue's thread instead of the cooperative pool, so
/// blocking SQLite calls (disk reads, busy waits) cannot starve other tasks. Modelled on GRDB's
/// `DispatchQueueActor`.
package final class SQLiteQueueExecutor: SerialExecutor {
    package let queue: DispatchQueue

    /// - Precondition: `queue` is serial.
    package init(queue: DispatchQueue) {
        self.queue = queue
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async {
            job.runSynchronously(on: executor)
        }
    }

    package func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    package func checkIsolated() {
        dispatchPrecondition(condition: .onQueue(queue))
    }
}

#if os(Linux) || os(Android) || os(Windows)
// Sendable: both stored properties are immutable and DispatchQueue is thread-safe; only Linux's
// Dispatch overlay fails to declare it.
extension SQLiteQueueExecutor: @unchecked Sendable {}
#endif
