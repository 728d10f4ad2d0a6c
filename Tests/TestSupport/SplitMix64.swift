/// Steele, Lea and Flood's SplitMix64: a tiny seeded generator whose sequence is fixed by its seed
/// on every platform and toolchain, so a failing random sentence can be reproduced from the seed.
///
/// The bounded helpers are implemented here rather than through `Int.random(in:using:)`, whose
/// algorithm the standard library does not promise to keep.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<upperBound` (multiply-shift; the bias is negligible for small bounds).
    public mutating func next(below upperBound: Int) -> Int {
        precondition(upperBound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(upperBound)).high)
    }

    /// True with the given probability.
    public mutating func chance(_ probability: Double) -> Bool {
        Double(next() >> 11) * 0x1.0p-53 < probability
    }

    public mutating func element<T>(of array: [T]) -> T {
        array[next(below: array.count)]
    }
}
