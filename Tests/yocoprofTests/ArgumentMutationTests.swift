// Mutation testing of the command line, in process: thousands of seeded variations of valid
// invocations (flags dropped, duplicated or swapped; values replaced by garbage, extremes, other
// units, non-ASCII digits; unknown flags). Each must parse, or fail with a usage error (exit 64) —
// never a crash. Parsing includes every command's validate(); nothing runs, so this stays fast.

import ArgumentParser
import TestSupport
import Testing
@testable import yocoprof

@Suite("Mutated command lines")
struct ArgumentMutationTests {
    static let seeds: [[String]] = [
        ["memory", "--model", "yoco-3b", "--context", "128K", "--generate", "1024", "--batch", "4", "--kv-dtype", "fp8"],
        ["capacity", "--model", "yoco-65b", "--memory", "1GiB", "--kv-only"],
        ["capacity", "--model", "transformer-3b", "--hardware", "h100-sxm-80gb", "--context", "32K", "--generate", "1024"],
        ["capacity", "--model", "llama-3-8b", "--context", "128K", "--batch", "8", "--prefill-chunk", "whole"],
        ["estimate", "--model", "yoco-3b", "--hardware", "h100-sxm-80gb", "--context", "512K", "--generate", "1024", "--batch", "max"],
        ["sweep", "--model", "yoco-3b,transformer-3b", "--hardware", "h100-sxm-80gb", "--context", "32K..1M*2", "--batch", "1,max"],
        ["baseline", "check", "--format", "markdown"],
        ["models", "--format", "json"],
    ]
    static let values = [
        "", "-1", "0", "1", "17M", "16M", "99999999999999999999999", "1.5", "½", "٣", "１", "NaN", "inf", "1e9",
        "1GiB", "80GB", "0.3B", "1XB", "max", "whole", "fp8", "int3", "yoco-3b", "../etc/passwd", "32K..1M*2",
        "1..0*2", "1K..8K+0", "--model", "-", "\u{0}", "x,y,,z", "1,max,2", "128x128", "0x0",
    ]
    static let flags = ["--context", "--generate", "--batch", "--memory", "--hardware", "--kv-only", "--format", "--bogus", "--model", "--prefill-chunk", "--output", "-h"]

    static func mutate(_ args: [String], _ rng: inout SplitMix64) -> [String] {
        var a = args
        switch Int.random(in: 0..<6, using: &rng) {
        case 0 where a.count > 1: a.remove(at: Int.random(in: 1..<a.count, using: &rng))
        case 1: a.insert(flags.randomElement(using: &rng)!, at: Int.random(in: 1...a.count, using: &rng))
        case 2 where a.count > 1: a[Int.random(in: 1..<a.count, using: &rng)] = values.randomElement(using: &rng)!
        case 3 where a.count > 2:
            let i = Int.random(in: 1..<a.count, using: &rng), j = Int.random(in: 1..<a.count, using: &rng)
            a.swapAt(i, j)
        case 4: a.append(contentsOf: [flags.randomElement(using: &rng)!, values.randomElement(using: &rng)!])
        default: if let i = a.indices.dropFirst().randomElement(using: &rng) { a.insert(a[i], at: i) }
        }
        return a
    }

    @Test("every variation parses or is a usage error", arguments: 0..<seeds.count)
    func mutations(seedIndex: Int) {
        var rng = SplitMix64(seed: UInt64(seedIndex) &* 0x9E37_79B9 &+ 1)
        var parsed = 0, rejected = 0
        // 30 per seed: parsing in a debug build costs ~0.1 s per invocation of the big commands.
        for _ in 0..<30 {
            var args = Self.seeds[seedIndex]
            for _ in 0..<Int.random(in: 1...3, using: &rng) { args = Self.mutate(args, &rng) }
            do {
                _ = try YocoProf.parseAsRoot(args)
                parsed += 1
            } catch {
                let code = YocoProf.exitCode(for: error)
                // Help requests exit 0; everything else found while parsing is a usage error.
                #expect(code == .validationFailure || code == .success, "\(args): \(code.rawValue) \(error)")
                rejected += 1
            }
        }
        #expect(rejected > 3, "mutations of \(Self.seeds[seedIndex]) rarely failed: \(parsed) parsed")
    }
}
