import Catalog
import ShardQLBase
import Testing

// Checks of the two-phase-commit decision log. Every check also expects the snapshot to stay as
// it was, except where a commit applies DDL: the log is not schema.
extension CatalogStoreCheck {
    /// A record as a coordinator logs it.
    static func pending(
        _ id: String, _ participants: [ShardGroupID] = [], startedAt: Int64 = 1_732_000_000_000
    ) -> TransactionRecord {
        TransactionRecord(
            id: id, state: .pending, participants: participants, owner: "coordinator 7 (pid 4242)",
            startedAt: startedAt)
    }

    /// The states of the logged records, by id.
    static func states(_ store: any CatalogStore) async throws -> [String: TransactionRecord.State] {
        Dictionary(uniqueKeysWithValues: try await store.transactions().map { ($0.id, $0.state) })
    }

    static func transactionsAreLoggedAndListed(_ open: Open) async throws {
        let listed = try await with(open) { (store: any CatalogStore) async throws in
            let (before, _, orders) = try await SampleCatalog.withOrders(store)
            let shards = before.shardGroups(of: before.table(orders)!).map(\.id)
            #expect(try await store.transactions().isEmpty)
            var later = pending("6f1c0b52-later", startedAt: 2_000)
            later.participants = [shards[2], shards[0], shards[2]]  // set after init: the store sorts
            let earlier = pending("a-earlier", [shards[1]], startedAt: 1_000)
            let tied = pending("7-tied", startedAt: 2_000)  // the same time as `later`: ordered by id
            try await store.logTransaction(later, forgetting: [])
            try await store.logTransaction(tied, forgetting: [])
            try await store.logTransaction(earlier, forgetting: ["never-logged"])

            let listed = try await store.transactions()
            #expect(listed.map(\.id) == ["a-earlier", "6f1c0b52-later", "7-tied"])
            #expect(listed[0] == earlier && listed[2] == tied)
            #expect(listed[1].participants == [shards[0], shards[2]])
            #expect(listed[1].owner == "coordinator 7 (pid 4242)" && listed[1].startedAt == 2_000)
            #expect(listed.allSatisfy { $0.state == .pending })
            #expect(try await store.snapshot() == before)
            return listed
        }
        #expect(try await with(open) { try await $0.transactions() } == listed)
    }

    static func loggingRefusesDuplicatesAndDecisions(_ open: Open) async throws {
        try await with(open) { (store: any CatalogStore) async throws in
            let (before, _, _) = try await SampleCatalog.withOrders(store)
            try await store.logTransaction(pending("a"), forgetting: [])
            try await store.logTransaction(pending("b"), forgetting: [])
            // Refused as a whole: `b` is not forgotten either.
            await expectRefused("transaction a is already logged") {
                try await store.logTransaction(pending("a", startedAt: 5), forgetting: ["b"])
            }
            _ = try await store.decide("a", commit: true, applying: [], expectedVersion: nil)
            await expectRefused("transaction a is already logged") {
                try await store.logTransaction(pending("a"), forgetting: [])
            }
            var decided = pending("c")
            decided.state = .committed
            await expectRefused("logged pending") { try await store.logTransaction(decided, forgetting: []) }
            await expectRefused("empty id") { try await store.logTransaction(pending(""), forgetting: []) }
            await expectRefused("forget it") { try await store.logTransaction(pending("d"), forgetting: ["d"]) }

            #expect(try await states(store) == ["a": .committed, "b": .pending])
            #expect(try await store.transactions().first { $0.id == "a" }?.startedAt == pending("a").startedAt)
            #expect(try await store.snapshot() == before)
        }
    }

