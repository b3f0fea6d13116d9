package dev.tersor.bench;

import dev.tersor.format.Layout;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;

import java.lang.foreign.Arena;

/**
 * A format that cannot encode anything, registered for the bench tests only: the suites, the harness
 * and the report must list it as skipped with its reason, never drop it silently.
 */
public final class RefusingFormat implements MatrixFormat {

    public static final String NAME = "refusing";
    public static final String REASON = "the refusing test format encodes no matrix";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "test format that refuses every matrix";
    }

    @Override
    public WeightMatrix encode(QuantizedMatrix source) {
        throw new IllegalArgumentException(REASON);
    }

    @Override
    public WeightMatrix fromLayout(Layout layout, Arena owner) {
        throw new IllegalArgumentException(REASON);
    }
}
