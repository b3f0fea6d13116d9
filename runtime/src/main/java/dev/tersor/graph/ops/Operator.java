package dev.tersor.graph.ops;

import dev.tersor.graph.Node;

import java.util.List;

/**
 * One operator of the graph IR. {@link #check} runs when a graph is built or loaded and rejects
 * attributes and arities the operator does not support; {@link #bind} runs when input shapes are known
 * and returns the output types and the kernel.
 */
public interface Operator {

    String name();

    /** Throws {@link dev.tersor.graph.UnsupportedModelException} or {@link dev.tersor.graph.InvalidModelException}. */
    void check(Node node);

    /** Binds {@code node} to its input types; an omitted optional input is {@code null}. */
    Binding bind(Node node, List<ValueType> inputs, BindContext context);

    /** Whether a node whose inputs are all constants may be computed while binding (true unless it has effects). */
    default boolean foldable() {
        return true;
    }
}
