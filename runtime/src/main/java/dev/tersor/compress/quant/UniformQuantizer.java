package dev.tersor.compress.quant;

import dev.tersor.compress.ProgressListener;
import dev.tersor.format.DenseMatrixView;
import dev.tersor.format.QuantizedMatrix;

/**
 * Uniform quantization (UQ, methods.md §2.6): every non-zero becomes the nearest multiple of a step
 * Δ, ties toward zero. A non-zero may round to 0, which is an ordinary level here.
 *
 * <p>The step is fixed, proportional to the spread (root mean square of the non-zeros) of the
 * matrix or of each row, or set by a number of levels. Under {@link Scope#ROW} the codebook is small
 * integers and the row scales are the steps, the per-row uniform form data.md found best on MiniLM
 * when entropy-coded. Levels are not clamped (except by {@link #levels}): outliers get large
 * integers, which cost little once entropy-coded.
 */
public final class UniformQuantizer implements Quantizer {

    private enum Rule { STEP, RELATIVE, LEVELS }

    private final Rule rule;
    private final double parameter;
    private final Scope scope;
    /** Per-row multipliers of the step (null: all 1). */
    private final float[] rowFactors;

    private UniformQuantizer(Rule rule, double parameter, Scope scope, float[] rowFactors) {
        if (!(parameter > 0) || Double.isInfinite(parameter)) {
            throw new IllegalArgumentException("step parameter must be finite and positive, got " + parameter);
        }
        this.rule = rule;
        this.parameter = parameter;
        this.scope = scope;
        this.rowFactors = rowFactors;
    }

    /** One step Δ for the whole matrix: values k·Δ. */
    public static UniformQuantizer step(double step) {
        return new UniformQuantizer(Rule.STEP, step, Scope.MATRIX, null);
    }

    /**
     * Δ = α × the root mean square of the non-zeros of the matrix or of each row (the row's standard
     * deviation when its mean is near zero, as for weights).
     */
    public static UniformQuantizer relativeStep(double alpha, Scope scope) {
        return new UniformQuantizer(Rule.RELATIVE, alpha, scope, null);
    }

    /**
     * At most {@code k} non-zero levels, {@code −L…L} with L = ⌊k/2⌋, and Δ = max|w| / L over the
     * matrix or each row: symmetric round-to-nearest with a clamped range ("b-bit per row" for
     * k = 2^b).
     */
    public static UniformQuantizer levels(int k, Scope scope) {
        if (k < 2 || k > QuantizationGrid.MAX_LEVELS) {
            throw new IllegalArgumentException("k must be in [2, " + QuantizationGrid.MAX_LEVELS + "], got " + k);
        }
        return new UniformQuantizer(Rule.LEVELS, k, scope, null);
    }

    public Scope scope() {
        return scope;
    }

    /**
     * This per-row relative-step quantizer with row r's step multiplied by {@code factors[r]}: rows whose
     * error matters less downstream (rare tokens of an embedding table) get coarser steps.
     */
    public UniformQuantizer withRowFactors(float[] factors) {
        if (rule != Rule.RELATIVE || scope != Scope.ROW) {
            throw new IllegalArgumentException("row factors need a relative step per row, not " + this);
        }
        for (float f : factors) {
            if (!(f > 0) || !Float.isFinite(f)) {
                throw new IllegalArgumentException("row factors must be finite and positive, got " + f);
            }
        }
        return new UniformQuantizer(rule, parameter, scope, factors.clone());
    }

    @Override
    public QuantizationGrid fit(DenseMatrixView weights, ProgressListener progress) {
        return fit(Weights.copyFinite(weights), weights.rows(), weights.cols());
    }

    @Override
    public QuantizedMatrix quantize(DenseMatrixView weights, ProgressListener progress) {
        float[] w = Weights.copyFinite(weights);
        return fit(w, weights.rows(), weights.cols()).roundToNearest(w, weights.rows(), weights.cols());
    }

