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
import dev.tersor.kernels.bitpack.BitpackScalarKernel;
import dev.tersor.kernels.cser.CserScalarKernel;
import dev.tersor.kernels.csr.CsrScalarKernel;
import dev.tersor.kernels.dense.DenseScalarKernel;
import dev.tersor.kernels.ham.HamScalarKernel;
import dev.tersor.kernels.q8.Q8ScalarKernel;
import dev.tersor.kernels.sham.ShamScalarKernel;
import dev.tersor.kernels.xor.XorScalarKernel;

import java.lang.foreign.MemorySegment;

/**
 * The scalar reference provider: plain Java loops, available everywhere, with a kernel for every
 * format. Faster providers extend it (or fall back to it) and inherit what they do not speed up, so
 * a new format can land with its scalar kernel alone.
 */
public class ScalarKernels extends Kernels {

    static final ScalarKernels INSTANCE = new ScalarKernels();

    /** For the providers that extend the reference; there is one scalar provider, {@link #INSTANCE}. */
    protected ScalarKernels() {
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
    protected void matMulK(WeightArrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
        switch (w) {
            case DenseArrays a -> DenseScalarKernel.matMul(a.rows(), a.cols(), batch, a.w(), x, y, rowStart, rowEnd);
            case CsrArrays a -> CsrScalarKernel.matMul(a.rows(), a.cols(), batch, a.values(), a.colIdx(), a.rowPtr(),
                    x, y, rowStart, rowEnd);
            case GroupedArrays a -> CserScalarKernel.matMul(a.rows(), a.cols(), batch, a.omega(), a.colIdx(),
                    a.groupValue(), a.groupPtr(), a.rowPtr(), a.rowScale(), x, y, rowStart, rowEnd);
            case HamArrays a -> HamScalarKernel.matMul(a.rows(), a.cols(), batch, a.stream(), a.rowBit(), a.symbols(),
                    a.decodeTable(), a.rowScale(), x, y, rowStart, rowEnd);
            case ShamArrays a -> ShamScalarKernel.matMul(a.rows(), a.cols(), batch, a.stream(), a.rowBit(),
                    a.symbols(), a.decodeTable(), a.implicit(), a.colGap(), a.rowPtr(), a.rowScale(),
                    x, y, rowStart, rowEnd);
            case XorArrays a -> XorScalarKernel.matMul(a.rows(), a.cols(), batch, a.planes(), a.wordBits(),
                    a.sliceBits(), a.decodeTable(), a.words(), a.omega(), a.patchPtr(), a.patches(), a.mask(),
                    a.maskRowBit(), a.riceBits(), a.rowScale(), x, y, rowStart, rowEnd);
            case BitpackArrays a -> BitpackScalarKernel.matMul(a.rows(), a.cols(), batch, a.rowBits(), a.rowScale(),
                    a.rowPtr(), a.data(), x, y, rowStart, rowEnd);
            case Q8Arrays a -> Q8ScalarKernel.matMul(a, batch, x, y, rowStart, rowEnd);
        }
    }
}
