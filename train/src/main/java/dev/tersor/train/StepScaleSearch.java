package dev.tersor.train;

import java.util.function.DoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Finds the finest step scale whose result fits a byte budget. Entropy-coded sizes fall about
 * linearly in the logarithm of the step (one bit per weight per doubling), so the search brackets the
 * budget by factors of two and then interpolates in log-scale (regula falsi with the Illinois
 * correction), stopping within {@code tolerance} below the budget.
 */
public final class StepScaleSearch {

    /** The smallest and largest scales tried. */
    public static final double MIN_SCALE = 1.0 / 64;
    public static final double MAX_SCALE = 64;

    /** Reports each trial. */
    @FunctionalInterface
    public interface Listener {
        void trial(double scale, long bytes, long budget);
    }

    /**
     * The result that fits: the payload made at {@code scale}, {@code bytes} long.
     *
     * @param trials how many payloads were made
     */
    public record Fit<T>(double scale, long bytes, T payload, int trials) {
    }

    private StepScaleSearch() {
    }

    /**
     * @param make       the payload at a scale (quantizing the model, say)
     * @param bytes      the bytes a payload takes
     * @param budget     bytes at most
     * @param first      the scale tried first
     * @param tolerance  fraction of the budget that may stay unused, in (0, 1)
     * @param maxTrials  payloads made at most
     * @return the finest fitting trial: within the tolerance, or the closest found in {@code maxTrials}
     * @throws IllegalArgumentException when no scale up to {@link #MAX_SCALE} fits, or none of the
     *                                  trials did
     */
    public static <T> Fit<T> search(DoubleFunction<T> make, ToLongFunction<T> bytes, long budget, double first,
                                    double tolerance, int maxTrials, Listener listener) {
        if (budget < 1 || !(first >= MIN_SCALE && first <= MAX_SCALE) || !(tolerance > 0 && tolerance < 1)
                || maxTrials < 2) {
            throw new IllegalArgumentException("step scale search for " + budget + " bytes from " + first + ", tolerance "
                    + tolerance + ", " + maxTrials + " trials");
        }
        // The finest scale known to fit, and the coarsest known not to (below it, if sizes fall with the scale).
        double fitScale = Double.NaN;
        long fitBytes = 0;
        T fitPayload = null;
        double overScale = Double.NaN;
        long overBytes = 0;
        int trials = 0;
        int lastSide = 0;
        int run = 0;
        double scale = first;
        while (trials < maxTrials) {
            T payload = make.apply(scale);
            long size = bytes.applyAsLong(payload);
            trials++;
            listener.trial(scale, size, budget);
            int side = size <= budget ? 1 : -1;
            run = side == lastSide ? run + 1 : 1;
            lastSide = side;
            if (side > 0) {
                if (Double.isNaN(fitScale) || scale < fitScale) {
                    fitScale = scale;
                    fitBytes = size;
                    fitPayload = payload;
                }
                if (size >= budget * (1 - tolerance)) {
                    break;
                }
            } else if (Double.isNaN(overScale) || scale > overScale) {
                overScale = scale;
                overBytes = size;
            }
            if (Double.isNaN(fitScale)) {
                if (scale >= MAX_SCALE) {
                    throw new IllegalArgumentException("no step scale up to " + MAX_SCALE + " fits " + budget + " bytes ("
                            + size + " at " + scale + ")");
                }
                scale = Math.min(MAX_SCALE, scale * 2);
            } else if (Double.isNaN(overScale)) {
                if (scale <= MIN_SCALE) {
                    break;
                }
                scale = Math.max(MIN_SCALE, scale / 2);
            } else {
                if (!(overScale < fitScale) || Math.log(fitScale / overScale) < 1e-3) {
                    break;
                }
                // Interpolate in log(scale); when the same side wins twice running, halve the other
                // side's distance to the budget so the bracket closes from both ends (Illinois).
                double atFit = fitBytes;
                double atOver = overBytes;
                if (run >= 2 && side > 0) {
                    atOver = budget + (overBytes - budget) / Math.pow(2, run - 1);
                } else if (run >= 2) {
                    atFit = budget - (budget - fitBytes) / Math.pow(2, run - 1);
                }
                double t = (atOver - budget) / Math.max(1e-9, atOver - atFit);
                double next = Math.exp(Math.log(overScale) + t * Math.log(fitScale / overScale));
                scale = next > overScale * 1.0001 && next < fitScale * 0.9999 ? next : Math.sqrt(fitScale * overScale);
            }
        }
        if (fitPayload == null) {
            throw new IllegalArgumentException("no step scale tried fits " + budget + " bytes (the coarsest, " + overScale
                    + ", takes " + overBytes + ")");
        }
        return new Fit<>(fitScale, fitBytes, fitPayload, trials);
    }
}
