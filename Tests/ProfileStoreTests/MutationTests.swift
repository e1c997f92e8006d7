// Mutation testing of the profile parsers: thousands of seeded corruptions of the real profiles
// (byte flips, truncations, insertions of non-UTF-8 bytes, spliced duplicates, numbers replaced by
// extremes). Every input must either parse to a spec that validates or fail with a ProfileError
// naming the file on one line — never a crash, a trap or an uncaught error.

import CostModel
import Foundation
import TestSupport
import Testing
@testable import ProfileStore

enum Mutator {
    static let extremes = ["0", "-1", "1e400", "-0", "9223372036854775808", "18446744073709551616", "1.5", "\"\"", "null", "true", "[]", "{}", "1e-400", "NaN"]

    /// One random corruption of `bytes`.
    static func mutate(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = bytes
        guard !b.isEmpty else { return [UInt8.random(in: 0...255, using: &rng)] }
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:  // flip a byte
            let i = Int.random(in: 0..<b.count, using: &rng)
            b[i] ^= UInt8.random(in: 1...255, using: &rng)
        case 1:  // truncate
            b.removeLast(Int.random(in: 1...b.count, using: &rng))
        case 2:  // insert bytes that are not valid UTF-8 on their own
            let i = Int.random(in: 0...b.count, using: &rng)
            b.insert(contentsOf: [0xC3, 0x28, 0xFF, 0x80].prefix(Int.random(in: 1...4, using: &rng)), at: i)
        case 3:  // delete a range
            let i = Int.random(in: 0..<b.count, using: &rng)
            let n = Int.random(in: 1...min(40, b.count - i), using: &rng)
            b.removeSubrange(i..<(i + n))
        case 4:  // splice a copy of a range somewhere else
            let i = Int.random(in: 0..<b.count, using: &rng)
            let n = Int.random(in: 1...min(60, b.count - i), using: &rng)
            let chunk = Array(b[i..<(i + n)])
            b.insert(contentsOf: chunk, at: Int.random(in: 0...b.count, using: &rng))
        case 5:  // replace the first number after a random point with an extreme literal
            let start = Int.random(in: 0..<b.count, using: &rng)
            if let i = b[start...].firstIndex(where: { (0x30...0x39).contains($0) }) {
                var j = i
                while j < b.count, (0x30...0x39).contains(b[j]) || b[j] == 0x2E || b[j] == 0x65 || b[j] == 0x2D { j += 1 }
                b.replaceSubrange(i..<j, with: Array(extremes.randomElement(using: &rng)!.utf8))
            }
        default:  // swap two bytes
            let i = Int.random(in: 0..<b.count, using: &rng), j = Int.random(in: 0..<b.count, using: &rng)
            b.swapAt(i, j)
        }
        return b
    }
}

@Suite("Mutated profiles never crash the parsers")
struct MutationTests {
    static let casesPerFile = 150

    /// A stable per-file seed (String.hashValue changes between runs).
    static func seed(_ id: String) -> UInt64 { id.utf8.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) } }

    @Test("model profiles and config.json", arguments: Fixtures.ids("models"))
    func models(id: String) throws {
        let original = [UInt8](try Fixtures.data("models", id))
        var rng = SplitMix64(seed: 0x5EED ^ Self.seed(id))
        var parsed = 0, rejected = 0
        for _ in 0..<Self.casesPerFile {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) { bytes = Mutator.mutate(bytes, &rng) }
            do {
                let spec = try ProfileStore.parseModel(Data(bytes), file: "\(id).json")
                try spec.validate()  // anything that parses must also validate
                _ = spec.memory(MemoryQuery(batch: Limits.maxBatch, promptTokens: Limits.maxContextTokens, dtypes: spec.dtypes))
                parsed += 1
            } catch let e as ProfileError {
                #expect(e.description.hasPrefix("\(id).json: "))
                #expect(!e.description.contains("\n"))
                rejected += 1
            }
        }
        // The mutations must actually exercise the error paths.
        #expect(rejected > Self.casesPerFile / 4, "\(id): \(parsed) parsed, \(rejected) rejected")
    }

    @Test("hardware profiles", arguments: Fixtures.ids("hardware"))
    func hardware(id: String) throws {
        let original = [UInt8](try Fixtures.data("hardware", id))
        var rng = SplitMix64(seed: 0xBEEF ^ Self.seed(id))
        var rejected = 0
        for _ in 0..<Self.casesPerFile {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) { bytes = Mutator.mutate(bytes, &rng) }
            do {
                let spec = try ProfileStore.parseHardware(Data(bytes), file: "\(id).json")
                try spec.validate()
            } catch let e as ProfileError {
                #expect(e.description.hasPrefix("\(id).json: "))
                rejected += 1
            }
        }
        #expect(rejected > Self.casesPerFile / 4)
    }
}
