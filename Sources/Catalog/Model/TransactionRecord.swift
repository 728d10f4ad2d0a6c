import ShardQLBase

/// One distributed transaction in the decision log the coordinator keeps for two-phase commit.
///
/// The protocol is presumed abort: a record is logged (``State/pending``) before any participant
/// prepares, and the commit point is the one catalog transaction that turns it
/// ``State/committed`` (``CatalogStore/decide(_:commit:applying:expectedVersion:)``). Whoever
/// recovers a prepared shard asks the log; a missing record means the transaction never reached
/// its commit point, so it is aborted.
///
/// ```swift
/// let record = TransactionRecord(
///     id: UUID().uuidString, state: .pending, participants: shards, owner: coordinatorName,
///     startedAt: nowMilliseconds)
/// try await store.logTransaction(record, forgetting: finished)
/// // … every participant prepares …
/// let (state, _) = try await store.decide(record.id, commit: true, applying: [], expectedVersion: nil)
/// ```
///
/// The log is not schema: nothing in it changes ``CatalogSnapshot/version``, which would
/// invalidate every coordinator's snapshot and plan cache on every write.
public struct TransactionRecord: Hashable, Sendable {
    /// Where a transaction stands; it leaves ``pending`` once and never changes again.
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// Logged, not decided: participants may be prepared and are waiting.
        case pending
        /// Decided to commit: participants must commit, even after a crash.
        case committed
        /// Decided to abort: participants must roll back.
        case aborted
    }

    /// The coordinator's unique name for the transaction (a UUID).
    public var id: String
    /// Whether the transaction is decided, and how.
    public var state: State
    /// The shard groups (SQLite files) that prepare, sorted, without repeats.
    public var participants: [ShardGroupID]
    /// The coordinator process that runs the transaction, as it names itself (opaque to the
    /// catalog); recovery uses it to tell its own records from a live peer's.
    public var owner: String
    /// When the transaction was logged, in milliseconds since the Unix epoch.
    public var startedAt: Int64

    /// Creates the value from its parts; `participants` is sorted and its repeats dropped.
    public init(id: String, state: State, participants: [ShardGroupID], owner: String, startedAt: Int64) {
        self.id = id
        self.state = state
        self.participants = Array(Set(participants)).sorted()
        self.owner = owner
        self.startedAt = startedAt
    }
}

extension TransactionRecord {
    /// The record as a store logs it, with participants sorted and unique even when the caller
    /// set them after `init`; refuses what no store may log, so every store refuses the same.
    ///
    /// - Throws: ``ShardQLError`` with code ``ShardQLError/Code/invalidArgument`` for an empty id,
    ///   a state other than ``State/pending`` (a decision is only made by `decide`), or an id
    ///   that is also in `forgetting`.
    package func checkedForLogging(forgetting: [String]) throws -> TransactionRecord {
        guard !id.isEmpty else { throw ShardQLError.catalog("cannot log a transaction with an empty id") }
        guard state == .pending else {
            throw ShardQLError.catalog(
                "cannot log transaction \(id) as \(state.rawValue): it is logged pending and decided later")
        }
        guard !forgetting.contains(id) else {
            throw ShardQLError.catalog("cannot log transaction \(id) and forget it in the same call")
        }
        var checked = self
        checked.participants = Array(Set(participants)).sorted()
        return checked
    }
}

extension TransactionRecord {
    /// The participants as stored in a catalog: `group:index` pairs joined by commas,
    /// `"3:0,3:1"`; `""` for none. Readable in a database shell, and never queried by value.
    package var participantsText: String {
        participants.map { "\($0.group.rawValue):\($0.index)" }.joined(separator: ",")
    }

    /// The inverse of ``participantsText``; nil for text it cannot have written.
    package static func participants(fromText text: String) -> [ShardGroupID]? {
        guard !text.isEmpty else { return [] }
        var participants: [ShardGroupID] = []
        for pair in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let group = Int64(parts[0]), let index = Int(parts[1]) else { return nil }
            participants.append(ShardGroupID(group: ColocationGroupID(group), index: index))
        }
        return participants
    }
}
