package dev.tersor.kernels.arrays;

import dev.tersor.kernels.IndexArray;

import java.lang.foreign.MemorySegment;

/**
 * Per-channel bit-packed: {@code rowBits u8[rows]} (0..16), {@code rowScale f32[rows]} (powers of
 * two), {@code rowPtr[rows+1]} the first u32 word of each row in {@code data} (layout in
 * {@link dev.tersor.kernels.bitpack.BitpackRows}).
 */
public record BitpackArrays(int rows, int cols, MemorySegment rowBits, MemorySegment rowScale, IndexArray rowPtr,
                            MemorySegment data) implements WeightArrays {

    public BitpackArrays {
        Checks.shape(rows, cols);
        Checks.requireBytes("rowBits", rowBits, rows);
        Checks.requireBytes("rowScale", rowScale, 4L * rows);
        Checks.requireBytes("data", data, 4 * Checks.pointerEnd("rowPtr", rowPtr, rows));
    }

    @Override
    public boolean onHeap() {
        return !rowBits.isNative() || !rowScale.isNative() || !rowPtr.segment().isNative() || !data.isNative();
    }
}
