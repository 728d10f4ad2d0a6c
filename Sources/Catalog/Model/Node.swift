/// A worker that holds shard placements.
///
/// ```swift
/// let local = Node(id: NodeID(1), address: Node.localAddress)
/// ```
public struct Node: Hashable, Sendable {
    /// Whether a node takes work.
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// Serves reads and writes.
        case active
        /// Being emptied: its placements move elsewhere, it takes no new ones.
        case draining
        /// Unreachable or removed from service; its placements need repair.
        case dead
    }

    /// The address of the in-process worker of an embedded cluster.
    public static let localAddress = "local"

    /// The object's identity; it never changes.
    public var id: NodeID
    /// `HOST:PORT` of a remote worker, or ``localAddress``.
    public var address: String
    /// Whether the object takes work.
    public var state: State
    /// When the node last answered a health check, in milliseconds since the Unix epoch.
    public var lastHeartbeat: Int64?

    /// Creates the value from its parts.
    public init(id: NodeID, address: String, state: State = .active, lastHeartbeat: Int64? = nil) {
        self.id = id
        self.address = address
        self.state = state
        self.lastHeartbeat = lastHeartbeat
    }
}
