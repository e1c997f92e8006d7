// `yocoprof forward --dump DIR`: the weights, the input and the outputs of one prefill as
// safetensors files, so an independent implementation can recompute and compare them.
// Tensor names are documented in docs/KERNELS.md. The folder appears complete or not at all:
// files are written into a hidden sibling folder which is renamed onto DIR at the end; on any
// failure the sibling is removed.
//
//   DIR/weights.safetensors  every weight (ModelWeights names; projections [d_in, d_out], y = x W)
//   DIR/input.safetensors    tokens [B, N] I32; input_embeddings [B, N, d] F32 (lookup * sqrt(d))
//   DIR/outputs.safetensors  hidden [B, N, d] F32 (after the final RMSNorm, every position; YOCO runs
//                            its cross-decoder over all positions for this), logits [B, V] F32 (last position)

import CostModel
import Foundation

public struct DumpSummary: Sendable {
    public var directory: String
    public var files: [String]
    public var bytes: Int
    public var blas: BLASEnvironment
}

public enum ForwardDump {
    /// Token ids of the dumped input: SplitMix64 seeded with `seed ^ 0x746f6b656e73` ("tokens").
    public static func inputTokens(batch: Int, context: Int, vocab: Int, seed: UInt64) -> [Int32] {
        var rng = SeededRandom(seed: seed ^ 0x746f_6b65_6e73)
        return (0..<(batch * context)).map { _ in Int32(rng.nextInt(below: vocab)) }
    }

    /// What a dump holds at its peak: the run (weights, caches, prefill workspace) and, beside it,
    /// the dump's own buffers — the token ids, the embedded input, the hidden states and logits it
    /// keeps, and the largest encoded file (they are encoded one at a time).
    public static func memoryPlan(spec: ModelSpec, context: Int, batch: Int) -> MemoryPlan {
        var plan = MemoryPlan(spec: spec, batch: batch, promptTokens: context, generatedTokens: 0)
        let rows = sizeProduct(batch, context)
        let activations = sizeProduct(rows, spec.hiddenSize, 4)
        let logits = sizeProduct(batch, spec.vocabSize, 4)
        let largestFile = max(plan.weightBytes, sizeSum([sizeProduct(rows, 4), activations]), sizeSum([activations, logits]))
        plan.otherBytes = sizeSum([sizeProduct(rows, 4), activations, activations, logits, largestFile])
        return plan
    }

    /// `critical` runs the staging and the rename with interrupts deferred (the command passes
    /// its interrupt guard); `beforeRename` runs inside it once the staging folder is complete.
    public static func run(
        spec: ModelSpec, context: Int, batch: Int = 1, seed: UInt64, directory: String,
        critical: (() -> Void) -> Void = { $0() }, beforeRename: @escaping () -> Void = {}
    ) throws(KernelError) -> DumpSummary {
        guard context >= 1 else { throw .invalidShape(what: "--context", constraint: "must be at least 1", value: context) }
        guard batch >= 1 else { throw .invalidShape(what: "--batch", constraint: "must be at least 1", value: batch) }
        try ModelRun.checkSupported(spec)
        let fm = FileManager.default
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: target.path, isDirectory: &isDir) {
            let empty = isDir.boolValue && ((try? fm.contentsOfDirectory(atPath: target.path))?.isEmpty ?? false)
            guard empty else { throw .dumpFailed(path: target.path, reason: "it exists and is not an empty folder") }
        }
        let parent = target.deletingLastPathComponent()
        guard fm.isWritableFile(atPath: parent.path) else {
            throw .dumpFailed(path: target.path, reason: "the parent folder \(parent.path) is missing or not writable")
        }
        // refuse before allocating if the run cannot fit
        try memoryPlan(spec: spec, context: context, batch: batch)
            .checkFits(what: "forward pass of \(spec.id) at batch \(batch), \(context) tokens")

