package dev.tersor.graph.plan;

import dev.tersor.graph.Graph;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.ModelException;
import dev.tersor.graph.Node;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;
import dev.tersor.graph.ops.BindContext;
import dev.tersor.graph.ops.Binding;
import dev.tersor.graph.ops.Evaluator;
import dev.tersor.graph.ops.Kernel;
import dev.tersor.graph.ops.Operator;
import dev.tersor.graph.ops.Operators;
import dev.tersor.graph.ops.ValueType;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph bound to concrete input shapes: every value has a static type, everything computable from
 * constants and shapes has been folded, and every remaining activation has a fixed offset in one
 * arena, reused once its value is dead. Immutable and shareable; each call borrows a block of the
 * model's {@link WorkingMemory} and lays the arena over it, so concurrent calls never share buffers.
 */
public final class Plan {

    /** System property: the most activation bytes one plan may need (default 4 GiB). */
    public static final String MAX_BYTES_PROPERTY = "tersor.maxActivationBytes";

    /** The activation limit in force: {@link #MAX_BYTES_PROPERTY}, or 4 GiB. */
    public static long maxActivationBytes() {
        return Long.getLong(MAX_BYTES_PROPERTY, 4L << 30);
    }

    /** One kernel call: which slots it reads and writes. */
    record Step(Node node, Kernel kernel, int[] inputs, int[] outputs) {
    }

    /** Where a value lives: a constant's own segment, or {@code bytes} at {@code offset} in the arena. */
    record Slot(ValueType type, Tensor constant, long offset, long bytes) {
    }

    private final List<ValueInfo> inputs;
    private final List<String> outputNames;
    private final List<Step> steps;
    private final List<Slot> slots;
    private final int[] inputSlots;
    private final int[] outputSlots;
    private final long arenaBytes;
    private final long scratchOffset;
    private final long scratchBytes;
    /** The model's working memory, which every pass of this plan borrows its block from. */
    private final WorkingMemory workingMemory;

    private Plan(List<ValueInfo> inputs, List<String> outputNames, List<Step> steps, List<Slot> slots, int[] inputSlots,
                 int[] outputSlots, long arenaBytes, long scratchOffset, long scratchBytes, WorkingMemory workingMemory) {
        this.inputs = inputs;
        this.outputNames = outputNames;
        this.steps = steps;
        this.slots = slots;
        this.inputSlots = inputSlots;
        this.outputSlots = outputSlots;
        this.arenaBytes = arenaBytes;
        this.scratchOffset = scratchOffset;
        this.scratchBytes = scratchBytes;
        this.workingMemory = workingMemory;
    }

