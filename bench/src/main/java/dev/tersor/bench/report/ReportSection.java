package dev.tersor.bench.report;

/**
 * A suite's part of the report. {@link dev.tersor.bench.run.Suites} pairs each
 * {@link dev.tersor.bench.suite.BenchSuite} with its section.
 */
public interface ReportSection {

    /** Appends this suite's tables, goals and charts; charts go to {@code context.chartsDir()}. */
    void write(BenchResults results, ReportContext context);

    /**
     * Whether this section compares with ONNX Runtime. The report states that the comparison is
     * missing when no section of the run makes it.
     */
    default boolean comparesOnnxRuntime() {
        return false;
    }
}
