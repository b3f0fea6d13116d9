package dev.tersor.kernels.bitpack;

import dev.tersor.kernels.VectorSupport;
import dev.tersor.kernels.DecodedRows;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Scratch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

import static dev.tersor.kernels.VectorSupport.F;
import static dev.tersor.kernels.VectorSupport.L;
import static dev.tersor.kernels.VectorSupport.LE;

/**
 * Vector API kernel for the bit-packed format; arguments as in {@link BitpackScalarKernel}. The
 * layout ({@link BitpackRows}) interleaves 8 lanes word by word, so the unpacking runs on 8-lane
 * int vectors (4 lanes twice when vectors are capped at 128 bits): one load of word {@code k} of
 * every lane, a shift by the same amount in every lane, a second load only when a value straddles
 * two words, and the sign extension as a left shift followed by an arithmetic right shift, all in
 * registers. The 8 values convert to floats and meet 8 consecutive inputs. Wider machines gain
 * nothing from wider vectors here: the unpacking, not the FMA, is the work.
 *
 * <p>Batch one accumulates {@code Σ q·x} directly; larger batches unpack a row once into floats and
 * broadcast each non-zero value over up to four batch vectors per block.
 */
public final class BitpackVectorKernel {

    /** Lanes of the unpacking vectors: the layout's 8, or 4 under a 128-bit cap. */
    private static final int P = Math.min(BitpackRows.LANES, L);
    private static final VectorSpecies<Integer> IP = P == 8 ? IntVector.SPECIES_256 : IntVector.SPECIES_128;
    private static final VectorSpecies<Float> FP = P == 8 ? FloatVector.SPECIES_256 : FloatVector.SPECIES_128;

    private BitpackVectorKernel() {
    }

    public static void matMul(int rows, int cols, int batch, MemorySegment rowBits, MemorySegment rowScale,
                              IndexArray rowPtr, MemorySegment data, MemorySegment x, MemorySegment y,
                              int rowStart, int rowEnd) {
        assert rowStart >= 0 && rowEnd <= rows;
        assert BitpackRows.LANES % P == 0;
        float[] xs = batch == 1 ? Scratch.input(x, cols) : null;
        float[] w = batch == 1 ? null : Scratch.row(cols + BitpackRows.LANES);
        for (int r = rowStart; r < rowEnd; r++) {
            int bits = rowBits.get(java.lang.foreign.ValueLayout.JAVA_BYTE, r) & 0xFF;
            float scale = rowScale.getAtIndex(Layouts.F32, r);
            long base = Integer.toUnsignedLong(rowPtr.get(r));
            if (batch == 1) {
                float acc = bits == 0 ? 0f : dot(data, base, bits, cols, xs);
                y.setAtIndex(Layouts.F32, r, acc * scale);
            } else {
                if (bits == 0) {
                    java.util.Arrays.fill(w, 0, cols, 0f);
                } else {
                    unpack(data, base, bits, cols, w);
                }
                for (int b0 = 0; b0 < batch; b0 += 4 * L) {
                    DecodedRows.block(w, null, cols, batch, b0, Math.min(4 * L, batch - b0), x, y, r, 0f, null, scale);
                }
            }
        }
    }

    /** The 8 (or 4) values {@code 8t + part·P ..} of a block whose words start at {@code blockWord}. */
    private static IntVector values(MemorySegment data, long blockWord, int t, int part, int bits) {
        int bit = t * bits;
        int shift = bit & 31;
        long offset = 4L * (blockWord + (long) BitpackRows.LANES * (bit >>> 5) + (long) part * P);
        IntVector v = IntVector.fromMemorySegment(IP, data, offset, LE);
        if (shift + bits <= 32) {
            return v.lanewise(VectorOperators.LSHL, 32 - shift - bits).lanewise(VectorOperators.ASHR, 32 - bits);
        }
        IntVector next = IntVector.fromMemorySegment(IP, data, offset + 4L * BitpackRows.LANES, LE);
        return v.lanewise(VectorOperators.LSHR, shift).or(next.lanewise(VectorOperators.LSHL, 32 - shift))
                .lanewise(VectorOperators.LSHL, 32 - bits).lanewise(VectorOperators.ASHR, 32 - bits);
    }

    private static float dot(MemorySegment data, long base, int bits, int cols, float[] x) {
        FloatVector a0 = FloatVector.zero(FP);
        FloatVector a1 = FloatVector.zero(FP);
        long blockWord = base;
        for (int j0 = 0; j0 < cols; j0 += BitpackRows.BLOCK) {
            int m = Math.min(BitpackRows.BLOCK, cols - j0);
            int whole = m / BitpackRows.LANES;
            int t = 0;
            for (; t + 1 < whole; t += 2) {
                for (int part = 0; part < BitpackRows.LANES / P; part++) {
                    int j = j0 + BitpackRows.LANES * t + part * P;
                    FloatVector q0 = (FloatVector) values(data, blockWord, t, part, bits).convert(VectorOperators.I2F, 0);
                    FloatVector q1 = (FloatVector) values(data, blockWord, t + 1, part, bits).convert(VectorOperators.I2F, 0);
                    a0 = q0.fma(FloatVector.fromArray(FP, x, j), a0);
                    a1 = q1.fma(FloatVector.fromArray(FP, x, j + BitpackRows.LANES), a1);
                }
            }
            for (; t < (m + BitpackRows.LANES - 1) / BitpackRows.LANES; t++) {
                for (int part = 0; part < BitpackRows.LANES / P; part++) {
                    int j = j0 + BitpackRows.LANES * t + part * P;
                    FloatVector q = (FloatVector) values(data, blockWord, t, part, bits).convert(VectorOperators.I2F, 0);
                    VectorMask<Float> inRange = FP.indexInRange(j, cols);
                    a0 = q.fma(FloatVector.fromArray(FP, x, j, inRange), a0);
                }
            }
            blockWord += (long) BitpackRows.LANES * BitpackRows.laneWords(m, bits);
        }
        // Widened to the species sumLanes takes; the added lanes are +0, which changes no sum here (the
        // accumulators start at +0 and so are never −0).
        return VectorSupport.sumLanes((FloatVector) a0.add(a1).reinterpretShape(F, 0));
    }

    /** The row's values as floats in {@code w[0 .. cols)}; {@code w} has room for one more group of 8. */
    private static void unpack(MemorySegment data, long base, int bits, int cols, float[] w) {
        long blockWord = base;
        for (int j0 = 0; j0 < cols; j0 += BitpackRows.BLOCK) {
            int m = Math.min(BitpackRows.BLOCK, cols - j0);
            int positions = (m + BitpackRows.LANES - 1) / BitpackRows.LANES;
            for (int t = 0; t < positions; t++) {
                for (int part = 0; part < BitpackRows.LANES / P; part++) {
                    ((FloatVector) values(data, blockWord, t, part, bits).convert(VectorOperators.I2F, 0))
                            .intoArray(w, j0 + BitpackRows.LANES * t + part * P);
                }
            }
            blockWord += (long) BitpackRows.LANES * BitpackRows.laneWords(m, bits);
        }
    }
}
