// libFuzzer entry point: every input is handed to both profile parsers (model profiles and
// Hugging Face configs share one entry, hardware profiles the other). A parse may fail with a
// ProfileError; anything else (a trap, an overflow, a sanitizer report) is a bug. A successfully
// parsed model is pushed through the memory model and a capacity search at the extremes, so
// validated values that still overflow downstream are caught too.

import CostModel
import Foundation
import ProfileStore

/// One fuzz input.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Data(bytes: data, count: size)
    if let model = try? ProfileStore.parseModel(bytes, file: "fuzz.json") {
        _ = model.memory(MemoryQuery(batch: Limits.maxBatch, promptTokens: Limits.maxContextTokens,
                                     generatedTokens: 0, dtypes: model.dtypes))
        _ = model.maxContext(budgetBytes: 1 << 40, batch: 1, dtypes: model.dtypes, scope: .everything)
    }
    _ = try? ProfileStore.parseHardware(bytes, file: "fuzz.json")
    return 0
}

/// The symbol libFuzzer's own runtime references; the driver in main.swift calls `fuzzOne` directly.
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzOne(data, size)
}
