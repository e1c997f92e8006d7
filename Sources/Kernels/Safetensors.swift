// A minimal safetensors writer (https://github.com/huggingface/safetensors, format description):
//   8 bytes   little-endian u64 N, the header length
//   N bytes   UTF-8 JSON {"<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
//             "__metadata__": {"key": "value"}}, padded with spaces to a multiple of 8
//   data      the tensors' bytes, little-endian, in header order, offsets relative to the data start
// Only F32 and I32 are written (the kernels are fp32; token ids are int32).

import Foundation

public struct SafetensorsEntry {
    public enum Payload { case f32([Float]), f32Pointer(UnsafePointer<Float>, Int), i32([Int32]) }
    public var name: String
    public var shape: [Int]
    public var payload: Payload

    public init(name: String, shape: [Int], payload: Payload) {
        self.name = name
        self.shape = shape
        self.payload = payload
    }

    var byteCount: Int {
        switch payload {
        case .f32(let a): a.count * 4
        case .f32Pointer(_, let n): n * 4
        case .i32(let a): a.count * 4
        }
    }
    var dtype: String {
        if case .i32 = payload { return "I32" }
        return "F32"
    }
}

public enum Safetensors {
    /// The file's bytes. Tensors keep the given order; metadata keys are sorted.
    public static func encode(_ entries: [SafetensorsEntry], metadata: [String: String] = [:]) throws(KernelError) -> Data {
        var header = "{"
        var offset = 0
        var parts: [String] = []
        if !metadata.isEmpty {
            let m = metadata.keys.sorted().map { "\(quote($0)):\(quote(metadata[$0]!))" }.joined(separator: ",")
            parts.append("\"__metadata__\":{\(m)}")
        }
        for e in entries {
            guard e.shape.reduce(1, *) * 4 == e.byteCount else {
                throw .invalidShape(what: "safetensors tensor \(e.name)", constraint: "shape \(e.shape) must match its element count", value: e.byteCount / 4)
            }
            parts.append("\(quote(e.name)):{\"dtype\":\"\(e.dtype)\",\"shape\":[\(e.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + e.byteCount)]}")
            offset += e.byteCount
        }
        header += parts.joined(separator: ",") + "}"
        while header.utf8.count % 8 != 0 { header += " " }
        var data = Data(capacity: 8 + header.utf8.count + offset)
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        for e in entries {  // x86-64 and arm64 are little-endian, as the format requires
            switch e.payload {
            case .f32(let a): a.withUnsafeBytes { data.append(contentsOf: $0) }
            case .f32Pointer(let p, let n): data.append(UnsafeBufferPointer(start: p, count: n))
            case .i32(let a): a.withUnsafeBytes { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if ch.value < 0x20 { out += String(format: "\\u%04x", ch.value) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }
}
