package dev.tersor.kernels;

import java.lang.foreign.MemorySegment;

/**
 * What the writers of rows decoded against an implicit value {@code ω0} (sHAM, XOR) share, whether
 * they sum like the scalar reference ({@link ScalarSparseRowWriter}) or with the Vector API
 * ({@link DecodedRows.SparseRowWriter}): the input, the output, {@code ω0} and each row's scale.
 */
abstract class ImplicitRowWriter {
    final int batch;
    final MemorySegment x;
    final MemorySegment y;
    final float implicit;
    final boolean scaled;
    private final MemorySegment rowScale;

    ImplicitRowWriter(int batch, MemorySegment x, MemorySegment y, float implicit, MemorySegment rowScale) {
        this.batch = batch;
        this.x = x;
        this.y = y;
        this.implicit = implicit;
        this.scaled = rowScale.byteSize() != 0;
        this.rowScale = rowScale;
    }

    /** Row {@code r}'s scale {@code s_r}, or 1 for a matrix without row scales. */
    final float scale(int r) {
        return scaled ? rowScale.getAtIndex(Layouts.F32, r) : 1f;
    }
}
