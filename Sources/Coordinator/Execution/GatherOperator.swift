import ShardQLBase
import Worker

/// The coordinator's scatter-gather over shard streams: every active shard produces its next
/// batch at the same time (at most `parallelism` at once), and the batches come out in shard
/// order. Memory holds one batch per active shard; a consumer that stops early (a satisfied
/// `LIMIT`, an error) drops the iterators, which stops the shards' statements.
struct GatherOperator: AsyncSequence, Sendable {
    typealias Element = [[SQLValue]]
    typealias Failure = any Error

    let streams: [MeteredStream]
    let parallelism: Int

    func makeAsyncIterator() -> Iterator {
        Iterator(active: streams.map { $0.makeAsyncIterator() }, parallelism: Swift.max(1, parallelism))
    }

    struct Iterator: AsyncIteratorProtocol {
        /// Shards still producing, in shard order.
        private var active: [MeteredStream.Iterator]
        private let parallelism: Int
        private var ready: [[[SQLValue]]] = []

        init(active: [MeteredStream.Iterator], parallelism: Int) {
            self.active = active
            self.parallelism = parallelism
        }

        mutating func next() async throws -> [[SQLValue]]? {
            while ready.isEmpty {
                guard !active.isEmpty else { return nil }
                try await pullRound()
            }
            return ready.removeFirst()
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws -> [[SQLValue]]? {
            try await next()
        }

        /// One batch from each of the first `parallelism` active shards, concurrently.
        private mutating func pullRound() async throws {
            if active.count == 1 || parallelism == 1 {
                // One shard at a time needs no child task.
                if let batch = try await active[0].next() {
                    if !batch.isEmpty { ready.append(batch) }
                } else {
                    active.removeFirst()
                }
                return
            }
            let round = Array(active.prefix(parallelism))
            let results = try await withThrowingTaskGroup(
                of: (Int, MeteredStream.Iterator, [[SQLValue]]?).self
            ) { group in
                for (position, iterator) in round.enumerated() {
                    group.addTask {
                        var iterator = iterator
                        let batch = try await iterator.next()
                        return (position, iterator, batch)
                    }
                }
                var results = [(MeteredStream.Iterator, [[SQLValue]]?)?](repeating: nil, count: round.count)
                for try await (position, iterator, batch) in group { results[position] = (iterator, batch) }
                return results.map { $0! }
            }
            var stillActive: [MeteredStream.Iterator] = []
            for (iterator, batch) in results {
                guard let batch else { continue }
                if !batch.isEmpty { ready.append(batch) }
                stillActive.append(iterator)
            }
            active = stillActive + active.dropFirst(round.count)
        }
    }
}
