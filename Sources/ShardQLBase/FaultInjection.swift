#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kills the process at a named step of the commit protocol, for crash tests.
///
/// `SHARDQL_FAULT=<step>` makes the process send itself `SIGKILL` when it reaches that step — no
/// clean-up runs, as when a machine loses power or the OOM killer strikes. Steps, in protocol
/// order (`<i>` is the participant's position among the shards that prepare, from 0):
/// `log.after`, `prepare.before:<i>`, `prepare.after:<i>`, `decision.before`, `decision.after`,
/// `apply.before:<i>`, `apply.after:<i>`, `forget.before`; and for one-phase commits
/// `commit.before`. A worker process has its own steps around each call it serves:
/// `worker.write.before`/`.after` and `worker.<step>.before`/`.after` for the transaction steps
/// `begin`, `commit`, `prepare`, `commitPrepared` and `abort`. A bulk load (`shardql import`) has
/// `import.batch:<n>` (its n-th batch handed to a shard, from 1) and, for a new table,
/// `import.decide.before`/`.after` around the catalog change publishing it. A shard copy (rebalance,
/// repair) has `copy.fenced` (the source fenced, the copy caught up, the catalog not switched) and
/// `copy.switched` (switched, the source not yet retired); a worker has `worker.changes.before`
/// (asked for a source's change log). Without the variable every check is one comparison.
package enum FaultInjection {
    /// The step named by `SHARDQL_FAULT`, read once.
    package static let armedStep: String? = {
        guard let value = getenv("SHARDQL_FAULT") else { return nil }
        let step = String(cString: value)
        return step.isEmpty ? nil : step
    }()

    /// Kills the process when `step` (with `index`, when given) is the armed one.
    package static func reach(_ step: String, _ index: Int? = nil) {
        guard let armed = armedStep else { return }
        let name = index.map { "\(step):\($0)" } ?? step
        guard armed == name else { return }
        kill(getpid(), SIGKILL)
        // SIGKILL cannot be caught; this only satisfies the compiler's view that we may go on.
        _exit(137)
    }
}
