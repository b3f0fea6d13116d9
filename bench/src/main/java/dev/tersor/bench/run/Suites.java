package dev.tersor.bench.run;

import dev.tersor.bench.report.MatrixReport;
import dev.tersor.bench.report.ModelReport;
import dev.tersor.bench.report.ReportSection;
import dev.tersor.bench.suite.BenchSuite;
import dev.tersor.bench.suite.MatrixSuite;
import dev.tersor.bench.suite.ModelSuite;

import java.util.List;

/**
 * The suites {@code ./tersor bench} runs, each its benchmarks and its report section: the matrix
 * suite (formats against OpenBLAS) and the model suite (MiniLM against ONNX Runtime). A suite is a
 * JMH class, a {@link BenchSuite} that plans it and a {@link ReportSection}.
 */
public final class Suites {

    /** A suite's two halves. */
    public record Suite(BenchSuite benchmarks, ReportSection report) {
        public String name() {
            return benchmarks.name();
        }
    }

    private static final List<Suite> ALL = List.of(new Suite(new MatrixSuite(), new MatrixReport()),
            new Suite(new ModelSuite(), new ModelReport()));

    private Suites() {
    }

    public static List<Suite> all() {
        return ALL;
    }

    /** The suites named in a plan, in its order; unknown names are an error. */
    public static List<Suite> named(List<String> names) {
        return names.stream().map(name -> ALL.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown suite '" + name + "'; this build has "
                        + ALL.stream().map(Suite::name).toList()))).toList();
    }
}
