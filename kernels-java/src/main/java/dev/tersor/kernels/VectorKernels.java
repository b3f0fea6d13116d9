package dev.tersor.kernels;

import dev.tersor.kernels.cer.CerVectorKernel;
import dev.tersor.kernels.csr.CsrVectorKernel;
import dev.tersor.kernels.cser.CserVectorKernel;
import dev.tersor.kernels.bitpack.BitpackVectorKernel;
import dev.tersor.kernels.dense.DenseVectorKernel;
import dev.tersor.kernels.ham.HamVectorKernel;
import dev.tersor.kernels.sham.ShamVectorKernel;
import dev.tersor.kernels.xor.XorVectorKernel;

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
        return "Vector API, " + vectorBits() + "-bit";
    }

    @Override
    public int vectorBits() {
        return VectorSupport.F.vectorBitSize();
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

    @Override
    protected void hamMatMulK(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                              MemorySegment symbols, MemorySegment decodeTable, MemorySegment rowScale,
                              MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        HamVectorKernel.matMul(rows, cols, batch, stream, rowBit, symbols, decodeTable, rowScale, x, y, rowStart, rowEnd);
    }

    @Override
    protected void shamMatMulK(int rows, int cols, int batch, MemorySegment stream, IndexArray rowBit,
                               MemorySegment symbols, MemorySegment decodeTable, float implicit, IndexArray colGap,
                               IndexArray rowPtr, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                               int rowStart, int rowEnd) {
        ShamVectorKernel.matMul(rows, cols, batch, stream, rowBit, symbols, decodeTable, implicit, colGap, rowPtr,
                rowScale, x, y, rowStart, rowEnd);
    }

    @Override
    protected void xorMatMulK(int rows, int cols, int batch, int planes, int wordBits, int sliceBits,
                              MemorySegment decodeTable, MemorySegment words, MemorySegment omega,
                              IndexArray patchPtr, IndexArray patches, MemorySegment mask, IndexArray maskRowBit,
                              int riceBits, MemorySegment rowScale, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        XorVectorKernel.matMul(rows, cols, batch, planes, wordBits, sliceBits, decodeTable, words, omega, patchPtr,
                patches, mask, maskRowBit, riceBits, rowScale, x, y, rowStart, rowEnd);
    }

    @Override
    protected void bitpackMatMulK(int rows, int cols, int batch, MemorySegment rowBits, MemorySegment rowScale,
                                  IndexArray rowPtr, MemorySegment data, MemorySegment x, MemorySegment y,
                                  int rowStart, int rowEnd) {
        BitpackVectorKernel.matMul(rows, cols, batch, rowBits, rowScale, rowPtr, data, x, y, rowStart, rowEnd);
    }
}
