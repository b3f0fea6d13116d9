package dev.tersor.compress.pipeline;

/** What {@code auto} format choice minimizes. */
public enum Objective {
    /** Exact bytes of the encoded layout. */
    SIZE,
    /** Predicted batch-1 multiply time, from the machine's {@link CostModel}. */
    SPEED
}
