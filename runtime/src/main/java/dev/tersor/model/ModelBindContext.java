package dev.tersor.model;

import dev.tersor.format.Execution;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.ops.BindContext;
import dev.tersor.kernels.tensor.TensorKernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A model's weights and execution settings, as its plans see them; decoded weights are cached once. */
final class ModelBindContext implements BindContext {

    private final Map<String, WeightMatrix> weights;
    private final Execution execution;
    private final Map<String, MemorySegment> decoded = new ConcurrentHashMap<>();

    ModelBindContext(Map<String, WeightMatrix> weights, Execution execution) {
        this.weights = weights;
        this.execution = execution;
    }

    @Override
    public WeightMatrix weight(String name) {
        WeightMatrix w = weights.get(name);
        if (w == null) {
            throw new InvalidModelException("the model has no weight '" + name + "'");
        }
        return w;
    }

    @Override
    public MemorySegment denseWeight(String name) {
        return decoded.computeIfAbsent(name, n -> weight(n).decode(Arena.ofAuto()).data());
    }

    @Override
    public Execution execution() {
        return execution;
    }

    @Override
    public TensorKernels kernels() {
        return execution.tensorKernels();
    }
}
