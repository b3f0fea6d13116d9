package dev.tersor.train;

import dev.tersor.format.QuantizedMatrix;

import java.util.List;

/**
 * A weight matrix under self-compression (Cséfalvay and Imber; methods.md §5.2): each output row r
 * has a learned bit depth {@code b_r} and exponent {@code e_r}, and the layer computes with
 * <pre>q(w) = 2^ê · rint(clamp(2^−ê · w, −2^(B−1), 2^(B−1) − 1)),  B = clamp(b, 0, 16),  ê = rint(e)</pre>
 * A row whose depth reaches 0 clamps to −½, rounds to 0 and is removed at export.
 *
 * <p>The exponent is rounded in the forward pass (its gradient passes straight through), so every
 * scale is a power of two and the trained values are exactly what the bit-packed format stores: the
 * exported model computes what training evaluated. Rounding passes gradients straight through too:
 * with {@code x = 2^−ê·w} inside the clamp range, {@code ∂q/∂w = 1}; {@code ∂q/∂b} is the clamp bound's
 * derivative {@code ±ln2·2^(B−1)·2^ê} where x is clamped; {@code ∂q/∂e = ln2·(q − w)} inside and
 * {@code ln2·q} where clamped.
 */
public final class SelfCompressedWeight implements WeightForm {

    /** The widest row the bit-packed format holds. */
    public static final int MAX_BITS = 16;

    private static final double LN2 = Math.log(2);

    private final Parameter weight;
    private final Parameter bits;
    private final Parameter exponents;

    public SelfCompressedWeight(Parameter weight, Parameter bits, Parameter exponents) {
        if (weight.rank() != 2 || bits.size() != weight.dim(0) || exponents.size() != weight.dim(0)) {
            throw new IllegalArgumentException("per-row depths and exponents for " + weight);
        }
        this.weight = weight;
        this.bits = bits;
        this.exponents = exponents;
    }

