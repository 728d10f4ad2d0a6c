import Partitioning
import SQLSyntax
import ShardQLBase
import Worker

/// What the coordinator needs to know about one table to route and copy its rows, derived from
/// the catalog.
struct TableLayout: Sendable {
    struct Column: Sendable {
        var name: String
        var affinity: Affinity
        var collation: Collation
        /// `GENERATED ALWAYS AS …`: never written.
        var isGenerated: Bool
        /// The `DEFAULT` as SQL text (an expression SQLite can evaluate), if any.
        var defaultSQL: String?
    }

    enum Placement: Sendable {
        /// Hash-distributed on `column`; `shards[i]` holds hash range `i`.
        case hash(column: Int, shards: [ShardFileID])
        /// Rows spread over `shards` by their cluster-unique rowid.
        case roundRobin(shards: [ShardFileID])
        /// A reference table: every row in the one file every worker has.
        case reference(ShardFileID)

        var allShards: [ShardFileID] {
            switch self {
            case .hash(_, let shards), .roundRobin(let shards): shards
            case .reference(let shard): [shard]
            }
        }
    }

    var name: String
    var tableID: Int64
    var columns: [Column]
    /// The `INTEGER PRIMARY KEY` column, which is the rowid.
    var rowIDAlias: Int?
    /// `INTEGER PRIMARY KEY AUTOINCREMENT`: keys are never reused.
    var autoincrement = false
    var hasRowID: Bool
    var placement: Placement
    var loadable: LoadableTable

    func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.name.lowercased() == name.lowercased() }
    }
}
