// Deterministic random numbers for weights and inputs: the same seed gives the same bits on every
// machine (SplitMix64; floats from the top 24 bits, no platform RNG involved).

public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1), exact multiples of 2^-23.
    public mutating func nextSymmetric() -> Float {
        Float(Int32(truncatingIfNeeded: next() >> 40) - (1 << 23)) / Float(1 << 23)
    }

    /// Uniform integer in 0..<bound.
    public mutating func nextInt(below bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// Fills `count` floats with uniform values in [-scale, scale).
    public mutating func fill(_ p: UnsafeMutablePointer<Float>, count: Int, scale: Float, offset: Float = 0) {
        for i in 0..<count { p[i] = offset + scale * nextSymmetric() }
    }
}
