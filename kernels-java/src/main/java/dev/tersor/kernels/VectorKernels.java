package dev.tersor.kernels;

import dev.tersor.kernels.arrays.BitpackArrays;
import dev.tersor.kernels.arrays.CsrArrays;
import dev.tersor.kernels.arrays.DenseArrays;
import dev.tersor.kernels.arrays.GroupedArrays;
import dev.tersor.kernels.arrays.HamArrays;
import dev.tersor.kernels.arrays.Q8Arrays;
import dev.tersor.kernels.arrays.ShamArrays;
import dev.tersor.kernels.arrays.WeightArrays;
import dev.tersor.kernels.arrays.XorArrays;
import dev.tersor.kernels.bitpack.BitpackVectorKernel;
import dev.tersor.kernels.cser.CserVectorKernel;
import dev.tersor.kernels.csr.CsrVectorKernel;
import dev.tersor.kernels.dense.DenseVectorKernel;
import dev.tersor.kernels.ham.HamVectorKernel;
import dev.tersor.kernels.q8.Q8VectorKernel;
import dev.tersor.kernels.sham.ShamVectorKernel;
import dev.tersor.kernels.xor.XorVectorKernel;

import java.lang.foreign.MemorySegment;

/**
 * The Vector API provider ({@code jdk.incubator.vector}): the scalar reference with the formats it
 * speeds up overridden; a format without a vector kernel runs the inherited scalar one. Looked up
 * reflectively by {@link KernelLookup} after it has checked that the module is present: nothing
 * else may refer to this class, or a JVM without the module would fail to link it.
 */
public final class VectorKernels extends ScalarKernels {

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
    protected void matMulK(WeightArrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        switch (w) {
            case DenseArrays a -> DenseVectorKernel.matMul(a.rows(), a.cols(), batch, a.w(), x, y, rowStart, rowEnd);
            case CsrArrays a -> CsrVectorKernel.matMul(a.rows(), a.cols(), batch, a.values(), a.colIdx(), a.rowPtr(),
                    x, y, rowStart, rowEnd);
            case GroupedArrays a -> CserVectorKernel.matMul(a.rows(), a.cols(), batch, a.omega(), a.colIdx(),
                    a.groupValue(), a.groupPtr(), a.rowPtr(), a.rowScale(), x, y, rowStart, rowEnd);
            case HamArrays a -> HamVectorKernel.matMul(a.rows(), a.cols(), batch, a.stream(), a.rowBit(), a.symbols(),
                    a.decodeTable(), a.rowScale(), x, y, rowStart, rowEnd);
            case ShamArrays a -> ShamVectorKernel.matMul(a.rows(), a.cols(), batch, a.stream(), a.rowBit(),
                    a.symbols(), a.decodeTable(), a.implicit(), a.colGap(), a.rowPtr(), a.rowScale(),
                    x, y, rowStart, rowEnd);
            case XorArrays a -> XorVectorKernel.matMul(a.rows(), a.cols(), batch, a.planes(), a.wordBits(),
                    a.sliceBits(), a.decodeTable(), a.words(), a.omega(), a.patchPtr(), a.patches(), a.mask(),
                    a.maskRowBit(), a.riceBits(), a.rowScale(), x, y, rowStart, rowEnd);
            case BitpackArrays a -> BitpackVectorKernel.matMul(a.rows(), a.cols(), batch, a.rowBits(), a.rowScale(),
                    a.rowPtr(), a.data(), x, y, rowStart, rowEnd);
            case Q8Arrays a -> Q8VectorKernel.matMul(a, batch, x, y, rowStart, rowEnd);
            default -> super.matMulK(w, batch, x, y, rowStart, rowEnd);
        }
    }
}
