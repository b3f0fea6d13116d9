package dev.tersor.bench.report;

import dev.tersor.bench.MatrixCases;
import dev.tersor.bench.Workload;
import dev.tersor.bench.suite.Iterations;
import dev.tersor.bench.suite.MachineInfo;
import dev.tersor.bench.suite.SuitePlan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes {@value #REPORT} and its charts from a run's output folder: the machine, the method, then
 * each suite's section, then the ONNX Runtime comparison or a statement that this run has none.
 */
public final class ReportWriter {

    public static final String REPORT = "report.md";
    public static final String CHARTS = "charts";

    private ReportWriter() {
    }

    /** Reads {@code dir}, writes {@code dir/report.md} and {@code dir/charts/}, and returns the report's path. */
    public static Path write(Path dir, List<ReportSection> sections) {
        BenchResults results = BenchResults.read(dir);
        Path charts = dir.resolve(CHARTS);
        Markdown md = new Markdown();
        header(results, md);
        ReportContext context = new ReportContext(md, dir, charts);
        for (ReportSection section : sections) {
            section.write(results, context);
        }
        if (sections.stream().noneMatch(ReportSection::comparesOnnxRuntime)) {
            md.heading(2, "Against ONNX Runtime");
            md.paragraph("No suite of this run compares with ONNX Runtime: the model suite (all-MiniLM-L6-v2 in five "
                    + "forms against ONNX Runtime fp32 and int8) joins the runner as its own JMH class and report "
                    + "section once the graph runtime can run the model.");
        }
        Path report = dir.resolve(REPORT);
        try {
            Files.writeString(report, md.toString().stripLeading(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + report, e);
        }
        return report;
    }

    private static void header(BenchResults results, Markdown md) {
        SuitePlan plan = results.plan();
        MachineInfo m = results.machine();
        md.heading(1, "Tersor benchmark report");
        md.paragraph("Run of " + m.date().substring(0, Math.min(16, m.date().length())).replace('T', ' ')
                + " UTC, preset **" + plan.preset() + "** (`./tersor bench --" + plan.preset()
                + "`), Tersor " + m.tersorVersion() + " at `" + m.gitCommit() + "`. Compare numbers only within "
                + "one run: they come from one machine at one time.");
        md.heading(2, "Machine");
        md.bullet("CPU: " + m.cpu() + ", " + m.cores() + " cores, last-level cache " + Markdown.bytes(m.llcBytes())
                + ", memory " + Markdown.bytes(m.memoryBytes()));
        md.bullet("OS: " + m.os());
        md.bullet("Java: " + m.java());
        md.bullet("OpenBLAS: " + m.openBlasConfig() + "; core " + m.openBlasCore() + "; loaded from "
                + m.openBlasLibrary());
        md.bullet("Tersor kernels: " + String.join("; ", m.kernels()));
        md.bullet("Tersor formats: " + String.join(", ", m.formats()));
        md.endList();
        Iterations it = plan.iterations();
        md.heading(2, "Method");
        md.bullet("JMH, average time per operation (single loads for load time), with " + it.warmupIterations()
                + " timed warm-up iterations of " + it.warmupMillis() + " ms and " + it.measurementIterations()
                + " measured iterations of " + it.measurementMillis() + " ms per trial, after each trial's own "
                + "pre-warming (its operation called until the JIT settles: no call 10 % faster than the best and no "
                + "compilation for 300 ms); heap " + plan.heap() + ".");
        md.bullet(plan.sharedJvms()
                ? "Matrix suite: one JVM per matrix and variant, in which JMH measures every batch and thread count "
                        + "without forking. JVM start, matrix generation, kernel compilation and the reference product "
                        + "(per batch) are paid once per variant rather than once per point; formats and providers never "
                        + "share a JVM, but the batch sizes and thread counts of one variant share its JIT profile. The "
                        + "price of keeping the whole grid to a few hours: three samples per point, so read the "
                        + "interquartile ranges, and repeat with `--rounds` where a ratio matters. Other suites: one "
                        + "JVM fork per trial."
                : "Every trial runs in its own JVM fork (" + it.forks() + " per trial).");
        md.bullet(plan.rounds() == 1
                ? plan.sharedJvms()
                        ? "One round: each variant was measured once, in its own JVM right after the other variants "
                                + "of the same matrix, so variants of one case ran minutes apart."
                        : "One round: each variant was measured once, next to the others on the same matrix, batch "
                                + "and thread count (JMH varies the variant fastest)."
                : plan.rounds() + " rounds of the whole plan, pooled: every variant was measured again after all "
                        + "the others, so slow drift of the machine affects them alike (A/B alternation).");
        md.bullet("Times are the median of all measured iterations with the interquartile range; ratios are ratios "
                + "of medians.");
        md.bullet("Every trial first checks its own product against a double-precision reference, so a fast wrong "
                + "kernel cannot win; a format that cannot encode a matrix is listed as skipped, never dropped silently.");
        if (plan.preset().equals("quick")) {
            md.bullet("Quick covers: read bandwidth; VGG-16 fc6 under deep-compression (the issue's goals) at B = 1 and "
                    + "8 on one thread; fc7 at 1 % and 100 % density at B = 1; every format on the providers other than "
                    + "scalar; and the whole model suite (five forms, B = 1 at 11 and 128 tokens, B = 32, T = 1 and 2, "
                    + "load time). `--full` adds every shape, preset, provider, batch and thread count.");
        }
        md.bullet("Synthetic matrices use fixed seeds (matrix " + MatrixCases.SEED + ", input "
                + Workload.INPUT_SEED + "); inputs are uniform in [−1, 1).");
        md.bullet(plan.runs().size() + " JMH runs, " + plan.trials() + " trials planned: "
                + String.join("; ", plan.runs().stream().map(r -> r.label() + " (" + r.trials() + ")").toList()) + ".");
        md.endList();
    }
}
