package dev.tersor.graph.ops;

import dev.tersor.graph.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/** Runs one node on constant inputs: constant folding at import and while binding shapes. */
public final class Evaluator {

    private Evaluator() {
    }

    /**
     * The outputs of a binding for constant {@code inputs} (an omitted optional input is {@code null}),
     * computed once in off-heap memory the garbage collector frees.
     */
    public static List<Tensor> evaluate(Binding binding, List<ValueType> inputs) {
        List<Tensor> results = new ArrayList<>();
        if (binding.kernel() == null) {
            for (ValueType v : binding.outputs()) {
                results.add(v.constant());
            }
            return results;
        }
        MemorySegment[] in = new MemorySegment[inputs.size()];
        for (int i = 0; i < in.length; i++) {
            ValueType v = inputs.get(i);
            in[i] = v == null || v.constant() == null ? null : v.constant().data();
        }
        if (binding.aliasesInput()) {
            ValueType v = binding.output();
            return List.of(Tensor.copyOf(v.type(), v.shape(), in[0]));
        }
        // Not confined to this thread: the kernel may hand parts of its work to the execution's threads.
        // Automatic rather than shared, so that binding does not pay a shared arena's close per folded
        // node; and so, like a tensor's own memory, the outputs become the result tensors uncopied.
        Arena arena = Arena.ofAuto();
        MemorySegment[] out = new MemorySegment[binding.outputs().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arena.allocate(Math.max(1, binding.outputs().get(i).byteSize()), 64)
                    .asSlice(0, binding.outputs().get(i).byteSize());
        }
        MemorySegment scratch = arena.allocate(Math.max(1, binding.scratchBytes()), 64);
        binding.kernel().run(in, out, scratch);
        for (int i = 0; i < out.length; i++) {
            ValueType v = binding.outputs().get(i);
            results.add(Tensor.wrap(v.type(), v.shape(), out[i]));
        }
        return results;
    }

    /** Whether every present input is a constant (and at least one input exists or the node has none). */
    public static boolean allConstant(List<ValueType> inputs) {
        for (ValueType v : inputs) {
            if (v != null && v.constant() == null) {
                return false;
            }
        }
        return true;
    }
}
