package dev.tersor.train;

import dev.tersor.format.QuantizedMatrix;

import java.util.List;

/**
 * Uniform quantization with a fixed step per row, trained through the rounding (quantization-aware
 * training with a straight-through estimator): the layer computes with {@code s_r·rint(w/s_r)} while
 * the latent float weights w take the gradient as if rounding were the identity. Its integers times
 * the row steps are what the entropy-coded formats store.
 */
public final class UniformQuantizedWeight implements WeightForm {

    private final Parameter weight;
    private final float[] steps;

    public UniformQuantizedWeight(Parameter weight, float[] steps) {
        if (weight.rank() != 2 || steps.length != weight.dim(0)) {
            throw new IllegalArgumentException(steps.length + " steps for " + weight);
        }
        for (float s : steps) {
            if (!(s > 0 && s < Float.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("a quantization step must be positive, got " + s);
            }
        }
        this.weight = weight;
        this.steps = steps.clone();
    }

    /** Steps of {@code relativeStep} times each row's root mean square (rows of zeros get step 1). */
    public static UniformQuantizedWeight relative(Parameter weight, double relativeStep) {
        int rows = weight.dim(0);
        int cols = weight.dim(1);
        float[] steps = new float[rows];
        for (int r = 0; r < rows; r++) {
            double squares = 0;
            for (int c = 0; c < cols; c++) {
                double w = weight.value()[r * cols + c];
                squares += w * w;
            }
            double rms = Math.sqrt(squares / cols);
            steps[r] = rms > 0 ? (float) (relativeStep * rms) : 1f;
        }
        return new UniformQuantizedWeight(weight, steps);
    }

    @Override
    public Variable weights(Tape tape) {
        Variable result = Tape.output(values(), weight.shape(), weight);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dw = weight.gradient();
            for (int i = 0; i < dy.length; i++) {
                dw[i] += dy[i];
            }
        }, weight);
        return result;
    }

    @Override
    public float[] values() {
        int cols = weight.dim(1);
        float[] w = weight.value();
        float[] q = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            float s = steps[i / cols];
            q[i] = (float) (Math.rint(w[i] / s) * s);
        }
        return q;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight);
    }

    /** The integers {@code rint(w/s_r)} as codes over their distinct values, the steps as row scales. */
    @Override
    public QuantizedMatrix stored(int[] rows, int[] columns) {
        int cols = weight.dim(1);
        int[] levels = new int[rows.length * columns.length];
        float[] scales = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            scales[i] = steps[rows[i]];
            for (int j = 0; j < columns.length; j++) {
                int level = (int) Math.rint(weight.value()[rows[i] * cols + columns[j]] / steps[rows[i]]);
                levels[i * columns.length + j] = level;
            }
        }
        return WeightForm.ofLevels(rows.length, columns.length, levels, scales);
    }
}
