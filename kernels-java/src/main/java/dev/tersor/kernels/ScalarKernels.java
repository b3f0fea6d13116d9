package dev.tersor.kernels;

import dev.tersor.kernels.cer.CerScalarKernel;
import dev.tersor.kernels.csr.CsrScalarKernel;
import dev.tersor.kernels.cser.CserScalarKernel;
import dev.tersor.kernels.bitpack.BitpackScalarKernel;
import dev.tersor.kernels.dense.DenseScalarKernel;
import dev.tersor.kernels.ham.HamScalarKernel;
import dev.tersor.kernels.sham.ShamScalarKernel;
import dev.tersor.kernels.xor.XorScalarKernel;

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

    @Override
    protected void hamMatMulK(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                              MemorySegment symbols, MemorySegment decodeTable, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        HamScalarKernel.matMul(rows, cols, batch, stream, rowBit, symbols, decodeTable, rowScale, x, y, rowStart, rowEnd);
    }

    @Override
    protected void shamMatMulK(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                               MemorySegment symbols, MemorySegment decodeTable, float implicit, IndexArray colGap,
                               IndexArray rowPtr, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                               int rowStart, int rowEnd) {
        ShamScalarKernel.matMul(rows, cols, batch, stream, rowBit, symbols, decodeTable, implicit, colGap, rowPtr,
                rowScale, x, y, rowStart, rowEnd);
    }

    @Override
    protected void xorMatMulK(int rows, int cols, int batch, int planes, int wordBits, int sliceBits,
                              MemorySegment decodeTable, MemorySegment words, MemorySegment omega,
                              IndexArray patchPtr, IndexArray patches, MemorySegment mask, IndexArray maskRowBit,
                              int riceBits, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        XorScalarKernel.matMul(rows, cols, batch, planes, wordBits, sliceBits, decodeTable, words, omega, patchPtr,
                patches, mask, maskRowBit, riceBits, rowScale, x, y, rowStart, rowEnd);
    }

    @Override
    protected void bitpackMatMulK(int rows, int cols, int batch, MemorySegment rowBits, MemorySegment rowScale,
                                  IndexArray rowPtr, MemorySegment data, MemorySegment x, MemorySegment y,
                                  int rowStart, int rowEnd) {
        BitpackScalarKernel.matMul(rows, cols, batch, rowBits, rowScale, rowPtr, data, x, y, rowStart, rowEnd);
    }
}
