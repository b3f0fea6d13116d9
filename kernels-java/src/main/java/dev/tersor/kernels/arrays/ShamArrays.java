package dev.tersor.kernels.arrays;

import dev.tersor.kernels.IndexArray;

import java.lang.foreign.MemorySegment;

/**
 * sHAM: as {@link HamArrays} for the entries that differ from {@code implicit}, whose columns are
 * gaps in {@code colGap} (see {@link dev.tersor.kernels.sham.ShamRows}), {@code rowPtr[rows+1]} the
 * start of each row there.
 */
public record ShamArrays(int rows, int cols, MemorySegment stream, IndexArray rowBit, MemorySegment symbols,
                         MemorySegment decodeTable, float implicit, IndexArray colGap, IndexArray rowPtr,
                         MemorySegment rowScale) implements WeightArrays {

    public ShamArrays {
        Checks.shape(rows, cols);
        Checks.huffman(rows, false, stream, rowBit, symbols, decodeTable, rowScale);
        Checks.requireLength("colGap", colGap, Checks.pointerEnd("rowPtr", rowPtr, rows));
        rowScale = Checks.noScales(rowScale);
    }

    @Override
    public boolean onHeap() {
        return !stream.isNative() || !rowBit.segment().isNative() || !symbols.isNative() || !decodeTable.isNative()
                || !colGap.segment().isNative() || !rowPtr.segment().isNative() || !rowScale.isNative();
    }
}
