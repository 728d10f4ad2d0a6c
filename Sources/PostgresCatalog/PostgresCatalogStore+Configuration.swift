import Catalog
import Foundation
import NIOSSL
import PostgresNIO
import ShardQLBase

extension PostgresCatalogStore {
    /// Where and how to reach the PostgreSQL server, parsed from a libpq-style URL:
    /// `postgres://user:password@host:port/database?sslmode=prefer&connect_timeout=10`.
    ///
    /// Without a password in the URL, `PGPASSWORD` is used (as libpq does). `sslmode` is
    /// `disable`, `prefer` (the default: TLS when the server offers it, unverified, as libpq),
    /// `require` (TLS, unverified) or `verify-full` (TLS, the server's certificate checked against
    /// `sslrootcert` or the system's authorities). `connect_timeout` (seconds, default 10) bounds
    /// opening the catalog and every later catalog call, so an unreachable server is an error,
    /// never a hang.
    public struct Configuration: Sendable, Hashable {
        public enum TLSMode: String, Sendable, Hashable, CaseIterable {
            case disable, prefer, require
            case verifyFull = "verify-full"
        }

        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        public var tls: TLSMode
        /// A PEM file of the authorities that sign the server's certificate (`verify-full`).
        public var tlsRootCertificates: String?
        /// How long opening the catalog, or any one catalog call, may take.
        public var timeout: Duration

        public init(
            host: String = "127.0.0.1", port: Int = 5432, username: String, password: String? = nil,
            database: String, tls: TLSMode = .prefer, tlsRootCertificates: String? = nil, timeout: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.tls = tls
            self.tlsRootCertificates = tlsRootCertificates
            self.timeout = timeout
        }

        /// Parses a `postgres://` (or `postgresql://`) URL.
        ///
        /// - Throws: ``ShardQLError`` with code ``ShardQLError/Code/invalidArgument`` naming what
        ///   is wrong; the message never repeats the password.
        public init(url: String) throws(ShardQLError) {
            let lowered = url.lowercased()
            guard lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://"),
                let components = URLComponents(string: url)
            else {
                throw ShardQLError(
                    .invalidArgument,
                    "'\(Self.redacted(url))' is not a PostgreSQL URL: expected postgres://user:password@host:port/database")
            }
            func invalid(_ what: String) -> ShardQLError {
                ShardQLError(.invalidArgument, "the catalog URL '\(Self.redacted(url))' \(what)")
            }
            guard let host = components.host, !host.isEmpty else { throw invalid("names no host") }
            let database = String(components.path.drop { $0 == "/" })
            guard !database.isEmpty, !database.contains("/") else {
                throw invalid("names no database: add /DATABASE after the host")
            }
            let environment = ProcessInfo.processInfo.environment
            guard let username = components.user ?? environment["PGUSER"] ?? environment["USER"] else {
                throw invalid("names no user")
            }
            self.init(
                host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port: components.port ?? 5432,
                username: username, password: components.password ?? environment["PGPASSWORD"],
                database: database.removingPercentEncoding ?? database)
            for item in components.queryItems ?? [] {
                let value = item.value ?? ""
                switch item.name {
                case "sslmode":
                    guard let mode = TLSMode(rawValue: value) else {
                        throw invalid(
                            "has sslmode=\(value): use one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    tls = mode
                case "sslrootcert": tlsRootCertificates = value
                case "connect_timeout":
                    guard let seconds = Double(value), seconds > 0, seconds <= 3600 else {
                        throw invalid("has connect_timeout=\(value): give seconds, more than 0")
                    }
                    timeout = .milliseconds(Int64(seconds * 1000))
                default:
                    throw invalid("has an unknown parameter '\(item.name)': known are sslmode, sslrootcert, connect_timeout")
                }
            }
        }

        /// `host:port/database`, for messages.
        public var endpoint: String {
            (host.contains(":") ? "[\(host)]" : host) + ":\(port)/\(database)"
        }

        /// The URL with its password replaced by `***`.
        static func redacted(_ url: String) -> String { CatalogLocation.redactingPassword(url) }

        func clientTLS() throws -> PostgresClient.Configuration.TLS {
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(unverifiedTLS)
            case .require: .require(unverifiedTLS)
            case .verifyFull: .require(try verifiedTLS())
            }
        }

        func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
            switch tls {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: unverifiedTLS))
            case .require: .require(try NIOSSLContext(configuration: unverifiedTLS))
            case .verifyFull: .require(try NIOSSLContext(configuration: try verifiedTLS()))
            }
        }

        private var unverifiedTLS: TLSConfiguration {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return configuration
        }

        private func verifiedTLS() throws -> TLSConfiguration {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let tlsRootCertificates {
                configuration.trustRoots = .file(tlsRootCertificates)
            }
            return configuration
        }
    }
}
