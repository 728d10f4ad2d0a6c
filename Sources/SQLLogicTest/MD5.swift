/// MD5 (RFC 1321), the digest sqllogictest files use for hashed results.
///
/// Not for security: sqllogictest only needs the exact digest `sqllogictest.c` computes, and the
/// package has no crypto dependency to borrow one from.
///
/// ```swift
/// var md5 = MD5()
/// md5.update("abc")
/// print(md5.finalize().hex)  // 900150983cd24fb0d6963f7d28e17f72
/// print(MD5.hex(of: "abc"))  // the same, in one call
/// ```
public struct MD5: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476)
    /// Bytes not yet hashed: always fewer than 64.
    private var pending: [UInt8] = []
    private var byteCount: UInt64 = 0

    /// A digest over no bytes yet.
    public init() {
        pending.reserveCapacity(64)
    }

    /// The lowercase hex digest of `text`'s UTF-8 bytes.
    public static func hex(of text: String) -> String {
        var md5 = MD5()
        md5.update(text)
        return md5.finalize().hex
    }

    /// Adds the UTF-8 bytes of `text`.
    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// Adds `bytes`.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds the bytes in `buffer`.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        byteCount &+= UInt64(buffer.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, buffer.count)
            pending.append(contentsOf: buffer[0..<take])
            offset = take
            guard pending.count == 64 else { return }
            pending.withUnsafeBytes { compress($0.baseAddress!) }
            pending.removeAll(keepingCapacity: true)
        }
        while buffer.count - offset >= 64 {
            compress(buffer.baseAddress! + offset)
            offset += 64
        }
        pending.append(contentsOf: buffer[offset...])
    }

    /// Pads, finishes and returns the 16-byte digest. The value is spent afterwards.
    public mutating func finalize() -> Digest {
        let bitCount = byteCount &* 8
        var tail: [UInt8] = [0x80]
        let padding = (55 - (pending.count % 64) + 64) % 64
        tail.append(contentsOf: repeatElement(0, count: padding))
        for shift in stride(from: 0, to: 64, by: 8) {
            tail.append(UInt8(truncatingIfNeeded: bitCount >> UInt64(shift)))
        }
        let savedCount = byteCount
        update(tail)
        byteCount = savedCount
        precondition(pending.isEmpty, "MD5 padding must end on a block boundary")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for word in [state.0, state.1, state.2, state.3] {
            for shift in stride(from: 0, to: 32, by: 8) {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
            }
        }
        return Digest(bytes: bytes)
    }

    /// A finished MD5 digest.
    public struct Digest: Hashable, Sendable, CustomStringConvertible {
        /// The 16 bytes of the digest.
        public let bytes: [UInt8]

        /// The digest as 32 lowercase hex digits, the way `sqllogictest.c` prints it.
        public var hex: String {
            let digits = Array("0123456789abcdef".utf8)
            var text: [UInt8] = []
            text.reserveCapacity(32)
            for byte in bytes {
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0x0F)])
            }
            return String(decoding: text, as: UTF8.self)
        }

        public var description: String { hex }
    }

    // MARK: - The block function

    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    /// floor(abs(sin(i + 1)) * 2^32), as tabulated in RFC 1321.
    private static let constants: [UInt32] = [
        0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
        0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be, 0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
        0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
        0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed, 0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
        0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c, 0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
        0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
        0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
        0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1, 0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
    ]

    private mutating func compress(_ block: UnsafeRawPointer) {
        var words = [UInt32](repeating: 0, count: 16)
        for index in 0..<16 {
            // Little-endian words, read byte by byte so alignment and host order do not matter.
            let base = index * 4
            words[index] = UInt32(block.load(fromByteOffset: base, as: UInt8.self))
                | UInt32(block.load(fromByteOffset: base + 1, as: UInt8.self)) << 8
                | UInt32(block.load(fromByteOffset: base + 2, as: UInt8.self)) << 16
                | UInt32(block.load(fromByteOffset: base + 3, as: UInt8.self)) << 24
        }
        var (a, b, c, d) = state
        for round in 0..<64 {
            var f: UInt32
            let g: Int
            switch round {
            case 0..<16:
                f = (b & c) | (~b & d)
                g = round
            case 16..<32:
                f = (d & b) | (~d & c)
                g = (5 &* round &+ 1) % 16
            case 32..<48:
                f = b ^ c ^ d
                g = (3 &* round &+ 5) % 16
            default:
                f = c ^ (b | ~d)
                g = (7 &* round) % 16
            }
            f = f &+ a &+ Self.constants[round] &+ words[g]
            a = d
            d = c
            c = b
            let shift = Self.shifts[round]
            b = b &+ ((f << shift) | (f >> (32 - shift)))
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}