    /**
     * Self-compression of {@code weight}, every row starting at depth {@code initialBits} and at the
     * exponent that puts the row's largest magnitude at the top of its range.
     */
    public static SelfCompressedWeight over(Parameter weight, float initialBits) {
        int rows = weight.dim(0);
        int cols = weight.dim(1);
        float[] b = new float[rows];
        float[] e = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, Math.abs(weight.value()[r * cols + c]));
            }
            b[r] = initialBits;
            e[r] = max > 0 ? (float) (Math.log(max) / LN2 - (initialBits - 1)) : -24;
        }
        return new SelfCompressedWeight(weight,
                new Parameter(weight.name() + ".bits", Parameter.Kind.QUANTIZER, b, rows),
                new Parameter(weight.name() + ".exponents", Parameter.Kind.QUANTIZER, e, rows));
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bits() {
        return bits;
    }

    public Parameter exponents() {
        return exponents;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bits, exponents);
    }

    @Override
    public Variable weights(Tape tape) {
        return quantized(tape);
    }

    @Override
    public float[] values() {
        return quantizedValues();
    }

    /**
     * Integer levels times each row's power of two: the codebook is the distinct integers of the kept
     * rows, and the row scales are {@code 2^ê}, so the exporter can choose between the bit-packed
     * format and entropy-coded ones over the same integers.
     */
    @Override
    public QuantizedMatrix stored(int[] rows, int[] columns) {
        float[] q = quantizedValues();
        int cols = fanIn();
        int[] integers = new int[rows.length * columns.length];
        float[] scales = new float[rows.length];
        for (int i = 0; i < rows.length; i++) {
            int e = exponent(rows[i]);
            scales[i] = Math.scalb(1f, e);
            for (int j = 0; j < columns.length; j++) {
                int level = (int) Math.scalb(q[rows[i] * cols + columns[j]], -e);
                integers[i * columns.length + j] = level;
            }
        }
        return WeightForm.ofLevels(rows.length, columns.length, integers, scales);
    }

    public int rows() {
        return weight.dim(0);
    }

    public int fanIn() {
        return weight.dim(1);
    }

    /** Row r's depth as the quantizer uses it, {@code clamp(b, 0, 16)}. */
    public float depth(int r) {
        return Math.min(Math.max(bits.value()[r], 0f), MAX_BITS);
    }

    /** The mean depth over the rows: this matrix's share of the size term. */
    public double averageDepth() {
        double sum = 0;
        for (int r = 0; r < rows(); r++) {
            sum += depth(r);
        }
        return sum / Math.max(1, rows());
    }

    /** Row r's exponent as the quantizer uses it, {@code rint(e)}. */
    public int exponent(int r) {
        return (int) Math.rint(Math.max(-126, Math.min(127, exponents.value()[r])));
    }

    /** The quantized weights {@code q(w)} as they are now, {@code [rows, fanIn]}. */
    public float[] quantizedValues() {
        float[] q = new float[weight.size()];
        quantize(q, new byte[q.length]);
        return q;
    }

    /**
     * {@code q(w)} into {@code q}, and into {@code side} where each weight fell: −1 below the clamp
     * range, 1 above it, 0 inside (which derivative it takes).
     */
    private void quantize(float[] q, byte[] side) {
        int rows = rows();
        int cols = fanIn();
        float[] w = weight.value();
        for (int r = 0; r < rows; r++) {
            float depth = depth(r);
            int e = exponent(r);
            double low = -Math.pow(2, depth - 1);
            double high = Math.pow(2, depth - 1) - 1;
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                double x = Math.scalb((double) w[i], -e);
                double clamped = x;
                if (x < low) {
                    clamped = low;
                    side[i] = -1;
                } else if (x > high) {
                    clamped = high;
                    side[i] = 1;
                }
                q[i] = Math.scalb((float) Math.rint(clamped), e);
            }
        }
    }

    /** The quantized weights {@code q(w)}, with the gradients to w, b and e described above. */
    public Variable quantized(Tape tape) {
        int rows = rows();
        int cols = fanIn();
        float[] w = weight.value();
        float[] q = new float[w.length];
        byte[] side = new byte[w.length];
        quantize(q, side);
        Variable result = Tape.output(q, weight.shape(), weight, bits, exponents);
        tape.record(() -> {
            float[] dq = result.gradient();
            float[] dw = weight.gradient();
            float[] db = bits.gradient();
            float[] de = exponents.gradient();
            for (int r = 0; r < rows; r++) {
                float depth = depth(r);
                boolean depthMoves = bits.value()[r] > 0 && bits.value()[r] < MAX_BITS;
                double boundSlope = LN2 * Math.pow(2, depth - 1) * Math.scalb(1.0, exponent(r));
                double sumB = 0;
                double sumE = 0;
                for (int c = 0; c < cols; c++) {
                    int i = r * cols + c;
                    float g = dq[i];
                    if (side[i] == 0) {
                        dw[i] += g;
                        sumE += g * (q[i] - w[i]);
                    } else {
                        sumE += g * q[i];
                        sumB += g * side[i];
                    }
                }
                if (depthMoves) {
                    db[r] += (float) (sumB * boundSlope);
                }
                de[r] += (float) (sumE * LN2);
            }
        }, weight, bits, exponents);
        return result;
    }

    /**
     * The size term Q of self-compression: the average bits per weight over {@code weights},
     * {@code Σ_l fanIn_l · Σ_r clamp(b_lr, 0, 16) / Σ_l rows_l · fanIn_l}.
     */
    public static Variable averageBits(Tape tape, List<SelfCompressedWeight> weights) {
        double total = 0;
        long count = 0;
        for (SelfCompressedWeight w : weights) {
            for (int r = 0; r < w.rows(); r++) {
                total += (double) w.fanIn() * w.depth(r);
            }
            count += (long) w.rows() * w.fanIn();
        }
        long n = count;
        Variable[] inputs = weights.stream().map(SelfCompressedWeight::bits).toArray(Variable[]::new);
        Variable result = Tape.output(new float[]{(float) (total / n)}, new int[]{1}, inputs);
        tape.record(() -> {
            float g = result.gradient()[0];
            for (SelfCompressedWeight w : weights) {
                float[] b = w.bits.value();
                float[] db = w.bits.gradient();
                float slope = (float) (g * (double) w.fanIn() / n);
                for (int r = 0; r < w.rows(); r++) {
                    if (b[r] > 0 && b[r] < MAX_BITS) {
                        db[r] += slope;
                    }
                }
            }
        }, inputs);
        return result;
    }
}
