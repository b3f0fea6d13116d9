package dev.tersor.kernels.cer;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.cser.CserVectorKernel;

import java.lang.foreign.MemorySegment;

/** Vector API kernel for CER: {@link CserVectorKernel} with implicit group values. */
public final class CerVectorKernel {

    private CerVectorKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                              IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        CserVectorKernel.matMul(rows, cols, batch, omega, colIdx, null, groupPtr, rowPtr, rowScale,
                x, y, rowStart, rowEnd);
    }
}
