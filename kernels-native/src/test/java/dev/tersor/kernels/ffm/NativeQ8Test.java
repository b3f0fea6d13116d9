package dev.tersor.kernels.ffm;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.Q8Arrays;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The q8 kernel of every native path this CPU runs against the scalar provider (Q8ScalarKernel): with
 * int8 activations bit for bit, with float activations within the usual summation bound, for matrices
 * and activations on the heap (critical downcalls), off heap and misaligned off heap.
 *
 * <p>Paths are switched inside this JVM with {@code tersor_isa_select} (the C library's own cap), up to
 * the path this JVM's cap chose, and restored afterwards; the provider's other tests read the path
 * the provider was created with, which stays what {@link NativeKernels#isa()} reports.
 */
class NativeQ8Test {

    private static final Kernels NATIVE = Kernels.named("native");
    private static final Kernels SCALAR = Kernels.named("scalar");
    private static final int SENTINEL = 0x7FC0DEAD;

    private enum Placement { HEAP, NATIVE, MISALIGNED_NATIVE }

    private static boolean select(String path) {
        try (Arena arena = Arena.ofConfined()) {
            assertThat(TersorKernels.tersor_isa_select(arena.allocateFrom(path))).isZero();
        }
        return Downcalls.string(TersorKernels.tersor_isa()).equals(path);
    }

    /** The paths this CPU runs, slowest first, up to the one this JVM's cap selected. */
    private static List<String> runnablePaths() {
        List<String> all = List.of(NativeKernels.isaPaths().split(" "));
        List<String> runnable = new ArrayList<>();
        for (String path : all.subList(0, all.indexOf(NATIVE.isa()) + 1)) {
            if (select(path)) {
                runnable.add(path);
            }
        }
        select(NATIVE.isa());
        return runnable;
    }

    /** One matrix and its activations, as plain arrays. */
    private record Case(int rows, int cols, int batch, byte[] codes, float[] scale, int[] sum, float[] x) {

        static Case random(SplittableRandom random, int rows, int cols, int batch) {
            int stride = Q8Arrays.stride(cols);
            byte[] codes = new byte[(int) Q8Arrays.codeBytes(rows, cols)];
            float[] scale = new float[rows];
            int[] sum = new int[rows];
            for (int r = 0; r < rows; r++) {
                int kind = random.nextInt(4);
                for (int j = 0; j < cols; j++) {
                    byte v = (byte) (kind == 0 ? (random.nextBoolean() ? -128 : 127) : random.nextInt(-128, 128));
                    codes[(int) Q8Arrays.codeOffset(stride, r, j)] = v;
                    sum[r] += v;
                }
                scale[r] = (float) ((random.nextDouble() + 0.01) * (random.nextBoolean() ? 1e-3 : -2));
            }
            float[] x = new float[cols * batch];
            for (int b = 0; b < batch; b++) {
                // ordinary, NaN, infinity, zeros, tiny, ties at scale 1 (127 is the largest magnitude)
                int kind = random.nextInt(3) == 0 ? 1 + random.nextInt(5) : 0;
                float magnitude = random.nextBoolean() ? 1 : (float) (1e4 * random.nextDouble());
                for (int j = 0; j < cols; j++) {
                    float ordinary = (float) (random.nextDouble() - 0.5);
                    x[j * batch + b] = switch (kind) {
                        case 1 -> j == cols / 2 ? Float.NaN : ordinary;
                        case 2 -> j == cols - 1 ? Float.NEGATIVE_INFINITY : ordinary;
                        case 3 -> 0f;
                        case 4 -> ordinary * 2e-35f;
                        case 5 -> j == 0 ? 127f : random.nextInt(-127, 127) + 0.5f;
                        default -> ordinary * magnitude;
                    };
                }
            }
            return new Case(rows, cols, batch, codes, scale, sum, x);
        }

        Q8Arrays arrays(Arena arena, Placement placement, boolean int8) {
            // no patches: they are applied in Java after the kernel, the same on every provider
            return new Q8Arrays(rows, cols, bytes(arena, placement, codes), floats(arena, placement, scale),
                    ints(arena, placement, sum), new IndexArray(MemorySegment.ofArray(new byte[rows + 1]), IndexWidth.U8),
                    IndexArray.empty(IndexWidth.U8), MemorySegment.NULL, int8);
        }
    }

    private static MemorySegment place(Arena arena, Placement placement, MemorySegment heap) {
        return switch (placement) {
            case HEAP -> heap;
            case NATIVE -> arena.allocate(Math.max(1, heap.byteSize()), 64).asSlice(0, heap.byteSize()).copyFrom(heap);
            case MISALIGNED_NATIVE -> arena.allocate(heap.byteSize() + 1, 64).asSlice(1).copyFrom(heap);
        };
    }

    private static MemorySegment bytes(Arena arena, Placement placement, byte[] values) {
        return place(arena, placement, MemorySegment.ofArray(values.clone()));
    }

    private static MemorySegment floats(Arena arena, Placement placement, float[] values) {
        return place(arena, placement, MemorySegment.ofArray(values.clone()));
    }

    private static MemorySegment ints(Arena arena, Placement placement, int[] values) {
        return place(arena, placement, MemorySegment.ofArray(values.clone()));
    }

    private static MemorySegment output(Arena arena, Placement placement, int size) {
        int[] sentinel = new int[size];
        java.util.Arrays.fill(sentinel, SENTINEL);
        return place(arena, placement, MemorySegment.ofArray(sentinel));
    }

    @Test
    void everyPathMatchesTheScalarKernel() {
        List<String> paths = runnablePaths();
        assertThat(paths).contains("portable", NATIVE.isa());
        SplittableRandom random = new SplittableRandom(0x98);
        int checked = 0;
        try {
            for (int cols : new int[]{1, 3, 63, 64, 65, 384, 1536, 4097}) {
                for (int rows : new int[]{1, 5, 17}) {
                    for (int batch : new int[]{1, 2, 7, 9, 33}) {
                        Case c = Case.random(random, rows, cols, batch);
                        int start = random.nextInt(3) == 0 ? 0 : random.nextInt(rows + 1);
                        int end = start == 0 && random.nextBoolean() ? rows : start + random.nextInt(rows - start + 1);
                        Placement placement = Placement.values()[random.nextInt(3)];
                        Placement io = Placement.values()[random.nextInt(3)];
                        for (boolean int8 : new boolean[]{true, false}) {
                            checked += check(c, paths, placement, io, int8, start, end);
                        }
                    }
                }
            }
        } finally {
            select(NATIVE.isa());
        }
        assertThat(checked).isGreaterThan(0);
    }

    /** Every placement on the fastest path and on portable, once for each mode. */
    @Test
    void everyPlacementOnTheFastestPath() {
        SplittableRandom random = new SplittableRandom(7);
        Case c = Case.random(random, 9, 200, 5);
        for (Placement placement : Placement.values()) {
            for (Placement io : Placement.values()) {
                for (boolean int8 : new boolean[]{true, false}) {
                    check(c, List.of(NATIVE.isa()), placement, io, int8, 2, 7);
                }
            }
        }
    }

    private static int check(Case c, List<String> paths, Placement placement, Placement io, boolean int8, int start,
                             int end) {
        int outputs = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = floats(arena, io, c.x());
            MemorySegment expected = output(arena, Placement.HEAP, c.rows() * c.batch());
            SCALAR.matMul(c.arrays(arena, Placement.HEAP, int8), c.batch(), x, expected, start, end);
            for (String path : paths) {
                assertThat(select(path)).as(path).isTrue();
                MemorySegment y = output(arena, io, c.rows() * c.batch());
                NATIVE.matMul(c.arrays(arena, placement, int8), c.batch(), x, y, start, end);
                String what = path + (int8 ? " int8 " : " float ") + c.rows() + "x" + c.cols() + " batch " + c.batch()
                        + " rows [" + start + ", " + end + ") matrix " + placement + " x/y " + io;
                for (int r = 0; r < c.rows(); r++) {
                    for (int b = 0; b < c.batch(); b++) {
                        long i = (long) r * c.batch() + b;
                        int got = y.getAtIndex(Layouts.I32, i);
                        int want = expected.getAtIndex(Layouts.I32, i);
                        if (r < start || r >= end || int8) {
                            assertThat(got).as("%s: y[%d][%d] = %s, scalar %s", what, r, b, Float.intBitsToFloat(got),
                                    Float.intBitsToFloat(want)).isEqualTo(want);
                        } else {
                            float g = Float.intBitsToFloat(got);
                            float w = Float.intBitsToFloat(want);
                            assertThat(withinBound(c, r, b, g, w)).as("%s: y[%d][%d] = %s, scalar %s", what, r, b, g, w)
                                    .isTrue();
                        }
                        outputs++;
                    }
                }
            }
        }
        return outputs;
    }

    /** Both sums are within (cols + 8)·2^-23·Σ|terms| of the exact one, so of each other within twice that. */
    private static boolean withinBound(Case c, int r, int b, float got, float want) {
        if (!Float.isFinite(want) || !Float.isFinite(got)) {
            return Float.compare(got, want) == 0;
        }
        int stride = Q8Arrays.stride(c.cols());
        double terms = 0;
        for (int j = 0; j < c.cols(); j++) {
            terms += Math.abs((double) c.codes()[(int) Q8Arrays.codeOffset(stride, r, j)] * c.x()[j * c.batch() + b]);
        }
        double bound = 2 * (c.cols() + 8) * 0x1.0p-23 * terms * Math.abs(c.scale()[r]) + 1e-30;
        return Math.abs((double) got - want) <= bound;
    }
}
