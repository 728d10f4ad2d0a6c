import Catalog
import ShardQLBase
import Worker

extension Cluster {
    /// Registers a worker node at `address` (`HOST:PORT`, port 1–65535), active: co-location
    /// groups created from now on place shard files on it (``PlaceShardGroups``). Existing
    /// shard files stay where they are. Registering changes only the catalog; the node is first
    /// contacted when a shard file on it is used.
    ///
    /// - Returns: the node as ``nodeFigures()`` lists it.
    /// - Throws: ``ShardQLError`` (``ShardQLError/Code/invalidArgument``) for a malformed address,
    ///   `"local"`, or an address already registered.
    @discardableResult
    public func addNode(address: String) async throws -> NodeFigures {
        guard address != Node.localAddress else {
            throw ShardQLError(.invalidArgument, "'local' is the in-process worker's name, not a node address")
        }
        try Node.checkAddress(address)
        let snapshot = try await changeNodes { snapshot in
            if snapshot.node(address: address) != nil {
                throw ShardQLError(.invalidArgument, "node \(address) is already registered")
            }
            var ids = CatalogIDAllocator(snapshot)
            return [.addNode(Node(id: ids.nodeID(), address: address))]
        }
        return Self.figures(of: snapshot.node(address: address)!, in: snapshot, contact: nil)
    }

    /// Unregisters the node at `address`; refused while it holds shard files (each named with
    /// its tables), or for the in-process worker.
    ///
    /// - Throws: ``ShardQLError`` (``ShardQLError/Code/invalidArgument``) for an unknown node,
    ///   `"local"`, or a node holding placements.
    public func removeNode(address: String) async throws {
        guard address != Node.localAddress else {
            throw ShardQLError(.invalidArgument, "the in-process worker ('local') cannot be removed")
        }
        _ = try await changeNodes { snapshot in
            guard let node = snapshot.node(address: address) else {
                throw ShardQLError(.invalidArgument, "no such node: \(address)")
            }
            let held = snapshot.placements(on: node.id)
            guard held.isEmpty else {
                let described = held.map { placement -> String in
                    let shard = placement.shardGroup
                    let tables = snapshot.tables(in: shard.group).map(\.name)
                    let file = ShardFileID(group: shard.group.rawValue, index: shard.index).fileName
                    return "\(file) (shard \(shard.index) of \(tables.isEmpty ? "no table" : tables.joined(separator: ", ")))"
                }
                throw ShardQLError(
                    .invalidArgument,
                    "cannot remove node \(address): it still holds \(held.count) shard file\(held.count == 1 ? "" : "s"): "
                        + described.joined(separator: "; "))
            }
            return [.removeNode(node.id)]
        }
    }

    /// Applies node changes planned on the stored catalog, planning again when another
    /// coordinator changed it meanwhile (``catalogConflictAttempts``); the result becomes this
    /// cluster's catalog.
    private func changeNodes(_ plan: (CatalogSnapshot) throws -> [CatalogChange]) async throws -> CatalogSnapshot {
        try await writes.withLock {
            var attempts = 1
            while true {
                let current = try await store.snapshot()
                do {
                    let updated = try await store.apply(try plan(current), expectedVersion: current.version)
                    adopt(updated)
                    return updated
                } catch let error as ShardQLError
                    where error.isCatalogVersionConflict && attempts < Self.catalogConflictAttempts
                {
                    attempts += 1
                }
            }
        }
    }

    static func figures(of node: Node, in snapshot: CatalogSnapshot, contact: NodeContact?) -> NodeFigures {
        // A copy that missed a write (replicas, #11) is named with its state: nothing reads it.
        let files = snapshot.placements(on: node.id).map { placement in
            let name = ShardFileID(group: placement.shardGroup.group.rawValue, index: placement.shardGroup.index).fileName
            return placement.state == .active ? name : "\(name) (\(placement.state.rawValue))"
        }
        let health =
            if node.address == Node.localAddress {
                "in-process"
            } else if let contact, let reachable = contact.isReachable {
                !reachable ? "down" : contact.isDraining ? "draining" : "up"
            } else {
                "unknown"
            }
        let lastContact = [contact?.lastAnswer, node.lastHeartbeat].compactMap { $0 }.max()
        return NodeFigures(
            address: node.address, state: node.state.rawValue, shards: files.count, health: health,
            lastContact: lastContact, shardFiles: files)
    }
}
