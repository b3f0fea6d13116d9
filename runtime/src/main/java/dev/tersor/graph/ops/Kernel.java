package dev.tersor.graph.ops;

import java.lang.foreign.MemorySegment;

/**
 * A bound operation, ready to run: all shapes and parameters are fixed, so a call only moves data.
 * Kernels hold no mutable state and may run on many threads at once, each with its own buffers.
 */
@FunctionalInterface
public interface Kernel {

    /**
     * Computes the outputs from the inputs. Each segment holds exactly its value's bytes; an omitted
     * optional input is {@code null}. {@code scratch} holds at least the binding's scratch bytes.
     */
    void run(MemorySegment[] inputs, MemorySegment[] outputs, MemorySegment scratch);
}
