package dev.tersor.format;

/** What an automatic {@link FormatPolicy} minimizes. */
public enum Objective {
    /** Exact bytes of the encoded layout. */
    SIZE,
    /** Predicted batch-1 multiply time, from a {@link FormatCostModel} (the machine's measured one in the CLI). */
    SPEED
}
