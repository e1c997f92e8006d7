// The largest inputs the cost model accepts. Chosen so every count fits in Int128 with room to
// spare: the largest product the model forms is about
//   4 * L * B * N^2 * d  <=  2^12 * 2^24 * 2^48 * 2^20 * 4  ~  2^106  <  2^127.
// (L <= 4096, B <= 2^24, N <= 2^24, d <= 2^20.) A test sweeps these extremes.

public enum Limits {
    /// 16M tokens (2^24), the longest context the brief asks for.
    public static let maxContextTokens = 1 << 24
    /// Largest batch: 16,777,216 sequences (the brief asks for 1,000,000).
    public static let maxBatch = 1 << 24
    public static let maxLayers = 4096
    /// Largest hidden size, and the bound from which the FFN bound (8x) derives.
    public static let maxWidth = 1 << 20
    public static let maxHeads = 1 << 16
    public static let maxHeadDim = 1 << 14
    public static let maxVocab = 1 << 24
}
