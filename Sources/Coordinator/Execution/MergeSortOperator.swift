import ShardQLBase

/// A streaming k-way merge of row-batch sequences that are each already sorted by the same keys:
/// the coordinator's half of a distributed `ORDER BY … LIMIT … OFFSET`.
///
/// It pulls lazily — at most one batch per input and one output batch are held at once — and picks
/// the next row with a binary heap. Rows that tie on every key come out in input order (input 0
/// first), so the result is exactly a stable sort of the inputs' concatenation and deterministic.
/// Once `limit` rows are out, it stops pulling and releases every input's iterator, which is how a
/// satisfied `LIMIT` stops shard work. An input's error is thrown from `next()`; the merge then ends.
///
/// ```swift
/// let merged = MergeSortOperator(inputs: shardStreams, keys: [SortKey(column: 0)], limit: 10)
/// for try await batch in merged { … }
/// ```
package struct MergeSortOperator<Input: AsyncSequence>: AsyncSequence where Input.Element == [[SQLValue]] {
    package typealias Element = [[SQLValue]]
    package typealias Failure = any Error

    package let inputs: [Input]
    package let keys: [SortKey]
    package let offset: Int
    package let limit: Int?
    package let batchSize: Int

    /// - Parameters:
    ///   - inputs: sequences of row batches, each sorted by `keys`; empty batches are fine.
    ///   - offset: rows to skip first (SQLite's `OFFSET`; the caller maps negative values to 0).
    ///   - limit: the most rows to return, nil for all (the caller maps SQLite's negative `LIMIT` to nil).
    ///   - batchSize: the most rows in one output batch.
    package init(inputs: [Input], keys: [SortKey], offset: Int = 0, limit: Int? = nil, batchSize: Int = 1024) {
        precondition(offset >= 0 && (limit ?? 0) >= 0, "offset and limit must not be negative")
        precondition(batchSize > 0, "batchSize must be positive")
        self.inputs = inputs
        self.keys = keys
        self.offset = offset
        self.limit = limit
        self.batchSize = batchSize
    }

    package func makeAsyncIterator() -> Iterator {
        Iterator(inputs: inputs, keys: keys, offset: offset, limit: limit, batchSize: batchSize)
    }

    /// Iterates the merge; like any async iterator, use it from one task at a time.
    package struct Iterator: AsyncIteratorProtocol {
        /// An input's iterator (nil once it ended or the merge finished) and its current batch.
        private struct Cursor {
            var iterator: Input.AsyncIterator?
            var batch: [[SQLValue]] = []
            var position = 0
        }

        private let keys: [SortKey]
        private let batchSize: Int
        private var cursors: [Cursor]
        /// Inputs with a current row, as a min-heap by (row under `keys`, input index).
        private var heap: [Int] = []
        /// Inputs whose batch ran out (or never started): refilled only when another row is needed, so
        /// a satisfied limit never pulls a batch it does not use.
        private var pending: [Int]
        private var rowsToSkip: Int
        /// Rows still to return; nil for no limit.
        private var rowsToReturn: Int?
        private var finished = false

        fileprivate init(inputs: [Input], keys: [SortKey], offset: Int, limit: Int?, batchSize: Int) {
            self.keys = keys
            self.batchSize = batchSize
            cursors = inputs.map { Cursor(iterator: $0.makeAsyncIterator()) }
            pending = Array(cursors.indices.reversed())  // popLast starts with input 0
            heap.reserveCapacity(cursors.count)
            rowsToSkip = offset
            rowsToReturn = limit
        }

        package mutating func next() async throws -> [[SQLValue]]? {
            try await next(isolation: nil)
        }

        package mutating func next(isolation actor: isolated (any Actor)?) async throws -> [[SQLValue]]? {
            guard !finished else { return nil }
            var output: [[SQLValue]] = []
            while output.count < batchSize, rowsToReturn != 0 {
                do {
                    try await refillPending(isolation: actor)
                } catch {
                    finish()
                    throw error
                }
                guard let row = popRow() else { break }
                if rowsToSkip > 0 {
                    rowsToSkip -= 1
                    continue
                }
                if output.isEmpty { output.reserveCapacity(Swift.min(batchSize, rowsToReturn ?? batchSize)) }
                output.append(row)
                if let remaining = rowsToReturn { rowsToReturn = remaining - 1 }
            }
            if rowsToReturn == 0 || (heap.isEmpty && pending.isEmpty) { finish() }
            return output.isEmpty ? nil : output
        }

        /// Ends the merge and releases every input's iterator and buffered batch.
        private mutating func finish() {
            finished = true
            cursors = []
            heap = []
            pending = []
        }

        /// Pulls the next non-empty batch of every pending input and puts those inputs in the heap.
        private mutating func refillPending(isolation actor: isolated (any Actor)?) async throws {
            while let input = pending.last {
                guard var iterator = cursors[input].iterator.take() else {
                    pending.removeLast()
                    continue
                }
                let batch = try await iterator.next(isolation: actor)
                guard let batch else {
                    pending.removeLast()  // the input ended; its iterator goes now
                    continue
                }
                cursors[input].iterator = iterator
                guard !batch.isEmpty else { continue }
                cursors[input].batch = batch
                cursors[input].position = 0
                pending.removeLast()
                push(input)
            }
        }

        /// Takes the smallest current row; its input goes back into the heap, or to `pending` when its
        /// batch is used up.
        private mutating func popRow() -> [SQLValue]? {
            guard let input = heap.first else { return nil }
            let row = cursors[input].batch[cursors[input].position]
            cursors[input].position += 1
            if cursors[input].position == cursors[input].batch.count {
                cursors[input].batch = []
                pending.append(input)
                let last = heap.removeLast()
                if !heap.isEmpty {
                    heap[0] = last
                    siftDown(from: 0)
                }
            } else {
                siftDown(from: 0)  // the input's row only grew
            }
            return row
        }

        private func precedes(_ lhs: Int, _ rhs: Int) -> Bool {
            // Through the buffer, not `let left = cursors[lhs]`: copying a cursor retains its
            // iterator and batch, twice per comparison.
            let order = cursors.withUnsafeBufferPointer { cursors in
                SortKey.compare(
                    cursors[lhs].batch[cursors[lhs].position], cursors[rhs].batch[cursors[rhs].position], by: keys)
            }
            return order != 0 ? order < 0 : lhs < rhs
        }

        private mutating func push(_ input: Int) {
            heap.append(input)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard precedes(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }

        private mutating func siftDown(from start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { return }
                var smallest = parent
                if precedes(heap[left], heap[smallest]) { smallest = left }
                if left + 1 < heap.count, precedes(heap[left + 1], heap[smallest]) { smallest = left + 1 }
                if smallest == parent { return }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }
}

extension MergeSortOperator: Sendable where Input: Sendable {}
