package dev.tersor.kernels.arrays;

import dev.tersor.kernels.IndexArray;

import java.lang.foreign.MemorySegment;

/** CSR: {@code values f32[nnz]}, {@code colIdx[nnz]}, {@code rowPtr[rows+1]}; the implicit value is 0. */
public record CsrArrays(int rows, int cols, MemorySegment values, IndexArray colIdx, IndexArray rowPtr)
        implements WeightArrays {

    public CsrArrays {
        Checks.shape(rows, cols);
        long nnz = Checks.pointerEnd("rowPtr", rowPtr, rows);
        Checks.requireLength("colIdx", colIdx, nnz);
        Checks.requireBytes("values", values, 4L * nnz);
    }

    @Override
    public boolean onHeap() {
        return !values.isNative() || !colIdx.segment().isNative() || !rowPtr.segment().isNative();
    }
}
