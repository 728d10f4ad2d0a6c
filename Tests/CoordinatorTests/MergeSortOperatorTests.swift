import Partitioning
import ShardQLBase
import Synchronization
import TestSupport
import Testing

@testable import Coordinator

@Suite("MergeSortOperator")
struct MergeSortOperatorTests {
    /// Random sorted inputs in random batches (empty ones included) against a stable sort of their
    /// concatenation; the last column is a unique id, so any instability or misordering shows.
    @Test func randomInputsMatchStableSortOfConcatenation() async throws {
        var random = SplitMix64(seed: 0x4D45_5247)
        let domain: [SQLValue] = [
            .null, .integer(0), .integer(1), .integer(3), .real(0.5), .real(1.0), .real(-0.0), .text("a"), .text("A"),
            .text("a "), .text("b"), .text("B  "), .blob([]), .blob([0x61]),
        ]
        for trial in 0..<400 {
            let keys = (0..<(1 + random.next(below: 3))).map { _ in
                SortKey(
                    column: random.next(below: 3), descending: random.chance(0.5),
                    nullsFirst: random.chance(0.5) ? nil : random.chance(0.5),
                    collation: random.element(of: Collation.allCases))
            }
            var inputs: [[[SQLValue]]] = []
            for input in 0..<random.next(below: 6) {
                let rows = (0..<random.next(below: 30)).map { position in
                    (0..<3).map { _ in random.element(of: domain) } + [.integer(Int64(input * 1000 + position))]
                }
                inputs.append(stableSorted(rows, by: keys))
            }
            let offset = random.chance(0.3) ? random.next(below: 40) : 0
            let limit = random.chance(0.4) ? random.next(below: 50) : nil
            let batchSize = 1 + random.next(below: 7)
            let merge = MergeSortOperator(
                inputs: inputs.map { MergeTestInput(batches: randomBatches($0, &random)) }, keys: keys, offset: offset,
                limit: limit, batchSize: batchSize)
            var batches: [[[SQLValue]]] = []
            for try await batch in merge { batches.append(batch) }
            #expect(batches.allSatisfy { !$0.isEmpty && $0.count <= batchSize }, "trial \(trial)")
            #expect(
                batches.flatMap { $0 } == expected(inputs, keys: keys, offset: offset, limit: limit),
                "trial \(trial): keys \(keys), offset \(offset), limit \(String(describing: limit))")
        }
    }

    @Test func tiesComeOutInInputOrder() async throws {
        let inputs: [[[SQLValue]]] = [
            [[.integer(1), .text("first 0")], [.integer(2), .text("first 1")]],
            [[.integer(1), .text("second 0")], [.integer(1), .text("second 1")], [.integer(2), .text("second 2")]],
            [[.integer(0), .text("third 0")], [.integer(1), .text("third 1")]],
        ]
        let merged = try await merge(inputs, keys: [SortKey(column: 0)])
        #expect(
            merged.map { $0[1] } == [
                .text("third 0"), .text("first 0"), .text("second 0"), .text("second 1"), .text("third 1"),
                .text("first 1"), .text("second 2"),
            ])
    }

    @Test(arguments: [false, true], [nil, false, true])
    func nullPlacement(descending: Bool, nullsFirst: Bool?) async throws {
        let key = SortKey(column: 0, descending: descending, nullsFirst: nullsFirst)
        #expect(key.nullsFirst == (nullsFirst ?? !descending))
        let values: [[SQLValue]] = [[.null], [.integer(1)], [.null], [.text("x")], [.real(0.5)], [.blob([1])]]
        let inputs = [stableSorted(Array(values[..<3]), by: [key]), stableSorted(Array(values[3...]), by: [key])]
        let merged = try await merge(inputs, keys: [key])
        let nonNull: [[SQLValue]] = [[.real(0.5)], [.integer(1)], [.text("x")], [.blob([1])]]
        let ordered = descending ? nonNull.reversed() : nonNull
        #expect(merged == (key.nullsFirst ? [[.null], [.null]] + ordered : ordered + [[.null], [.null]]))
    }

    @Test func collations() async throws {
        let nocase = try await merge(
            [[[.text("a")], [.text("B")]], [[.text("A")], [.text("b")]]],
            keys: [SortKey(column: 0, collation: .nocase)])
        #expect(nocase == [[.text("a")], [.text("A")], [.text("B")], [.text("b")]])
        let binary = try await merge(
            [[[.text("B")], [.text("a")]], [[.text("A")], [.text("b")]]], keys: [SortKey(column: 0)])
        #expect(binary == [[.text("A")], [.text("B")], [.text("a")], [.text("b")]])
        let rtrim = try await merge(
            [[[.text("y")], [.text("x  ")]], [[.text("x")], [.text("x ")]]],
            keys: [SortKey(column: 0, descending: true, collation: .rtrim)])
        #expect(rtrim == [[.text("y")], [.text("x  ")], [.text("x")], [.text("x ")]])
    }

    @Test func emptyInputs() async throws {
        #expect(try await merge([], keys: [SortKey(column: 0)]).isEmpty)
        let emptyBatches = MergeSortOperator(
            inputs: [MergeTestInput(batches: []), MergeTestInput(batches: [[], []])], keys: [SortKey(column: 0)])
        var iterator = emptyBatches.makeAsyncIterator()
        #expect(try await iterator.next() == nil)
        #expect(try await iterator.next() == nil)
    }

    @Test func oneInputIsRebatched() async throws {
        let rows: [[SQLValue]] = (0..<10).map { [.integer($0)] }
        let (stream, continuation) = AsyncThrowingStream<[[SQLValue]], any Error>.makeStream()
        continuation.yield(Array(rows[..<7]))
        continuation.yield([])
        continuation.yield(Array(rows[7...]))
        continuation.finish()
        var batches: [[[SQLValue]]] = []
        for try await batch in MergeSortOperator(inputs: [stream], keys: [SortKey(column: 0)], batchSize: 4) {
            batches.append(batch)
        }
        #expect(batches == [Array(rows[0..<4]), Array(rows[4..<8]), Array(rows[8...])])
    }

    @Test func offsetAndLimit() async throws {
        let inputs: [[[SQLValue]]] = [[[.integer(0)], [.integer(2)], [.integer(4)]], [[.integer(1)], [.integer(3)]]]
        let key = [SortKey(column: 0)]
        #expect(
            try await merge(inputs, keys: key, offset: 1, limit: 3) == [[.integer(1)], [.integer(2)], [.integer(3)]])
        #expect(try await merge(inputs, keys: key, offset: 3) == [[.integer(3)], [.integer(4)]])
        #expect(try await merge(inputs, keys: key, offset: 5).isEmpty)
        #expect(try await merge(inputs, keys: key, offset: 50, limit: 2).isEmpty)
        #expect(try await merge(inputs, keys: key, limit: 50).count == 5)
        #expect(try await merge(inputs, keys: key, offset: 4, limit: 1) == [[.integer(4)]])
    }

    @Test func limitZeroPullsNothing() async throws {
        let probe = MergeTestProbe(inputs: 2)
        let merge = MergeSortOperator(
            inputs: (0..<2).map { MergeTestInput(batches: [[[.integer(Int64($0))]]], probe: probe, index: $0) },
            keys: [SortKey(column: 0)], limit: 0)
        var iterator = merge.makeAsyncIterator()
        #expect(try await iterator.next() == nil)
        #expect(probe.pulls.withLock { $0 } == [0, 0])
        #expect(probe.released.withLock { $0 } == 2)
    }

    /// Three inputs of one-row batches interleaving 0, 1, 2, …: a limit of 4 needs each input's first
    /// two batches (the third input's second one rules out a row below 3) and no more, and the
    /// inputs' iterators are released as soon as the limit is met.
    @Test func satisfiedLimitStopsPulling() async throws {
        let probe = MergeTestProbe(inputs: 3)
        let inputs = (0..<3).map { input in
            MergeTestInput(
                batches: (0..<10).map { [[.integer(Int64(input + 3 * $0))]] }, probe: probe, index: input)
        }
        let merge = MergeSortOperator(inputs: inputs, keys: [SortKey(column: 0)], limit: 4)
        var iterator = merge.makeAsyncIterator()
        #expect(try await iterator.next() == (0..<4).map { [.integer($0)] })
        #expect(probe.pulls.withLock { $0 } == [2, 2, 2])
        #expect(probe.released.withLock { $0 } == 3)
        #expect(try await iterator.next() == nil)
        #expect(probe.pulls.withLock { $0 } == [2, 2, 2])

        // Without a limit, small output batches pull only as far as each output batch needs.
        let lazyProbe = MergeTestProbe(inputs: 3)
        let lazyInputs = (0..<3).map { input in
            MergeTestInput(
                batches: (0..<10).map { [[.integer(Int64(input + 3 * $0))]] }, probe: lazyProbe, index: input)
        }
        var lazy = MergeSortOperator(inputs: lazyInputs, keys: [SortKey(column: 0)], batchSize: 2).makeAsyncIterator()
        #expect(try await lazy.next() == [[.integer(0)], [.integer(1)]])
        #expect(lazyProbe.pulls.withLock { $0 } == [2, 1, 1])
        #expect(lazyProbe.released.withLock { $0 } == 0)
    }

    @Test func inputErrorPropagates() async throws {
        let merge = MergeSortOperator(
            inputs: [
                MergeTestInput(batches: [[[.integer(0)]], [[.integer(2)]]]),
                MergeTestInput(batches: [[[.integer(1)]], [[.integer(3)]]], failAt: 1),
            ],
            keys: [SortKey(column: 0)], batchSize: 1)
        var iterator = merge.makeAsyncIterator()
        #expect(try await iterator.next() == [[.integer(0)]])
        #expect(try await iterator.next() == [[.integer(1)]])
        await #expect(throws: MergeTestFailure.self) { _ = try await iterator.next() }
        #expect(try await iterator.next() == nil)

        let failingFirst = MergeSortOperator(
            inputs: [MergeTestInput(batches: [[[.integer(0)]]]), MergeTestInput(batches: [], failAt: 0)],
            keys: [SortKey(column: 0)])
        await #expect(throws: MergeTestFailure.self) {
            for try await _ in failingFirst {}
        }
    }

    // MARK: - Helpers

    private func merge(
        _ inputs: [[[SQLValue]]], keys: [SortKey], offset: Int = 0, limit: Int? = nil
    ) async throws -> [[SQLValue]] {
        let merge = MergeSortOperator(
            inputs: inputs.map { MergeTestInput(batches: [$0]) }, keys: keys, offset: offset, limit: limit,
            batchSize: 3)
        var rows: [[SQLValue]] = []
        for try await batch in merge { rows += batch }
        return rows
    }

    private func stableSorted(_ rows: [[SQLValue]], by keys: [SortKey]) -> [[SQLValue]] {
        rows.indices.sorted { left, right in
            let order = SortKey.compare(rows[left], rows[right], by: keys)
            return order != 0 ? order < 0 : left < right
        }.map { rows[$0] }
    }

    private func expected(_ inputs: [[[SQLValue]]], keys: [SortKey], offset: Int, limit: Int?) -> [[SQLValue]] {
        let sorted = stableSorted(inputs.flatMap { $0 }, by: keys).dropFirst(offset)
        return Array(limit.map { sorted.prefix($0) } ?? sorted)
    }

    /// Splits rows into batches of 0–4 rows.
    private func randomBatches(_ rows: [[SQLValue]], _ random: inout SplitMix64) -> [[[SQLValue]]] {
        var batches: [[[SQLValue]]] = []
        var start = 0
        while start < rows.count || random.chance(0.2) {
            let end = min(rows.count, start + random.next(below: 5))
            batches.append(Array(rows[start..<end]))
            start = end
            if start == rows.count && batches.count > 20 { break }
        }
        return batches
    }
}

