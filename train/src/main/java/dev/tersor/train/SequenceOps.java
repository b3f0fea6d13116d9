package dev.tersor.train;

/**
 * The operations of transformer encoders, with their gradients: embedding lookup, residual sums,
 * layer normalization, GELU, multi-head self-attention over padded sequences, masked mean pooling and
 * the cosine distance a distilled embedding model is trained on. Activations are {@code [B·T, H]}:
 * B sequences padded to T tokens, H features; {@code lengths[b]} tokens of sequence b are real.
 */
public final class SequenceOps {

    private static final double SQRT_HALF = Math.sqrt(0.5);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    private SequenceOps() {
    }

    /** Rows {@code ids} of {@code table[V, H]}; the gradient is added back to the rows read. */
    public static Variable embedding(Tape tape, Variable table, int[] ids) {
        int width = table.dim(1);
        int vocabulary = table.dim(0);
        float[] y = new float[ids.length * width];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabulary) {
                throw new IllegalArgumentException("id " + ids[i] + " outside a table of " + vocabulary + " rows");
            }
            System.arraycopy(table.value(), ids[i] * width, y, i * width, width);
        }
        Variable result = Tape.output(y, new int[]{ids.length, width}, table);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dt = table.gradient();
            for (int i = 0; i < ids.length; i++) {
                int row = ids[i] * width;
                for (int j = 0; j < width; j++) {
                    dt[row + j] += dy[i * width + j];
                }
            }
        }, table);
        return result;
    }

    /** {@code a + b}, elementwise, of the same shape. */
    public static Variable add(Tape tape, Variable a, Variable b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("add of " + a + " and " + b);
        }
        float[] y = new float[a.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = a.value()[i] + b.value()[i];
        }
        Variable result = Tape.output(y, a.shape(), a, b);
        tape.record(() -> {
            float[] dy = result.gradient();
            for (Variable input : new Variable[]{a, b}) {
                if (input.needsGradient()) {
                    float[] d = input.gradient();
                    for (int i = 0; i < dy.length; i++) {
                        d[i] += dy[i];
                    }
                }
            }
        }, a, b);
        return result;
    }

    /** Layer normalization of each row of {@code x[R, H]}: {@code γ·(x − μ)/√(σ² + ε) + β}. */
    public static Variable layerNorm(Tape tape, Variable x, Variable gamma, Variable beta, float epsilon) {
        int width = x.dim(x.rank() - 1);
        int rows = x.size() / width;
        if (gamma.size() != width || beta.size() != width) {
            throw new IllegalArgumentException("layerNorm of " + x + " with " + gamma + " and " + beta);
        }
        float[] in = x.value();
        float[] normalized = new float[in.length];
        float[] inverse = new float[rows];
        float[] y = new float[in.length];
        for (int r = 0; r < rows; r++) {
            int base = r * width;
            double mean = 0;
            for (int j = 0; j < width; j++) {
                mean += in[base + j];
            }
            mean /= width;
            double variance = 0;
            for (int j = 0; j < width; j++) {
                double d = in[base + j] - mean;
                variance += d * d;
            }
            variance /= width;
            inverse[r] = (float) (1 / Math.sqrt(variance + epsilon));
            for (int j = 0; j < width; j++) {
                float xh = (float) ((in[base + j] - mean) * inverse[r]);
                normalized[base + j] = xh;
                y[base + j] = gamma.value()[j] * xh + beta.value()[j];
            }
        }
        Variable result = Tape.output(y, x.shape(), x, gamma, beta);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dx = x.needsGradient() ? x.gradient() : null;
            float[] dGamma = gamma.needsGradient() ? gamma.gradient() : null;
            float[] dBeta = beta.needsGradient() ? beta.gradient() : null;
            float[] g = gamma.value();
            for (int r = 0; r < rows; r++) {
                int base = r * width;
                double sumG = 0;
                double sumGX = 0;
                for (int j = 0; j < width; j++) {
                    double gj = dy[base + j] * g[j];
                    sumG += gj;
                    sumGX += gj * normalized[base + j];
                    if (dGamma != null) {
                        dGamma[j] += dy[base + j] * normalized[base + j];
                    }
                    if (dBeta != null) {
                        dBeta[j] += dy[base + j];
                    }
                }
                if (dx != null) {
                    double meanG = sumG / width;
                    double meanGX = sumGX / width;
                    for (int j = 0; j < width; j++) {
                        double gj = dy[base + j] * g[j];
                        dx[base + j] += (float) (inverse[r] * (gj - meanG - normalized[base + j] * meanGX));
                    }
                }
            }
        }, x, gamma, beta);
        return result;
    }

    /** GELU with the exact error function, {@code x·Φ(x)}, as BERT's encoders use it. */
    public static Variable gelu(Tape tape, Variable x) {
        float[] in = x.value();
        float[] y = new float[in.length];
        for (int i = 0; i < in.length; i++) {
            y[i] = (float) (in[i] * 0.5 * (1 + erf(in[i] * SQRT_HALF)));
        }
        Variable result = Tape.output(y, x.shape(), x);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dx = x.gradient();
            for (int i = 0; i < in.length; i++) {
                double v = in[i];
                double derivative = 0.5 * (1 + erf(v * SQRT_HALF)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
                dx[i] += (float) (dy[i] * derivative);
            }
        }, x);
        return result;
    }

    /**
     * The error function to within about 1e-13 (a continued fraction past |x| = 3, the series below):
     * GELU's gradient needs its value near 0 as well as in the tails.
     */
    static double erf(double x) {
        double a = Math.abs(x);
        double value;
        if (a < 3) {
            // erf(x) = 2/√π · Σ (−1)^n x^(2n+1) / (n! (2n+1))
            double term = a;
            double sum = a;
            double square = a * a;
            for (int n = 1; n < 200; n++) {
                term *= -square / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
                    break;
                }
            }
            value = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(x) = e^(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated from the tail up.
            double fraction = a;
            for (int k = 60; k >= 1; k--) {
                fraction = a + (k / 2.0) / fraction;
            }
            value = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / fraction;
        }
        return x < 0 ? -value : value;
    }

    /**
     * Multi-head self-attention over padded sequences: for each sequence b and head h,
     * {@code softmax(Q·Kᵀ/√d + mask)·V} with d = H/heads, keys past {@code lengths[b]} masked out.
     * q, k, v are {@code [B·T, H]}; rows past a sequence's length come out as zeros.
     */
    public static Variable attention(Tape tape, Variable q, Variable k, Variable v, int[] lengths, int heads) {
        int width = q.dim(1);
        int batch = lengths.length;
        int tokens = q.dim(0) / Math.max(1, batch);
        if (width % heads != 0 || q.dim(0) != batch * tokens || k.size() != q.size() || v.size() != q.size()) {
            throw new IllegalArgumentException("attention of " + q + ", " + k + ", " + v + " over " + batch + " sequences, "
                    + heads + " heads");
        }
        int d = width / heads;
        float scale = (float) (1 / Math.sqrt(d));
        float[] probabilities = new float[batch * heads * tokens * tokens];
        float[] y = new float[q.size()];
        float[] qv = q.value();
        float[] kv = k.value();
        float[] vv = v.value();
        for (int b = 0; b < batch; b++) {
            int length = lengths[b];
            if (length < 1 || length > tokens) {
                throw new IllegalArgumentException("sequence " + b + " has length " + length + " of " + tokens);
            }
            for (int h = 0; h < heads; h++) {
                int p0 = ((b * heads) + h) * tokens * tokens;
                for (int i = 0; i < length; i++) {
                    int qi = (b * tokens + i) * width + h * d;
                    double max = Double.NEGATIVE_INFINITY;
                    double[] scores = new double[length];
                    for (int j = 0; j < length; j++) {
                        int kj = (b * tokens + j) * width + h * d;
                        double s = 0;
                        for (int c = 0; c < d; c++) {
                            s += qv[qi + c] * kv[kj + c];
                        }
                        scores[j] = s * scale;
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < length; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    int yi = (b * tokens + i) * width + h * d;
                    for (int j = 0; j < length; j++) {
                        float p = (float) (scores[j] / sum);
                        probabilities[p0 + i * tokens + j] = p;
                        int vj = (b * tokens + j) * width + h * d;
                        for (int c = 0; c < d; c++) {
                            y[yi + c] += p * vv[vj + c];
                        }
                    }
                }
            }
        }
        Variable result = Tape.output(y, q.shape(), q, k, v);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dq = q.needsGradient() ? q.gradient() : null;
            float[] dk = k.needsGradient() ? k.gradient() : null;
            float[] dv = v.needsGradient() ? v.gradient() : null;
            for (int b = 0; b < batch; b++) {
                int length = lengths[b];
                for (int h = 0; h < heads; h++) {
                    int p0 = ((b * heads) + h) * tokens * tokens;
                    for (int i = 0; i < length; i++) {
                        int yi = (b * tokens + i) * width + h * d;
                        // dP[j] = dy_i · v_j; dS = P ⊙ (dP − Σ P·dP)
                        double[] dp = new double[length];
                        double dot = 0;
                        for (int j = 0; j < length; j++) {
                            int vj = (b * tokens + j) * width + h * d;
                            double s = 0;
                            for (int c = 0; c < d; c++) {
                                s += dy[yi + c] * vv[vj + c];
                            }
                            dp[j] = s;
                            dot += s * probabilities[p0 + i * tokens + j];
                        }
                        int qi = yi;
                        for (int j = 0; j < length; j++) {
                            float p = probabilities[p0 + i * tokens + j];
                            int kj = (b * tokens + j) * width + h * d;
                            if (dv != null) {
                                for (int c = 0; c < d; c++) {
                                    dv[kj + c] += p * dy[yi + c];
                                }
                            }
                            float ds = (float) (p * (dp[j] - dot) * scale);
                            for (int c = 0; c < d; c++) {
                                if (dq != null) {
                                    dq[qi + c] += ds * kv[kj + c];
                                }
                                if (dk != null) {
                                    dk[kj + c] += ds * qv[qi + c];
                                }
                            }
                        }
                    }
                }
            }
        }, q, k, v);
        return result;
    }

    /** The mean over each sequence's real tokens of {@code x[B·T, H]}: {@code [B, H]}. */
    public static Variable meanPool(Tape tape, Variable x, int[] lengths) {
        int width = x.dim(1);
        int batch = lengths.length;
        int tokens = x.dim(0) / Math.max(1, batch);
        float[] y = new float[batch * width];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < lengths[b]; t++) {
                for (int j = 0; j < width; j++) {
                    y[b * width + j] += x.value()[(b * tokens + t) * width + j];
                }
            }
            for (int j = 0; j < width; j++) {
                y[b * width + j] /= lengths[b];
            }
        }
        Variable result = Tape.output(y, new int[]{batch, width}, x);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dx = x.gradient();
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < lengths[b]; t++) {
                    for (int j = 0; j < width; j++) {
                        dx[(b * tokens + t) * width + j] += dy[b * width + j] / lengths[b];
                    }
                }
            }
        }, x);
        return result;
    }

    /** The mean over the batch of {@code 1 − cos(x[b], target[b])}, for {@code x[B, H]} and fixed targets. */
    public static Variable cosineDistance(Tape tape, Variable x, float[] target) {
        int width = x.dim(1);
        int batch = x.dim(0);
        if (target.length != x.size()) {
            throw new IllegalArgumentException("cosineDistance of " + x + " to " + target.length + " values");
        }
        float[] xv = x.value();
        double[] norms = new double[batch];
        double[] targetNorms = new double[batch];
        double[] cosines = new double[batch];
        double total = 0;
        for (int b = 0; b < batch; b++) {
            double dot = 0;
            double xx = 0;
            double tt = 0;
            for (int j = 0; j < width; j++) {
                int i = b * width + j;
                dot += xv[i] * target[i];
                xx += xv[i] * xv[i];
                tt += target[i] * target[i];
            }
            norms[b] = Math.sqrt(xx);
            targetNorms[b] = Math.sqrt(tt);
            cosines[b] = dot / (norms[b] * targetNorms[b]);
            total += 1 - cosines[b];
        }
        Variable result = Tape.output(new float[]{(float) (total / batch)}, new int[]{1}, x);
        tape.record(() -> {
            double g = result.gradient()[0] / batch;
            float[] dx = x.gradient();
            for (int b = 0; b < batch; b++) {
                // d(−cos)/dx = −(t/(|x||t|) − cos·x/|x|²)
                for (int j = 0; j < width; j++) {
                    int i = b * width + j;
                    double dcos = target[i] / (norms[b] * targetNorms[b]) - cosines[b] * xv[i] / (norms[b] * norms[b]);
                    dx[i] += (float) (-g * dcos);
                }
            }
        }, x);
        return result;
    }

    /**
     * How far hidden states {@code x[B·T, H]} are from fixed targets of the same shape, relative to the
     * targets' size: {@code Σ |x[t] − target[t]|² / Σ |target[t]|²} over the real tokens t of each
     * sequence (the first {@code lengths[b]} of its T rows); padding rows count for nothing.
     */
    public static Variable relativeSquaredError(Tape tape, Variable x, float[] target, int[] lengths) {
        int width = x.dim(1);
        int batch = lengths.length;
        if (target.length != x.size() || batch == 0 || x.dim(0) % batch != 0) {
            throw new IllegalArgumentException("relativeSquaredError of " + x + " to " + target.length + " values for "
                    + batch + " sequences");
        }
        int tokens = x.dim(0) / batch;
        float[] xv = x.value();
        double error = 0;
        double size = 0;
        for (int b = 0; b < batch; b++) {
            for (int i = b * tokens * width, end = i + lengths[b] * width; i < end; i++) {
                double d = xv[i] - target[i];
                error += d * d;
                size += (double) target[i] * target[i];
            }
        }
        double norm = size > 0 ? size : 1;
        Variable result = Tape.output(new float[]{(float) (error / norm)}, new int[]{1}, x);
        tape.record(() -> {
            double g = 2 * result.gradient()[0] / norm;
            float[] dx = x.gradient();
            for (int b = 0; b < batch; b++) {
                for (int i = b * tokens * width, end = i + lengths[b] * width; i < end; i++) {
                    dx[i] += (float) (g * (xv[i] - target[i]));
                }
            }
        }, x);
        return result;
    }
}
