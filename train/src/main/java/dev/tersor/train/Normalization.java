package dev.tersor.train;

/**
 * Batch normalization over the channels of {@code x[N, C]} or {@code x[N, C, H, W]}. A training tape
 * normalizes with the batch's statistics (variance without Bessel's correction, as the normalization
 * itself uses) and moves the running statistics towards them; an inference tape uses the running
 * statistics, as ONNX's {@code BatchNormalization} does.
 */
public final class Normalization {

    private Normalization() {
    }

    /**
     * {@code y = γ·(x − μ)/√(σ² + ε) + β} per channel. {@code runningMean} and {@code runningVariance}
     * are updated in place on a training tape, by {@code momentum} (PyTorch's convention: the new
     * value's weight, with the unbiased batch variance).
     */
    public static Variable batchNorm(Tape tape, Variable x, Variable gamma, Variable beta, float[] runningMean,
                                     float[] runningVariance, float momentum, float epsilon) {
        if (x.rank() != 2 && x.rank() != 4) {
            throw new IllegalArgumentException("batchNorm of " + x);
        }
        int batch = x.dim(0);
        int channels = x.dim(1);
        int plane = x.rank() == 4 ? x.dim(2) * x.dim(3) : 1;
        if (gamma.size() != channels || beta.size() != channels || runningMean.length != channels
                || runningVariance.length != channels) {
            throw new IllegalArgumentException("batchNorm parameters for " + channels + " channels");
        }
        int count = batch * plane;
        float[] in = x.value();
        float[] y = new float[in.length];
        float[] normalized = new float[in.length];
        float[] inverseDeviation = new float[channels];
        boolean training = tape.isTraining();
        for (int c = 0; c < channels; c++) {
            double mean;
            double variance;
            if (training) {
                double sum = 0;
                for (int n = 0; n < batch; n++) {
                    int base = (n * channels + c) * plane;
                    for (int p = 0; p < plane; p++) {
                        sum += in[base + p];
                    }
                }
                mean = sum / count;
                double squares = 0;
                for (int n = 0; n < batch; n++) {
                    int base = (n * channels + c) * plane;
                    for (int p = 0; p < plane; p++) {
                        double d = in[base + p] - mean;
                        squares += d * d;
                    }
                }
                variance = squares / count;
                double unbiased = count > 1 ? squares / (count - 1) : variance;
                runningMean[c] = (float) ((1 - momentum) * runningMean[c] + momentum * mean);
                runningVariance[c] = (float) ((1 - momentum) * runningVariance[c] + momentum * unbiased);
            } else {
                mean = runningMean[c];
                variance = runningVariance[c];
            }
            float inverse = (float) (1 / Math.sqrt(variance + epsilon));
            inverseDeviation[c] = inverse;
            float g = gamma.value()[c];
            float b = beta.value()[c];
            for (int n = 0; n < batch; n++) {
                int base = (n * channels + c) * plane;
                for (int p = 0; p < plane; p++) {
                    float xh = (float) ((in[base + p] - mean) * inverse);
                    normalized[base + p] = xh;
                    y[base + p] = g * xh + b;
                }
            }
        }
        Variable result = Tape.output(y, x.shape(), x, gamma, beta);
        tape.record(() -> {
            float[] dy = result.gradient();
            float[] dx = x.needsGradient() ? x.gradient() : null;
            for (int c = 0; c < channels; c++) {
                double sumDy = 0;
                double sumDyXh = 0;
                for (int n = 0; n < batch; n++) {
                    int base = (n * channels + c) * plane;
                    for (int p = 0; p < plane; p++) {
                        sumDy += dy[base + p];
                        sumDyXh += dy[base + p] * normalized[base + p];
                    }
                }
                if (gamma.needsGradient()) {
                    gamma.gradient()[c] += (float) sumDyXh;
                }
                if (beta.needsGradient()) {
                    beta.gradient()[c] += (float) sumDy;
                }
                if (dx != null) {
                    // dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), the batch statistics' own gradient included.
                    double scale = gamma.value()[c] * inverseDeviation[c];
                    double meanDy = sumDy / count;
                    double meanDyXh = sumDyXh / count;
                    for (int n = 0; n < batch; n++) {
                        int base = (n * channels + c) * plane;
                        for (int p = 0; p < plane; p++) {
                            dx[base + p] += (float) (scale * (dy[base + p] - meanDy - normalized[base + p] * meanDyXh));
                        }
                    }
                }
            }
        }, x, gamma, beta);
        return result;
    }
}
