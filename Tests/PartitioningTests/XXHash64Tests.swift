import Testing

@testable import Partitioning

@Suite("xxHash64 matches the reference")
struct XXHash64Tests {
    @Test("published vectors, seed 0", arguments: [
        ("", 0xEF46_DB37_51D8_E999 as UInt64),
        ("a", 0xD24E_C4F1_A98C_6E5B),
        ("abc", 0x44BC_2CF5_AD77_0999),
        ("message digest", 0x066E_D728_FCEE_B3BE),
        ("abcdefghijklmnopqrstuvwxyz", 0xCFE1_F278_FA89_835C),
        ("The quick brown fox jumps over the lazy dog", 0x0B24_2D36_1FDA_71BC),
        ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", 0xE04A_477F_19EE_145D),
    ])
    func publishedVectors(_ input: String, _ expected: UInt64) {
        #expect(XXHash64.hash(Array(input.utf8)) == expected)
    }

    /// xxHash's own sanity check (`xxhsum -b`): a buffer filled from PRIME32 stepped by PRIME64,
    /// hashed at several lengths with seed 0 and seed PRIME32.
    @Test("xxHash's sanity-check buffer", arguments: [
        (0, 0 as UInt64, 0xEF46_DB37_51D8_E999 as UInt64),
        (0, 2_654_435_761, 0xAC75_FDA2_929B_17EF),
        (1, 0, 0xE934_A84A_DB05_2768),
        (1, 2_654_435_761, 0x5014_6076_43A9_B4C3),
        (4, 0, 0x9136_A0DC_A574_57EE),
        (4, 2_654_435_761, 0xCAAB_286B_D8E9_FDB5),
        (14, 0, 0x8282_DCC4_994E_35C8),
        (14, 2_654_435_761, 0xC3BD_6BF6_3DEB_6DF0),
        (222, 0, 0xB641_AE8C_B691_C174),
        (222, 2_654_435_761, 0x20CB_8AB7_AE10_C14A),
    ])
    func sanityBuffer(_ length: Int, _ seed: UInt64, _ expected: UInt64) {
        var generator: UInt64 = 2_654_435_761
        var buffer: [UInt8] = []
        for _ in 0..<length {
            buffer.append(UInt8(generator >> 56))
            generator &*= 11_400_714_785_074_694_797
        }
        #expect(XXHash64.hash(buffer, seed: seed) == expected)
    }
}
