package dev.tersor.bench;

import dev.tersor.format.Execution;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.WeightMatrix;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Parallelism;
import dev.tersor.synthetic.MatrixGenerator;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code Y = W·X} for each format and kernel provider on one synthetic matrix (default 4096×4096,
 * density 0.1, K = 16 uniform values). Each trial first checks its product against the dense
 * double-precision reference, so a fast wrong kernel cannot win. Run with
 * {@code java --add-modules jdk.incubator.vector -jar bench/target/tersor-bench.jar MatVec}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 8, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Xmx8g"})
public class MatVecBenchmark {

    @Param({"dense", "csr", "cer", "cser", "ham", "sham", "xor", "bitpack"})
    public String format;

    @Param({"scalar", "vector", "native"})
    public String provider;

    @Param({"1", "8"})
    public int batch;

    @Param({"4096"})
    public int rows;

    @Param({"4096"})
    public int cols;

    @Param({"0.1"})
    public double density;

    @Param({"16"})
    public int values;

    private WeightMatrix matrix;
    private Execution execution;
    private Arena arena;
    private MemorySegment x;
    private MemorySegment y;

    @Setup(Level.Trial)
    public void setUp() {
        QuantizedMatrix source = MatrixGenerator.builder().rows(rows).cols(cols).density(density)
                .distinctValues(values).seed(42).build().generate();
        matrix = MatrixFormats.named(format).encode(source);
        execution = new Execution(Kernels.named(provider), Parallelism.single());
        arena = Arena.ofShared();
        x = arena.allocate(4L * cols * batch, 64);
        y = arena.allocate(4L * rows * batch, 64);
        SplittableRandom random = new SplittableRandom(7);
        for (long i = 0; i < (long) cols * batch; i++) {
            x.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) (2 * random.nextDouble() - 1));
        }
        ReferenceCheck.verify(source, matrix, execution, x, batch);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        matrix.close();
        arena.close();
    }

    @Benchmark
    public MemorySegment multiply() {
        matrix.multiply(x, y, batch, execution);
        return y;
    }
}
