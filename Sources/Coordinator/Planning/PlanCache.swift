import Synchronization

/// Plans by (statement text, catalog version) (issue: "plan cache"): a repeated query skips the
/// planner and SQLite's column naming; a catalog change makes every older plan unreachable.
final class PlanCache: Sendable {
    struct Key: Hashable, Sendable {
        var sql: String
        var catalogVersion: Int64
    }

    private struct State {
        var plans: [Key: DistributedPlan] = [:]
        /// Insertion order, for evicting the oldest.
        var order: [Key] = []
        var hits = 0
        var misses = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 512) {
        self.capacity = capacity
    }

    func plan(for key: Key) -> DistributedPlan? {
        state.withLock { state in
            let plan = state.plans[key]
            if plan == nil { state.misses += 1 } else { state.hits += 1 }
            return plan
        }
    }

    func store(_ plan: DistributedPlan, for key: Key) {
        state.withLock { state in
            guard state.plans.updateValue(plan, forKey: key) == nil else { return }
            state.order.append(key)
            // Plans for older catalog versions can never be hit again: drop them first.
            if state.order.count > capacity {
                let current = key.catalogVersion
                state.order.removeAll { old in
                    guard old.catalogVersion != current else { return false }
                    state.plans[old] = nil
                    return true
                }
                while state.order.count > capacity {
                    state.plans[state.order.removeFirst()] = nil
                }
            }
        }
    }

    /// Lookups that found a plan, and lookups that did not.
    var statistics: (hits: Int, misses: Int) {
        state.withLock { ($0.hits, $0.misses) }
    }
}
