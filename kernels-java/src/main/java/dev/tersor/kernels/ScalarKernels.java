package dev.tersor.kernels;

import dev.tersor.kernels.cer.CerScalarKernel;
import dev.tersor.kernels.csr.CsrScalarKernel;
import dev.tersor.kernels.cser.CserScalarKernel;
import dev.tersor.kernels.dense.DenseScalarKernel;

import java.lang.foreign.MemorySegment;

/** The scalar reference provider: plain Java loops, available everywhere. */
public final class ScalarKernels extends Kernels {

    static final ScalarKernels INSTANCE = new ScalarKernels();

    private ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String isa() {
        return "plain Java";
    }

    @Override
    protected void denseMatMulK(int rows, int cols, int batch, MemorySegment w, MemorySegment x, MemorySegment y,
                                int rowStart, int rowEnd) {
        DenseScalarKernel.matMul(rows, cols, batch, w, x, y, rowStart, rowEnd);
    }

    @Override
    protected void csrMatMulK(int rows, int cols, int batch, MemorySegment values, IndexArray colIdx,
                              IndexArray rowPtr, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        CsrScalarKernel.matMul(rows, cols, batch, values, colIdx, rowPtr, x, y, rowStart, rowEnd);
    }

    @Override
    protected void cerMatMulK(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                              IndexArray groupPtr, IndexArray rowPtr, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        CerScalarKernel.matMul(rows, cols, batch, omega, colIdx, groupPtr, rowPtr, rowScale, x, y, rowStart, rowEnd);
    }

    @Override
    protected void cserMatMulK(int rows, int cols, int batch, MemorySegment omega, IndexArray colIdx,
                               IndexArray groupValue, IndexArray groupPtr, IndexArray rowPtr,
                               MemorySegment rowScale, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        CserScalarKernel.matMul(rows, cols, batch, omega, colIdx, groupValue, groupPtr, rowPtr, rowScale,
                x, y, rowStart, rowEnd);
    }
}
