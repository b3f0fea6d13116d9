package dev.tersor.bench.suite;

import java.util.Locale;

/** How much of the suites a run covers and how long it measures. */
public enum Preset {
    /** A representative subset, about ten minutes on a 2-core machine. */
    QUICK,
    /** Everything the issue lists, matrix runs in one JVM per matrix and variant; print the plan first with {@code --dry-run}. */
    FULL,
    /** Every format and provider on a small case and the largest, one short iteration: proves the pipeline works, measures nothing. */
    SMOKE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
