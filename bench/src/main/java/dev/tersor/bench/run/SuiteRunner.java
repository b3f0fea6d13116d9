package dev.tersor.bench.run;

import dev.tersor.bench.TrialLog;
import dev.tersor.bench.TrialRecord;
import dev.tersor.bench.blas.OpenBlas;
import dev.tersor.bench.report.BenchResults;
import dev.tersor.bench.report.ReportWriter;
import dev.tersor.bench.suite.Environment;
import dev.tersor.bench.suite.Iterations;
import dev.tersor.bench.suite.JmhRun;
import dev.tersor.bench.suite.MachineInfo;
import dev.tersor.bench.suite.SuitePlan;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Runs a {@link SuitePlan} through JMH and writes everything into one folder: {@code plan.json},
 * {@code machine.json}, the trial log, JMH's JSON and the report with its charts. JMH forks a fresh
 * JVM per trial from this JVM's class path with the flags Tersor needs; OpenBLAS must load here
 * first, or nothing runs.
 */
public final class SuiteRunner {

    /** Package of the JMH classes the plans name. */
    private static final String BENCH_PACKAGE = "dev.tersor.bench.";

    private SuiteRunner() {
    }

    /**
     * Runs {@code plan} into {@code outDir} (created; must not hold earlier results) and writes the
     * report. Progress and JMH's own output go to {@code log}.
     *
     * @return the report's path
     * @throws dev.tersor.bench.blas.OpenBlasUnavailableException before anything runs, if OpenBLAS is missing
     */
    public static Path run(SuitePlan plan, Path outDir, String tersorVersion, PrintStream log) {
        OpenBlas blas = OpenBlas.load();
        Path dir = outDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        if (Files.exists(dir.resolve(BenchResults.JMH)) || Files.exists(dir.resolve(BenchResults.TRIALS))) {
            throw new IllegalArgumentException(dir + " already holds benchmark results; choose another --out");
        }
        plan.write(dir.resolve(BenchResults.PLAN));
        MachineInfo.collect(blas, tersorVersion, Environment.current()).write(dir.resolve(BenchResults.MACHINE));
        Path trials = dir.resolve(BenchResults.TRIALS);
        log.printf(Locale.ROOT, "tersor bench: %s plan, %d trials in %d round(s), roughly %s; results in %s%n",
                plan.preset(), plan.trials(), plan.rounds(), duration(plan.estimatedSeconds()), dir);

        List<RunResult> results = new ArrayList<>();
        for (int round = 1; round <= plan.rounds(); round++) {
            for (JmhRun run : plan.runs()) {
                log.printf(Locale.ROOT, "tersor bench: round %d of %d, %s (%d trials)%n", round, plan.rounds(),
                        run.label(), run.trials());
                try {
                    results.addAll(new Runner(options(plan, run, trials).build()).run());
                } catch (RunnerException e) {
                    throw new IllegalStateException("JMH failed on " + run.label() + ": " + e.getMessage(), e);
                }
            }
        }
        writeJmhJson(results, dir.resolve(BenchResults.JMH));
        Path report = ReportWriter.write(dir, Suites.named(plan.suites()).stream().map(Suites.Suite::report).toList());
        List<TrialRecord> records = TrialLog.read(trials);
        long skipped = records.stream().filter(r -> TrialRecord.SKIPPED.equals(r.status())).count();
        long failed = records.stream().filter(r -> TrialRecord.FAILED.equals(r.status())).count();
        log.printf(Locale.ROOT, "tersor bench: %d results, %d trials skipped, %d failed; report: %s%n", results.size(),
                skipped, failed, report);
        return report;
    }

    /** The JMH options of one run: its class, its parameters, the plan's iterations and the forks' JVM flags. */
    static ChainedOptionsBuilder options(SuitePlan plan, JmhRun run, Path trials) {
        Iterations it = plan.iterations();
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^" + Pattern.quote(BENCH_PACKAGE + run.benchmark()) + "\\.")
                .warmupIterations(it.warmupIterations())
                .warmupTime(TimeValue.milliseconds(it.warmupMillis()))
                .measurementIterations(it.measurementIterations())
                .measurementTime(TimeValue.milliseconds(it.measurementMillis()))
                .forks(it.forks())
                .shouldFailOnError(false)
                .jvmArgs(forkJvmArgs(plan.heap(), trials).toArray(String[]::new));
        run.params().forEach((name, values) -> options.param(name, values.toArray(String[]::new)));
        return options;
    }

    /** Flags of every fork: Tersor's, the heap, the trial log, and this JVM's {@code tersor.*} properties. */
    static List<String> forkJvmArgs(String heap, Path trials) {
        List<String> args = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Xmx" + heap, "-Djava.awt.headless=true",
                "-D" + TrialLog.PROPERTY + "=" + trials.toAbsolutePath()));
        System.getProperties().stringPropertyNames().stream().sorted()
                .filter(name -> name.startsWith("tersor.") && !name.equals(TrialLog.PROPERTY))
                .forEach(name -> args.add("-D" + name + "=" + System.getProperty(name)));
        return args;
    }

    private static void writeJmhJson(List<RunResult> results, Path file) {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, out).writeOut(results);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** {@code "about 9 minutes"}, {@code "about 3.5 hours"}. */
    public static String duration(double seconds) {
        if (seconds < 90) {
            return String.format(Locale.ROOT, "about %.0f seconds", seconds);
        }
        if (seconds < 5400) {
            return String.format(Locale.ROOT, "about %.0f minutes", seconds / 60);
        }
        return String.format(Locale.ROOT, "about %.1f hours", seconds / 3600);
    }
}
