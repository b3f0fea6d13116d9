package dev.tersor.train;

/**
 * A learning-rate schedule: a linear warm-up over the first {@code warmup} steps, then a cosine decay
 * from {@code peak} to {@code peak·floor} at step {@code steps}. A pure function of the step, so a
 * resumed run follows the same schedule.
 */
public record LearningRate(double peak, int warmup, int steps, double floor) {

    public LearningRate {
        if (!(peak > 0) || warmup < 0 || steps < 1 || !(floor >= 0 && floor <= 1)) {
            throw new IllegalArgumentException("learning rate " + peak + ", warm-up " + warmup + ", steps " + steps
                    + ", floor " + floor);
        }
    }

    /** The rate at step {@code step} (counted from 0). */
    public double at(int step) {
        if (step < warmup) {
            return peak * (step + 1) / warmup;
        }
        double progress = Math.min(1, (step - warmup) / (double) Math.max(1, steps - warmup));
        double cosine = 0.5 * (1 + Math.cos(Math.PI * progress));
        return peak * (floor + (1 - floor) * cosine);
    }
}
