// Bad profiles: each must fail with a ProfileError whose one-line message names the file, the field,
// the constraint and the value. Many cases are generated: every integer field of a valid profile
// is set to each of a list of wrong values.

import CostModel
import Foundation
import Testing
@testable import ProfileStore

/// A wrong value for an integer field, as raw JSON, and how the error shows it (nil: not shown).
struct BadInt: Sendable, CustomStringConvertible {
    var literal: String
    var shown: String?
    var description: String { literal }

    static let all: [BadInt] = [
        BadInt(literal: "0", shown: "0"),
        BadInt(literal: "-1", shown: "-1"),
        BadInt(literal: "1.5", shown: "1.5"),
        BadInt(literal: "\"8\"", shown: "\"8\""),
        BadInt(literal: "true", shown: "true"),
        BadInt(literal: "1000000000000000000", shown: "1000000000000000000"),
        BadInt(literal: "1e30", shown: nil),  // too large to be exact: shown as Foundation prints it
        BadInt(literal: "[8]", shown: "an array"),
        BadInt(literal: "{\"n\": 8}", shown: "an object"),
    ]
}

/// An integer field of a committed profile, and whether it may be null (optional with a default).
struct IntField: Sendable, CustomStringConvertible {
    var profile: String
    var field: String
    var optional: Bool
    var description: String { "\(profile).\(field)" }

    static let all: [IntField] =
        ["layers", "hidden_size", "heads", "kv_heads", "head_dim", "ffn_size", "vocab_size", "gret_heads", "gret_head_dim"]
            .map { IntField(profile: "yoco-3b", field: $0, optional: false) }
        + ["self_decoder_layers", "gret_chunk_tokens"].map { IntField(profile: "yoco-3b", field: $0, optional: true) }
        + [IntField(profile: "mistral-7b", field: "sliding_window", optional: true),
           IntField(profile: "yoco-3b-swa", field: "sliding_window", optional: false)]
}

@Suite("Invalid model profiles")
struct ProfileValidationTests {
    static func parse(_ data: Data, _ file: String = "Profiles/models/test.json") throws(ProfileError) -> ModelSpec {
        try ProfileStore.parseModel(data, file: file)
    }

    @Test("every integer field rejects every wrong value, naming the field", arguments: IntField.all, BadInt.all)
    func badInteger(field: IntField, bad: BadInt) throws {
        let data = try Fixtures.mutated(try Fixtures.object("models", field.profile), field.field, bad.literal)
        let e = #expect(throws: ProfileError.self) { try Self.parse(data) }
        #expect(e?.field == field.field, "\(String(describing: e))")
        #expect(e?.names(file: "Profiles/models/test.json", field: field.field, value: bad.shown) == true, "\(String(describing: e))")
    }

    @Test("null or a missing key: required fields say so, optional ones take their default", arguments: IntField.all)
    func nullAndMissing(field: IntField) throws {
        let object = try Fixtures.object("models", field.profile)
        for literal in ["null", nil] as [String?] {
            let data = try Fixtures.mutated(object, field.field, literal)
            if field.optional {
                _ = try Self.parse(data)
            } else {
                let e = #expect(throws: ProfileError.self) { try Self.parse(data) }
                #expect(e?.field == field.field)
                #expect(e?.constraint.contains("required") == true, "\(String(describing: e))")
            }
        }
    }

    @Test("string fields reject non-strings", arguments: ["id", "source", "architecture", "self_decoder", "notes", "dtypes.kv_cache"])
    func badString(field: String) throws {
        for literal in ["8", "true", "[\"a\"]"] {
            let data = try Fixtures.mutated(try Fixtures.object("models", "yoco-3b"), field, literal)
            let e = #expect(throws: ProfileError.self) { try Self.parse(data) }
            #expect(e?.field == field, "\(literal): \(String(describing: e))")
            #expect(e?.constraint.contains("string") == true)
        }
    }

