package dev.tersor.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Reverse-mode differentiation for one step: operations record how to send their output's gradient
 * back to their inputs, and {@link #backward} replays those records in reverse order. An operation
 * whose inputs need no gradient records nothing, so evaluation runs on a tape without cost.
 */
public final class Tape {

    /** Sends an output's gradient to the inputs of the operation that made it. */
    @FunctionalInterface
    public interface Backward {
        void run();
    }

    private final List<Backward> records = new ArrayList<>();
    private final boolean training;
    private final Compute compute;

    private Tape(boolean training, Compute compute) {
        this.training = training;
        this.compute = compute;
    }

    /** A tape for a training step: layers use batch statistics and record their gradients. */
    public static Tape training(Compute compute) {
        return new Tape(true, compute);
    }

    /** A tape for evaluation: layers use their running statistics; nothing is recorded. */
    public static Tape inference(Compute compute) {
        return new Tape(false, compute);
    }

    /** The arithmetic this step's operations run on. */
    public Compute compute() {
        return compute;
    }

    public boolean isTraining() {
        return training;
    }

    /** Records {@code backward} when any of {@code inputs} needs a gradient; returns whether it did. */
    public boolean record(Backward backward, Variable... inputs) {
        if (!training) {
            return false;
        }
        for (Variable input : inputs) {
            if (input != null && input.needsGradient()) {
                records.add(backward);
                return true;
            }
        }
        return false;
    }

    /** The output of an operation over {@code inputs}: it needs a gradient if any of them does. */
    static Variable output(float[] value, int[] shape, Variable... inputs) {
        boolean needs = false;
        for (Variable input : inputs) {
            needs |= input != null && input.needsGradient();
        }
        return new Variable(value, needs, shape);
    }

    /**
     * Back-propagates from the scalar {@code loss} (its gradient is set to 1) through every recorded
     * operation, latest first; the tape is then spent.
     */
    public void backward(Variable loss) {
        if (loss.size() != 1) {
            throw new IllegalArgumentException("backward needs a scalar loss, got " + loss);
        }
        if (!training) {
            throw new IllegalStateException("an inference tape records no gradients");
        }
        loss.gradient()[0] = 1;
        for (int i = records.size() - 1; i >= 0; i--) {
            records.get(i).run();
        }
        records.clear();
    }
}
