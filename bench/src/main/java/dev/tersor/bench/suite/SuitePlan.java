package dev.tersor.bench.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tersor.bench.MatrixCase;
import dev.tersor.bench.MatrixCases;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a benchmark run will do, decided before it starts and saved beside the results as
 * {@code plan.json}: the JMH runs, their iteration settings, the number of rounds and the heap of
 * each fork. The report reads it back to know which trials were expected.
 *
 * <p>A plan is run {@code rounds} times over. With two rounds or more every variant is measured
 * again after all the others, so slow drift of a shared machine hits them alike (A/B alternation at
 * the granularity JMH allows); the report pools the rounds.
 *
 * <p>With {@code sharedJvms} (the full preset) a matrix run gets one JVM per matrix and variant, in
 * which JMH measures every batch and thread count without forking: JVM start, matrix generation and
 * kernel compilation are paid once per six points instead of once per point. Formats and providers
 * still never share a JVM, so none inherits another's JIT profile; the batch sizes and thread counts
 * of one variant do.
 */
public record SuitePlan(String preset, List<String> suites, List<JmhRun> runs, Iterations iterations, int rounds,
                        String heap, boolean sharedJvms) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public SuitePlan {
        suites = List.copyOf(suites);
        runs = List.copyOf(runs);
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        }
    }

    /** The plan of {@code preset} over {@code suites}, with the preset's iterations and rounds. */
    public static SuitePlan of(Preset preset, List<BenchSuite> suites, Environment environment) {
        List<JmhRun> runs = new ArrayList<>();
        for (BenchSuite suite : suites) {
            runs.addAll(suite.runs(preset, environment));
        }
        Iterations iterations = switch (preset) {
            // the pre-warming runs each product until the JIT settles, so full needs no timed warm-up
            case FULL -> new Iterations(0, 1, 3, 200, 1);
            case QUICK -> new Iterations(1, 200, 3, 200, 1);
            case SMOKE -> new Iterations(1, 50, 2, 50, 1);
        };
        return new SuitePlan(preset.label(), suites.stream().map(BenchSuite::name).toList(), runs, iterations, 1, "4g",
                preset == Preset.FULL);
    }

    /** A plan with one JVM per trial. */
    public SuitePlan(String preset, List<String> suites, List<JmhRun> runs, Iterations iterations, int rounds, String heap) {
        this(preset, suites, runs, iterations, rounds, heap, false);
    }

    public SuitePlan withRounds(int rounds) {
        return new SuitePlan(preset, suites, runs, iterations, rounds, heap, sharedJvms);
    }

    /** Importing the models, computing the references and compressing, once per run. */
    static final double PREPARE_SECONDS = 60;

    public long trials() {
        return rounds * runs.stream().mapToLong(JmhRun::trials).sum();
    }

    /**
     * A rough duration: JVM start and JMH's own work, generating, encoding and checking the matrix,
     * then warm-up and measurement. Real trials of slow variants (scalar kernels on large dense
     * matrices) take longer, since an iteration never stops mid-operation.
     */
    public double estimatedSeconds() {
        double seconds = 0;
        for (JmhRun run : runs) {
            List<String> matrices = run.params().get("matrix");
            // JVM start, JMH's bookkeeping and the pre-warming of each trial, as seen in smoke runs here
            double perTrial = 2.5 + iterations.secondsPerTrial();
            if (matrices == null) {
                // a model trial loads its form, checks it and runs it until the JIT settles
                seconds += run.trials() * (perTrial + (run.params().containsKey("form") ? 3 : 0.5));
                continue;
            }
            long perMatrix = run.trials() / matrices.size();
            double batches = run.params().getOrDefault("batch", List.of("1")).stream()
                    .mapToInt(Integer::parseInt).average().orElse(1);
            long points = run.params().getOrDefault("batch", List.of("1")).size()
                    * (long) run.params().getOrDefault("threads", List.of("1")).size();
            for (String id : matrices) {
                MatrixCase c = MatrixCases.named(id);
                double entries = (double) c.rows() * c.cols();
                double generate = entries * 15e-9;
                double check = entries * c.density() * batches * 2e-9;
                if (sharedJvms) {
                    // Fitted to the full run of 2026-11-24 on two EPYC cores (one JVM per matrix and
                    // variant): JVM start, then per point pre-warming, samples and bookkeeping, and a
                    // cost that grows with the matrix (generating, encoding, checking, and the slow
                    // variants, such as scalar code on dense 100M-weight layers, whose calls take seconds).
                    long jvms = perMatrix / points;
                    seconds += jvms * (2.5 + points * (iterations.secondsPerTrial() + 1.2)
                            + entries * (0.08e-6 + 0.4e-6 * c.density()));
                } else {
                    seconds += perMatrix * (perTrial + generate + check);
                }
            }
        }
        return seconds * rounds + (suites.contains(ModelSuite.NAME) ? PREPARE_SECONDS : 0);
    }

    public void write(Path file) {
        try {
            JSON.writeValue(file.toFile(), this);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static SuitePlan read(Path file) {
        try {
            return JSON.readValue(file.toFile(), SuitePlan.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the plan " + file, e);
        }
    }
}