    static func decideCommitsOrAbortsOnce(_ open: Open) async throws {
        let before = try await with(open) { (store: any CatalogStore) async throws in
            let (before, _, _) = try await SampleCatalog.withOrders(store)
            for id in ["commit", "abort"] { try await store.logTransaction(pending(id), forgetting: []) }

            func decide(_ id: String, commit: Bool) async throws -> TransactionRecord.State {
                let (state, snapshot) = try await store.decide(id, commit: commit, applying: [], expectedVersion: nil)
                #expect(snapshot == before)
                return state
            }
            #expect(try await decide("commit", commit: true) == .committed)
            #expect(try await decide("abort", commit: false) == .aborted)
            // A decision never changes: the later call learns the earlier outcome.
            #expect(try await decide("commit", commit: false) == .committed)
            #expect(try await decide("abort", commit: true) == .aborted)
            #expect(try await decide("commit", commit: true) == .committed)
            // Presumed abort: an unknown transaction never reached its commit point.
            #expect(try await decide("never-logged", commit: true) == .aborted)

            #expect(try await states(store) == ["commit": .committed, "abort": .aborted])
            #expect(try await store.snapshot() == before)
            return before
        }
        try await with(open) { (store: any CatalogStore) async throws in
            #expect(try await states(store) == ["commit": .committed, "abort": .aborted])
            #expect(try await store.snapshot() == before)
        }
    }

