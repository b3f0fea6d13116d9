package dev.tersor.kernels.cer;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.cser.CserScalarKernel;

import java.lang.foreign.MemorySegment;

/**
 * Scalar reference for CER: the grouped-row product of {@link CserScalarKernel} with implicit group
 * values (the t-th group of a row holds {@code ω_{t+1}}; empty padding groups add nothing).
 */
public final class CerScalarKernel {

    private CerScalarKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                              IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        CserScalarKernel.matMul(rows, cols, batch, omega, colIdx, null, groupPtr, rowPtr, rowScale,
                x, y, rowStart, rowEnd);
    }
}
