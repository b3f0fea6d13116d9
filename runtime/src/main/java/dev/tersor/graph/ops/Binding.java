package dev.tersor.graph.ops;

import java.util.List;

/**
 * The result of binding a node to concrete input types: its output types (constants where binding
 * could compute them), the kernel that computes them, the scratch bytes it needs, and whether output
 * 0 is a view of input 0's bytes (reshapes), which then costs no copy.
 */
public record Binding(List<ValueType> outputs, Kernel kernel, long scratchBytes, boolean aliasesInput) {

    public Binding {
        outputs = List.copyOf(outputs);
    }

    public static Binding of(ValueType output, Kernel kernel) {
        return new Binding(List.of(output), kernel, 0, false);
    }

    public static Binding of(ValueType output, Kernel kernel, long scratchBytes) {
        return new Binding(List.of(output), kernel, scratchBytes, false);
    }

    /** Output 0 reuses input 0's bytes under a new shape. */
    public static Binding alias(ValueType output) {
        return new Binding(List.of(output), (in, out, scratch) -> {
        }, 0, true);
    }

    /** Every output is a constant: nothing runs. */
    public static Binding constants(List<ValueType> outputs) {
        return new Binding(outputs, null, 0, false);
    }

    public ValueType output() {
        return outputs.getFirst();
    }
}
