package dev.tersor.bench.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.tersor.bench.MatrixCases;
import dev.tersor.bench.TrialLog;
import dev.tersor.bench.TrialRecord;
import dev.tersor.bench.blas.OpenBlas;
import dev.tersor.bench.model.ModelTrialLog;
import dev.tersor.bench.model.ModelTrialRecord;
import dev.tersor.bench.model.PreparedModels;
import dev.tersor.bench.report.BenchResults;
import dev.tersor.bench.report.ReportWriter;
import dev.tersor.bench.suite.Environment;
import dev.tersor.bench.suite.Iterations;
import dev.tersor.bench.suite.JmhRun;
import dev.tersor.bench.suite.MachineInfo;
import dev.tersor.bench.suite.MatrixSuite;
import dev.tersor.bench.suite.ModelSuite;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Folder of the output where the model suite's prepared models go. */
    public static final String MODELS = "models";
    private static final String ONNX_RUNTIME_CLASS = "ai/onnxruntime/OrtEnvironment.class";

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
        Path models = dir.resolve(MODELS);
        boolean prepare = plan.suites().contains(ModelSuite.NAME) || plan.runs().stream()
                .anyMatch(r -> r.params().getOrDefault("matrix", List.of()).stream().anyMatch(m -> m.endsWith("@" + MatrixCases.REAL)));
        if (prepare) {
            prepareModels(plan, models, log);
        }
        log.printf(Locale.ROOT, "tersor bench: %s plan, %d trials in %d round(s), roughly %s; results in %s%n",
                plan.preset(), plan.trials(), plan.rounds(), duration(plan.estimatedSeconds()), dir);

        ArrayNode results = JSON.createArrayNode();
        for (int round = 1; round <= plan.rounds(); round++) {
            for (JmhRun run : plan.runs()) {
                log.printf(Locale.ROOT, "tersor bench: round %d of %d, %s (%d trials)%n", round, plan.rounds(),
                        run.label(), run.trials());
                if (plan.sharedJvms() && run.benchmark().equals(MatrixSuite.MATVEC)) {
                    runShared(plan, run, dir, results, log);
                    continue;
                }
                try {
                    results.addAll(toJson(new Runner(options(plan, run, dir).build()).run()));
                } catch (RunnerException e) {
                    throw new IllegalStateException("JMH failed on " + run.label() + ": " + e.getMessage(), e);
                }
                // a long run that is stopped keeps what it measured; `bench report` rebuilds from it
                writeJson(results, dir.resolve(BenchResults.JMH));
            }
        }
        writeJson(results, dir.resolve(BenchResults.JMH));
        if (prepare) {
            try {
                PreparedModels.deleteModelFiles(models);
            } catch (IOException e) {
                log.println("tersor bench: could not delete the prepared models in " + models + ": " + e.getMessage());
            }
        }
        Path report = ReportWriter.write(dir, Suites.named(plan.suites()).stream().map(Suites.Suite::report).toList());
        List<TrialRecord> records = TrialLog.read(trials);
        long skipped = records.stream().filter(r -> TrialRecord.SKIPPED.equals(r.status())).count();
        long failed = records.stream().filter(r -> TrialRecord.FAILED.equals(r.status())).count();
        List<ModelTrialRecord> modelRecords = ModelTrialLog.read(dir.resolve(ModelTrialLog.FILE));
        skipped += modelRecords.stream().filter(r -> TrialRecord.SKIPPED.equals(r.status())).count();
        failed += modelRecords.stream().filter(r -> TrialRecord.FAILED.equals(r.status())).count();
        log.printf(Locale.ROOT, "tersor bench: %d results, %d trials skipped, %d failed; report: %s%n", results.size(),
                skipped, failed, report);
        return report;
    }

    /** The JMH options of one run: its class, its parameters, the plan's iterations and the forks' JVM flags. */
    static ChainedOptionsBuilder options(SuitePlan plan, JmhRun run, Path dir) {
        Iterations it = plan.iterations();
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^" + Pattern.quote(BENCH_PACKAGE + run.benchmark()) + "\\.")
                .warmupIterations(it.warmupIterations())
                .warmupTime(TimeValue.milliseconds(it.warmupMillis()))
                .measurementIterations(it.measurementIterations())
                .measurementTime(TimeValue.milliseconds(it.measurementMillis()))
                .forks(it.forks())
                .shouldFailOnError(false)
                .jvmArgs(forkJvmArgs(plan.heap(), dir).toArray(String[]::new));
        run.params().forEach((name, values) -> options.param(name, values.toArray(String[]::new)));
        return options;
    }

    /**
     * Flags of every fork: Tersor's, the heap, the trial logs and prepared models of the output folder
     * {@code dir}, and this JVM's {@code tersor.*} and {@code jmh.*} properties (the latter matter to
     * the JVMs that run JMH themselves, see {@link #runShared}).
     */
    static List<String> forkJvmArgs(String heap, Path dir) {
        Path out = dir.toAbsolutePath();
        List<String> own = List.of(TrialLog.PROPERTY, ModelTrialLog.PROPERTY, PreparedModels.PROPERTY);
        List<String> args = new ArrayList<>(List.of("--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Xmx" + heap, "-Djava.awt.headless=true",
                "-D" + TrialLog.PROPERTY + "=" + out.resolve(BenchResults.TRIALS),
                "-D" + ModelTrialLog.PROPERTY + "=" + out.resolve(ModelTrialLog.FILE),
                "-D" + PreparedModels.PROPERTY + "=" + out.resolve(MODELS)));
        System.getProperties().stringPropertyNames().stream().sorted()
                .filter(name -> (name.startsWith("tersor.") || name.startsWith("jmh.")) && !own.contains(name))
                .forEach(name -> args.add("-D" + name + "=" + System.getProperty(name)));
        return args;
    }

    /**
     * Imports and compresses the models and computes the references ({@link PreparedModels}) in a JVM
     * of its own, started like a fork, so no trial carries that work in its memory figures.
     */
    static void prepareModels(SuitePlan plan, Path models, PrintStream log) {
        requireOnnxRuntime();
        log.println("tersor bench: preparing the models of the model suite in " + models);
        List<String> command = new ArrayList<>();
        command.add(javaCommand());
        command.addAll(forkJvmArgs(plan.heap(), models.getParent()));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PreparedModels.class.getName());
        command.add(models.toString());
        ModelSuite.workloads(plan.runs()).forEach(w -> command.add(w.id()));
        execute(command, "preparing the models").lines().filter(l -> l.startsWith("prepared"))
                .forEach(l -> log.println("tersor bench: " + l));
    }

    /**
     * The model suite compares with ONNX Runtime and never runs without it: its jar must be on this
     * JVM's class path, which forks inherit. The CLI jar does not carry it; {@code ./tersor bench}
     * adds the copy its build puts beside the jar.
     */
    static void requireOnnxRuntime() {
        boolean loadable = SuiteRunner.class.getClassLoader().getResource(ONNX_RUNTIME_CLASS) != null;
        boolean onPath = List.of(System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)).stream()
                .anyMatch(entry -> entry.contains("onnxruntime"));
        if (!loadable && !onPath) {
            throw new IllegalStateException("ONNX Runtime is not on the class path, and the model suite compares with it. "
                    + "Build the CLI (./tersor does it, or mvn -pl cli -am package): it copies the ONNX Runtime jar to "
                    + "cli/target/lib/.");
        }
    }

    /**
     * Runs a matrix run with one JVM per matrix and variant: JMH inside it without forking
     * ({@code -f 0}), over all the run's batches and thread counts. Different formats and providers
     * never share a JVM; one variant's settings share its JIT profile. The full preset does this to
     * pay JVM start, matrix generation and kernel compilation once per six points.
     */
    static void runShared(SuitePlan plan, JmhRun run, Path dir, ArrayNode results, PrintStream log) {
        Iterations it = plan.iterations();
        for (String matrix : run.values("matrix")) {
            for (String variant : run.values("variant")) {
                Path json = dir.resolve("jmh-part.json");
                List<String> command = new ArrayList<>();
                command.add(javaCommand());
                command.addAll(forkJvmArgs(plan.heap(), dir));
                command.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.openjdk.jmh.Main",
                        "^" + Pattern.quote(BENCH_PACKAGE + run.benchmark()) + "\\.", "-f", "0",
                        "-wi", String.valueOf(it.warmupIterations()), "-w", it.warmupMillis() + "ms",
                        "-i", String.valueOf(it.measurementIterations()), "-r", it.measurementMillis() + "ms",
                        "-foe", "false", "-rf", "json", "-rff", json.toString(),
                        "-p", "matrix=" + matrix, "-p", "variant=" + variant,
                        "-p", "batch=" + String.join(",", run.values("batch")),
                        "-p", "threads=" + String.join(",", run.values("threads"))));
                log.printf(Locale.ROOT, "tersor bench: %s, %s in one JVM%n", matrix, variant);
                String output = execute(command, "JMH on " + matrix + " " + variant);
                output.lines().filter(l -> l.startsWith("MatVecBenchmark.") || l.contains("Exception"))
                        .forEach(l -> log.println("  " + l));
                try {
                    if (Files.isRegularFile(json)) {
                        JSON.readTree(json.toFile()).forEach(results::add);
                        Files.delete(json);
                        writeJson(results, dir.resolve(BenchResults.JMH));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + json, e);
                }
            }
        }
    }

    private static String javaCommand() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Runs {@code command}, returns its output; a non-zero exit fails with the output. */
    private static String execute(List<String> command, String what) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int status = process.waitFor();
            if (status != 0) {
                throw new IllegalStateException(what + " failed (exit " + status + "):\n" + output.strip());
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        }
    }

    private static ArrayNode toJson(java.util.Collection<RunResult> results) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            ResultFormatFactory.getInstance(ResultFormatType.JSON, out).writeOut(results);
        }
        try {
            return (ArrayNode) JSON.readTree(bytes.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse JMH's JSON", e);
        }
    }

    private static void writeJson(ArrayNode results, Path file) {
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), results);
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
