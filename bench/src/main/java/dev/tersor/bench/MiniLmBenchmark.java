package dev.tersor.bench;

import dev.tersor.bench.model.FormUnavailableException;
import dev.tersor.bench.model.LoadedForm;
import dev.tersor.bench.model.Memory;
import dev.tersor.bench.model.ModelForm;
import dev.tersor.bench.model.ModelTrialLog;
import dev.tersor.bench.model.ModelTrialRecord;
import dev.tersor.bench.model.ModelWorkload;
import dev.tersor.bench.model.Pooling;
import dev.tersor.bench.model.PreparedModels;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The model suite: one forward pass of all-MiniLM-L6-v2 in one {@link ModelForm}, on one
 * {@link ModelWorkload}, on a number of threads (Tersor's row-parallel threads, ONNX Runtime's
 * intra-op threads). Set-up loads the form from the folder the runner prepared
 * ({@link PreparedModels}), runs it once and checks its mean-pooled outputs against the reference
 * (ONNX Runtime fp32, or Tersor fp32 for ONNX Runtime fp32 itself) before anything is timed, then
 * runs it until the JIT has settled. Each trial's sizes, check and memory go to the model trial log.
 *
 * <p>JMH orders trials by parameter name, the last varying fastest: {@code form} sorts first, so
 * unlike the matrix suite the forms do not alternate; the runner plans one JMH run per workload and
 * thread count with every form in it, which puts them back to back.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g",
        "-XX:+UseSerialGC", "-Xmn16m"})
public class MiniLmBenchmark {

    /** Longest pre-warming before JMH's own warm-up iterations. */
    static final long WARM_UP_BUDGET_NANOS = 8_000_000_000L;

    @Param({"tersor-fp32", "ort-fp32"})
    public String form;

    @Param({"b1-t11"})
    public String workload;

    @Param({"1"})
    public int threads;

    private LoadedForm loaded;
    // set-up facts, logged at tear-down with the peak resident set
    private long fileBytes;
    private long weightBytes;
    private double cosine;
    private long residentBefore;
    private long residentLoaded;
    private long offHeap;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        ModelForm f = ModelForm.of(form);
        ModelWorkload w = ModelWorkload.parse(workload);
        Path dir = PreparedModels.dirFromProperty();
        PreparedModels.Manifest manifest = PreparedModels.read(dir);
        long before = Memory.residentBytes();
        Path file;
        try {
            file = manifest.file(f, dir);
        } catch (FormUnavailableException e) {
            log(TrialRecord.SKIPPED, e.getMessage(), 0, -1, Double.NaN, before, -1, -1);
            throw e;
        }
        long fileBytes = Files.size(file);
        loaded = LoadedForm.open(f, file, w, threads);
        float[][] pooled;
        try {
            pooled = loaded.pooled();
        } catch (RuntimeException e) {
            log(TrialRecord.FAILED, "the first run failed: " + e.getMessage(), fileBytes, -1, Double.NaN, before, -1, -1);
            loaded.close();
            throw e;
        }
        long resident = Memory.residentBytes();
        long offHeap = f.isOnnxRuntime() ? -1 : Memory.offHeapBytes();
        double cosine = Pooling.minCosine(pooled, manifest.reference(f.reference(), w));
        if (!(cosine >= f.minCosine())) {
            String message = String.format(Locale.ROOT, "%s gives wrong outputs on %s: least cosine %.6f to %s, "
                    + "needs %.4f", form, workload, cosine, f.reference().id(), f.minCosine());
            log(TrialRecord.FAILED, message, fileBytes, loaded.weightBytes(), cosine, before, resident, offHeap);
            loaded.close();
            throw new IllegalStateException(message);
        }
        log(TrialRecord.OK, "", fileBytes, loaded.weightBytes(), cosine, before, resident, offHeap);
        Settle.run(loaded::run, WARM_UP_BUDGET_NANOS);
    }

    /** Remembers the set-up's facts; failures are written at once, successes at tear-down with the peak. */
    private void log(String status, String message, long fileBytes, long weightBytes, double cosine, long before,
                     long resident, long offHeap) {
        if (!TrialRecord.OK.equals(status)) {
            ModelTrialLog.append(new ModelTrialRecord(MiniLmBenchmark.class.getSimpleName(), form, workload, threads, status,
                    message, fileBytes, weightBytes, ModelForm.of(form).reference().id(), cosine, before, resident,
                    Memory.peakResidentBytes(), offHeap));
            return;
        }
        this.fileBytes = fileBytes;
        this.weightBytes = weightBytes;
        this.cosine = cosine;
        this.residentBefore = before;
        this.residentLoaded = resident;
        this.offHeap = offHeap;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ModelTrialLog.append(new ModelTrialRecord(MiniLmBenchmark.class.getSimpleName(), form, workload, threads, TrialRecord.OK,
                "", fileBytes, weightBytes, ModelForm.of(form).reference().id(), cosine, residentBefore,
                residentLoaded, Memory.peakResidentBytes(), offHeap));
        loaded.close();
    }

    @Benchmark
    public Object forward() {
        return loaded.run();
    }
}
