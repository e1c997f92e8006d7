// The seeded generator of the property and mutation tests: the kernels' own SplitMix64, so every
// failure reproduces from its seed (Swift's SystemRandomNumberGenerator cannot be seeded).

import Kernels

public typealias SplitMix64 = SeededRandom
