// Reading a config.json the way transformers does: an absent key takes the family's default, a key
// present as null means None, and every type mistake names the file and the key.

import CostModel
import Foundation

struct HFReader {
    let f: JSONFields
    /// The `model_type` (for messages).
    let family: String

    init(_ f: JSONFields, family: String) {
        self.f = f
        self.family = family
    }

    /// The key is in the file (null included).
    func present(_ key: String) -> Bool { f.object[key] != nil }

    /// The key is in the file with JSON null.
    func isNull(_ key: String) -> Bool { f.object[key] is NSNull }

    func int(_ key: String) throws(ProfileError) -> Int { try f.int(key) }

    /// Absent or null -> `value` (for keys whose None the family replaces by a default).
    func int(_ key: String, default value: Int) throws(ProfileError) -> Int { try f.optionalInt(key) ?? value }

    func optionalInt(_ key: String) throws(ProfileError) -> Int? { try f.optionalInt(key) }

    func bool(_ key: String, default value: Bool) throws(ProfileError) -> Bool { try f.bool(key, default: value) }

    func string(_ key: String, default value: String) throws(ProfileError) -> String { try f.optionalString(key) ?? value }

    /// A window: absent -> `absent` (the family's default), null -> none, else the value.
    func window(_ key: String, absent: Int?) throws(ProfileError) -> Int? {
        if !present(key) { return absent }
        return try f.optionalInt(key)
    }

    /// `layer_types` when the file states it (0-based, one per layer): full or sliding only.
    func layerTypes(layers: Int) throws(ProfileError) -> [Bool]? {
        guard let names = try f.optionalStringArray("layer_types") else { return nil }
        var out: [Bool] = []
        for name in names {
            switch name {
            case "sliding_attention": out.append(true)
            case "full_attention": out.append(false)
            default:
                throw f.error("layer_types", "(\(family)): layer type \"\(name)\" is not modelled yet (only full_attention and sliding_attention); refusing rather than guessing", name)
            }
        }
        guard out.count == layers else {
            throw f.error("layer_types", "must list one type per layer (\(layers))", "\(names.count) entries")
        }
        return out
    }

    /// torch_dtype (older files) or dtype (transformers >= 4.56); bf16 when neither is present.
    func dtype() throws(ProfileError) -> DType {
        let key = f.has("torch_dtype") || !f.has("dtype") ? "torch_dtype" : "dtype"
        let name = try f.optionalString(key) ?? "bfloat16"
        guard let t = DType(name: name) else {
            throw f.error(key, "must be one of float32, bfloat16, float16, float8_e4m3fn, int8, int4", name)
        }
        return t
    }

    /// A multimodal wrapper's text tower: `text_config` (required) read by `text` as `family`, with
    /// the wrapper's dtype where the tower states none, and (`visionNote`) a note that a
    /// vision_config is not counted (Gemma 3, Gemma 3n, Llama 4).
    func textTower(family: String, visionNote: Bool = true,
                   _ text: (HFReader) throws(ProfileError) -> DecoderPlan) throws(ProfileError) -> (plan: DecoderPlan, text: HFReader) {
        guard let t = try nested("text_config", family: family) else {
            throw f.error("text_config", "(\(family)) is required: the text tower's shape lives there", nil)
        }
        try Unmodelled.refuseKeys(t)
        var p = try text(t)
        if !t.present("torch_dtype") && !t.present("dtype") { p.dtype = try dtype() }
        if visionNote && f.has("vision_config") {
            p.family += "; text tower only: the vision tower (vision_config) and its projector are not counted"
        }
        return (p, t)
    }

    /// The nested object under `key` (Gemma 3's `text_config`), read as its own family.
    func nested(_ key: String, family: String) throws(ProfileError) -> HFReader? {
        guard let n = try f.nested(key) else { return nil }
        return HFReader(n, family: family)
    }
}
