package dev.tersor.compress.gptq;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;

/**
 * Accumulates a layer's input statistics H = Σ x·xᵀ over calibration activations x (one per token),
 * the second-order information an error-compensating quantizer needs. Sums are kept in double.
 *
 * <p>Tokens are buffered in chunks and added to H a chunk at a time, so each row of H is loaded once
 * per chunk rather than once per token. Not thread-safe: use one accumulator per thread and
 * {@link #merge} them.
 */
public final class HessianAccumulator {

    private static final int CHUNK = 64;
    /** Largest input width, so that H fits one Java array. */
    public static final int MAX_INPUTS = 46_340;

    private final int inputs;
    private final double[] lower;
    private final float[] chunk;
    private int buffered;
    private long samples;

    public HessianAccumulator(int inputs) {
        if (inputs < 1 || inputs > MAX_INPUTS) {
            throw new IllegalArgumentException("inputs must be in [1, " + MAX_INPUTS + "], got " + inputs);
        }
        this.inputs = inputs;
        this.lower = new double[inputs * inputs];
        this.chunk = new float[CHUNK * inputs];
    }

    /** Width of x, the layer's number of inputs (its weight matrix's columns). */
    public int inputs() {
        return inputs;
    }

    /** Number of activation vectors added so far. */
    public long samples() {
        return samples;
    }

    /** Adds {@code tokens} activation vectors stored {@code [tokens][inputs]}, from index 0. */
    public void addTokens(float[] activations, int tokens) {
        if (tokens < 0 || (long) tokens * inputs > activations.length) {
            throw new IllegalArgumentException(tokens + " tokens of " + inputs + " inputs need more than "
                    + activations.length + " floats");
        }
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(activations, t * inputs, chunk, buffered * inputs, inputs);
            push();
        }
    }

    /**
     * Adds {@code batch} activation vectors stored {@code [inputs][batch]}, batch innermost (Tersor's
     * batched layout, methods.md Decision 2), as float32.
     */
    public void addBatch(MemorySegment activations, int batch) {
        if (batch < 0 || activations.byteSize() < 4L * inputs * batch) {
            throw new IllegalArgumentException(batch + " columns of " + inputs + " inputs need more than "
                    + activations.byteSize() + " bytes");
        }
        for (int b = 0; b < batch; b++) {
            int base = buffered * inputs;
            for (int i = 0; i < inputs; i++) {
                chunk[base + i] = activations.getAtIndex(Layouts.F32, (long) i * batch + b);
            }
            push();
        }
    }

    /** Adds everything {@code other} has accumulated. */
    public void merge(HessianAccumulator other) {
        if (other.inputs != inputs) {
            throw new IllegalArgumentException("cannot merge " + other.inputs + " inputs into " + inputs);
        }
        if (other == this) {
            throw new IllegalArgumentException("cannot merge an accumulator into itself");
        }
        flush();
        other.flush();
        for (int i = 0; i < lower.length; i++) {
            lower[i] += other.lower[i];
        }
        samples += other.samples;
    }

    /** A copy of H, full and symmetric, row-major {@code [inputs][inputs]}. */
    public double[] hessian() {
        flush();
        int n = inputs;
        double[] h = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                h[i * n + j] = lower[i * n + j];
                h[j * n + i] = lower[i * n + j];
            }
        }
        return h;
    }

    private void push() {
        int base = buffered * inputs;
        for (int i = 0; i < inputs; i++) {
            if (!Float.isFinite(chunk[base + i])) {
                throw new IllegalArgumentException("activation " + chunk[base + i] + " at input " + i + " is not finite");
            }
        }
        buffered++;
        samples++;
        if (buffered == CHUNK) {
            flush();
        }
    }

    /** Adds the buffered tokens to the lower triangle of H, row by row. */
    private void flush() {
        int n = inputs;
        for (int i = 0; i < n; i++) {
            int row = i * n;
            for (int t = 0; t < buffered; t++) {
                double a = chunk[t * n + i];
                if (a != 0) {
                    int x = t * n;
                    for (int j = 0; j <= i; j++) {
                        lower[row + j] += a * chunk[x + j];
                    }
                }
            }
        }
        buffered = 0;
    }
}
