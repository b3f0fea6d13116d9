package dev.tersor.bench;

import dev.tersor.format.QuantizedMatrix;
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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The matrix suite: {@code Y = W·X} for one {@link MatrixCase}, one {@link Variant} (a format on a
 * kernel provider, or OpenBLAS), a batch and a thread count. Each trial checks its own product
 * against the double-precision reference before it is timed and records its bytes in the
 * {@link TrialLog}; a format that cannot encode the matrix is recorded as skipped, and the trial
 * fails so that no number appears for it. Set-up then calls the product until the JIT has settled
 * ({@link Contender#warmUp}) before JMH's warm-up iterations start.
 *
 * <p>JMH orders trials by parameter name, the last name varying fastest: {@code variant} comes last,
 * so the baseline and every format run back to back on each matrix, batch and thread count.
 * {@code ./tersor bench} sets every parameter from the formats and providers present; the defaults
 * below serve a quick run by hand:
 * {@code java --add-modules jdk.incubator.vector -jar bench/target/tersor-bench.jar MatVec}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgs = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class MatVecBenchmark {

    /** Longest pre-warming before JMH's own warm-up iterations; see {@link Contender#warmUp}. */
    static final long WARM_UP_BUDGET_NANOS = 10_000_000_000L;

    @Param({"vgg16-fc7@deep-compression"})
    public String matrix;

    @Param({"1"})
    public int batch;

    @Param({"1"})
    public int threads;

    @Param({"openblas", "dense/vector", "csr/vector", "cer/vector", "cser/vector", "ham/vector", "sham/vector",
            "xor/vector", "bitpack/vector", "dense/native", "csr/native", "cer/native", "cser/native", "ham/native",
            "sham/native", "xor/native", "bitpack/native"})
    public String variant;

    private Workload workload;
    private Contender contender;

    @Setup(Level.Trial)
    public void setUp() {
        workload = new Workload(load(matrix), batch);
        long nonZeros = workload.nonZeros();
        try {
            contender = Contender.open(Variant.parse(variant), workload, threads);
        } catch (RuntimeException e) {
            String status = e instanceof TrialSkippedException ? TrialRecord.SKIPPED : TrialRecord.FAILED;
            TrialLog.append(record(status, 0, nonZeros, e.getMessage()));
            workload.close();
            throw e;
        }
        try {
            contender.verify(expected(matrix, workload));
        } catch (RuntimeException e) {
            TrialLog.append(record(TrialRecord.FAILED, 0, nonZeros, e.getMessage()));
            tearDown();
            throw e;
        }
        TrialLog.append(record(TrialRecord.OK, contender.bytes(), nonZeros, ""));
        contender.warmUp(WARM_UP_BUDGET_NANOS);
    }


    /** The last matrix generated in this JVM: trials that share a JVM ({@code -f 0}) generate each once. */
    private static String loadedId;
    private static QuantizedMatrix loaded;

    private static synchronized QuantizedMatrix load(String id) {
        if (!id.equals(loadedId)) {
            loaded = null;
            loaded = MatrixCases.named(id).load();
            loadedId = id;
        }
        return loaded;
    }

    /** The reference of the last matrix and batch checked in this JVM, reused across thread counts. */
    private static String expectedKey;
    private static ReferenceCheck.Expected expected;

    private static synchronized ReferenceCheck.Expected expected(String id, Workload workload) {
        String key = id + " B=" + workload.batch();
        if (!key.equals(expectedKey)) {
            expected = ReferenceCheck.expected(workload.source(), workload.x(), workload.batch());
            expectedKey = key;
        }
        return expected;
    }

    private TrialRecord record(String status, long bytes, long nonZeros, String message) {
        return new TrialRecord(matrix, variant, batch, threads, status, bytes, nonZeros, workload.rows(),
                workload.cols(), message == null ? "" : message);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (contender != null) {
            contender.close();
        }
        workload.close();
    }

    @Benchmark
    public MemorySegment multiply() {
        contender.multiply();
        return contender.output();
    }
}
