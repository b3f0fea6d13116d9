package dev.tersor.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.bench.model.ModelHarness.Measurement;
import dev.tersor.bench.model.ModelHarness;
import dev.tersor.bench.model.ModelWorkload;
import dev.tersor.bench.model.OperatorProfile;
import dev.tersor.cli.corpus.MavenArtifacts;
import dev.tersor.kernels.Parallelism;
import dev.tersor.model.ExecutionPolicy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code tersor bench model}: Tersor model files against ONNX Runtime fp32 and int8 (the cached
 * all-MiniLM-L6-v2) on the same token ids in this JVM. Not JMH: one load each, an output check,
 * a warm-up, then the median of alternating single forward passes.
 */
@Command(name = "model", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time Tersor models against ONNX Runtime fp32 and int8 (all-MiniLM-L6-v2, fetched like demo does) "
                + "on the same token ids, in this JVM: each output is first compared with ONNX Runtime fp32's, then "
                + "every form is warmed up and timed one forward pass at a time in alternating rounds. "
                + "Not JMH: use ./tersor bench for publishable numbers."})
final class BenchModelCommand implements Runnable {

    static final int MAX_BATCH = 1024;
    static final int MAX_RUNS = 100_000;
    static final int MAX_WARMUP_SECONDS = 600;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "FILE",
            description = "A Tersor model (.tsr, or .onnx imported at load); repeat to compare several. "
                    + "Default: the compressed model ./tersor demo caches.")
    List<Path> models;

    @Option(names = "--tokens", defaultValue = "11,128", paramLabel = "N[,N...]",
            description = "Sequence lengths, each a workload of its own (1 to 512). Default: ${DEFAULT-VALUE}.")
    String tokens;

    @Option(names = "--batch", defaultValue = "1", description = "Sequences per forward pass. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--threads", defaultValue = "1",
            description = "Threads for Tersor and intra-op threads for ONNX Runtime alike. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--exec", defaultValue = "fastest", paramLabel = "stored|fastest|budget:MB",
            description = "Layout each Tersor weight runs in: as stored, the fastest, or the fastest within MB of "
                    + "resident weights. Default: ${DEFAULT-VALUE}.")
    String exec;

    @Option(names = "--runs", defaultValue = "10", paramLabel = "N",
            description = "Timed rounds, each one forward pass of every form. Default: ${DEFAULT-VALUE}.")
    int runs;

    @Option(names = "--warmup", defaultValue = "8", paramLabel = "SECONDS",
            description = "Untimed forward passes per form and token count before the timed rounds, in seconds: the "
                    + "JIT compiles Tersor's kernels over several seconds while other forms share the JVM, and a "
                    + "served model is warm. Default: ${DEFAULT-VALUE}.")
    double warmupSeconds;

    @Option(names = "--no-ort", description = "Leave ONNX Runtime out (and with it the cosine check).")
    boolean noOrt;

    @Option(names = "--ort-model", paramLabel = "FILE.onnx",
            description = "An ONNX model for ONNX Runtime to run, as form ort:<file name>; repeat for several, the "
                    + "first is the cosine reference. Default: all-MiniLM-L6-v2 fp32 and int8 (ort-fp32, ort-int8), "
                    + "fetched like ./tersor demo does; name others for other models (e.g. bge-small-en-v1.5).")
    List<Path> ortModels;

    @Option(names = "--json", description = "Print one JSON object per form and workload: form, tokens, batch, threads, "
            + "msMedian, loadMs, residentWeightBytes (Tersor forms), cosineToOrtFp32 (to the first ONNX Runtime model).")
    boolean json;

    @Option(names = "--profile", description = "After the timed runs, profile " + PROFILE_PASSES + " passes of each "
            + "Tersor form per operator: milliseconds by operator, the weight products' (Linear) GMAC/s and the "
            + "share of time outside them.")
    boolean profile;

    /** Forward passes profiled per Tersor form and workload with --profile. */
    static final int PROFILE_PASSES = 50;

    @Override
    public void run() {
        List<ModelWorkload> workloads = workloads(tokens, Arguments.inRange("--batch", batch, 1, MAX_BATCH));
        Arguments.inRange("--threads", threads, 1, Parallelism.MAX_THREADS);
        Arguments.inRange("--runs", runs, 1, MAX_RUNS);
        if (!(warmupSeconds >= 0 && warmupSeconds <= MAX_WARMUP_SECONDS)) {
            throw new IllegalArgumentException("--warmup must be 0 to " + MAX_WARMUP_SECONDS + " seconds, not " + warmupSeconds);
        }
        ExecutionPolicy policy = ExecutionPolicy.parse(exec);
        try {
            Path cache = MavenArtifacts.cacheDir();
            List<ModelHarness.Source> sources = new ArrayList<>();
            for (Path model : models != null ? models : List.of(demoModel(cache))) {
                sources.add(new ModelHarness.TersorModel(Arguments.inputFile("model", model), policy));
            }
            Optional<ModelHarness.Source> reference = Optional.empty();
            if (noOrt && ortModels != null) {
                throw new IllegalArgumentException("--ort-model and --no-ort exclude each other");
            }
            if (!noOrt) {
                if (!ModelHarness.onnxRuntimeAvailable()) {
                    throw new IllegalStateException("ONNX Runtime is not on the class path (the build copies it to "
                            + "cli/target/lib/, which tersor-cli.jar names); rebuild, or pass --no-ort");
                }
                List<ModelHarness.Source> ort = new ArrayList<>();
                if (ortModels == null) {
                    ort.add(new ModelHarness.OnnxRuntimeModel("ort-fp32",
                            DemoCommand.fetch(cache, DemoCommand.FP32, DemoCommand.FP32 + ".onnx")));
                    ort.add(new ModelHarness.OnnxRuntimeModel("ort-int8",
                            DemoCommand.fetch(cache, DemoCommand.INT8, DemoCommand.INT8 + ".onnx")));
                } else {
                    for (Path onnx : ortModels) {
                        ort.add(new ModelHarness.OnnxRuntimeModel("ort:" + onnx.getFileName(),
                                Arguments.inputFile("--ort-model", onnx)));
                    }
                }
                sources.addAll(ort);
                reference = Optional.of(ort.getFirst());
            }
            ModelHarness.Settings settings = new ModelHarness.Settings(runs, Math.round(warmupSeconds * 1e9),
                    profile ? PROFILE_PASSES : 0);
            List<Measurement> results = ModelHarness.run(sources, reference, workloads, threads, settings);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                printJson(out, results);
            } else {
                printTable(out, results, runs, policy, reference.map(ModelHarness.Source::label).orElse("ort-fp32"));
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One workload per comma-separated token count, each checked before anything runs. */
    static List<ModelWorkload> workloads(String tokens, int batch) {
        List<ModelWorkload> workloads = new ArrayList<>();
        for (String item : tokens.split(",", -1)) {
            int count;
            try {
                count = Integer.parseInt(item.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--tokens takes token counts separated by commas, e.g. 11,128; got '"
                        + tokens + "'");
            }
            workloads.add(new ModelWorkload(batch, Arguments.inRange("--tokens", count, 1, ModelWorkload.MAX_TOKENS)));
        }
        return workloads;
    }

    /** The default preset's model that {@code ./tersor demo} compressed and cached, if it did. */
    private static Path demoModel(Path cache) throws IOException {
        Path fp32 = cache.resolve("models").resolve(DemoCommand.FP32).resolve(DemoCommand.FP32 + ".onnx");
        if (Files.isRegularFile(fp32)) {
            Path compressed = DemoCommand.compressedTarget(cache, fp32);
            if (Files.isRegularFile(compressed)) {
                return compressed;
            }
        }
        throw new IllegalArgumentException("no --model given and no compressed model cached in " + cache.resolve("demo")
                + ": run ./tersor demo first, or pass --model FILE");
    }

    static void printJson(PrintWriter out, List<Measurement> results) {
        try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
            json.useDefaultPrettyPrinter();
            json.writeStartArray();
            for (Measurement m : results) {
                json.writeStartObject();
                json.writeStringField("form", m.form());
                json.writeNumberField("tokens", m.tokens());
                json.writeNumberField("batch", m.batch());
                json.writeNumberField("threads", m.threads());
                json.writeNumberField("msMedian", Math.round(m.medianMs() * 1000) / 1000.0);
                json.writeNumberField("loadMs", Math.round(m.loadMs() * 10) / 10.0);
                if (m.residentWeightBytes() >= 0) {
                    json.writeNumberField("residentWeightBytes", m.residentWeightBytes());
                }
                if (Double.isNaN(m.cosineToReference())) {
                    json.writeNullField("cosineToOrtFp32");
                } else {
                    json.writeNumberField("cosineToOrtFp32", m.cosineToReference());
                }
                if (!m.profile().isEmpty()) {
                    json.writeObjectFieldStart("operatorsMs");
                    for (var e : m.profile().millisByOperator().entrySet()) {
                        json.writeNumberField(e.getKey(), Math.round(e.getValue() * 1000) / 1000.0);
                    }
                    json.writeEndObject();
                    if (!Double.isNaN(m.profile().gemmGmacPerSecond())) {
                        json.writeNumberField("gemmGmacPerSecond", Math.round(m.profile().gemmGmacPerSecond() * 10) / 10.0);
                    }
                    json.writeNumberField("nonGemmShare", Math.round(m.profile().nonGemmShare() * 1000) / 1000.0);
                }
                json.writeEndObject();
            }
            json.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println();
    }

    static void printTable(PrintWriter out, List<Measurement> results, int runs, ExecutionPolicy policy,
                           String referenceLabel) {
        int width = Math.max(24, results.stream().mapToInt(m -> m.form().length()).max().orElse(0));
        String cosine = "cos to " + referenceLabel;
        int cosineWidth = Math.max(15, cosine.length());
        String header = "%-" + width + "s %9s %10s %9s %9s %15s %" + cosineWidth + "s%n";
        String row = "%-" + width + "s %9.1f %10.2f %9.2f %9.2f %15s %" + cosineWidth + "s%n";
        Measurement previous = null;
        for (Measurement m : results) {
            if (previous == null || previous.tokens() != m.tokens()) {
                out.printf(Locale.ROOT, "%s%d tokens, batch %d, %d thread%s, Tersor --exec %s; times of one forward pass in ms, "
                                + "%d alternating run%s after warm-up%n", previous == null ? "" : "\n", m.tokens(), m.batch(),
                        m.threads(), m.threads() == 1 ? "" : "s", policy, runs, runs == 1 ? "" : "s");
                out.printf(Locale.ROOT, header, "form", "load ms", "median", "min", "max", "resident bytes", cosine);
            }
            out.printf(Locale.ROOT, row, m.form(), m.loadMs(), m.medianMs(), m.minMs(), m.maxMs(),
                    m.residentWeightBytes() >= 0 ? Long.toString(m.residentWeightBytes()) : "-",
                    Double.isNaN(m.cosineToReference()) ? "-" : String.format(Locale.ROOT, "%.6f", m.cosineToReference()));
            previous = m;
        }
        printProfiles(out, results);
    }

    /**
     * Per Tersor form and workload, when profiled: the pass's operators by time, the weight products'
     * rate and the share of the pass outside them. Profiled passes time every operator separately, so
     * their total runs a little above the median of whole passes.
     */
    static void printProfiles(PrintWriter out, List<Measurement> results) {
        boolean first = true;
        for (Measurement m : results) {
            OperatorProfile p = m.profile();
            if (p.isEmpty()) {
                continue;
            }
            if (first) {
                out.printf(Locale.ROOT, "%noperator profile: mean ms of %d profiled passes; GEMM = the weight products (%s)%n",
                        PROFILE_PASSES, OperatorProfile.GEMM_OPERATOR);
                first = false;
            }
            StringBuilder ops = new StringBuilder();
            p.millisByOperator().forEach((op, ms) -> {
                if (ms >= 0.0005) {
                    ops.append(ops.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%s %.3f", op, ms));
                }
            });
            out.printf(Locale.ROOT, "%s, %d tokens, batch %d: total %.3f ms, GEMM %.1f GMAC/s, non-GEMM %.0f%%; %s%n",
                    m.form(), m.tokens(), m.batch(), p.totalMillis(), p.gemmGmacPerSecond(), 100 * p.nonGemmShare(), ops);
        }
    }
}
