package dev.tersor.bench;

import dev.tersor.format.EnergyClass;
import dev.tersor.format.FormatPlugin;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixStatistics;

/**
 * A format that cannot encode anything, registered for the bench tests only: the suites, the harness
 * and the report must list it as skipped with its reason, never drop it silently.
 */
public final class RefusingFormat implements FormatPlugin {

    public static final String NAME = "refusing";
    public static final String REASON = "the refusing test format encodes no matrix";

    @Override
    public MatrixFormat format() {
        return MatrixFormat.named(NAME)
                .description("test format that refuses every matrix")
                .encoder(source -> {
                    throw new IllegalArgumentException(REASON);
                })
                .reader((layout, owner) -> {
                    throw new IllegalArgumentException(REASON);
                })
                .cost(MatrixStatistics::entries)
                .energy(EnergyClass.DENSE)
                .loadTarget(MatrixFormat.LoadTarget.NEVER)
                .build();
    }
}
