package dev.tersor.train;

import java.util.List;

/**
 * Adam (Kingma and Ba) with bias correction, gradients clipped to a global norm first. Quantizer
 * parameters (self-compression's depths and exponents) take their own rate, a multiple of the
 * weights': they move in units of bits, not of weight magnitudes.
 */
public final class Adam {

    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double clipNorm;
    private final double quantizerRateFactor;

    public Adam(double beta1, double beta2, double epsilon, double clipNorm, double quantizerRateFactor) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0) || !(clipNorm > 0)
                || !(quantizerRateFactor > 0)) {
            throw new IllegalArgumentException("Adam(" + beta1 + ", " + beta2 + ", " + epsilon + ", clip " + clipNorm
                    + ", quantizer rate x" + quantizerRateFactor + ")");
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.clipNorm = clipNorm;
        this.quantizerRateFactor = quantizerRateFactor;
    }

    /** β1 0.9, β2 0.999, ε 1e-8, gradients clipped to norm 5, quantizer parameters at 20× the rate. */
    public static Adam defaults() {
        return new Adam(0.9, 0.999, 1e-8, 5, 20);
    }

    /**
     * Updates every parameter from its gradient as step {@code step} (from 0) at rate {@code rate}, then
     * zeroes the gradients. Returns the gradients' global norm before clipping.
     */
    public double step(List<Parameter> parameters, int step, double rate) {
        double squares = 0;
        for (Parameter p : parameters) {
            if (p.hasGradient()) {
                for (float g : p.gradient()) {
                    squares += (double) g * g;
                }
            }
        }
        double norm = Math.sqrt(squares);
        double clip = norm > clipNorm ? clipNorm / norm : 1;
        double correction1 = 1 - Math.pow(beta1, step + 1);
        double correction2 = 1 - Math.pow(beta2, step + 1);
        for (Parameter p : parameters) {
            if (!p.hasGradient()) {
                continue;
            }
            double lr = p.kind() == Parameter.Kind.QUANTIZER ? rate * quantizerRateFactor : rate;
            float[] value = p.value();
            float[] g = p.gradient();
            float[] m = p.firstMoment;
            float[] v = p.secondMoment;
            for (int i = 0; i < value.length; i++) {
                double gi = g[i] * clip;
                m[i] = (float) (beta1 * m[i] + (1 - beta1) * gi);
                v[i] = (float) (beta2 * v[i] + (1 - beta2) * gi * gi);
                double mHat = m[i] / correction1;
                double vHat = v[i] / correction2;
                value[i] -= (float) (lr * mHat / (Math.sqrt(vHat) + epsilon));
            }
            p.zeroGradient();
        }
        return norm;
    }
}
