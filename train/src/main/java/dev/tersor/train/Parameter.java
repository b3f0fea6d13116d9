package dev.tersor.train;

/**
 * A trained tensor: a named {@link Variable} that lives across steps, with the moment estimates of
 * {@link Adam} beside it.
 */
public final class Parameter extends Variable {

    /** How the optimizer treats a parameter. */
    public enum Kind {
        /** Weights, biases and norms' affine terms. */
        WEIGHT,
        /** Self-compression's bit depths and exponents, which move on their own learning rate. */
        QUANTIZER
    }

    private final String name;
    private final Kind kind;
    final float[] firstMoment;
    final float[] secondMoment;

    public Parameter(String name, Kind kind, float[] value, int... shape) {
        super(value, true, shape);
        this.name = name;
        this.kind = kind;
        this.firstMoment = new float[value.length];
        this.secondMoment = new float[value.length];
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String toString() {
        return name + java.util.Arrays.toString(shape());
    }
}
