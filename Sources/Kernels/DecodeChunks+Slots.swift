// Where each chunk of a B = 1 decode split (`DecodeChunks`, CostModel) keeps its partial softmax
// state in the workers' scratch; the layout is described with `DecodeChunks`.

import CostModel

extension DecodeChunks {
    /// Chunk i's partial (m, l, acc) in `scratch` (all the workers' regions).
    func slot(_ i: Int, in scratch: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
        let pass = rows * block
        if perWorker { return scratch + i * scratchPerWorker + pass }
        return scratch + (i % workers) * scratchPerWorker + pass + slotFloats * (1 + i / workers)
    }
}
