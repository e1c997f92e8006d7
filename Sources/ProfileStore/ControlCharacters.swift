// Characters that must not reach a terminal or a report from a profile: they can move the cursor,
// clear the screen or reorder what is shown.

extension Unicode.Scalar {
    /// C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates.
    public var isTerminalControl: Bool {
        value < 0x20 || (0x7F...0x9F).contains(value) || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
    }
}
