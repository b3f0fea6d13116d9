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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    /** JMH's JSON of the JVM of a full run that is running (or was stopped). */
    private static final String SHARED_PART = "jmh-part.json";
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
            throw new IllegalArgumentException(dir + " already holds benchmark results; choose another --out, "
                    + "or continue a stopped run with --resume");
        }
        plan.write(dir.resolve(BenchResults.PLAN));
        MachineInfo.collect(blas, tersorVersion, Environment.current()).write(dir.resolve(BenchResults.MACHINE));
        log.printf(Locale.ROOT, "tersor bench: %s plan, %d trials in %d round(s), roughly %s; results in %s%n",
                plan.preset(), plan.trials(), plan.rounds(), duration(plan.estimatedSeconds()), dir);
        return execute(plan, dir, RunProgress.fresh(dir), log);
    }

    /**
     * Continues the stopped run in {@code runDir} with its own plan: every point that has a result,
     * or whose trial was skipped or failed, is kept; the rest runs as the plan says, after whatever a
     * stopped JVM left of it is dropped. Then the report is written over all of it. The machine
     * description stays the one of the run's start.
     *
     * @return the report's path
     */
    public static Path resume(Path runDir, PrintStream log) {
        OpenBlas.load();
        Path dir = runDir.toAbsolutePath().normalize();
        SuitePlan plan = planToResume(dir);
        try {
            Files.deleteIfExists(dir.resolve(SHARED_PART));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the partial results in " + dir, e);
        }
        RunProgress progress = RunProgress.resume(dir);
        long done = doneTrials(plan, progress);
        log.printf(Locale.ROOT, "tersor bench: resuming the %s plan in %s: %d of %d trials done%n", plan.preset(), dir,
                done, plan.trials());
        return execute(plan, dir, progress, log);
    }

    /** The plan of the run in {@code dir}, if it can be resumed. */
    public static SuitePlan planToResume(Path dir) {
        if (!Files.isRegularFile(dir.resolve(BenchResults.PLAN)) || !Files.isRegularFile(dir.resolve(BenchResults.MACHINE))) {
            throw new IllegalArgumentException(dir + " holds no " + BenchResults.PLAN + " and " + BenchResults.MACHINE
                    + ": it is not the folder of a ./tersor bench run");
        }
        SuitePlan plan = SuitePlan.read(dir.resolve(BenchResults.PLAN));
        if (plan.rounds() != 1) {
            throw new IllegalArgumentException("only a run of one round can be resumed; " + dir + " planned "
                    + plan.rounds());
        }
        return plan;
    }

    /** Trials of {@code plan} that the run in {@code dir} has already measured, skipped or failed. */
    public static long doneTrials(SuitePlan plan, Path dir) {
        return doneTrials(plan, RunProgress.resume(dir));
    }

    private static long doneTrials(SuitePlan plan, RunProgress progress) {
        return plan.runs().stream().mapToLong(run -> RunProgress.points(run.params()).stream()
                .filter(p -> progress.done(run.benchmark(), p)).count()).sum();
    }

    private static Path execute(SuitePlan plan, Path dir, RunProgress progress, PrintStream log) {
        Path models = dir.resolve(MODELS);
        if (needsModels(plan, progress, models)) {
            prepareModels(plan, models, log);
        }
        ArrayNode results = progress.results();
        for (int round = 1; round <= plan.rounds(); round++) {
            for (JmhRun run : plan.runs()) {
                log.printf(Locale.ROOT, "tersor bench: round %d of %d, %s (%d trials)%n", round, plan.rounds(),
                        run.label(), run.trials());
                if (plan.sharedJvms() && run.benchmark().equals(MatrixSuite.MATVEC)) {
                    runShared(plan, run, dir, progress, log);
                    continue;
                }
                List<Map<String, String>> points = RunProgress.points(run.params());
                if (progress.allDone(run.benchmark(), points)) {
                    log.println("tersor bench: " + run.label() + " was measured before");
                    continue;
                }
                progress.forget(run.benchmark(), points);
                try {
                    results.addAll(toJson(new Runner(options(plan, run, dir).build()).run()));
                } catch (RunnerException e) {
                    throw new IllegalStateException("JMH failed on " + run.label() + ": " + e.getMessage(), e);
                }
                // a long run that is stopped keeps what it measured, for `bench report` and `bench --resume`
                writeJson(results, dir.resolve(BenchResults.JMH));
            }
        }
        writeJson(results, dir.resolve(BenchResults.JMH));
        if (Files.isDirectory(models)) {
            try {
                PreparedModels.deleteModelFiles(models);
            } catch (IOException e) {
                log.println("tersor bench: could not delete the prepared models in " + models + ": " + e.getMessage());
            }
        }
        Path report = ReportWriter.write(dir, Suites.named(plan.suites()).stream().map(Suites.Suite::report).toList());
        List<TrialRecord> records = TrialLog.read(dir.resolve(BenchResults.TRIALS));
        long skipped = records.stream().filter(r -> TrialRecord.SKIPPED.equals(r.status())).count();
        long failed = records.stream().filter(r -> TrialRecord.FAILED.equals(r.status())).count();
        List<ModelTrialRecord> modelRecords = ModelTrialLog.read(dir.resolve(ModelTrialLog.FILE));
        skipped += modelRecords.stream().filter(r -> TrialRecord.SKIPPED.equals(r.status())).count();
        failed += modelRecords.stream().filter(r -> TrialRecord.FAILED.equals(r.status())).count();
        log.printf(Locale.ROOT, "tersor bench: %d results, %d trials skipped, %d failed; report: %s%n", results.size(),
                skipped, failed, report);
        return report;
    }

    /**
     * Whether the models must be prepared: when a trial that needs them (a model trial or a real case)
     * is still to run, which for a fresh run means any such trial in the plan, and the files are not
     * there yet (a resumed run keeps the stopped run's).
     */
    private static boolean needsModels(SuitePlan plan, RunProgress progress, Path models) {
        boolean pending = plan.runs().stream().anyMatch(run -> RunProgress.points(run.params()).stream()
                .filter(p -> p.containsKey("form") || p.getOrDefault("matrix", "").endsWith("@" + MatrixCases.REAL))
                .anyMatch(p -> !progress.done(run.benchmark(), p)));
        if (!pending) {
            return false;
        }
        if (!Files.isRegularFile(models.resolve(PreparedModels.MANIFEST))) {
            return true;
        }
        try (var files = Files.list(models)) {
            return files.noneMatch(f -> f.getFileName().toString().endsWith(".tsr"));
        } catch (IOException e) {
            return true;
        }
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
                .jvmArgs(runJvmArgs(plan, run, dir).toArray(String[]::new));
        run.params().forEach((name, values) -> options.param(name, values.toArray(String[]::new)));
        return options;
    }

    /** The forks' flags for {@code run}: {@link #forkJvmArgs}, and the model suite's collector. */
    static List<String> runJvmArgs(SuitePlan plan, JmhRun run, Path dir) {
        List<String> args = new ArrayList<>(forkJvmArgs(plan.heap(), dir));
        if (run.benchmark().equals(ModelSuite.LATENCY) || run.benchmark().equals(ModelSuite.LOAD)) {
            args.addAll(ModelSuite.GC_FLAGS);
        }
        return args;
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
    static void runShared(SuitePlan plan, JmhRun run, Path dir, RunProgress progress, PrintStream log) {
        Iterations it = plan.iterations();
        ArrayNode results = progress.results();
        for (String matrix : run.values("matrix")) {
            for (String variant : run.values("variant")) {
                Map<String, List<String>> params = new LinkedHashMap<>(run.params());
                params.put("matrix", List.of(matrix));
                params.put("variant", List.of(variant));
                List<Map<String, String>> points = RunProgress.points(params);
                if (progress.allDone(run.benchmark(), points)) {
                    log.printf(Locale.ROOT, "tersor bench: %s, %s was measured before%n", matrix, variant);
                    continue;
                }
                progress.forget(run.benchmark(), points);
                Path json = dir.resolve(SHARED_PART);
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