        try BLASEnvironment.requireRunnable()
        let blas = BLASEnvironment.current()
        let allocator = CountingAllocator()
        let weights = try ModelWeights(spec: spec, seed: seed, allocator: allocator)
        let tokens = inputTokens(batch: batch, context: context, vocab: spec.vocabSize, seed: seed)
        let run = try ModelRun(weights: weights, batch: batch, capacityTokens: context, allocator: allocator)
        let out = try run.prefill(tokens: tokens, allPositions: true)
        let d = spec.hiddenSize
        let E = weights["embedding"]
        let scale = Float(d).squareRoot()
        var embedded = [Float](repeating: 0, count: batch * context * d)
        for r in 0..<(batch * context) { for j in 0..<d { embedded[r * d + j] = E[Int(tokens[r]) * d + j] * scale } }

        let meta: [String: String] = [
            "model_id": spec.id, "seed": String(seed), "context_tokens": String(context), "batch": String(batch),
            "format": "yocoprof forward dump v1; projections stored [d_in, d_out], y = x W",
            "blas_core": blas.coreName, "blas_threads": String(blas.threads), "kernel_simd_path": blas.simdPath.rawValue,
        ]
        let files: [(String, [SafetensorsEntry])] = [
            ("weights.safetensors", weights.tensors.map {
                SafetensorsEntry(name: $0.name, shape: $0.shape, payload: .f32Pointer($0.buffer.pointer, $0.buffer.count))
            }),
            ("input.safetensors", [SafetensorsEntry(name: "tokens", shape: [batch, context], payload: .i32(tokens)),
                                   SafetensorsEntry(name: "input_embeddings", shape: [batch, context, d], payload: .f32(embedded))]),
            ("outputs.safetensors", [SafetensorsEntry(name: "hidden", shape: [batch, context, d], payload: .f32(out.hidden)),
                                     SafetensorsEntry(name: "logits", shape: [batch, spec.vocabSize], payload: .f32(out.logits))]),
        ]
        // `.<name>.partial-<pid>`, the name cut to fit NAME_MAX (255 bytes).
        let suffix = ".partial-\(getpid())"
        var base = target.lastPathComponent
        while 1 + base.utf8.count + suffix.utf8.count > 255 { base.removeLast() }
        let staging = parent.appendingPathComponent("." + base + suffix)
        var total = 0
        var failure: KernelError?
        critical {
            do {
                try? fm.removeItem(at: staging)
                try fm.createDirectory(at: staging, withIntermediateDirectories: false)
                for (name, entries) in files {
                    let data = try Safetensors.encode(entries, metadata: meta)
                    try Self.write(data, to: staging.appendingPathComponent(name).path, shown: target.path)
                    total += data.count
                }
                beforeRename()
                if fm.fileExists(atPath: target.path) { try fm.removeItem(at: target) }  // an empty folder (checked above)
                guard Foundation.rename(staging.path, target.path) == 0 else {
                    throw KernelError.dumpFailed(path: target.path, reason: String(cString: strerror(errno)))
                }
            } catch {
                try? fm.removeItem(at: staging)
                failure = error as? KernelError ?? .dumpFailed(path: target.path, reason: Self.reason(error))
            }
        }
        if let failure { throw failure }
        return DumpSummary(directory: target.path, files: files.map(\.0), bytes: total, blas: blas)
    }

    /// The system's reason for a failed file operation (strerror), not a Foundation error domain.
    static func reason(_ error: Error) -> String {
        if let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return (error as NSError).localizedDescription
    }

    /// write(2) of every byte into a new file; the reason of a failure is strerror's.
    static func write(_ data: Data, to path: String, shown: String) throws(KernelError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw .dumpFailed(path: shown, reason: String(cString: strerror(errno))) }
        var failed: Int32 = 0
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; failed = errno; return }
                offset += n
            }
        }
        if close(fd) != 0 && failed == 0 { failed = errno }
        if failed != 0 { throw .dumpFailed(path: shown, reason: String(cString: strerror(failed))) }
    }
}
