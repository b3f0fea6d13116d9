package dev.tersor.train;

import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Magnitude pruning (Han et al.; methods.md §2.6): the layer computes with {@code w ⊙ mask}, so pruned
 * weights stay zero while the rest retrain, and their gradients are masked too.
 */
public final class PrunedWeight implements WeightForm {

    private final Parameter weight;
    /** 1 where a weight is kept, 0 where it is pruned; a float array so a checkpoint holds it. */
    private final float[] mask;

    PrunedWeight(Parameter weight, float[] mask) {
        if (mask.length != weight.size()) {
            throw new IllegalArgumentException(mask.length + " mask entries for " + weight);
        }
        this.weight = weight;
        this.mask = mask;
    }

    /**
     * Prunes the fraction {@code fraction} of {@code weight}'s entries of least magnitude: kept are the
     * entries with {@code |w|} above the {@code fraction} percentile of {@code |w|} (linear
     * interpolation between order statistics, as NumPy's percentile).
     */
    public static PrunedWeight of(Parameter weight, double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("a pruned fraction must be in [0, 1), got " + fraction);
        }
        float[] w = weight.value();
        double[] magnitudes = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            magnitudes[i] = Math.abs(w[i]);
        }
        Arrays.sort(magnitudes);
        double position = fraction * (magnitudes.length - 1);
        int below = (int) Math.floor(position);
        double threshold = below + 1 < magnitudes.length
                ? magnitudes[below] + (position - below) * (magnitudes[below + 1] - magnitudes[below])
                : magnitudes[below];
        float[] mask = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            mask[i] = fraction > 0 && Math.abs(w[i]) <= threshold ? 0 : 1;
        }
        return new PrunedWeight(weight, mask);
    }

    /** Whether entry {@code i} survived pruning. */
    public boolean kept(int i) {
        return mask[i] != 0;
    }

    /** The share of entries kept. */
    public double density() {
        double kept = 0;
        for (float m : mask) {
            kept += m;
        }
        return kept / mask.length;
    }

    @Override
    public Variable weights(Tape tape) {
        Variable result = Tape.output(values(), weight.shape(), weight);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dw = weight.gradient();
            for (int i = 0; i < dy.length; i++) {
                dw[i] += dy[i] * mask[i];
            }
        }, weight);
        return result;
    }

    @Override
    public float[] values() {
        float[] w = weight.value();
        float[] y = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            y[i] = w[i] * mask[i];
        }
        return y;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight);
    }

    @Override
    public Map<String, float[]> state() {
        return Map.of(weight.name() + ".mask", mask);
    }

    @Override
    public QuantizedMatrix stored(int[] rows, int[] columns) {
        return QuantizedMatrix.fromDense(DenseMatrixView.of(rows.length, columns.length, gather(values(), weight.dim(1), rows, columns)));
    }

    /** The entries {@code rows × columns} of a row-major matrix with {@code cols} columns. */
    static float[] gather(float[] matrix, int cols, int[] rows, int[] columns) {
        float[] out = new float[rows.length * columns.length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < columns.length; j++) {
                out[i * columns.length + j] = matrix[rows[i] * cols + columns[j]];
            }
        }
        return out;
    }
}
