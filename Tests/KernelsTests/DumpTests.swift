// The safetensors writer and the forward dump: format, names, no partial files on failure.

import CostModel
import Foundation
import Testing
@testable import Kernels

@Suite struct DumpTests {
    @Test func safetensorsLayout() throws {
        let data = try Safetensors.encode([SafetensorsEntry(name: "a", shape: [2], payload: .f32([1, 2])),
                                           SafetensorsEntry(name: "t", shape: [1], payload: .i32([7]))], metadata: ["k": "v"])
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        #expect(n % 8 == 0)
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + Int(n)))) as! [String: Any]
        let a = header["a"] as! [String: Any]
        #expect(a["dtype"] as? String == "F32")
        #expect(a["data_offsets"] as? [Int] == [0, 8])
        #expect((header["t"] as! [String: Any])["data_offsets"] as? [Int] == [8, 12])
        #expect(data.count == 8 + Int(n) + 12)
        let floats = data.subdata(in: (8 + Int(n))..<(16 + Int(n))).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(floats == [1, 2])
    }

    func tempDir() -> URL {
        URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("yocoprof-dump-\(UUID().uuidString)")
    }

    @Test func dumpWritesThreeFilesWithDocumentedNames() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = TestModels.yocoGRet
        let summary = try ForwardDump.run(spec: spec, context: 6, seed: 3, directory: dir.path)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)) == Set(summary.files))
        let out = try Data(contentsOf: dir.appendingPathComponent("outputs.safetensors"))
        let n = Int(out.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let header = try JSONSerialization.jsonObject(with: out.subdata(in: 8..<(8 + n))) as! [String: Any]
        #expect((header["hidden"] as! [String: Any])["shape"] as? [Int] == [1, 6, spec.hiddenSize])
        #expect((header["logits"] as! [String: Any])["shape"] as? [Int] == [1, spec.vocabSize])
    }

    @Test func unwritableFolderLeavesNothingBehind() throws {
        // the parent "folder" is a regular file, so nothing can be created under it (this works
        // even for root, for whom permission bits would not stop the write)
        let parent = tempDir()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: parent) }
        let blocker = parent.appendingPathComponent("file")
        try Data([1]).write(to: blocker)
        #expect(throws: KernelError.self) {
            _ = try ForwardDump.run(spec: TestModels.mha, context: 3, seed: 1, directory: blocker.appendingPathComponent("dump").path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["file"])
    }

    @Test func nonEmptyTargetIsRefused() throws {
        let dir = tempDir()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data([1]).write(to: dir.appendingPathComponent("keep"))
        #expect(throws: KernelError.self) { _ = try ForwardDump.run(spec: TestModels.mha, context: 3, seed: 1, directory: dir.path) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["keep"])
    }
}
