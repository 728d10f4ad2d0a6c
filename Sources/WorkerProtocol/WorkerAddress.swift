import ShardQLBase

/// Where a worker listens: `HOST:PORT`, an IPv6 host in brackets (`[::1]:7001`).
///
/// ```swift
/// let address = try WorkerAddress(parsing: "127.0.0.1:7001")
/// address.isLoopback  // true
/// ```
package struct WorkerAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host as the socket layer takes it.
    package enum Literal: Sendable, Hashable {
        case ipv4(String)
        case ipv6(String)
    }

    /// The host as given (without brackets).
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`.
    package init(parsing text: String) throws(ShardQLError) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw Self.malformed(text) }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw Self.malformed(text) }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
            guard !host.contains(":") else { throw Self.malformed(text) }
        }
        guard !host.isEmpty, let number = Int(port), (0...65535).contains(number) else { throw Self.malformed(text) }
        self.init(host: String(host), port: number)
    }

    private static func malformed(_ text: String) -> ShardQLError {
        ShardQLError(.invalidArgument, "'\(text)' is not HOST:PORT (e.g. 127.0.0.1:7001, [::1]:7001)")
    }

    package var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The host as an IP literal (`localhost` being 127.0.0.1), or `nil` for a name.
    package var literal: Literal? {
        if host == "localhost" { return .ipv4("127.0.0.1") }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && UInt8($0) != nil }) { return .ipv4(host) }
        if host.contains(":"), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) { return .ipv6(host) }
        return nil
    }

    /// Whether the host is a loopback address (127.0.0.0/8, ::1, `localhost`): only such a worker
    /// may run without a cluster token (DESIGN §5).
    package var isLoopback: Bool {
        switch literal {
        case .ipv4(let literal): literal.split(separator: ".").first == "127"
        case .ipv6(let literal): literal == "::1" || literal == "0:0:0:0:0:0:0:1"
        case nil: false
        }
    }
}