private struct MergeTestFailure: Error {}

/// Counts, per input, the batches handed out and the iterators released.
private final class MergeTestProbe: Sendable {
    let pulls: Mutex<[Int]>
    let released = Mutex(0)

    init(inputs: Int) { pulls = Mutex(Array(repeating: 0, count: inputs)) }
}

/// Batches from memory; throws ``MergeTestFailure`` instead of the batch at `failAt`.
private struct MergeTestInput: AsyncSequence, Sendable {
    typealias Element = [[SQLValue]]
    typealias Failure = any Error

    var batches: [[[SQLValue]]]
    var failAt: Int?
    var probe: MergeTestProbe?
    var index = 0

    init(batches: [[[SQLValue]]], failAt: Int? = nil, probe: MergeTestProbe? = nil, index: Int = 0) {
        self.batches = batches
        self.failAt = failAt
        self.probe = probe
        self.index = index
    }

    /// Reports its release to the probe, so tests can see when the merge drops an input's iterator.
    final class ReleaseToken {
        let probe: MergeTestProbe?
        init(probe: MergeTestProbe?) { self.probe = probe }
        deinit { probe?.released.withLock { $0 += 1 } }
    }

    struct Iterator: AsyncIteratorProtocol {
        let input: MergeTestInput
        let token: ReleaseToken
        var position = 0

        mutating func next() async throws -> [[SQLValue]]? {
            if position == input.failAt { throw MergeTestFailure() }
            guard position < input.batches.count else { return nil }
            defer { position += 1 }
            input.probe?.pulls.withLock { $0[input.index] += 1 }
            return input.batches[position]
        }
    }

    func makeAsyncIterator() -> Iterator { Iterator(input: self, token: ReleaseToken(probe: probe)) }
}
