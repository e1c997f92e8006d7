// Where a block adds its branches back into the residual stream: the one rule that both the
// element-wise add kernels (Roofline+Elementwise.swift) and the operators' each-byte-once change
// (Prefill.swift, `OperatorCost.unfusedByteDelta`) read, so the two cannot disagree.

extension Block {
    /// The residual adds an engine runs as kernels of their own: one after each of the mixer and the
    /// feed-forward that the block has; a parallel block (one norm) sums both branches into the
    /// residual in one add, counted after the mixer.
    public var residualAdds: (afterMixer: Bool, afterFeedForward: Bool) {
        let mixes = mixer != .identity, feeds = feedForward != .identity
        return norms.count == 1 && mixes ? (true, false) : (mixes, feeds)
    }
}
