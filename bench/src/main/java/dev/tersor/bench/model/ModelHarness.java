package dev.tersor.bench.model;

import dev.tersor.model.ExecutionPolicy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A quick in-process measurement of whole models on token ids, for users comparing model files and
 * for checks: not JMH, but timing what a caller of {@code Model.run} pays for one forward pass on
 * prepared inputs. Every form is loaded once (the load is timed); then, for each workload, each
 * form's output is compared with the reference's, each form is warmed up, and all are timed one
 * forward pass at a time in alternating rounds (first to last, then last to first), so that drift
 * on a shared machine hits every form alike. Each timed pass follows an untimed one of the same
 * form: without it every pass would start with the caches full of the other forms' weights (four
 * MiniLM forms hold some 200 MB against a 32 MB last-level cache), which is neither what a service
 * running one model sees nor what JMH, one form per JVM, measures; the first such harness read
 * 2.21 ms for the compressed MiniLM where JMH read 1.51 ms. Medians are reported with the extremes.
 */
public final class ModelHarness {

    /**
     * @param runs          timed rounds; each times one forward pass of every form
     * @param warmupNanos   how long each form runs untimed per workload before the rounds (at least
     *                      {@value #MIN_WARMUP_CALLS} calls), so the JIT and caches have settled
     * @param profilePasses forward passes profiled per operator after the timed rounds (Tersor forms); 0 for none
     */
    public record Settings(int runs, long warmupNanos, int profilePasses) {
        /**
         * Eight seconds of warm-up per form and workload: Tersor's first calls run interpreted or in
         * C1 code and took 4× longer (15 ms against 3.4 ms for the compressed MiniLM at 11 tokens after
         * half a second of warm-up), and with ONNX Runtime's forms in the same JVM three seconds still
         * left it at 2.41 ms where eight gave 1.75 ms and JMH (8 s of settling, one form per JVM) 1.51 ms.
         */
        public static final Settings DEFAULT = new Settings(10, 8_000_000_000L, 0);

        public Settings {
            if (runs < 1 || warmupNanos < 0 || profilePasses < 0) {
                throw new IllegalArgumentException("invalid harness settings " + this);
            }
        }
    }

    /** Fewest untimed calls per form and workload: the first call builds the plan for the input shape. */
    static final int MIN_WARMUP_CALLS = 3;

    /** A model to measure, under the name the results give it. */
    public sealed interface Source {
        String label();

        /** Loads the model with {@code threads} threads, bound to {@code workload}'s inputs. */
        LoadedForm open(ModelWorkload workload, int threads) throws IOException;

        /** Sets up what a runtime needs once per process, so the first model's load time does not carry it. */
        default void initializeRuntime() {
        }
    }

    /** A Tersor model file ({@code .tsr}, or {@code .onnx} imported at load) running as {@code policy} says. */
    public record TersorModel(Path file, ExecutionPolicy policy) implements Source {
        public TersorModel {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(policy, "policy");
        }

        /** {@code tersor:<file name>}. */
        @Override
        public String label() {
            return "tersor:" + file.getFileName();
        }

        @Override
        public LoadedForm open(ModelWorkload workload, int threads) throws IOException {
            return LoadedForm.openTersor(file, workload, threads, policy);
        }
    }

    /** ONNX Runtime on an ONNX file, with as many intra-op threads as Tersor gets. */
    public record OnnxRuntimeModel(String label, Path onnx) implements Source {
        public OnnxRuntimeModel {
            Objects.requireNonNull(label, "label");
            Objects.requireNonNull(onnx, "onnx");
        }

        @Override
        public LoadedForm open(ModelWorkload workload, int threads) {
            return OrtForm.open(onnx, workload, threads, false);
        }

        @Override
        public void initializeRuntime() {
            OrtForm.initialize();
        }
    }

    /**
     * One form on one workload.
     *
     * @param loadMs              wall time from the file to a model ready to run (Tersor: mapping or
     *                            import plus the execution policy's transcoding; ONNX Runtime: session
     *                            creation), without the runtime's once-per-process setup
     * @param residentWeightBytes bytes of the weights the model runs, after transcoding; −1 for ONNX Runtime,
     *                            which does not say
     * @param cosineToReference   least cosine over the batch's sequences between this form's output and
     *                            the reference's; NaN without a reference or when the outputs differ in width
     * @param profile             time per operator when profiling was asked for and the runtime reports it
     */
    public record Measurement(String form, int tokens, int batch, int threads, double loadMs, double medianMs,
                              double minMs, double maxMs, long residentWeightBytes, double cosineToReference,
                              OperatorProfile profile) {
    }

