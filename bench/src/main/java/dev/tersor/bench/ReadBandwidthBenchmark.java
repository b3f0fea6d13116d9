package dev.tersor.bench;

import dev.tersor.kernels.Parallelism;
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
import java.util.concurrent.TimeUnit;

/**
 * Read bandwidth for the memory roofline: one pass of {@link ReadBandwidth#sum} over
 * {@code mebibytes} MiB, on 1 or 2 threads. Bandwidth is the buffer's bytes over the time per
 * operation; a format's ideal time is the bytes it must read over that bandwidth.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class ReadBandwidthBenchmark {

    @Param({"1024"})
    public int mebibytes;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private MemorySegment buffer;
    private Parallelism parallelism;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        buffer = arena.allocate((long) mebibytes << 20, 64);
        // 0x3C3C3C3C is about 0.0115: a normal float, so no denormal slow path distorts the sums
        buffer.fill((byte) 0x3C);
        parallelism = Parallelism.of(threads);
        // compile the sum on a cache-sized slice first: an interpreted pass over the whole buffer would
        // stretch the first warm-up iterations for nothing
        MemorySegment slice = buffer.asSlice(0, Math.min(buffer.byteSize(), 1L << 20));
        float sum = 0;
        for (int i = 0; i < 2000; i++) {
            sum = ReadBandwidth.sum(slice, parallelism);
        }
        // like every benchmark, check the result once: a sum that skipped data would read less
        double expected = slice.byteSize() / 4.0 * Float.intBitsToFloat(0x3C3C3C3C);
        if (Math.abs(sum - expected) > 1e-3 * expected) {
            throw new IllegalStateException("the bandwidth sum is " + sum + ", expected " + expected);
        }
        // the first passes over the whole buffer run well below the steady rate (seen here: 9 against 27 GB/s)
        for (int pass = 0; pass < 3; pass++) {
            ReadBandwidth.sum(buffer, parallelism);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float read() {
        return ReadBandwidth.sum(buffer, parallelism);
    }
}
