import GRPCCore
import ShardQLBase

/// How errors cross the wire, both ways, in one place: a worker turns a ``ShardQLError`` into an
/// `RPCError` whose metadata keeps its code, SQLite result code and position; the coordinator
/// turns it back, so a caller sees the same error as with an in-process worker. An RPC failing
/// for another reason (node unreachable, deadline, refused token) becomes a ``ShardQLError``
/// naming the node and the shards.
package enum WireErrors {
    /// Metadata key: the ``ShardQLError/Code``'s description.
    package static let codeKey = "shardql-error-code"
    /// Metadata key: SQLite's extended result code, in decimal.
    package static let sqliteCodeKey = "shardql-sqlite-code"
    /// Metadata key: the error's position in the SQL, `offset,line,column`.
    package static let locationKey = "shardql-error-location"

    /// The RPC error for `error` (any error: a non-ShardQL one becomes an internal error).
    package static func rpcError(_ error: any Error) -> RPCError {
        if let error = error as? RPCError { return error }
        let shardQLError: ShardQLError
        if let error = error as? ShardQLError {
            shardQLError = error
        } else if error is CancellationError {
            shardQLError = ShardQLError(.cancelled, "the request was cancelled")
        } else {
            shardQLError = ShardQLError(.internalError, "\(error)")
        }
        var metadata: Metadata = [codeKey: .string(shardQLError.code.description)]
        if let sqliteCode = shardQLError.sqliteResultCode {
            metadata.addString(String(sqliteCode), forKey: sqliteCodeKey)
        }
        if let location = shardQLError.location {
            metadata.addString("\(location.offset),\(location.line),\(location.column)", forKey: locationKey)
        }
        return RPCError(code: rpcCode(for: shardQLError.code), message: shardQLError.message, metadata: metadata)
    }

    /// The gRPC status code closest to `code`, for tools that only see the status.
    static func rpcCode(for code: ShardQLError.Code) -> RPCError.Code {
        switch code {
        case .syntaxError, .tooComplex, .invalidArgument, .typeMismatch: .invalidArgument
        case .cancelled: .cancelled
        case .timeout: .deadlineExceeded
        case .resourceLimit: .resourceExhausted
        case .busy: .aborted
        case .unsupported, .placementChanged: .failedPrecondition
        case .unavailable: .unavailable
        case .unauthenticated: .unauthenticated
        case .io: .dataLoss
        case .internalError: .internalError
        default: .unknown
        }
    }

    /// The error a caller of a remote worker sees for `error`, thrown by an RPC to `node` about
    /// `shards`.
    package static func shardQLError(_ error: any Error, node: String, shards: [String]) -> ShardQLError {
        if let error = error as? ShardQLError { return error }
        let about = shards.isEmpty ? "" : " (\(shards.joined(separator: ", ")))"
        guard let rpcError = error as? RPCError else {
            if error is CancellationError {
                return ShardQLError(.cancelled, "the call to worker \(node)\(about) was cancelled")
            }
            return ShardQLError(.internalError, "the call to worker \(node)\(about) failed: \(error)", cause: error)
        }
        func first(_ key: String) -> String? {
            var values = rpcError.metadata[stringValues: key].makeIterator()
            return values.next()
        }
        if let name = first(codeKey), let code = ShardQLError.Code(description: name) {
            let sqliteCode = first(sqliteCodeKey).flatMap { Int32($0) }
            var location: SourceLocation?
            if let text = first(locationKey) {
                let parts = text.split(separator: ",").compactMap { Int($0) }
                if parts.count == 3 { location = SourceLocation(offset: parts[0], line: parts[1], column: parts[2]) }
            }
            // A refusal is about the node, not a statement: say which node refused.
            let message =
                code == .unauthenticated ? "worker \(node) refused the call\(about): \(rpcError.message)" : rpcError.message
            return ShardQLError(code, message, location: location, sqliteResultCode: sqliteCode)
        }
        switch rpcError.code {
        case .unavailable:
            return ShardQLError(
                .unavailable, "worker \(node) is unavailable\(about): \(rpcError.message)")
        case .deadlineExceeded:
            return ShardQLError(
                .timeout, "worker \(node) did not answer in time\(about): \(rpcError.message)")
        case .cancelled:
            return ShardQLError(.cancelled, "the call to worker \(node)\(about) was cancelled")
        case .unauthenticated:
            return ShardQLError(
                .unauthenticated, "worker \(node) refused the call\(about): \(rpcError.message)")
        default:
            return ShardQLError(
                .internalError, "worker \(node) failed\(about): \(rpcError.code): \(rpcError.message)",
                cause: rpcError)
        }
    }
}
