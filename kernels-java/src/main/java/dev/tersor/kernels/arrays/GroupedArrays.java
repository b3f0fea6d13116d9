package dev.tersor.kernels.arrays;

import dev.tersor.kernels.IndexArray;

import java.lang.foreign.MemorySegment;

/**
 * The grouped-row formats, CER and CSER: {@code omega f32[K]} ({@code omega[0]} implicit),
 * {@code colIdx[nnz]}, {@code groupPtr[G+1]}, {@code rowPtr[rows+1]}, {@code rowScale f32[rows]}
 * or empty. CSER names the omega index of each group in {@code groupValue[G]}; CER passes
 * {@code null} there, and the t-th group of a row holds {@code omega[t+1]}.
 *
 * @param groupValue {@code null} for CER
 * @param rowScale   empty when the matrix has no per-row scales
 */
public record GroupedArrays(int rows, int cols, MemorySegment omega, IndexArray colIdx, IndexArray groupValue,
                            IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale) implements WeightArrays {

    public GroupedArrays {
        Checks.shape(rows, cols);
        long groups = Checks.pointerEnd("rowPtr", rowPtr, rows);
        long nnz = Checks.pointerEnd("groupPtr", groupPtr, groups);
        Checks.requireLength("colIdx", colIdx, nnz);
        if (omega.byteSize() < 4) {
            throw new IllegalArgumentException("omega must hold at least the implicit value");
        }
        Checks.rowScale(rows, rowScale);
        if (groupValue != null) {
            Checks.requireLength("groupValue", groupValue, groups);
        }
        rowScale = Checks.noScales(rowScale);
    }

    /** CER: the group values are implicit. */
    public static GroupedArrays cer(int rows, int cols, MemorySegment omega, IndexArray colIdx, IndexArray groupPtr,
                                    IndexArray rowPtr, MemorySegment rowScale) {
        return new GroupedArrays(rows, cols, omega, colIdx, null, groupPtr, rowPtr, rowScale);
    }

    @Override
    public boolean onHeap() {
        return !omega.isNative() || !colIdx.segment().isNative() || !groupPtr.segment().isNative()
                || !rowPtr.segment().isNative() || !rowScale.isNative()
                || groupValue != null && !groupValue.segment().isNative();
    }
}