    private QuantizationGrid fit(float[] w, int rows, int cols) {
        if (scope == Scope.ROW) {
            if (rowFactors != null && rowFactors.length != rows) {
                throw new IllegalArgumentException(rowFactors.length + " row factors for a matrix of " + rows + " rows");
            }
            float[] steps = new float[rows];
            for (int r = 0; r < rows; r++) {
                double step = step(w, r * cols, (r + 1) * cols) * (rowFactors == null ? 1 : rowFactors[r]);
                steps[r] = rule == Rule.RELATIVE ? halfWherePossible(step) : (float) step;
                if (!(steps[r] > 0) || !Float.isFinite(steps[r])) {
                    throw new IllegalArgumentException("step " + step + " of row " + r + " is not a positive float");
                }
            }
            long[] range = levelRange(w, cols, steps, 1);
            float[] levels = new float[(int) (range[1] - range[0] + 1)];
            for (int i = 0; i < levels.length; i++) {
                levels[i] = range[0] + i;
            }
            return QuantizationGrid.of(levels, true, steps);
        }
        double step = step(w, 0, w.length);
        long[] range = levelRange(w, cols, null, step);
        float[] levels = new float[(int) (range[1] - range[0] + 1)];
        for (int i = 0; i < levels.length; i++) {
            levels[i] = (float) ((range[0] + i) * step);
        }
        return QuantizationGrid.of(levels, true, null);
    }

    /**
     * {@code step} rounded to the nearest half-precision value when one is near (within its normal
     * range): a relative step is a choice, not a measurement, and 0.05 % off it costs nothing, while
     * formats store half-precision scales in half the bytes (StoredScales).
     */
    public static float halfWherePossible(double step) {
        float half = Float.float16ToFloat(Float.floatToFloat16((float) step));
        return Math.abs(half) >= 0x1p-14f && Float.isFinite(half) ? half : (float) step;
    }

    /** The step for the entries {@code [from, to)}; 1 when they are all zero and it does not matter. */
    private double step(float[] w, int from, int to) {
        if (rule == Rule.STEP) {
            return parameter;
        }
        double sumSq = 0;
        double maxAbs = 0;
        int count = 0;
        for (int i = from; i < to; i++) {
            if (w[i] != 0f) {
                sumSq += (double) w[i] * w[i];
                maxAbs = Math.max(maxAbs, Math.abs(w[i]));
                count++;
            }
        }
        if (count == 0) {
            return 1;
        }
        return rule == Rule.RELATIVE ? parameter * Math.sqrt(sumSq / count) : maxAbs / Math.floor(parameter / 2);
    }

    /** Lowest and highest integer level used (0 included), checked against the grid size limit. */
    private long[] levelRange(float[] w, int cols, float[] rowSteps, double matrixStep) {
        if (rule == Rule.LEVELS) {
            long l = (long) Math.floor(parameter / 2);
            return new long[]{-l, l};
        }
        double lo = 0;
        double hi = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] != 0f) {
                double level = Math.rint(w[i] / (rowSteps == null ? matrixStep : rowSteps[i / cols]));
                lo = Math.min(lo, level);
                hi = Math.max(hi, level);
            }
        }
        if (hi - lo + 1 > QuantizationGrid.MAX_LEVELS) {
            throw new IllegalArgumentException("the step is too small: " + (long) (hi - lo + 1) + " levels exceed "
                    + QuantizationGrid.MAX_LEVELS);
        }
        return new long[]{(long) lo, (long) hi};
    }

    @Override
    public String toString() {
        return switch (rule) {
            case STEP -> "uq(step=" + parameter + ")";
            case RELATIVE -> "uq(step=" + parameter + "*rms" + (rowFactors == null ? "" : "*row factor") + ", "
                    + scope.name().toLowerCase() + ")";
            case LEVELS -> "uq(k=" + (int) parameter + ", " + scope.name().toLowerCase() + ")";
        };
    }
}
