package dev.tersor.graph.ops;

import dev.tersor.format.ElementType;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.UnsupportedModelException;
import dev.tersor.graph.plan.Plan;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Arity and attribute checks shared by the operators, and helpers for their bind methods. */
abstract class AbstractOperator implements Operator {

    private final String name;
    private final int minInputs;
    private final int maxInputs;
    private final int minOutputs;
    private final int maxOutputs;
    private final Set<String> attributes;

    AbstractOperator(String name, int minInputs, int maxInputs, int outputs, String... attributes) {
        this(name, minInputs, maxInputs, outputs, outputs, attributes);
    }

    AbstractOperator(String name, int minInputs, int maxInputs, int minOutputs, int maxOutputs, String... attributes) {
        this.name = name;
        this.minInputs = minInputs;
        this.maxInputs = maxInputs;
        this.minOutputs = minOutputs;
        this.maxOutputs = maxOutputs;
        this.attributes = Set.of(attributes);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public void check(Node node) {
        Set<String> unknown = node.attributes().unknown(attributes);
        if (!unknown.isEmpty()) {
            throw new UnsupportedModelException(node.describe() + ": unsupported attribute" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown));
        }
        int n = node.inputs().size();
        while (n > 0 && node.input(n - 1).isEmpty()) {
            n--;
        }
        if (n < minInputs || n > maxInputs) {
            throw new UnsupportedModelException(node.describe() + ": " + n + " inputs, the operator takes "
                    + (minInputs == maxInputs ? String.valueOf(minInputs) : minInputs + " to " + maxInputs));
        }
        for (int i = 0; i < minInputs; i++) {
            if (node.input(i).isEmpty()) {
                throw new InvalidModelException(node.describe() + ": required input " + i + " is missing");
            }
        }
        int outputs = node.outputs().size();
        if (outputs < minOutputs || outputs > maxOutputs) {
            throw new UnsupportedModelException(node.describe() + ": " + outputs + " outputs, Tersor computes "
                    + (minOutputs == maxOutputs ? String.valueOf(minOutputs) : minOutputs + " to " + maxOutputs));
        }
        checkAttributes(node);
    }

    /** Operator-specific attribute checks. */
    void checkAttributes(Node node) {
    }

    static InvalidModelException invalid(Node node, String message) {
        return new InvalidModelException(node.describe() + ": " + message);
    }

    static UnsupportedModelException unsupported(Node node, String message) {
        return new UnsupportedModelException(node.describe() + ": " + message);
    }

    static void requireType(Node node, ValueType value, String what, ElementType... allowed) {
        for (ElementType t : allowed) {
            if (value.type() == t) {
                return;
            }
        }
        throw unsupported(node, what + " has element type " + value.type().onnxName() + ", supported: "
                + Arrays.stream(allowed).map(ElementType::onnxName).toList());
    }

    /** Input 0, which the operator takes as float32 only. */
    static ValueType floatInput(Node node, List<ValueType> inputs) {
        ValueType x = inputs.get(0);
        requireType(node, x, "the input", ElementType.F32);
        return x;
    }

    /** The constant behind input {@code i}, or an exception saying the operator needs it constant. */
    static Tensor constant(Node node, List<ValueType> inputs, int i, String what) {
        ValueType v = inputs.get(i);
        if (v == null || v.constant() == null) {
            throw unsupported(node, what + " must be a constant (or computable from shapes) in Tersor");
        }
        return v.constant();
    }

    /**
     * The optional constant bias at input {@code i}: {@code count} floats, or {@code null} when the
     * node has no such input.
     */
    static MemorySegment optionalBias(Node node, List<ValueType> inputs, int i, long count) {
        if (input(inputs, i) == null) {
            return null;
        }
        Tensor b = constant(node, inputs, i, "the bias");
        if (b.type() != ElementType.F32 || b.size() != count) {
            throw invalid(node, "bias " + b + " does not have " + count + " floats");
        }
        return b.data();
    }

    /** The name of the weight matrix the compiler attached to a Linear, Conv or Embedding node. */
    static String weightName(Node node) {
        String weight = node.attributes().getString("weight", "");
        if (weight.isEmpty()) {
            throw invalid(node, "no weight attribute");
        }
        return weight;
    }

    /** Integer elements of a constant. */
    static long[] longs(Tensor t) {
        long[] values = new long[t.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = t.getLong(i);
        }
        return values;
    }

    /**
     * A shape computed from data (Range's count, Expand's, Tile's and Pad's targets, ConstantOfShape,
     * Resize) as ints, refused when one tensor of it would exceed the plan's activation limit: such
     * values are often folded at import, outside the arena, so the limit must hold here.
     */
    static int[] boundedShape(Node node, long[] dims, ElementType type) {
        long limit = Plan.maxActivationBytes();
        long bytes = type.bytes();
        for (long d : dims) {
            if (d < 0) {
                throw invalid(node, "negative dimension in the output shape " + Arrays.toString(dims));
            }
            bytes = d == 0 ? 0 : bytes;
            if (d > 0 && bytes > limit / d) {
                throw invalid(node, "output shape " + Arrays.toString(dims) + " exceeds the activation limit of " + limit
                        + " bytes (-D" + Plan.MAX_BYTES_PROPERTY + ")");
            }
            bytes *= d;
        }
        int[] shape = Shapes.fromLongs(dims, node.describe());
        Shapes.size(shape);
        return shape;
    }

    static ValueType input(List<ValueType> inputs, int i) {
        return i < inputs.size() ? inputs.get(i) : null;
    }
}
