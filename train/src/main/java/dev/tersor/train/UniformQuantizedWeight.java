package dev.tersor.train;

import dev.tersor.compress.quant.UniformQuantizer;
import dev.tersor.format.QuantizedMatrix;

import java.util.List;

/**
 * Uniform quantization with a step per row, trained through the rounding (quantization-aware training
 * with a straight-through estimator): the layer computes with {@code s_r·rint(w/s_r)} while the
 * latent float weights w take the gradient as if rounding were the identity. Its integers times the
 * row steps are what the entropy-coded formats store.
 *
 * <p>The steps are fixed, or learned ({@link #withLearnedSteps}): then each row trains
 * {@code t_r = log2 s_r} with the step-size estimator's gradient
 * {@code ∂(s·rint(w/s))/∂s = rint(w/s) − w/s} (Esser et al., LSQ), and {@link #rateBits} prices them:
 * at high rate, an entropy-coded row costs one bit per weight less for each doubling of its step.
 * The forward pass uses {@code s_r} rounded to the nearest half-precision value, as the uniform
 * quantizer does, so that the formats store the scales in two bytes.
 */
public final class UniformQuantizedWeight implements WeightForm {

    private static final double LN2 = Math.log(2);

    private final Parameter weight;
    /** The fixed steps, or the steps learning started from. */
    private final float[] steps;
    /** log2 of each row's step while steps are learned, else null. */
    private final Parameter logSteps;

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
        this.logSteps = null;
    }

    private UniformQuantizedWeight(Parameter weight, float[] steps, Parameter logSteps) {
        this.weight = weight;
        this.steps = steps;
        this.logSteps = logSteps;
    }

    /**
     * The same weights with each row's step learned too, from the current steps. Learned steps are
     * kept at half precision, as the uniform quantizer makes them; a step that is not a half-precision
     * value moves to the nearest one.
     */
    public UniformQuantizedWeight withLearnedSteps() {
        float[] t = new float[steps.length];
        for (int r = 0; r < t.length; r++) {
            t[r] = (float) (Math.log(steps[r]) / LN2);
        }
        return new UniformQuantizedWeight(weight, steps,
                new Parameter(weight.name() + ".logSteps", Parameter.Kind.QUANTIZER, t, t.length));
    }

    public boolean learnsSteps() {
        return logSteps != null;
    }

    /** Each row's step now: fixed, or {@code 2^t_r} at half precision where it is in half's normal range. */
    float[] currentSteps() {
        if (logSteps == null) {
            return steps;
        }
        float[] t = logSteps.value();
        float[] s = new float[t.length];
        for (int r = 0; r < t.length; r++) {
            s[r] = UniformQuantizer.halfWherePossible(Math.pow(2, t[r]));
        }
        return s;
    }

    /**
     * The rate term of learned steps: the estimated change in bits per weight since learning started,
     * {@code Σ_l cols_l · Σ_r (log2 s0_lr − t_lr) / Σ_l rows_l · cols_l} over the forms whose steps
     * learn (fixed ones count as weights that do not change).
     */
    public static Variable rateBits(Tape tape, List<UniformQuantizedWeight> forms) {
        double total = 0;
        long count = 0;
        for (UniformQuantizedWeight f : forms) {
            int cols = f.weight.dim(1);
            count += (long) f.weight.dim(0) * cols;
            if (f.logSteps != null) {
                float[] t = f.logSteps.value();
                for (int r = 0; r < t.length; r++) {
                    total += cols * (Math.log(f.steps[r]) / LN2 - t[r]);
                }
            }
        }
        long n = Math.max(1, count);
        Variable[] inputs = forms.stream().map(f -> f.logSteps).filter(java.util.Objects::nonNull).toArray(Variable[]::new);
        Variable result = Tape.output(new float[]{(float) (total / n)}, new int[]{1}, inputs);
        tape.record(() -> {
            double g = result.gradient()[0];
            for (UniformQuantizedWeight f : forms) {
                if (f.logSteps != null && f.logSteps.needsGradient()) {
                    float slope = (float) (-g * f.weight.dim(1) / n);
                    float[] dt = f.logSteps.gradient();
                    for (int r = 0; r < dt.length; r++) {
                        dt[r] += slope;
                    }
                }
            }
        }, inputs);
        return result;
    }

    /**
     * Starts {@code weight} at the values of {@code start}, a matrix of integer levels times row
     * steps (what the uniform quantizers make, error-compensated or not), with those steps: the
     * rounding reproduces {@code start} exactly until training moves the weights.
     *
     * @throws IllegalArgumentException when {@code start} is not integers times row steps of the weight's shape
     */
    public static UniformQuantizedWeight startingAt(Parameter weight, QuantizedMatrix start) {
        int rows = weight.dim(0);
        int cols = weight.dim(1);
        if (start.rows() != rows || start.cols() != cols || !start.hasRowScales()) {
            throw new IllegalArgumentException("a " + start.rows() + "×" + start.cols() + " matrix"
                    + (start.hasRowScales() ? "" : " without row steps") + " cannot start " + weight);
        }
        for (int code = 0; code < start.codebookSize(); code++) {
            float level = start.codebookValue(code);
            if (level != Math.rint(level) || Math.abs(level) > 1 << 22) {
                throw new IllegalArgumentException("level " + level + " of the start of " + weight + " is not an integer");
            }
        }
        float[] steps = new float[rows];
        float[] w = weight.value();
        for (int r = 0; r < rows; r++) {
            steps[r] = start.rowScale(r);
            for (int c = 0; c < cols; c++) {
                w[r * cols + c] = start.codebookValue(start.code(r, c)) * steps[r];
            }
        }
        return new UniformQuantizedWeight(weight, steps);
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
        float[] s = currentSteps();
        Variable result = Tape.output(values(s), weight.shape(), weight, logSteps);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dw = weight.gradient();
            for (int i = 0; i < dy.length; i++) {
                dw[i] += dy[i];
            }
            if (logSteps != null) {
                int cols = weight.dim(1);
                float[] w = weight.value();
                float[] dt = logSteps.gradient();
                for (int r = 0; r < dt.length; r++) {
                    double sum = 0;
                    for (int i = r * cols; i < (r + 1) * cols; i++) {
                        double x = w[i] / s[r];
                        sum += dy[i] * (Math.rint(x) - x);
                    }
                    dt[r] += (float) (sum * s[r] * LN2);
                }
            }
        }, weight, logSteps);
        return result;
    }

    @Override
    public float[] values() {
        return values(currentSteps());
    }

    private float[] values(float[] s) {
        int cols = weight.dim(1);
        float[] w = weight.value();
        float[] q = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            float step = s[i / cols];
            q[i] = (float) (Math.rint(w[i] / step) * step);
        }
        return q;
    }

    @Override
    public List<Parameter> parameters() {
        return logSteps == null ? List.of(weight) : List.of(weight, logSteps);
    }

    /** The integers {@code rint(w/s_r)} as codes over their distinct values, the steps as row scales. */
    @Override
    public QuantizedMatrix stored(int[] rows, int[] columns) {
        int cols = weight.dim(1);
        float[] s = currentSteps();
        int[] levels = new int[rows.length * columns.length];
        float[] scales = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            scales[i] = s[rows[i]];
            for (int j = 0; j < columns.length; j++) {
                int level = (int) Math.rint(weight.value()[rows[i] * cols + columns[j]] / s[rows[i]]);
                levels[i * columns.length + j] = level;
            }
        }
        return WeightForm.ofLevels(rows.length, columns.length, levels, scales);
    }
}
