package dev.tersor.kernels;

import dev.tersor.kernels.cer.CerVectorKernel;
import dev.tersor.kernels.csr.CsrVectorKernel;
import dev.tersor.kernels.cser.CserVectorKernel;
import dev.tersor.kernels.dense.DenseVectorKernel;

import java.lang.foreign.MemorySegment;

/**
 * The Vector API provider ({@code jdk.incubator.vector}). Looked up reflectively by
 * {@link KernelLookup} after it has checked that the module is present: nothing else may refer to
 * this class, or a JVM without the module would fail to link it.
 */
public final class VectorKernels extends Kernels {

    private VectorKernels() {
    }

    /** Called reflectively; throws {@link KernelUnavailableException} when vectors are too narrow to help. */
    public static VectorKernels create() {
        VectorSupport.requireUsefulWidth();
        return new VectorKernels();
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public String isa() {
        return "Vector API, " + VectorSupport.F.vectorBitSize() + "-bit";
    }

    @Override
    protected void denseMatMulK(int rows, int cols, int batch, MemorySegment w, MemorySegment x, MemorySegment y,
                                int rowStart, int rowEnd) {
        DenseVectorKernel.matMul(rows, cols, batch, w, x, y, rowStart, rowEnd);
    }

    @Override
    protected void csrMatMulK(int rows, int cols, int batch, MemorySegment values, IndexArray colIdx,
                              IndexArray rowPtr, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        CsrVectorKernel.matMul(rows, cols, batch, values, colIdx, rowPtr, x, y, rowStart, rowEnd);
    }

    @Override
    protected void cerMatMulK(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                              IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        CerVectorKernel.matMul(rows, cols, batch, omega, colIdx, groupPtr, rowPtr, rowScale, x, y, rowStart, rowEnd);
    }

    @Override
    protected void cserMatMulK(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                               IndexArray groupValue, IndexArray groupPtr, IndexArray rowPtr,
                               MemorySegment rowScale, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        CserVectorKernel.matMul(rows, cols, batch, omega, colIdx, groupValue, groupPtr, rowPtr, rowScale,
                x, y, rowStart, rowEnd);
    }
}
