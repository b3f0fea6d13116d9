package dev.tersor.bench;

import dev.tersor.format.QuantizedMatrix;
import dev.tersor.synthetic.MatrixGenerator;
import dev.tersor.synthetic.ValueDistribution;

import java.util.Locale;

/** A case made by {@link MatrixGenerator} from fixed statistics and a fixed seed. */
public record SyntheticCase(String shape, String preset, int rows, int cols, double density, int distinctValues,
                            ValueDistribution distribution, long seed) implements MatrixCase {

    public MatrixGenerator generator() {
        return MatrixGenerator.builder().rows(rows).cols(cols).density(density).distinctValues(distinctValues)
                .distribution(distribution).seed(seed).build();
    }

    @Override
    public QuantizedMatrix load() {
        return generator().generate();
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "synthetic %d×%d, density %s, K = %d %s values, seed %d", rows, cols,
                percent(density), distinctValues, distribution.name().toLowerCase(Locale.ROOT), seed);
    }

    static String percent(double fraction) {
        double p = fraction * 100;
        return (p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p)) + " %";
    }
}
