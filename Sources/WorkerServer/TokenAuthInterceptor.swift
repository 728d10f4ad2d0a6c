import GRPCCore
import ShardQLBase
import WorkerProtocol

/// Refuses every call whose `authorization` metadata is not `Bearer <token>` with
/// `unauthenticated` (DESIGN §5: a worker started with `--token-file` serves only its cluster).
///
/// The comparison takes the same time wherever the first difference is, so response times do
/// not reveal a prefix of the token.
struct TokenAuthInterceptor: ServerInterceptor {
    private let expected: [UInt8]

    init(token: String) {
        expected = Array("Bearer \(token)".utf8)
    }

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        var values = request.metadata[stringValues: "authorization"].makeIterator()
        guard let given = values.next() else {
            throw Self.refusal("the call carries no cluster token (authorization: Bearer …)")
        }
        guard Self.constantTimeEqual(Array(given.utf8), expected) else {
            throw Self.refusal("the call's cluster token is wrong")
        }
        return try await next(request, context)
    }

    private static func refusal(_ message: String) -> RPCError {
        WireErrors.rpcError(ShardQLError(.unauthenticated, message))
    }

    /// Whether `a` equals `b`, looking at every byte of `b` whatever `a` holds.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        difference |= a.count == b.count ? 0 : 1
        for index in b.indices {
            let byte = index < a.count ? a[index] : 0
            difference |= byte ^ b[index]
        }
        return difference == 0
    }
}
