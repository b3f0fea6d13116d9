package dev.tersor.kernels.ffm;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.CsrArrays;
import dev.tersor.kernels.arrays.DenseArrays;
import dev.tersor.kernels.arrays.GroupedArrays;
import dev.tersor.kernels.arrays.HamArrays;
import dev.tersor.kernels.arrays.ShamArrays;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The native provider through its public face: it loads on the platforms the build supports, picks
 * the path the CPU can run, gives the scalar reference's results bit for bit on small-integer data
 * whatever mix of heap, native and misaligned segments it gets, and turns bad arguments into Java
 * exceptions before any native code runs. The format-level tests (KernelConformanceTest in runtime)
 * cover random shapes through every format.
 */
class NativeKernelsTest {

    private static final Kernels NATIVE = Kernels.named("native");
    private static final Kernels SCALAR = Kernels.named("scalar");

    private static boolean linux(String arch) {
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux")
                && NativeLibrary.platform().endsWith(arch);
    }

    @Test
    void loadsAndNamesItsPaths() {
        assertThat(NATIVE).isInstanceOf(NativeKernels.class);
        assertThat(NATIVE.name()).isEqualTo("native");
        assertThat(NativeKernels.isaPaths()).startsWith("portable");
        if (linux("x86_64")) {
            assertThat(NativeKernels.isaPaths()).isEqualTo("portable avx2 avx512 avx-vnni avx512-vnni");
        }
        if (linux("aarch64")) {
            assertThat(NativeKernels.isaPaths()).isEqualTo("portable neon neon-dotprod");
        }
        assertThat(NativeKernels.isaPaths().split(" ")).contains(NATIVE.isa());
    }

