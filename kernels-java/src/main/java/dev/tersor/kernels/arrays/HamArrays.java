package dev.tersor.kernels.arrays;

import dev.tersor.kernels.IndexArray;

import java.lang.foreign.MemorySegment;

/**
 * HAM: every entry a canonical Huffman codeword. {@code stream} u32 words MSB-first,
 * {@code rowBit[rows+1]} the start bit of each row, {@code symbols} f32 in canonical order,
 * {@code decodeTable} a {@link dev.tersor.kernels.huffman.DecodeTable} (i32), {@code rowScale}
 * f32[rows] or empty; see {@link dev.tersor.kernels.ham.HamScalarKernel}.
 */
public record HamArrays(int rows, int cols, MemorySegment stream, IndexArray rowBit, MemorySegment symbols,
                        MemorySegment decodeTable, MemorySegment rowScale) implements WeightArrays {

    public HamArrays {
        Checks.shape(rows, cols);
        Checks.huffman(rows, (long) rows * cols > 0, stream, rowBit, symbols, decodeTable, rowScale);
        rowScale = Checks.noScales(rowScale);
    }

    @Override
    public boolean onHeap() {
        return !stream.isNative() || !rowBit.segment().isNative() || !symbols.isNative() || !decodeTable.isNative()
                || !rowScale.isNative();
    }
}
