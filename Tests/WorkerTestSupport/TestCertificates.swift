import Foundation
import ShardQLBase

/// A throwaway certificate authority and a worker certificate it signed, for TLS tests: made
/// with `openssl` in a directory of the caller's, valid for two days, naming `127.0.0.1`, `::1`
/// and `localhost`. A second authority (``otherAuthority``) signed nothing the worker presents.
package struct TestCertificates: Sendable {
    package let authority: String
    package let otherAuthority: String
    package let certificate: String
    package let privateKey: String

    /// Makes the files in `directory` (which must exist).
    package init(in directory: String) throws {
        authority = directory + "/ca.pem"
        otherAuthority = directory + "/other-ca.pem"
        certificate = directory + "/worker.pem"
        privateKey = directory + "/worker.key"
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Self.openssl(["req", "-x509"] + curve + ["-keyout", directory + "/ca.key", "-out", authority, "-days", "2", "-subj", "/CN=ShardQL test CA"])
        try Self.openssl(["req", "-x509"] + curve + ["-keyout", directory + "/other-ca.key", "-out", otherAuthority, "-days", "2", "-subj", "/CN=Another CA"])
        try Self.openssl(["req"] + curve + ["-keyout", privateKey, "-out", directory + "/worker.csr", "-subj", "/CN=shardql worker"])
        let extensions = directory + "/worker.ext"
        try Data("subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n".utf8).write(to: URL(fileURLWithPath: extensions))
        try Self.openssl([
            "x509", "-req", "-in", directory + "/worker.csr", "-CA", authority, "-CAkey", directory + "/ca.key",
            "-CAcreateserial", "-out", certificate, "-days", "2", "-extfile", extensions,
        ])
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = try ChildProcess(["openssl"] + arguments, stdin: .null, stdout: .null, stderr: .pipe)
        let message = process.readAll(process.standardError!)
        guard process.wait() == .exited(0) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl \(arguments.first ?? ""): " + String(decoding: message, as: UTF8.self)])
        }
    }
}
