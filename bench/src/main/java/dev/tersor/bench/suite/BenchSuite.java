package dev.tersor.bench.suite;

import java.util.List;

/**
 * A family of benchmarks as the runner plans it: which JMH runs each preset makes. Its report part
 * is a {@link dev.tersor.bench.report.ReportSection}; {@link dev.tersor.bench.run.Suites} pairs them.
 */
public interface BenchSuite {

    /** Short name, recorded in the plan, e.g. {@code "matrix"}. */
    String name();

    /** The JMH runs of {@code preset}, built from the formats and providers of {@code environment}. */
    List<JmhRun> runs(Preset preset, Environment environment);
}
