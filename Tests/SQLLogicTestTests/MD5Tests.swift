import Testing

@testable import SQLLogicTest

@Suite struct MD5Tests {
    /// The test suite of RFC 1321, appendix A.5.
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a"
        ),
    ])
    func rfc1321Vectors(input: String, digest: String) {
        #expect(MD5.hex(of: input) == digest)
    }

    /// Feeding the bytes in pieces of every size gives the one-shot digest, across block
    /// boundaries (55, 56 and 64 bytes are where the padding changes shape).
    @Test func incrementalUpdatesMatchOneShot() {
        for length in [0, 1, 55, 56, 57, 63, 64, 65, 127, 128, 129, 1000] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var whole = MD5()
            whole.update(bytes)
            let expected = whole.finalize()
            for chunk in [1, 3, 17, 64, 100] {
                var pieces = MD5()
                for start in stride(from: 0, to: length, by: chunk) {
                    pieces.update(Array(bytes[start..<min(start + chunk, length)]))
                }
                #expect(pieces.finalize() == expected, "length \(length), chunk \(chunk)")
            }
        }
    }

    /// A million `a`s, the long vector from the MD5 literature.
    @Test func millionAs() {
        var md5 = MD5()
        let block = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { md5.update(block) }
        #expect(md5.finalize().hex == "7707d6ae4e027c70eea2a935c2296f21")
    }

    /// The hash of a sqllogictest result: every value followed by a newline.
    @Test func resultHashIsOverValuesEachEndingInNewline() {
        #expect(SLTRunner.md5(of: ["1", "2"]) == MD5.hex(of: "1\n2\n"))
        #expect(SLTRunner.md5(of: []) == MD5.hex(of: ""))
    }
}
