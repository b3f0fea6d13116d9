package dev.tersor.bench.suite;

/** JMH iteration settings of a plan, the same for every run in it. */
public record Iterations(int warmupIterations, int warmupMillis, int measurementIterations, int measurementMillis,
                         int forks) {

    public Iterations {
        if (warmupIterations < 0 || warmupMillis < 1 || measurementIterations < 1 || measurementMillis < 1 || forks < 1) {
            throw new IllegalArgumentException("invalid iteration settings " + this);
        }
    }

    /** Seconds of warm-up and measurement per trial, at least. */
    public double secondsPerTrial() {
        return forks * (warmupIterations * (double) warmupMillis + measurementIterations * (double) measurementMillis) / 1000;
    }
}
