package dev.tersor.format;

import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Parallelism;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kernel provider, every format, batch one and larger batches, one and two threads, against
 * the dense double-precision reference: within a bound derived from the summation length on random
 * values, and exactly on small-integer matrices.
 */
class KernelConformanceTest {

    /** {@code false} in the test pass that runs without {@code --add-modules jdk.incubator.vector}. */
    static final boolean EXPECT_VECTOR = !"false".equals(System.getProperty("tersor.test.expectVectorModule"));

    /**
     * Whether the native provider must load: on the platforms the build makes a library for (Linux on
     * x86-64 and aarch64), unless {@code -Dtersor.test.expectNative=false} says otherwise.
     */
    static final boolean EXPECT_NATIVE = Boolean.parseBoolean(System.getProperty("tersor.test.expectNative",
            String.valueOf(nativePlatform())));

    /** The native ISA path this run must use, when the build caps it ({@code -Dtersor.native.isa}). */
    static final String EXPECT_NATIVE_ISA = System.getProperty("tersor.test.expectNativeIsa");

    private static boolean nativePlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("linux") && List.of("amd64", "x86_64", "aarch64").contains(arch);
    }

    static List<Kernels> providers() {
        return Kernels.available();
    }

    @Test
    void theExpectedProvidersArePresent() {
        List<String> names = providers().stream().map(Kernels::name).toList();
        assertThat(names).contains("scalar");
        if (EXPECT_VECTOR) {
            assertThat(names).as("the Vector API provider must load when the module is present").contains("vector");
            assertThat(Kernels.preferred().name()).isNotEqualTo("scalar");
        } else {
            assertThat(names).as("without the vector module only the fallback may run").doesNotContain("vector");
            assertThat(Kernels.preferred().name()).isNotEqualTo("vector");
        }
        if (EXPECT_NATIVE) {
            assertThat(names).as("the native provider must load on this platform (see the log for why it did not)")
                    .contains("native");
            assertThat(Kernels.preferred().name()).isEqualTo("native");
        }
        if (EXPECT_NATIVE_ISA != null) {
            assertThat(Kernels.named("native").isa()).isEqualTo(EXPECT_NATIVE_ISA);
        }
        String vectorCap = System.getProperty("tersor.vector.maxBits");
        if (EXPECT_VECTOR && vectorCap != null) {
            assertThat(Kernels.named("vector").isa()).isEqualTo("Vector API, " + vectorCap + "-bit");
        }
    }

    @Provide
    Arbitrary<TestMatrices.Case> randomValued() {
        return TestMatrices.cases(60_000, false);
    }

    @Provide
    Arbitrary<TestMatrices.Case> integerValued() {
        return TestMatrices.cases(60_000, true);
    }

    @Provide
    Arbitrary<Integer> batches() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just(1)),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(8, 16, 32)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(2, 70)));
    }

    @Property(tries = 120)
    void matchesTheReferenceWithinTheSummationBound(@ForAll("randomValued") TestMatrices.Case c,
                                                     @ForAll("batches") int batch) {
        check(c, batch, false);
    }

    @Property(tries = 80)
    void isExactOnSmallIntegerMatrices(@ForAll("integerValued") TestMatrices.Case c, @ForAll("batches") int batch) {
        QuantizedMatrix source = c.matrix();
        for (MatrixFormat format : MatrixFormats.all()) {
            // integer levels with power-of-two row scales suit every format: none may skip this test
            assertThat(format.accepts(source)).as(format.name() + " accepts " + c).isTrue();
        }
        check(c, batch, true);
    }

    @Test
    void nonZeroMostFrequentValue() {
        // density 1 over K = 3 peaked values: the implicit value of CER/CSER is 1, not 0
        TestMatrices.Case c = new TestMatrices.Case(67, 129, 1.0, 3,
                dev.tersor.synthetic.ValueDistribution.PEAKED, false, true, 3);
        QuantizedMatrix q = c.matrix();
        assertThat(q.codebookValue(q.codesByFrequency()[0])).isNotZero();
        for (int batch : new int[]{1, 5, 8, 19}) {
            check(c, batch, true);
        }
    }

    @Test
    void allZeroMatrixGivesZeros() {
        check(new TestMatrices.Case(40, 33, 0.0, 1, dev.tersor.synthetic.ValueDistribution.UNIFORM,
                false, true, 1), 1, true);
        check(new TestMatrices.Case(40, 33, 0.0, 1, dev.tersor.synthetic.ValueDistribution.UNIFORM,
                true, true, 1), 9, true);
    }

    /**
     * The same product gives the same bits on every call, before and after the JIT compiles the kernel:
     * Vector API lane reductions may add in a different order interpreted and compiled, so a kernel that
     * used them would change a model's output once it warmed up.
     */
    @Test
    void repeatedCallsGiveIdenticalBits() {
        TestMatrices.Case c = new TestMatrices.Case(37, 203, 0.4, 9,
                dev.tersor.synthetic.ValueDistribution.PEAKED, false, false, 11);
        QuantizedMatrix source = c.matrix();
        for (int batch : new int[]{1, 6}) {
            float[] x = TestMatrices.inputs(c.cols() * batch, 5, false);
            for (MatrixFormat format : MatrixFormats.all()) {
                if (!format.accepts(source)) {
                    continue;
                }
                try (WeightMatrix matrix = format.encode(source)) {
                    for (Kernels kernels : providers()) {
                        Execution execution = new Execution(kernels, Parallelism.of(1));
                        float[] first = new float[c.rows() * batch];
                        matrix.multiply(MemorySegment.ofArray(x), MemorySegment.ofArray(first), batch, execution);
                        float[] y = new float[first.length];
                        for (int call = 0; call < 3_000; call++) {
                            matrix.multiply(MemorySegment.ofArray(x), MemorySegment.ofArray(y), batch, execution);
                            if (!java.util.Arrays.equals(first, y)) {
                                FormatRoundTripTest.assertSameBits(format.name() + " on " + kernels.name()
                                        + ", batch " + batch + ", call " + call, first, y);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void check(TestMatrices.Case c, int batch, boolean exact) {
        QuantizedMatrix source = c.matrix();
        float[] w = source.toDense();
        float[] x = TestMatrices.inputs(c.cols() * batch, c.seed() + batch, c.integers());
        double[] reference = TestMatrices.reference(w, c.rows(), c.cols(), x, batch);
        float[] implicit = new float[c.rows()];
        float omega0 = source.codebookSize() == 0 ? 0f : source.codebookValue(source.codesByFrequency()[0]);
        for (int r = 0; r < c.rows(); r++) {
            implicit[r] = omega0 * source.rowScale(r);
        }
        double[] tolerance = TestMatrices.tolerance(w, c.rows(), c.cols(), x, batch, implicit);
        for (MatrixFormat format : MatrixFormats.all()) {
            if (!format.accepts(source)) {
                continue; // only restricted formats refuse, and never the integer cases (asserted above)
            }
            try (WeightMatrix matrix = format.encode(source)) {
                float[] single = null;
                for (Kernels kernels : providers()) {
                    for (int threads : new int[]{1, 2}) {
                        float[] y = new float[c.rows() * batch];
                        java.util.Arrays.fill(y, Float.NaN);
                        // one thread on heap arrays, two on off-heap copies: native providers bind each differently
                        if (threads == 1) {
                            matrix.multiply(MemorySegment.ofArray(x), MemorySegment.ofArray(y), batch,
                                    new Execution(kernels, Parallelism.of(threads)));
                        } else {
                            try (Arena arena = Arena.ofShared()) {
                                MemorySegment xs = arena.allocate(4L * x.length, 64).copyFrom(MemorySegment.ofArray(x));
                                MemorySegment ys = arena.allocate(4L * y.length, 64).copyFrom(MemorySegment.ofArray(y));
                                matrix.multiply(xs, ys, batch, new Execution(kernels, Parallelism.of(threads)));
                                MemorySegment.copy(ys, Layouts.F32, 0, y, 0, y.length);
                            }
                        }
                        String what = format.name() + " on " + kernels.name() + ", " + threads + " threads, batch "
                                + batch + ", " + c;
                        compare(what, y, reference, tolerance, exact);
                        if (threads == 1) {
                            single = y;
                        } else {
                            // threads split rows, never a row's sum: results are identical
                            FormatRoundTripTest.assertSameBits(what + " (threads vs single)", single, y);
                        }
                    }
                }
            }
        }
    }

    private static void compare(String what, float[] y, double[] reference, double[] tolerance, boolean exact) {
        for (int i = 0; i < y.length; i++) {
            double error = Math.abs(y[i] - reference[i]);
            boolean ok = exact ? y[i] == reference[i] : error <= tolerance[i];
            if (!ok) {
                throw new AssertionError(what + ": output " + i + " = " + y[i] + ", reference " + reference[i]
                        + (exact ? " (must be exact)" : ", error " + error + " > bound " + tolerance[i]));
            }
        }
    }
}