    @Test("structural constraints", arguments: [
        // (profile, field to set, raw JSON, field the error must name, text the message must contain)
        ("yoco-3b", "kv_heads", "5", "kv_heads", "must divide"),
        ("transformer-3b", "kv_heads", "7", "kv_heads", "must divide"),
        ("yoco-3b", "layers", "0", "layers", "between 1"),
        ("yoco-3b", "layers", "1", "layers", "at least 2"),
        ("yoco-3b", "self_decoder_layers", "26", "self_decoder_layers", "between 1 and 25"),
        ("yoco-3b", "hidden_size", "-3072", "hidden_size", "between 1"),
        ("yoco-3b", "vocab_size", "-1", "vocab_size", "between 1"),
        ("mistral-7b", "sliding_window", "16777217", "sliding_window", "16777216"),
        ("yoco-3b-swa", "sliding_window", "16777217", "sliding_window", "16777216"),
        ("yoco-3b", "sliding_window", "1024", "sliding_window", "gated-retention"),
        ("yoco-3b-swa", "gret_heads", "24", "gret_heads", "gated-retention"),
        ("yoco-3b-swa", "self_kv_heads", "5", "self_kv_heads", "must divide"),
        ("yoco-3b", "self_kv_heads", "8", "self_kv_heads", "sliding-window"),
        ("transformer-3b", "self_kv_heads", "8", "self_kv_heads", "sliding-window"),
        ("yoco-3b", "architecture", "\"mamba\"", "architecture", "\"mamba\""),
        ("yoco-3b", "self_decoder", "\"mamba\"", "self_decoder", "gated_retention"),
        ("yoco-3b", "dtypes.kv_cache", "\"bf17\"", "dtypes.kv_cache", "\"bf17\""),
        ("yoco-3b", "dtypes.kv", "\"bf16\"", "dtypes.kv", "not a known field"),
        ("yoco-3b", "dtypes", "\"bf16\"", "dtypes", "object"),
        ("yoco-3b", "dtype", "\"fp64\"", "dtype", "\"fp64\""),
        ("yoco-3b", "kv_head", "8", "kv_head", "not a known field"),
        ("yoco-3b", "tied_embeddings", "1", "tied_embeddings", "true or false"),
        ("yoco-3b", "tied_embeddings", "\"false\"", "tied_embeddings", "true or false"),
        ("yoco-3b", "source", "\"  \"", "source", "must name"),
        ("transformer-3b", "self_decoder", "\"gated_retention\"", "self_decoder", "YOCO"),
        ("transformer-3b", "gret_heads", "24", "gret_heads", "YOCO"),
        ("transformer-3b", "self_decoder_layers", "13", "self_decoder_layers", "YOCO"),
    ] as [(String, String, String, String, String)])
    func structural(profile: String, field: String, literal: String, named: String, says: String) throws {
        let data = try Fixtures.mutated(try Fixtures.object("models", profile), field, literal)
        let e = #expect(throws: ProfileError.self) { try Self.parse(data) }
        #expect(e?.field == named, "\(String(describing: e))")
        #expect(e?.description.contains(says) == true, "\(String(describing: e))")
        #expect(e?.description.hasPrefix("Profiles/models/test.json: `\(named)` ") == true, "\(String(describing: e))")
    }

    @Test("yoco-3b-swa without a window: `sliding_window` is required")
    func swaNeedsWindow() throws {
        let data = try Fixtures.mutated(try Fixtures.object("models", "yoco-3b-swa"), "sliding_window", nil)
        let e = #expect(throws: ProfileError.self) { try Self.parse(data) }
        #expect(e?.field == "sliding_window")
        #expect(e?.constraint.contains("required") == true)
    }

    @Test("whole-file faults: the message names the file and what is wrong", arguments: [
        ("{\"id\": \"x\",", "not valid JSON"),
        ("", "not valid JSON"),
        ("[1, 2]", "one JSON object"),
        ("\"yoco\"", "one JSON object"),
        ("null", "one JSON object"),
    ] as [(String, String)])
    func wholeFile(text: String, says: String) throws {
        let e = #expect(throws: ProfileError.self) { try Self.parse(Data(text.utf8), "broken.json") }
        #expect(e?.field == nil)
        #expect(e?.description.hasPrefix("broken.json: ") == true)
        #expect(e?.description.contains(says) == true, "\(String(describing: e))")
    }

    @Test("non-UTF-8 bytes are rejected before parsing")
    func notUTF8() throws {
        var bytes = Array(try Fixtures.data("models", "yoco-3b"))
        let i = try #require(bytes.firstIndex(of: UInt8(ascii: "Y")))  // inside the `source` string
        bytes[i] = 0xC3; bytes[i + 1] = 0x28  // an invalid two-byte sequence
        let e = #expect(throws: ProfileError.self) { try Self.parse(Data(bytes), "latin1.json") }
        #expect(e?.description == "latin1.json: is not valid UTF-8 text")
    }

