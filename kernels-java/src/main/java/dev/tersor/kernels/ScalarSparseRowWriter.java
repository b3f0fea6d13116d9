package dev.tersor.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The scalar reference's counterpart of {@link DecodedRows.SparseRowWriter}, without the Vector
 * API: writes rows of {@code y} from sparse rows decoded against an implicit value {@code ω0}
 * (sHAM, XOR), {@code y_r = s_r·(Σ_i (codebook[k_i] − ω0)·x_{columns[i]} + ω0·Σx)}, summing in
 * the order the reference defines. The column sums {@code Σx} are computed once per call.
 */
public final class ScalarSparseRowWriter extends ImplicitRowWriter {
    private final float[] xSum;
    private final float[] acc;

    public ScalarSparseRowWriter(int cols, int batch, MemorySegment x, MemorySegment y, float implicit,
                                 MemorySegment rowScale) {
        super(batch, x, y, implicit, rowScale);
        this.xSum = Scratch.sums(batch);
        java.util.Arrays.fill(xSum, 0, batch, 0f);
        if (implicit != 0f) {
            for (int j = 0; j < cols; j++) {
                for (int b = 0; b < batch; b++) {
                    xSum[b] += x.getAtIndex(Layouts.F32, (long) j * batch + b);
                }
            }
        }
        this.acc = Scratch.accumulator(batch);
    }

    /**
     * Row {@code r} from its {@code m} entries: at {@code columns[i]}, the f32 value
     * {@code codebook[codeOffset + codes[i]]}.
     */
    public void write(int r, MemorySegment codebook, int codeOffset, int[] codes, int[] columns, int m) {
        java.util.Arrays.fill(acc, 0, batch, 0f);
        for (int i = 0; i < m; i++) {
            float v = codebook.getAtIndex(Layouts.F32, codeOffset + codes[i]) - implicit;
            long xRow = (long) columns[i] * batch;
            for (int b = 0; b < batch; b++) {
                acc[b] += v * x.getAtIndex(Layouts.F32, xRow + b);
            }
        }
        float scale = scale(r);
        for (int b = 0; b < batch; b++) {
            float value = acc[b] + implicit * xSum[b];
            y.setAtIndex(Layouts.F32, (long) r * batch + b, scaled ? value * scale : value);
        }
    }
}