    private ModelHarness() {
    }

    /** Whether ONNX Runtime's classes are on the class path; without them no {@link OnnxRuntimeModel} opens. */
    public static boolean onnxRuntimeAvailable() {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, ModelHarness.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Measures every source on every workload with {@code threads} threads; the results come workload by
     * workload, sources in the order given.
     *
     * @param reference the source whose output the others are compared with (one of {@code sources}), or empty
     */
    public static List<Measurement> run(List<Source> sources, Optional<Source> reference, List<ModelWorkload> workloads,
                                        int threads, Settings settings) throws IOException {
        if (sources.isEmpty() || workloads.isEmpty()) {
            throw new IllegalArgumentException("nothing to measure: no model or no workload");
        }
        int referenceIndex = reference.map(sources::indexOf).orElse(-1);
        if (reference.isPresent() && referenceIndex < 0) {
            throw new IllegalArgumentException("the reference " + reference.get().label() + " is not among the sources");
        }
        List<LoadedForm> forms = new ArrayList<>();
        try {
            sources.forEach(Source::initializeRuntime);
            double[] loadMs = new double[sources.size()];
            for (int i = 0; i < sources.size(); i++) {
                long start = System.nanoTime();
                forms.add(sources.get(i).open(workloads.getFirst(), threads));
                loadMs[i] = (System.nanoTime() - start) / 1e6;
            }
            List<Measurement> results = new ArrayList<>();
            for (int w = 0; w < workloads.size(); w++) {
                ModelWorkload workload = workloads.get(w);
                if (w > 0) {
                    for (int i = 0; i < forms.size(); i++) {
                        LoadedForm previous = forms.set(i, null);
                        forms.set(i, previous.rebind(workload));
                    }
                }
                double[] cosines = cosines(forms, referenceIndex);
                double[][] millis = time(forms, settings);
                for (int i = 0; i < forms.size(); i++) {
                    double[] sorted = millis[i].clone();
                    Arrays.sort(sorted);
                    results.add(new Measurement(sources.get(i).label(), workload.tokens(), workload.batch(), threads,
                            loadMs[i], median(sorted), sorted[0], sorted[sorted.length - 1], forms.get(i).weightBytes(),
                            cosines[i], settings.profilePasses() > 0 ? forms.get(i).profile(settings.profilePasses())
                                    : OperatorProfile.NONE));
                }
            }
            return List.copyOf(results);
        } finally {
            for (LoadedForm form : forms) {
                if (form != null) {
                    form.close();
                }
            }
        }
    }

    /** Each form's least per-sequence cosine to the reference form's output, before anything is timed. */
    private static double[] cosines(List<LoadedForm> forms, int referenceIndex) {
        double[] cosines = new double[forms.size()];
        Arrays.fill(cosines, Double.NaN);
        if (referenceIndex < 0) {
            return cosines;
        }
        float[][] expected = forms.get(referenceIndex).pooled();
        for (int i = 0; i < forms.size(); i++) {
            float[][] actual = forms.get(i).pooled();
            if (actual.length == expected.length && actual[0].length == expected[0].length) {
                cosines[i] = Pooling.minCosine(actual, expected);
            }
        }
        return cosines;
    }

    /**
     * Warms every form up, then times one call of each per round, alternating the order, each right
     * after an untimed call of the same form (see the class comment); milliseconds per form.
     */
    private static double[][] time(List<LoadedForm> forms, Settings settings) {
        int n = forms.size();
        for (LoadedForm form : forms) {
            long start = System.nanoTime();
            for (int calls = 0; calls < MIN_WARMUP_CALLS || System.nanoTime() - start < settings.warmupNanos(); calls++) {
                form.run();
            }
        }
        double[][] millis = new double[n][settings.runs()];
        for (int run = 0; run < settings.runs(); run++) {
            for (int k = 0; k < n; k++) {
                int i = run % 2 == 0 ? k : n - 1 - k;
                LoadedForm form = forms.get(i);
                form.run(); // brings this form's weights back into the caches
                long start = System.nanoTime();
                form.run();
                millis[i][run] = (System.nanoTime() - start) / 1e6;
            }
        }
        return millis;
    }

    private static double median(double[] sorted) {
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