    @Test("a profile with only `dtype` stores every class in it; `dtypes` overrides per class")
    func dtypePlans() throws {
        var o = try Fixtures.object("models", "llama-3-8b")
        o["dtypes"] = nil
        o["dtype"] = "fp8"
        let uniform = try Self.parse(try JSONSerialization.data(withJSONObject: o))
        #expect(uniform.dtypes == .uniform(.fp8))
        o["dtypes"] = ["kv_cache": "int4"]
        let mixed = try Self.parse(try JSONSerialization.data(withJSONObject: o))
        #expect(mixed.dtypes == DTypePlan(weights: .fp8, kvCache: .int4, state: .fp8, activations: .fp8))
    }
}

@Suite("Invalid hardware profiles")
struct HardwareValidationTests {
    static let file = "Profiles/hardware/test.json"

    @Test("integer byte fields reject wrong values", arguments: ["memory_bytes", "runtime_overhead_bytes"], ["0.5", "\"80GB\"", "true", "[1]"])
    func badBytes(field: String, literal: String) throws {
        let data = try Fixtures.mutated(try Fixtures.object("hardware", "h100-sxm-80gb"), field, literal)
        let e = #expect(throws: ProfileError.self) { try ProfileStore.parseHardware(data, file: Self.file) }
        #expect(e?.names(file: Self.file, field: field, value: nil) == true, "\(String(describing: e))")
    }

    @Test("range checks", arguments: [
        ("memory_bytes", "0", "memory_bytes"),
        ("memory_bytes", "-85520809984", "memory_bytes"),
        ("runtime_overhead_bytes", "-1", "runtime_overhead_bytes"),
        ("runtime_overhead_bytes", "85520809984", "runtime_overhead_bytes"),
        ("memory_bandwidth_bytes_per_second", "0", "memory_bandwidth_bytes_per_second"),
        ("memory_bandwidth_bytes_per_second", "\"3.35TB/s\"", "memory_bandwidth_bytes_per_second"),
        ("compute_efficiency", "1.5", "compute_efficiency"),
        ("compute_efficiency", "0", "compute_efficiency"),
        ("memory_efficiency", "true", "memory_efficiency"),
        ("operator_overhead_seconds", "-1e-6", "operator_overhead_seconds"),
        ("peak_flops_per_second", "{}", "peak_flops_per_second"),
        ("peak_flops_per_second", "9.89e14", "peak_flops_per_second"),
        ("peak_flops_per_second.bf16", "-1", "peak_flops_per_second.bf16"),
        ("peak_flops_per_second.bf16", "\"989T\"", "peak_flops_per_second.bf16"),
        ("peak_flops_per_second.tf32", "4.9e14", "peak_flops_per_second.tf32"),
        ("memory_gb", "80", "memory_gb"),
    ] as [(String, String, String)])
    func ranges(field: String, literal: String, named: String) throws {
        let data = try Fixtures.mutated(try Fixtures.object("hardware", "h100-sxm-80gb"), field, literal)
        let e = #expect(throws: ProfileError.self) { try ProfileStore.parseHardware(data, file: Self.file) }
        #expect(e?.field == named, "\(String(describing: e))")
        #expect(e?.description.hasPrefix("\(Self.file): `\(named)` ") == true, "\(String(describing: e))")
    }

    @Test("required fields", arguments: ["id", "source", "memory_bytes", "memory_bandwidth_bytes_per_second",
                                         "peak_flops_per_second", "compute_efficiency", "memory_efficiency",
                                         "operator_overhead_seconds"])
    func required(field: String) throws {
        let data = try Fixtures.mutated(try Fixtures.object("hardware", "h100-sxm-80gb"), field, nil)
        let e = #expect(throws: ProfileError.self) { try ProfileStore.parseHardware(data, file: Self.file) }
        #expect(e?.field == field)
        #expect(e?.constraint.contains("required") == true, "\(String(describing: e))")
    }

    @Test("runtime_overhead_bytes is optional and defaults to 0")
    func overheadDefault() throws {
        let data = try Fixtures.mutated(try Fixtures.object("hardware", "h100-sxm-80gb"), "runtime_overhead_bytes", nil)
        // The profile names its efficiency curves relative to its folder.
        #expect(try ProfileStore.parseHardware(data, file: Self.file, directory: Fixtures.profiles.appendingPathComponent("hardware")).runtimeOverheadBytes == 0)
    }
}
