package dev.tersor.format;

/**
 * Relative time of one matrix-vector product in a given format, from the matrix's statistics: the
 * one cost interface every format decision uses (compression's {@code speed} objective, and
 * transcoding at load). {@link #ruleOfThumb()} is each format's own {@link MatrixFormat.CostRule};
 * the measured model ({@code compress.pipeline.CostModel}) implements it from timings on the machine.
 */
@FunctionalInterface
public interface FormatCostModel {

    /** Cost (arbitrary units, comparable between formats for the same matrix) of one product in {@code format}. */
    double cost(MatrixFormat format, MatrixStatistics stats);

    /**
     * Per-element weights read off the kernels' inner loops, not measured: each format's row states
     * its rule (e.g. a streamed dense multiply-add is 1, a gathered CSR entry 2).
     */
    static FormatCostModel ruleOfThumb() {
        return MatrixFormat::ruleOfThumbCost;
    }
}