    static func decideAppliesChangesOnCommit(_ open: Open) async throws {
        let after = try await with(open) { (store: any CatalogStore) async throws in
            let (before, _, orders) = try await SampleCatalog.withOrders(store)
            let index = Index(name: "by_customer", table: orders, sql: "CREATE INDEX by_customer ON orders(customer)")
            for id in ["ddl", "aborted", "dml", "bad"] { try await store.logTransaction(pending(id), forgetting: []) }

            // A stale version decides nothing: the coordinator may re-plan, retry or abort.
            let error = await #expect(throws: ShardQLError.self) {
                _ = try await store.decide(
                    "ddl", commit: true, applying: [.createIndex(index)], expectedVersion: before.version - 1)
            }
            #expect(error?.isCatalogVersionConflict == true)
            #expect(try await states(store)["ddl"] == .pending)
            #expect(try await store.snapshot() == before)

            let committed = try await store.decide(
                "ddl", commit: true, applying: [.createIndex(index)], expectedVersion: before.version)
            #expect(committed.state == .committed)
            #expect(committed.snapshot.version == before.version + 1)
            #expect(committed.snapshot.index(named: "BY_CUSTOMER") == index)
            #expect(try await store.snapshot() == committed.snapshot)
            // A retry after a lost reply answers the same and applies nothing twice.
            let retried = try await store.decide(
                "ddl", commit: true, applying: [.createIndex(index)], expectedVersion: before.version)
            #expect(retried.state == .committed && retried.snapshot == committed.snapshot)

            // An abort, or an unknown id, applies nothing, whatever the version.
            let view = View(name: "v", sql: "CREATE VIEW v AS SELECT 1")
            for id in ["aborted", "never-logged"] {
                let result = try await store.decide(
                    id, commit: id == "never-logged", applying: [.createView(view)],
                    expectedVersion: committed.snapshot.version)
                #expect(result.state == .aborted && result.snapshot == committed.snapshot)
            }

            // A plain write's commit leaves the version alone and does not depend on it.
            let dml = try await store.decide("dml", commit: true, applying: [], expectedVersion: 0)
            #expect(dml.state == .committed && dml.snapshot == committed.snapshot)

            // A change that does not fit decides nothing either.
            await expectRefused("no such table") {
                _ = try await store.decide(
                    "bad", commit: true, applying: [.dropTable(TableID(999))], expectedVersion: nil)
            }
            #expect(
                try await states(store) == ["ddl": .committed, "aborted": .aborted, "dml": .committed, "bad": .pending])
            #expect(try await store.snapshot() == committed.snapshot)
            return committed.snapshot
        }
        try await with(open) { (store: any CatalogStore) async throws in
            #expect(try await store.snapshot() == after)
            #expect(try await states(store)["ddl"] == .committed)
        }
    }

    static func forgetTransactions(_ open: Open) async throws {
        let before = try await with(open) { (store: any CatalogStore) async throws in
            let (before, _, _) = try await SampleCatalog.withOrders(store)
            for id in ["a", "b", "c", "d"] { try await store.logTransaction(pending(id), forgetting: []) }
            _ = try await store.decide("a", commit: true, applying: [], expectedVersion: nil)
            _ = try await store.decide("b", commit: false, applying: [], expectedVersion: nil)

            try await store.forgetTransactions(["a", "never-logged"])
            try await store.forgetTransactions([])
            #expect(try await store.transactions().map(\.id) == ["b", "c", "d"])
            try await store.logTransaction(pending("e"), forgetting: ["b", "c", "b"])
            #expect(try await store.transactions().map(\.id) == ["d", "e"])
            // A forgotten record is no longer known, so it reads as aborted, even one that committed.
            let forgotten = try await store.decide("a", commit: true, applying: [], expectedVersion: nil)
            #expect(forgotten.state == .aborted)
            #expect(try await store.transactions().map(\.id) == ["d", "e"])
            #expect(try await store.snapshot() == before)
            return before
        }
        try await with(open) { (store: any CatalogStore) async throws in
            #expect(try await store.transactions().map(\.id) == ["d", "e"])
            #expect(try await store.snapshot() == before)
        }
    }

    /// Two coordinators (one deciding commit, one deciding abort, as after a timeout) race on the
    /// same pending records through two stores on one catalog: for each, exactly one decision
    /// holds, and both learn it.
    static func concurrentDecisionsAgree(_ open: Open) async throws {
        try await with(open) { (first: any CatalogStore) async throws in
            try await with(open) { (second: any CatalogStore) async throws in
                let (before, _, _) = try await SampleCatalog.withOrders(first)
                let ids = (0..<20).map { "race-\($0)" }
                for id in ids { try await first.logTransaction(pending(id), forgetting: []) }

                let answers = try await withThrowingTaskGroup(of: (String, TransactionRecord.State).self) { group in
                    for (number, id) in ids.enumerated() {
                        // Alternate which store commits, so neither always goes first.
                        let (committer, aborter) = number.isMultiple(of: 2) ? (first, second) : (second, first)
                        group.addTask {
                            (id, try await committer.decide(id, commit: true, applying: [], expectedVersion: nil).state)
                        }
                        group.addTask {
                            (id, try await aborter.decide(id, commit: false, applying: [], expectedVersion: nil).state)
                        }
                    }
                    return try await group.reduce(into: [String: [TransactionRecord.State]]()) {
                        $0[$1.0, default: []].append($1.1)
                    }
                }
                let logged = try await states(second)
                for id in ids {
                    let states = answers[id] ?? []
                    #expect(states.count == 2 && states[0] == states[1], "\(id): \(states)")
                    #expect(logged[id] == states.first, "\(id)")
                    #expect(logged[id] != .pending)
                }
                #expect(try await first.snapshot() == before)
                #expect(try await second.snapshot() == before)
            }
        }
    }

    /// A backup's consistent point: inside `withDecisionsPaused` the log and catalog are fixed,
    /// and a decision by another store (another coordinator) waits for the pause to end.
    static func decisionsWaitWhilePaused(_ open: Open) async throws {
        try await with(open) { (first: any CatalogStore) async throws in
            try await with(open) { (second: any CatalogStore) async throws in
                let (before, _, _) = try await SampleCatalog.withOrders(first)
                try await first.logTransaction(pending("held"), forgetting: [])
                try await first.logTransaction(pending("decided"), forgetting: [])
                _ = try await first.decide("decided", commit: true, applying: [], expectedVersion: nil)
                let (decision, pauseEnded) = try await first.withDecisionsPaused { snapshot, log in
                    #expect(snapshot == before)
                    #expect(Dictionary(uniqueKeysWithValues: log.map { ($0.id, $0.state) }) == ["held": .pending, "decided": .committed])
                    let decision = Task {
                        let state = try await second.decide("held", commit: true, applying: [], expectedVersion: nil).state
                        return (state, ContinuousClock.now)
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    return (decision, ContinuousClock.now)
                }
                let (state, decidedAt) = try await decision.value
                #expect(state == .committed)
                #expect(decidedAt >= pauseEnded, "the decision waited for the pause to end")
                #expect(try await states(first)["held"] == .committed)
            }
        }
    }
}
