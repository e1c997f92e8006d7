// "Did you mean": the close names for a mistyped profile id.
import Testing
@testable import ProfileStore

@Suite("Name suggestions")
struct NameSuggestionsTests {
    static let ids = ["h100-pcie-80gb", "h100-sxm-80gb", "transformer-3b", "yoco-13b", "yoco-3b", "yoco-3b-swa", "yoco-65b"]

    @Test("suggestions", arguments: [
        ("yoco3b", ["yoco-3b"]),                 // separators only: the exact one alone
        ("YOCO_3B", ["yoco-3b"]),
        ("yoco-4b", ["yoco-3b", "yoco-13b", "yoco-65b"]),
        ("transfromer-3b", ["transformer-3b"]),  // two letters swapped: distance 1
        ("h100", ["h100-pcie-80gb", "h100-sxm-80gb"]),  // a prefix
        ("gpt-9", []),
        ("", []),
    ])
    func closest(typed: String, expected: [String]) {
        #expect(NameSuggestions.closest(to: typed, in: Self.ids) == expected)
    }

    @Test("the phrase an error adds")
    func phrase() {
        #expect(NameSuggestions.phrase(for: "yoco3b", in: Self.ids) == "did you mean `yoco-3b`?")
        #expect(NameSuggestions.phrase(for: "h100", in: Self.ids) == "did you mean `h100-pcie-80gb` or `h100-sxm-80gb`?")
        #expect(NameSuggestions.phrase(for: "gpt-9", in: Self.ids) == "")
    }
}