    /**
     * Binds {@code graph} to the given input shapes; its passes will borrow from {@code workingMemory}.
     * Throws {@link ModelException} subclasses for shapes the graph rejects or operators that cannot
     * run with them.
     */
    public static Plan bind(Graph graph, Map<String, int[]> shapes, BindContext context, WorkingMemory workingMemory) {
        Map<String, Integer> slotOf = new HashMap<>();
        List<Slot> slots = new ArrayList<>();
        List<int[]> lifetimes = new ArrayList<>();
        List<Integer> rootOf = new ArrayList<>();
        List<ValueInfo> boundInputs = new ArrayList<>();
        int[] inputSlots = new int[graph.inputs().size()];
        for (int i = 0; i < inputSlots.length; i++) {
            ValueInfo input = graph.inputs().get(i);
            int[] shape = shapes.get(input.name());
            if (shape == null) {
                throw new InvalidModelException("no shape given for input '" + input.name() + "'");
            }
            if (!input.accepts(shape)) {
                throw new InvalidModelException("input '" + input.name() + "' has shape " + Arrays.toString(shape)
                        + ", the model expects " + Arrays.toString(input.dims()) + " (-1: any)");
            }
            ValueType type = ValueType.of(input.type(), shape);
            inputSlots[i] = addSlot(slots, lifetimes, rootOf, slotOf, input.name(), type, -1);
            boundInputs.add(new ValueInfo(input.name(), input.type(), shape));
        }
        for (var constant : graph.constants().entrySet()) {
            slotOf.put(constant.getKey(), slots.size());
            slots.add(new Slot(ValueType.of(constant.getValue()), constant.getValue(), 0, 0));
            lifetimes.add(null);
            rootOf.add(-1);
        }
        List<Step> steps = new ArrayList<>();
        long scratch = 0;
        for (Node node : graph.nodes()) {
            Operator op = Operators.of(node);
            List<ValueType> types = new ArrayList<>();
            for (String name : node.inputs()) {
                types.add(name.isEmpty() ? null : slots.get(slotOf.get(name)).type());
            }
            Binding binding;
            try {
                binding = op.bind(node, types, context);
            } catch (ArithmeticException | IndexOutOfBoundsException | NegativeArraySizeException e) {
                throw new InvalidModelException(node.describe() + ": cannot bind: " + e.getMessage(), e);
            }
            if (binding.outputs().size() != node.outputs().size()) {
                throw new IllegalStateException(node.describe() + ": binding gave " + binding.outputs().size() + " outputs");
            }
            boolean folded = op.foldable() && binding.kernel() != null && !node.inputs().isEmpty()
                    && (Evaluator.allConstant(types) || binding.aliasesInput() && types.getFirst() != null
                    && types.getFirst().constant() != null);
            if (binding.kernel() == null || folded) {
                List<Tensor> values = Evaluator.evaluate(binding, types);
                for (int i = 0; i < values.size(); i++) {
                    slotOf.put(node.output(i), slots.size());
                    slots.add(new Slot(ValueType.of(values.get(i)), values.get(i), 0, 0));
                    lifetimes.add(null);
                    rootOf.add(-1);
                }
                continue;
            }
            int stepIndex = steps.size();
            int[] in = new int[node.inputs().size()];
            for (int i = 0; i < in.length; i++) {
                String name = node.input(i);
                if (name.isEmpty()) {
                    in[i] = -1;
                    continue;
                }
                in[i] = slotOf.get(name);
                touch(lifetimes, rootOf, in[i], stepIndex);
            }
            int[] out = new int[node.outputs().size()];
            for (int i = 0; i < out.length; i++) {
                ValueType type = binding.outputs().get(i);
                if (i == 0 && binding.aliasesInput() && in[0] >= 0 && slots.get(in[0]).constant() == null) {
                    int root = rootOf.get(in[0]);
                    slotOf.put(node.output(i), slots.size());
                    out[i] = slots.size();
                    slots.add(new Slot(type, null, 0, slots.get(root).bytes()));
                    lifetimes.add(null);
                    rootOf.add(root);
                } else {
                    out[i] = addSlot(slots, lifetimes, rootOf, slotOf, node.output(i), type, stepIndex);
                }
            }
            scratch = Math.max(scratch, binding.scratchBytes());
            steps.add(new Step(node, binding.aliasesInput() ? null : binding.kernel(), in, out));
        }
        int[] outputSlots = new int[graph.outputs().size()];
        for (int i = 0; i < outputSlots.length; i++) {
            outputSlots[i] = slotOf.get(graph.outputs().get(i));
            touch(lifetimes, rootOf, outputSlots[i], steps.size());
        }
        // Place the root buffers; aliases inherit their root's offset.
        List<BufferPlanner.Request> requests = new ArrayList<>();
        List<Integer> roots = new ArrayList<>();
        for (int s = 0; s < slots.size(); s++) {
            if (lifetimes.get(s) != null) {
                int[] life = lifetimes.get(s);
                requests.add(new BufferPlanner.Request(slots.get(s).bytes(), life[0], Math.max(life[0], life[1])));
                roots.add(s);
            }
        }
        long[] total = new long[1];
        long[] offsets = BufferPlanner.place(requests, total);
        long[] rootOffset = new long[slots.size()];
        for (int r = 0; r < roots.size(); r++) {
            rootOffset[roots.get(r)] = offsets[r];
        }
        List<Slot> placed = new ArrayList<>(slots.size());
        for (int s = 0; s < slots.size(); s++) {
            Slot slot = slots.get(s);
            placed.add(slot.constant() != null ? slot
                    : new Slot(slot.type(), null, rootOffset[rootOf.get(s)], slot.type().byteSize()));
        }
        long scratchOffset = total[0];
        long arena = scratchOffset + BufferPlanner.align(scratch);
        long limit = maxActivationBytes();
        if (arena > limit) {
            throw new InvalidModelException("these input shapes need " + arena + " bytes of activations, more than the limit of "
                    + limit + " (-D" + MAX_BYTES_PROPERTY + ")");
        }
        List<Step> trimmed = new ArrayList<>();
        for (Step step : steps) {
            if (step.kernel() != null) {
                trimmed.add(step);
            }
        }
        return new Plan(List.copyOf(boundInputs), graph.outputs(), List.copyOf(trimmed), List.copyOf(placed), inputSlots,
                outputSlots, arena, scratchOffset, scratch, workingMemory);
    }

    private static int addSlot(List<Slot> slots, List<int[]> lifetimes, List<Integer> rootOf, Map<String, Integer> slotOf,
                               String name, ValueType type, int step) {
        int index = slots.size();
        slots.add(new Slot(type, null, 0, type.byteSize()));
        lifetimes.add(new int[]{step, step});
        rootOf.add(index);
        slotOf.put(name, index);
        return index;
    }

    /** Extends the lifetime of {@code slot}'s buffer (its root's, for a view) to {@code step}. */
    private static void touch(List<int[]> lifetimes, List<Integer> rootOf, int slot, int step) {
        int root = rootOf.get(slot);
        if (root >= 0) {
            int[] life = lifetimes.get(root);
            life[1] = Math.max(life[1], step);
        }
    }

    /** The bound inputs, with their concrete shapes. */
    public List<ValueInfo> inputs() {
        return inputs;
    }

    /** Types of the outputs, in graph order. */
    public List<ValueType> outputTypes() {
        List<ValueType> types = new ArrayList<>();
        for (int s : outputSlots) {
            types.add(slots.get(s).type());
        }
        return types;
    }

    /** Bytes of the arena each concurrent call uses (activations plus scratch). */
    public long arenaBytes() {
        return arenaBytes;
    }