    /** The path matches what the kernel reports about the CPU, within the cap this JVM was given. */
    @Test
    void runsTheBestPathTheCpuSupports() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!linux("x86_64") && !linux("aarch64")) {
            assertThat(NATIVE.isa()).isEqualTo("portable");
            return;
        }
        List<String> flags = Files.readAllLines(cpuinfo).stream()
                .filter(line -> line.startsWith("flags") || line.startsWith("Features"))
                .findFirst().map(line -> List.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+")))
                .orElse(List.of());
        List<String> paths = List.of(NativeKernels.isaPaths().split(" "));
        // every path this CPU runs, by the kernel's flags; the later x86 paths need AVX2 too (their other kernels)
        List<String> supported = new java.util.ArrayList<>(List.of("portable"));
        if (linux("x86_64") && flags.contains("avx2") && flags.contains("fma")) {
            supported.add("avx2");
            if (flags.contains("avx512f") && flags.contains("avx512bw")) {
                supported.add("avx512");
            }
            if (flags.contains("avx_vnni")) {
                supported.add("avx-vnni");
            }
            if (flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512_vnni")) {
                supported.add("avx512-vnni");
            }
        }
        if (linux("aarch64")) {
            supported.add("neon");
            if (flags.contains("asimddp")) {
                supported.add("neon-dotprod");
            }
        }
        String cap = System.getProperty(NativeKernels.ISA_PROPERTY, System.getenv(NativeKernels.ISA_ENVIRONMENT));
        int limit = cap == null || cap.isBlank() ? paths.size() - 1 : paths.indexOf(cap.trim());
        String expected = "portable";
        for (int i = 0; i <= limit; i++) {
            if (supported.contains(paths.get(i))) {
                expected = paths.get(i);
            }
        }
        assertThat(NATIVE.isa()).isEqualTo(expected);
    }

    // ---------------------------------------------------------------------------------------------
    // Results: native equals the scalar reference exactly on small integers, for every segment kind.

    /** How the arrays are handed over. */
    private enum Placement { HEAP, NATIVE, MISALIGNED_NATIVE }

    /** A small CSER-shaped matrix with every feature: non-zero ω0, row scales, empty and long groups. */
    private static final class Fixture {
        final int rows = 37;
        final int cols = 300;
        final float[] omega = {1, -3, 2, 4, -1};
        final float[] dense = new float[rows * cols];
        final float[] scale = new float[rows];
        final int[] cerCols;
        final int[] cerGroupPtr;
        final int[] cerRowPtr;
        final int[] cserCols;
        final int[] cserGroupValue;
        final int[] cserGroupPtr;
        final int[] cserRowPtr;
        final float[] csrValues;
        final int[] csrCols;
        final int[] csrRowPtr;

        Fixture(long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int[] codes = new int[rows * cols];
            for (int r = 0; r < rows; r++) {
                scale[r] = random.nextBoolean() ? 0.5f : -2f;
                boolean empty = r % 9 == 4;
                for (int c = 0; c < cols; c++) {
                    codes[r * cols + c] = empty || random.nextInt(4) != 0 ? 0 : 1 + random.nextInt(omega.length - 1);
                    dense[r * cols + c] = omega[codes[r * cols + c]] * scale[r];
                }
            }
            // CER: the t-th group of a row holds omega[t + 1]; CSER: present values, largest first
            List<int[]> cer = groups(codes, false);
            cerCols = cer.get(0);
            cerGroupPtr = cer.get(1);
            cerRowPtr = cer.get(2);
            List<int[]> cser = groups(codes, true);
            cserCols = cser.get(0);
            cserGroupPtr = cser.get(1);
            cserRowPtr = cser.get(2);
            cserGroupValue = cser.get(3);
            int nnz = 0;
            for (float v : dense) {
                nnz += v != 0 ? 1 : 0;
            }
            csrValues = new float[nnz];
            csrCols = new int[nnz];
            csrRowPtr = new int[rows + 1];
            int p = 0;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    if (dense[r * cols + c] != 0) {
                        csrValues[p] = dense[r * cols + c];
                        csrCols[p++] = c;
                    }
                }
                csrRowPtr[r + 1] = p;
            }
        }

        private List<int[]> groups(int[] codes, boolean explicit) {
            int[] colIdx = new int[rows * cols];
            int[] groupPtr = new int[rows * omega.length + 1];
            int[] rowPtr = new int[rows + 1];
            int[] groupValue = new int[rows * omega.length];
            int p = 0;
            int g = 0;
            for (int r = 0; r < rows; r++) {
                int top = 0;
                boolean[] present = new boolean[omega.length];
                for (int c = 0; c < cols; c++) {
                    present[codes[r * cols + c]] = true;
                    top = Math.max(top, codes[r * cols + c]);
                }
                for (int i = 1; i <= top; i++) {
                    int t = explicit ? top + 1 - i : i;
                    if (explicit && !present[t]) {
                        continue;
                    }
                    for (int c = 0; c < cols; c++) {
                        if (codes[r * cols + c] == t) {
                            colIdx[p++] = c;
                        }
                    }
                    groupValue[g] = t;
                    groupPtr[++g] = p;
                }
                rowPtr[r + 1] = g;
            }
            return List.of(Arrays.copyOf(colIdx, p), Arrays.copyOf(groupPtr, g + 1), rowPtr, Arrays.copyOf(groupValue, g));
        }
    }

    private static MemorySegment floats(Arena arena, Placement placement, float[] values) {
        MemorySegment heap = MemorySegment.ofArray(values.clone());
        return switch (placement) {
            case HEAP -> heap;
            case NATIVE -> arena.allocate(4L * values.length, 64).copyFrom(heap);
            case MISALIGNED_NATIVE -> arena.allocate(4L * values.length + 1, 64).asSlice(1).copyFrom(heap);
        };
    }

    private static IndexArray indices(Arena arena, Placement placement, int[] values, IndexWidth width) {
        MemorySegment segment = switch (placement) {
            case HEAP -> MemorySegment.ofArray(new byte[(int) width.byteSize(values.length)]);
            case NATIVE -> arena.allocate(width.byteSize(values.length), 64);
            case MISALIGNED_NATIVE -> arena.allocate(width.byteSize(values.length) + 1, 64).asSlice(1);
        };
        for (int i = 0; i < values.length; i++) {
            width.set(segment, i, values[i]);
        }
        return new IndexArray(segment, width);
    }

    private static IndexWidth widthFor(int[] values) {
        return IndexWidth.forMaxValue(Arrays.stream(values).max().orElse(0));
    }

    @Test
    void matchesTheScalarReferenceForEverySegmentPlacement() {
        Fixture f = new Fixture(42);
        for (Placement matrix : Placement.values()) {
            for (Placement io : Placement.values()) {
                for (int batch : new int[]{1, 3, 8, 19}) {
                    for (int[] range : new int[][]{{0, f.rows}, {5, 23}}) {
                        try (Arena arena = Arena.ofConfined()) {
                            check(f, arena, matrix, io, batch, range[0], range[1]);
                        }
                    }
                }
            }
        }
    }

    private static void check(Fixture f, Arena arena, Placement matrix, Placement io, int batch, int start, int end) {
        SplittableRandom random = new SplittableRandom(batch * 31L + start);
        float[] xs = new float[f.cols * batch];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = random.nextInt(-4, 5);
        }
        MemorySegment x = floats(arena, io, xs);
        MemorySegment omega = floats(arena, matrix, f.omega);
        MemorySegment scale = floats(arena, matrix, f.scale);
        String what = "matrix " + matrix + ", x/y " + io + ", batch " + batch + ", rows [" + start + ", " + end + ")";
        compare("dense " + what, f, batch, io, arena,
                (k, y) -> k.matMul(new DenseArrays(f.rows, f.cols, floats(arena, matrix, f.dense)), batch, x, y,
                start, end));
        IndexArray csrCols = indices(arena, matrix, f.csrCols, widthFor(f.csrCols));
        IndexArray csrRows = indices(arena, matrix, f.csrRowPtr, widthFor(f.csrRowPtr));
        MemorySegment csrValues = floats(arena, matrix, f.csrValues);
        compare("csr " + what, f, batch, io, arena,
                (k, y) -> k.matMul(new CsrArrays(f.rows, f.cols, csrValues, csrCols, csrRows), batch, x, y, start,
                end));
        IndexArray cerCols = indices(arena, matrix, f.cerCols, widthFor(f.cerCols));
        IndexArray cerGroups = indices(arena, matrix, f.cerGroupPtr, widthFor(f.cerGroupPtr));
        IndexArray cerRows = indices(arena, matrix, f.cerRowPtr, widthFor(f.cerRowPtr));
        for (MemorySegment rowScale : List.of(MemorySegment.NULL, scale)) {
            compare("cer " + what, f, batch, io, arena,
                    (k, y) -> k.matMul(GroupedArrays.cer(f.rows, f.cols, omega, cerCols, cerGroups, cerRows,
                    rowScale), batch, x, y, start, end));
        }
        IndexArray cserCols = indices(arena, matrix, f.cserCols, widthFor(f.cserCols));
        IndexArray cserValues = indices(arena, matrix, f.cserGroupValue, widthFor(f.cserGroupValue));
        IndexArray cserGroups = indices(arena, matrix, f.cserGroupPtr, widthFor(f.cserGroupPtr));
        IndexArray cserRows = indices(arena, matrix, f.cserRowPtr, widthFor(f.cserRowPtr));
        for (MemorySegment rowScale : List.of(MemorySegment.NULL, scale)) {
            compare("cser " + what, f, batch, io, arena,
                    (k, y) -> k.matMul(new GroupedArrays(f.rows, f.cols, omega, cserCols, cserValues, cserGroups,
                    cserRows, rowScale), batch, x, y, start, end));
        }
    }

    private interface Product {
        void run(Kernels kernels, MemorySegment y);
    }

    private static void compare(String what, Fixture f, int batch, Placement io, Arena arena, Product product) {
        float[] sentinel = new float[f.rows * batch];
        Arrays.fill(sentinel, Float.NaN);
        MemorySegment expected = MemorySegment.ofArray(sentinel.clone());
        product.run(SCALAR, expected);
        MemorySegment actual = floats(arena, io, sentinel);
        product.run(NATIVE, actual);
        for (int i = 0; i < sentinel.length; i++) {
            int want = expected.getAtIndex(Layouts.I32, i);
            int got = actual.get(Layouts.I32, 4L * i);
            boolean bothZero = ((want | got) & 0x7FFFFFFF) == 0;
            if (want != got && !bothZero) {
                throw new AssertionError(what + ": y[" + i + "] = " + Float.intBitsToFloat(got) + ", scalar gives "
                        + Float.intBitsToFloat(want));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Bad arguments never reach native code.

    @Test
    void aReadOnlyOutputIsRefused() {
        float[] w = {1, 2, 3, 4};
        float[] y = {7, 7};
        MemorySegment out = MemorySegment.ofArray(y).asReadOnly();
        assertThatThrownBy(() -> NATIVE.matMul(new DenseArrays(2, 2, MemorySegment.ofArray(w)), 1,
                MemorySegment.ofArray(new float[]{1, 1}), out, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("read-only");
        assertThat(y).containsExactly(7, 7);
    }

    @Test
    void pointersPastTheirArraysAreStoppedInJava() {
        // rowPtr says 50 entries, colIdx holds 3: C would read past colIdx and values
        IndexArray colIdx = new IndexArray(MemorySegment.ofArray(new byte[]{0, 1, 2}), IndexWidth.U8);
        IndexArray rowPtr = new IndexArray(MemorySegment.ofArray(new byte[]{0, 50}), IndexWidth.U8);
        MemorySegment values = MemorySegment.ofArray(new float[3]);
        MemorySegment x = MemorySegment.ofArray(new float[4]);
        MemorySegment y = MemorySegment.ofArray(new float[1]);
        assertThatThrownBy(() -> NATIVE.matMul(new CsrArrays(1, 4, values, colIdx, rowPtr), 1, x, y, 0, 1))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("colIdx");
        IndexArray groupPtr = new IndexArray(MemorySegment.ofArray(new byte[]{0, 3, 9}), IndexWidth.U8);
        IndexArray groupRows = new IndexArray(MemorySegment.ofArray(new byte[]{0, 2}), IndexWidth.U8);
        MemorySegment omega = MemorySegment.ofArray(new float[]{0, 1, 2});
        assertThatThrownBy(() -> NATIVE.matMul(GroupedArrays.cer(1, 4, omega, colIdx, groupPtr, groupRows,
                MemorySegment.NULL), 1, x, y, 0, 1))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("colIdx");
        assertThatThrownBy(() -> NATIVE.matMul(new GroupedArrays(1, 4, omega, colIdx,
                new IndexArray(MemorySegment.ofArray(new byte[]{1}), IndexWidth.U8), groupPtr, groupRows,
                MemorySegment.NULL), 1, x, y, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aBitStreamEndingInsideAWordIsStoppedInJava() {
        // one row of three 3-bit codewords: bits 0..9, which two bytes hold but C reads as one u32 word
        MemorySegment table = MemorySegment.ofArray(dev.tersor.kernels.huffman.DecodeTable.build(new long[]{0, 0, 0, 8}));
        MemorySegment symbols = MemorySegment.ofArray(new float[8]);
        IndexArray rowBit = new IndexArray(MemorySegment.ofArray(new byte[]{0, 9}), IndexWidth.U8);
        MemorySegment stream = MemorySegment.ofArray(new byte[2]);
        MemorySegment x = MemorySegment.ofArray(new float[3]);
        float[] y = {7};
        assertThatThrownBy(() -> NATIVE.matMul(new HamArrays(1, 3, stream, rowBit, symbols, table,
                MemorySegment.NULL), 1, x, MemorySegment.ofArray(y), 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stream").hasMessageContaining("whole u32 words");
        IndexArray colGap = new IndexArray(MemorySegment.ofArray(new byte[]{0, 0, 0}), IndexWidth.U8);
        IndexArray rowPtr = new IndexArray(MemorySegment.ofArray(new byte[]{0, 3}), IndexWidth.U8);
        assertThatThrownBy(() -> NATIVE.matMul(new ShamArrays(1, 3, stream, rowBit, symbols, table, 0f, colGap,
                rowPtr, MemorySegment.NULL), 1, x, MemorySegment.ofArray(y), 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stream").hasMessageContaining("whole u32 words");
        assertThat(y).containsExactly(7);
        // the same row in a whole word goes through
        NATIVE.matMul(new HamArrays(1, 3, MemorySegment.ofArray(new int[1]), rowBit, symbols, table,
                MemorySegment.NULL), 1, x, MemorySegment.ofArray(y), 0, 1);
        assertThat(y).containsExactly(0);
    }

    @Test
    void shortInputsAndBadRangesAreStoppedInJava() {
        MemorySegment w = MemorySegment.ofArray(new float[6]);
        assertThatThrownBy(() -> NATIVE.matMul(new DenseArrays(2, 3, w), 2, MemorySegment.ofArray(new float[5]),
                MemorySegment.ofArray(new float[4]), 0, 2))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("x");
        assertThatThrownBy(() -> NATIVE.matMul(new DenseArrays(2, 3, w), 1, MemorySegment.ofArray(new float[3]),
                MemorySegment.ofArray(new float[1]), 0, 2))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("y");
        assertThatThrownBy(() -> NATIVE.matMul(new DenseArrays(2, 3, w), 1, MemorySegment.ofArray(new float[3]),
                MemorySegment.ofArray(new float[2]), 1, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> NATIVE.matMul(new DenseArrays(2, 3, MemorySegment.ofArray(new float[5])), 1,
                MemorySegment.ofArray(new float[3]), MemorySegment.ofArray(new float[2]), 0, 2))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("w");
    }

    @Test
    void aClosedArenaIsAnExceptionNotACrash() {
        Arena arena = Arena.ofShared();
        MemorySegment w = arena.allocate(4L * 64 * 64);
        MemorySegment x = arena.allocate(4L * 64);
        MemorySegment y = arena.allocate(4L * 64);
        arena.close();
        assertThatThrownBy(() -> NATIVE.matMul(new DenseArrays(64, 64, w), 1, x, y, 0, 64))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anotherThreadsConfinedSegmentIsAnExceptionNotARace() throws InterruptedException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(4L * 16);
            MemorySegment x = arena.allocate(4L * 4);
            MemorySegment y = arena.allocate(4L * 4);
            CompletableFuture<Void> call = CompletableFuture.runAsync(() -> NATIVE.matMul(new DenseArrays(4, 4, w), 1,
                    x, y, 0, 4));
            assertThatThrownBy(call::get).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(WrongThreadException.class);
        }
    }
}
