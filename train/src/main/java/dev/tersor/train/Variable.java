package dev.tersor.train;

import java.util.Arrays;

/**
 * A value of a training step: a row-major float tensor and, when gradients flow to it, its gradient
 * of the same shape. Activations are made afresh each step; {@link Parameter}s live across steps.
 */
public class Variable {

    private final int[] shape;
    private final float[] value;
    private final boolean needsGradient;
    private float[] gradient;

    public Variable(float[] value, boolean needsGradient, int... shape) {
        if (size(shape) != value.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + value.length + " values");
        }
        this.shape = shape.clone();
        this.value = value;
        this.needsGradient = needsGradient;
    }

    /** A constant (no gradient): inputs, labels, statistics. */
    public static Variable constant(float[] value, int... shape) {
        return new Variable(value, false, shape);
    }

    static long size(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return value.length;
    }

    /** The values, shared: operations read and (for their own outputs) write them in place. */
    public float[] value() {
        return value;
    }

    public boolean needsGradient() {
        return needsGradient;
    }

    /** The gradient, zero until a backward pass adds to it; made on first use. */
    public float[] gradient() {
        if (gradient == null) {
            gradient = new float[value.length];
        }
        return gradient;
    }

    /** Whether a backward pass has added anything to this value's gradient. */
    boolean hasGradient() {
        return gradient != null;
    }

    void zeroGradient() {
        if (gradient != null) {
            Arrays.fill(gradient, 0);
        }
    }

    @Override
    public String toString() {
        return "Variable" + Arrays.toString(shape);
    }
}