    /** Number of kernel calls per run, after folding and views. */
    public int stepCount() {
        return steps.size();
    }

    /** Sum of the sizes of every activation, as if none were reused: what buffer planning saves against. */
    public long unplannedBytes() {
        long sum = 0;
        for (Slot slot : slots) {
            if (slot.constant() == null) {
                sum += slot.bytes();
            }
        }
        return sum;
    }

    /**
     * Runs the plan on {@code values}, which must match the bound inputs' types and shapes exactly,
     * and returns the outputs by name.
     */
    public Map<String, Tensor> run(Map<String, Tensor> values) {
        WorkingMemory.Block block = workingMemory.borrow(arenaBytes);
        try {
            return run(viewsOver(block), values, null);
        } finally {
            workingMemory.giveBack(block);
        }
    }

    /** This plan's slices of {@code block}, reused when the block's last pass ran this plan too. */
    private ExecutionContext viewsOver(WorkingMemory.Block block) {
        if (block.views == null || block.views.plan != this) {
            block.views = new ExecutionContext(this, block.memory());
        }
        return block.views;
    }

    /** The working memory this plan's passes borrow from, for tests. */
    WorkingMemory workingMemory() {
        return workingMemory;
    }

    /**
     * Runs the plan once like {@link #run} and returns the nanoseconds spent per operator, summed over
     * its nodes, in order of first appearance: a coarse profile.
     */
    public Map<String, Long> profile(Map<String, Tensor> values) {
        WorkingMemory.Block block = workingMemory.borrow(arenaBytes);
        try {
            long[] nanos = new long[steps.size()];
            run(viewsOver(block), values, nanos);
            Map<String, Long> byOp = new LinkedHashMap<>();
            for (int s = 0; s < steps.size(); s++) {
                byOp.merge(steps.get(s).node().op(), nanos[s], Long::sum);
            }
            return byOp;
        } finally {
            workingMemory.giveBack(block);
        }
    }

    private Map<String, Tensor> run(ExecutionContext context, Map<String, Tensor> values, long[] nanos) {
        for (int i = 0; i < inputSlots.length; i++) {
            ValueInfo input = inputs.get(i);
            Tensor value = values.get(input.name());
            if (value == null) {
                throw new InvalidModelException("missing input '" + input.name() + "'");
            }
            if (value.type() != input.type() || !Arrays.equals(value.shape(), input.dims())) {
                throw new InvalidModelException("input '" + input.name() + "' is " + value + ", the plan was bound to "
                        + input.type() + Arrays.toString(input.dims()));
            }
            MemorySegment.copy(value.data(), 0, context.slot(inputSlots[i]), 0, value.data().byteSize());
        }
        for (int s = 0; s < steps.size(); s++) {
            long start = nanos == null ? 0 : System.nanoTime();
            steps.get(s).kernel().run(context.inputs(s), context.outputs(s), context.scratch());
            if (nanos != null) {
                nanos[s] = System.nanoTime() - start;
            }
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (int i = 0; i < outputSlots.length; i++) {
            Slot slot = slots.get(outputSlots[i]);
            result.put(outputNames.get(i), slot.constant() != null ? slot.constant()
                    : Tensor.resultOf(slot.type().type(), slot.type().shape(), context.slot(outputSlots[i])));
        }
        return result;
    }

    /**
     * This plan's slots and each step's inputs and outputs as slices of one block of working memory,
     * at the offsets buffer planning gave them.
     */
    static final class ExecutionContext {
        private final Plan plan;
        private final MemorySegment[] slotSegments;
        private final MemorySegment[][] stepInputs;
        private final MemorySegment[][] stepOutputs;
        private final MemorySegment scratch;

        ExecutionContext(Plan plan, MemorySegment memory) {
            this.plan = plan;
            slotSegments = new MemorySegment[plan.slots.size()];
            for (int s = 0; s < slotSegments.length; s++) {
                Slot slot = plan.slots.get(s);
                slotSegments[s] = slot.constant() != null ? slot.constant().data() : memory.asSlice(slot.offset(), slot.bytes());
            }
            stepInputs = new MemorySegment[plan.steps.size()][];
            stepOutputs = new MemorySegment[plan.steps.size()][];
            for (int i = 0; i < stepInputs.length; i++) {
                Step step = plan.steps.get(i);
                stepInputs[i] = segments(step.inputs());
                stepOutputs[i] = segments(step.outputs());
            }
            scratch = memory.asSlice(plan.scratchOffset, plan.scratchBytes);
        }

        private MemorySegment[] segments(int[] indices) {
            MemorySegment[] result = new MemorySegment[indices.length];
            for (int i = 0; i < indices.length; i++) {
                result[i] = indices[i] < 0 ? null : slotSegments[indices[i]];
            }
            return result;
        }

        MemorySegment slot(int s) {
            return slotSegments[s];
        }

        MemorySegment[] inputs(int step) {
            return stepInputs[step];
        }

        MemorySegment[] outputs(int step) {
            return stepOutputs[step];
        }

        MemorySegment scratch() {
            return scratch;
        }
    }
}
