import Synchronization

/// A bounded queue between tasks: producers wait while `capacity` elements are waiting, one
/// consumer takes them in order. Both ends of the wire use it to pass row batches with
/// backpressure — a worker's fragments into its one response stream, an RPC's messages into a
/// `ShardRowStream` — so a slow consumer holds the producers back instead of memory filling up.
///
/// ```swift
/// let handoff = AsyncHandoff<Int>(capacity: 1)
/// Task { for i in 0..<3 { try await handoff.send(i) }; handoff.finish() }
/// while let i = try await handoff.receive() { print(i) }
/// ```
///
/// Cancelling a waiting task makes its call throw `CancellationError`; ``cancel()`` (the consumer
/// is gone) makes every pending and later ``send(_:)`` throw it too.
package final class AsyncHandoff<Element: Sendable>: Sendable {
    private struct State {
        var buffer: [Element] = []
        var head = 0
        /// Why no more elements come after the buffer: `nil` while producers may still send.
        var end: Result<Void, any Error>?
        /// The consumer cancelled: sends throw.
        var isCancelled = false
        var consumer: (id: UInt64, continuation: CheckedContinuation<Element?, any Error>)?
        var producers: [(id: UInt64, element: Element, continuation: CheckedContinuation<Void, any Error>)] = []
        /// Waiters whose task was cancelled before they registered their continuation.
        var cancelledIDs: Set<UInt64> = []
        var nextID: UInt64 = 0

        var count: Int { buffer.count - head }

        mutating func popFirst() -> Element? {
            guard head < buffer.count else { return nil }
            let element = buffer[head]
            head += 1
            if head > 64, head * 2 > buffer.count {
                buffer.removeFirst(head)
                head = 0
            }
            return element
        }

        mutating func makeID() -> UInt64 {
            nextID += 1
            return nextID
        }
    }

    private let capacity: Int
    private let state = Mutex(State())

    /// At most `capacity` (≥ 1) elements wait for the consumer.
    package init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds `element`, waiting while the queue is full.
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled, the consumer cancelled,
    ///   or the queue was finished.
    package func send(_ element: Element) async throws {
        let id = state.withLock { $0.makeID() }
        defer { state.withLock { _ = $0.cancelledIDs.remove(id) } }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let consumer = state.withLock { state -> Result<CheckedContinuation<Element?, any Error>?, any Error>? in
                    if state.isCancelled || state.end != nil || state.cancelledIDs.contains(id) {
                        return .failure(CancellationError())
                    }
                    if let consumer = state.consumer {
                        state.consumer = nil
                        return .success(consumer.continuation)
                    }
                    if state.count < capacity {
                        state.buffer.append(element)
                        return .success(nil)
                    }
                    // Full: the element waits with its producer until the consumer makes room.
                    state.producers.append((id, element, continuation))
                    return nil
                }
                switch consumer {
                case nil:
                    break
                case .failure(let error):
                    continuation.resume(throwing: error)
                case .success(let consumer):
                    consumer?.resume(returning: element)
                    continuation.resume()
                }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                state.cancelledIDs.insert(id)
                guard let index = state.producers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.producers.remove(at: index).continuation
            }
            waiting?.resume(throwing: CancellationError())
        }
    }

    /// No more elements: after the buffered ones, ``receive()`` returns `nil` (or throws `error`).
    /// Later calls do nothing.
    package func finish(throwing error: (any Error)? = nil) {
        let consumer = state.withLock { state -> CheckedContinuation<Element?, any Error>? in
            guard state.end == nil else { return nil }
            state.end = error.map { .failure($0) } ?? .success(())
            guard state.count == 0, let consumer = state.consumer else { return nil }
            state.consumer = nil
            return consumer.continuation
        }
        if let error {
            consumer?.resume(throwing: error)
        } else {
            consumer?.resume(returning: nil)
        }
    }

    /// The consumer is gone: drops the buffered elements and fails every waiting and later send.
    package func cancel() {
        let producers = state.withLock { state in
            state.isCancelled = true
            state.buffer = []
            state.head = 0
            defer { state.producers = [] }
            return state.producers
        }
        for producer in producers { producer.continuation.resume(throwing: CancellationError()) }
    }

    /// The next element, waiting for one; `nil` once finished. One consumer at a time.
    ///
    /// - Throws: the error ``finish(throwing:)`` was given (after the buffered elements), or
    ///   `CancellationError` when the calling task is cancelled.
    package func receive() async throws -> Element? {
        let id = state.withLock { $0.makeID() }
        defer { state.withLock { _ = $0.cancelledIDs.remove(id) } }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element?, any Error>) in
                let action = state.withLock {
                    state -> (Result<Element?, any Error>, producer: CheckedContinuation<Void, any Error>?)? in
                    if state.cancelledIDs.contains(id) {
                        return (.failure(CancellationError()), nil)
                    }
                    if let element = state.popFirst() {
                        // Room for the first waiting producer's element.
                        guard !state.producers.isEmpty else { return (.success(element), nil) }
                        let producer = state.producers.removeFirst()
                        state.buffer.append(producer.element)
                        return (.success(element), producer.continuation)
                    }
                    if !state.producers.isEmpty {
                        // Only with a capacity the buffer never reached: take the element directly.
                        let producer = state.producers.removeFirst()
                        return (.success(producer.element), producer.continuation)
                    }
                    if let end = state.end {
                        return (end.map { nil }, nil)
                    }
                    state.consumer = (id, continuation)
                    return nil
                }
                if let (result, producer) = action {
                    continuation.resume(with: result)
                    producer?.resume()
                }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<Element?, any Error>? in
                state.cancelledIDs.insert(id)
                guard let consumer = state.consumer, consumer.id == id else { return nil }
                state.consumer = nil
                return consumer.continuation
            }
            waiting?.resume(throwing: CancellationError())
        }
    }
}
