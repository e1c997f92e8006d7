// Sizes and token counts typed by users (Quantities.swift): exact, unit-explicit, and every bad
// input a ValidationError (usage, exit 64) rather than a crash or a silent guess.

import ArgumentParser
import Testing
@testable import yocoprof

@Suite("Quantities")
struct QuantitiesTests {
    @Test("sizes", arguments: [
        ("1GiB", Int128(1) << 30),
        ("1gib", Int128(1) << 30),
        ("80GB", 80_000_000_000),
        ("81559MiB", 81_559 * 1_048_576),
        ("4096", 4096),
        ("4096B", 4096),
        ("1.5GiB", 1_610_612_736),
        ("0.5KiB", 512),
        (".5KiB", 512),
        ("1 GiB", Int128(1) << 30),
        (" 2TB ", 2_000_000_000_000),
        ("1_000_000", 1_000_000),
        ("1PiB", Int128(1) << 50),
        ("1KB", 1000),
    ] as [(String, Int128)])
    func sizes(text: String, expected: Int128) throws {
        #expect(try Quantities.bytes(text) == expected)
    }

    @Test("rejected sizes", arguments: [
        "0.3B",        // not a whole number of bytes
        "1.0000001KiB",
        "1XB",         // unknown unit
        "1k",          // tokens' K is not a byte unit
        "GiB", "", ".", "1.2.3GiB", "-1GiB", "abc", "1e9",
        "½GiB", "٣GiB", "１GiB",   // Unicode digits: not ASCII numbers
        "99999999999999999999999999GiB",  // more digits than any budget
        "9000000PiB",  // beyond Int64 bytes
    ])
    func badSizes(text: String) {
        #expect(throws: ValidationError.self) { try Quantities.bytes(text) }
    }

    @Test("logged sizes round a fraction to the nearest byte; exact sizes are read as --memory reads them", arguments: [
        ("6.51GiB", Int128(6_990_059_274)),    // 6.51 x 2^30 = 6,990,059,274.24
        ("14.9888GiB", Int128(16_094_101_452)), // 14.9888 x 2^30 = 16,094,101,451.5712
        ("80GB", Int128(80_000_000_000)),
        ("81559MiB", Int128(81559) << 20),
        ("0.5KiB", Int128(512)),
        ("4096", Int128(4096)),
    ])
    func loggedSizes(text: String, bytes: Int128) throws {
        #expect(try Quantities.loggedBytes(text) == bytes)
    }

    @Test("logged sizes still refuse what is not a size", arguments: ["", "GiB", "6.51 GiBs", "-1GiB", "1e9"])
    func badLoggedSizes(text: String) {
        #expect(throws: ValidationError.self) { try Quantities.loggedBytes(text) }
    }

    @Test("the largest size is Int64.max bytes; one more is rejected")
    func sizeLimit() throws {
        #expect(try Quantities.bytes("9223372036854775807") == Int128(Int64.max))
        #expect(throws: ValidationError.self) { try Quantities.bytes("9223372036854775808") }
    }

    @Test("token counts: K and M are binary", arguments: [
        ("32K", 32_768), ("32k", 32_768), ("1M", 1_048_576), ("4096", 4096), ("128Ki", 131_072),
        ("1.5K", 1536), ("0", 0), ("16M", 16_777_216),
    ] as [(String, Int)])
    func tokens(text: String, expected: Int) throws {
        #expect(try Quantities.tokens(text) == expected)
    }

    @Test("rejected token counts", arguments: [
        "16777217",  // above the 16M limit
        "17M", "1G", "0.1K", "32KB", "32 tokens", "x", "", "-5", "½K",
    ])
    func badTokens(text: String) {
        #expect(throws: ValidationError.self) { try Quantities.tokens(text) }
    }

    @Test("error messages quote the input")
    func messages() {
        let e = #expect(throws: ValidationError.self) { try Quantities.bytes("1XB") }
        #expect(e?.message.contains("`1XB`") == true)
        let w = #expect(throws: ValidationError.self) { try Quantities.bytes("0.3B") }
        #expect(w?.message.contains("whole number of bytes") == true)
    }
}
