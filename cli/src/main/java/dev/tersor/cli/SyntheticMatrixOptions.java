package dev.tersor.cli;

import dev.tersor.format.MatrixStatistics;
import dev.tersor.synthetic.MatrixGenerator;
import dev.tersor.synthetic.ValueDistribution;
import picocli.CommandLine.Option;

import java.util.Locale;

/** The options describing a synthetic matrix, shared by the {@code matrix} and {@code bench matvec} commands. */
final class SyntheticMatrixOptions {

    @Option(names = "--rows", required = true, description = "Rows (outputs).")
    int rows;

    @Option(names = "--cols", required = true, description = "Columns (inputs).")
    int cols;

    @Option(names = "--density", required = true, description = "Fraction of non-zero entries, 0 to 1.")
    double density;

    @Option(names = "--values", required = true, description = "Number K of distinct non-zero values.")
    int values;

    @Option(names = "--distribution", defaultValue = "uniform",
            description = "How the K values are distributed: uniform or peaked (Laplace-like). Default: ${DEFAULT-VALUE}.")
    String distribution;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed of the matrix. Default: ${DEFAULT-VALUE}.")
    long seed;

    /** Largest matrix these commands generate: 2^28 entries, a 1 GiB float32 matrix before any format. */
    static final long MAX_ENTRIES = 1L << 28;

    /** The generator these options describe, after checking every option's bounds. */
    MatrixGenerator generator() {
        Arguments.inRange("--rows", rows, 1, Integer.MAX_VALUE);
        Arguments.inRange("--cols", cols, 1, Integer.MAX_VALUE);
        if ((long) rows * cols > MAX_ENTRIES) {
            throw new IllegalArgumentException("--rows × --cols must be at most " + MAX_ENTRIES + " entries, got " + rows + " × " + cols);
        }
        Arguments.inRange("--density", density, 0, 1, false);
        Arguments.inRange("--values", values, 1, MatrixStatistics.MAX_LEVELS);
        return MatrixGenerator.builder().rows(rows).cols(cols).density(density)
                .distinctValues(values).distribution(parseDistribution(distribution)).seed(seed).build();
    }

    private static ValueDistribution parseDistribution(String name) {
        try {
            return ValueDistribution.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown distribution '" + name + "'; expected uniform or peaked");
        }
    }
}
