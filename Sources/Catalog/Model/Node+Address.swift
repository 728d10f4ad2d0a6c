import ShardQLBase

extension Node {
    /// Checks that `address` names a worker: ``localAddress``, or `HOST:PORT` with a port from
    /// 1 to 65535 and a host name, IPv4 address or bracketed IPv6 address (`[::1]:7070`).
    ///
    /// The catalog refuses any other address (``CatalogChange/addNode(_:)``), so every store
    /// and every command that registers a node agree on the form.
    ///
    /// ```swift
    /// try Node.checkAddress("10.0.0.7:7070")   // fine
    /// try Node.checkAddress("10.0.0.7")        // throws: no port
    /// ```
    ///
    /// - Throws: ``ShardQLError`` with code ``ShardQLError/Code/invalidArgument`` saying what is
    ///   wrong with the address.
    public static func checkAddress(_ address: String) throws {
        if address == localAddress { return }
        func refuse(_ why: String) -> ShardQLError {
            ShardQLError(.invalidArgument, "invalid node address '\(address)': \(why); expected HOST:PORT")
        }
        guard let colon = address.lastIndex(of: ":") else { throw refuse("no port") }
        var host = address[..<colon]
        let port = address[address.index(after: colon)...]
        guard !port.isEmpty, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), port.utf8.count <= 5,
            let number = Int(port), (1...65535).contains(number)
        else { throw refuse("the port must be a number from 1 to 65535") }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw refuse("an IPv6 host needs its closing ']'") }
            host = host.dropFirst().dropLast()
            guard host.utf8.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else {
                throw refuse("'\(host)' is not an IPv6 address")
            }
            return
        }
        guard !host.isEmpty else { throw refuse("no host") }
        guard host.utf8.allSatisfy({ isHostByte($0) }), !host.hasPrefix("-"), !host.hasPrefix(".") else {
            throw refuse("a host has letters, digits, '-', '_' and '.' only (an IPv6 host goes in brackets)")
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }
}
