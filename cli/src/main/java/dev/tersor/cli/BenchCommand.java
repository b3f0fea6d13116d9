package dev.tersor.cli;

import dev.tersor.bench.run.SuiteRunner;
import dev.tersor.bench.run.Suites;
import dev.tersor.bench.suite.Environment;
import dev.tersor.bench.suite.JmhRun;
import dev.tersor.bench.suite.Preset;
import dev.tersor.bench.suite.SuitePlan;
import dev.tersor.cli.corpus.MavenArtifacts;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tersor bench}: the benchmark suites through JMH, which forks a fresh JVM per trial from
 * this jar, then the report. OpenBLAS must be installed; without it nothing runs.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the benchmark suites through JMH (the formats against OpenBLAS with the memory roofline, "
                + "all-MiniLM-L6-v2 against ONNX Runtime) and write "
                + "JMH's JSON, a Markdown report and PNG charts into one folder.",
                "Do not run it while builds or other jobs use the machine: the numbers would be noise."},
        subcommands = {BenchMatVecCommand.class, BenchModelCommand.class, BenchReportCommand.class})
final class BenchCommand implements Callable<Integer> {

    /** Where {@link dev.tersor.bench.model.PreparedModels} looks for the ONNX models. */
    static final String MODELS_PROPERTY = "tersor.models.dir";

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true)
    Scope scope;

    static final class Scope {
        @Option(names = "--quick", description = "A representative subset of the matrix suite and the whole model suite, about ten minutes on "
                + "two cores (the default).")
        boolean quick;

        @Option(names = "--full", description = "Every case, format, provider, batch and thread count, and the model suite: about four hours "
                + "on two cores (one JVM per matrix and variant; --dry-run prints the estimate). It can be stopped and "
                + "continued with --resume.")
        boolean full;

        @Option(names = "--smoke", hidden = true,
                description = "Every variant on small cases with one short iteration: proves the pipeline, measures nothing.")
        boolean smoke;
    }

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output folder (created; must not hold earlier results). Default: bench-results/<time>-<preset>.")
    Path out;

    @Option(names = "--rounds", paramLabel = "N",
            description = "Run the whole plan N times and pool the results (A/B alternation at the scale of a whole run). "
                    + "Default: 1.")
    Integer rounds;

    @Option(names = "--suite", paramLabel = "NAME", split = ",",
            description = "Run only these suites (matrix, model). Default: all.")
    java.util.List<String> suites;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the stopped run in DIR with its own plan: what it measured, skipped or failed is kept, "
                    + "the rest runs, then the report covers all of it. Takes no other option but --dry-run.")
    Path resume;

    @Option(names = "--dry-run", description = "Print the plan and its estimated duration, and run nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        if (resume != null) {
            return resume();
        }
        Preset preset = scope == null || scope.quick ? Preset.QUICK : scope.full ? Preset.FULL : Preset.SMOKE;
        SuitePlan plan = SuitePlan.of(preset, (suites == null ? Suites.all() : Suites.named(suites)).stream()
                .map(Suites.Suite::benchmarks).toList(), Environment.current());
        if (rounds != null) {
            plan = plan.withRounds(Arguments.inRange("--rounds", rounds, 1, 1000));
        }
        Path dir = out != null ? out : Path.of("bench-results",
                LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + preset.label());
        PrintWriter stdout = spec.commandLine().getOut();
        if (dryRun) {
            printPlan(stdout, plan, dir);
            return 0;
        }
        stdout.flush();
        addOnnxRuntime();
        useFetchedModels();
        SuiteRunner.run(plan, dir, Main.version(), System.out);
        return 0;
    }

    private Integer resume() {
        if (scope != null || out != null || rounds != null || suites != null) {
            throw new ParameterException(spec.commandLine(),
                    "--resume continues a run with the plan it started with: give no preset, --out, --rounds or --suite");
        }
        PrintWriter stdout = spec.commandLine().getOut();
        if (dryRun) {
            SuitePlan plan = SuiteRunner.planToResume(resume);
            printPlan(stdout, plan, resume);
            stdout.printf(Locale.ROOT, "done: %d of %d trials%n", SuiteRunner.doneTrials(plan, resume), plan.trials());
            stdout.flush();
            return 0;
        }
        stdout.flush();
        addOnnxRuntime();
        useFetchedModels();
        SuiteRunner.resume(resume, System.out);
        return 0;
    }

    /**
     * The model suite and the real matrix cases read all-MiniLM-L6-v2 and its int8 twin from
     * {@code -Dtersor.models.dir}, which only a build that runs the tests fills: on a fresh clone the
     * launcher's build skips them. Unless that property is set, fetch both as {@code demo} does and
     * point this JVM, and through it every fork, at them.
     */
    static void useFetchedModels() {
        if (System.getProperty(MODELS_PROPERTY) == null) {
            try {
                System.setProperty(MODELS_PROPERTY, fetchModels(MavenArtifacts.cacheDir()).toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Fetches the bench's two models into {@code cacheDir} (once) and returns the folder that holds them. */
    static Path fetchModels(Path cacheDir) throws IOException {
        DemoCommand.fetch(cacheDir, DemoCommand.FP32, DemoCommand.FP32 + ".onnx");
        DemoCommand.fetch(cacheDir, DemoCommand.INT8, DemoCommand.INT8 + ".onnx");
        return cacheDir.resolve("models").toAbsolutePath();
    }

    /**
     * Puts the ONNX Runtime jar the build copies beside the CLI jar ({@code lib/}) on the class path
     * JMH gives its forks, which is this JVM's {@code java.class.path}. The runner stops with a clear
     * message if it is not there.
     */
    static void addOnnxRuntime() {
        Path lib;
        try {
            lib = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .resolveSibling("lib");
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return;
        }
        if (!Files.isDirectory(lib)) {
            return;
        }
        try (var jars = Files.list(lib)) {
            jars.filter(p -> p.getFileName().toString().matches("onnxruntime-.*\\.jar")).findFirst().ifPresent(jar ->
                    System.setProperty("java.class.path", System.getProperty("java.class.path")
                            + java.io.File.pathSeparator + jar.toAbsolutePath()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + lib, e);
        }
    }

    static void printPlan(PrintWriter out, SuitePlan plan, Path dir) {
        out.printf(Locale.ROOT, "plan %s: %d JMH runs, %d round(s), %d trials, %s; output would go to %s%n",
                plan.preset(), plan.runs().size(), plan.rounds(), plan.trials(),
                SuiteRunner.duration(plan.estimatedSeconds()), dir);
        out.printf(Locale.ROOT, "iterations: %d warm-up x %d ms, %d measured x %d ms, %d fork(s) per trial, heap %s%n",
                plan.iterations().warmupIterations(), plan.iterations().warmupMillis(),
                plan.iterations().measurementIterations(), plan.iterations().measurementMillis(),
                plan.iterations().forks(), plan.heap());
        for (JmhRun run : plan.runs()) {
            out.printf(Locale.ROOT, "  %s: %s, %d trials%n", run.label(), run.benchmark(), run.trials());
            run.params().forEach((name, values) -> out.printf(Locale.ROOT, "    %s = %s%n", name, String.join(", ", values)));
        }
        out.flush();
    }
}
