package dev.tersor.graph.ops;

import dev.tersor.format.Execution;
import dev.tersor.format.WeightMatrix;
import dev.tersor.kernels.tensor.TensorKernels;

import java.lang.foreign.MemorySegment;

/** What operators may use while binding: the model's weight matrices and how to run products. */
public interface BindContext {

    /** The weight matrix called {@code name}; an exception naming it if the model has none. */
    WeightMatrix weight(String name);

    /**
     * Weight {@code name} decoded to dense row-major floats, computed once per model: for kernels that
     * read weights directly (depthwise convolution).
     */
    MemorySegment denseWeight(String name);

    /** Kernels and threads for weight products. */
    Execution execution();

    /** Kernels for everything else. */
    TensorKernels kernels();
}
