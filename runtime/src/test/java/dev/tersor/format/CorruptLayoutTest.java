package dev.tersor.format;

import dev.tersor.kernels.KernelUnavailableException;
import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.Parallelism;
import dev.tersor.kernels.arrays.Q8Arrays;
import dev.tersor.kernels.arrays.WeightArrays;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Native kernels trust their arguments, so a corrupted layout must be stopped in Java before any
 * kernel runs. For each format, copies of a valid layout are broken in ways that would make a kernel
 * read outside its arrays (an index past {@code cols}, a pointer past its array, decreasing pointers,
 * a group value outside omega, arrays cut short); each must fail in {@code fromLayout} with an
 * {@link InvalidLayoutException}, and a recording provider in front of the native kernels must see
 * no call. The intact copy, as a control, loads and reaches the kernel.
 */
class CorruptLayoutTest {

    private static final int ROWS = 24;
    private static final int COLS = 300;

    /** Forwards to the real kernels and counts the calls that got through. */
    private static final class Recording extends Kernels {
        private final Kernels inner;
        int calls;

        Recording(Kernels inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return "recording " + inner.name();
        }

        @Override
        public String isa() {
            return inner.isa();
        }

        @Override
        protected void matMulK(WeightArrays w, int batch, MemorySegment x, MemorySegment y, int rowStart, int rowEnd) {
            calls++;
            inner.matMul(w, batch, x, y, rowStart, rowEnd);
        }
    }

    /** A named way to break a layout, and a word the validator's message must contain. */
    private record Corruption(String what, UnaryOperator<Layout> apply, String message) {
    }

    private static Kernels target() {
        try {
            return Kernels.named("native");
        } catch (KernelUnavailableException e) {
            // KernelConformanceTest fails the suite where native must load; the Java checks hold regardless
            return Kernels.preferred();
        }
    }

    private static QuantizedMatrix source() {
        return TestMatrices.withRowScales(dev.tersor.synthetic.MatrixGenerator.builder().rows(ROWS).cols(COLS)
                .density(0.3).distinctValues(6).integerValues(true).seed(7).build().generate(), 7, true);
    }

    @Test
    void dense() {
        check("dense", List.of(
                new Corruption("values one short", l -> replace(l, "values", a -> slice(a, 0, a.length() - 1)), "values")));
    }

    @Test
    void csr() {
        check("csr", List.of(
                new Corruption("a column index past cols", l -> setIndex(l, "colIdx", 5, 65_000), "not below cols"),
                new Corruption("the last row pointer past colIdx", l -> setIndex(l, "rowPtr", ROWS, lastIndex(l, "rowPtr") + 7), "rowPtr"),
                new Corruption("a decreasing row pointer", l -> setIndex(l, "rowPtr", 3, index(l, "rowPtr", 2) - 1), "decrease"),
                new Corruption("colIdx one short", l -> replace(l, "colIdx", a -> slice(a, 0, a.length() - 1)), "colIdx"),
                new Corruption("rowPtr one short", l -> replace(l, "rowPtr", a -> slice(a, 0, a.length() - 1)), "rowPtr")));
    }

    @Test
    void cer() {
        check("cer", grouped(List.of(
                new Corruption("omega cut to two values", l -> replace(l, "omega", a -> slice(a, 0, 2)), "omega"))));
    }

    @Test
    void cser() {
        check("cser", grouped(List.of(
                new Corruption("a group value past omega", l -> setIndex(l, "groupValue", 4, (int) lengthOf(l, "omega")), "outside omega"),
                new Corruption("a group of the implicit value", l -> setIndex(l, "groupValue", 4, 0), "outside omega"),
                new Corruption("groupValue one short", l -> replace(l, "groupValue", a -> slice(a, 0, a.length() - 1)), "groupValue"))));
    }

    @Test
    void ham() {
        check("ham", huffman(List.of()));
    }

    @Test
    void sham() {
        check("sham", huffman(List.of(
                new Corruption("the last row pointer past colGap", l -> setIndex(l, "rowPtr", ROWS, lastIndex(l, "rowPtr") + 3), "rowPtr"),
                new Corruption("a decreasing row pointer", l -> setIndex(l, "rowPtr", 3, index(l, "rowPtr", 2) - 1), "decrease"),
                new Corruption("colGap one short", l -> replace(l, "colGap", a -> slice(a, 0, a.length() - 1)), "rowPtr"),
                new Corruption("a gap past cols", l -> setIndex(l, "colGap", 0, 254), "not below cols"))));
    }

    @Test
    void xor() {
        check("xor", List.of(
                new Corruption("words one short", l -> replace(l, "words", a -> slice(a, 0, a.length() - 1)), "shape mismatch"),
                new Corruption("the last mask offset past the mask", l -> setIndex(l, "maskRowBit", ROWS,
                        (int) (32 * lengthOf(l, "mask") + 1)), "maskRowBit"),
                new Corruption("the last patch pointer past patches", l -> setIndex(l, "patchPtr", ROWS,
                        lastIndex(l, "patchPtr") + 1), "patchPtr"),
                new Corruption("omega cut to one value", l -> replace(l, "omega", a -> slice(a, 0, 1)), "shape mismatch"),
                new Corruption("a decreasing mask offset", l -> setIndex(l, "maskRowBit", 3, index(l, "maskRowBit", 2) - 1),
                        "maskRowBit[3]"),
                new Corruption("a Rice parameter past 30", l -> new Layout(l.format(), l.rows(), l.cols(),
                        withParam(l.params(), "riceBits", 31), l.arrays()), "riceBits"),
                new Corruption("another seed", l -> new Layout(l.format(), l.rows(), l.cols(),
                        withParam(l.params(), "seed", l.param("seed") + 1), l.arrays()), "networkCheck"),
                new Corruption("rowScale one short", l -> replace(l, "rowScale", a -> slice(a, 0, a.length() - 1)), "rowScale")));
    }

    @Test
    void bitpack() {
        check("bitpack", List.of(
                new Corruption("data one short", l -> replace(l, "data", a -> slice(a, 0, a.length() - 1)), "data"),
                new Corruption("a width past 16 bits", l -> replace(l, "rowBits", a -> withByte(a, 2, 17)), "width 17"),
                new Corruption("a wider row than its words", l -> replace(l, "rowBits", a -> withByte(a, 2, 9)), "rowPtr"),
                new Corruption("the last row pointer past data", l -> setIndex(l, "rowPtr", ROWS, lastIndex(l, "rowPtr") + 8), "rowPtr"),
                new Corruption("rowScale one short", l -> replace(l, "rowScale", a -> slice(a, 0, a.length() - 1)), "rowScale")));
    }

    @Test
    void q8() {
        check("q8", List.of(
                new Corruption("codes one short", l -> replace(l, "codePanels", a -> slice(a, 0, a.length() - 1)),
                        "codePanels"),
                new Corruption("a non-zero padding code", l -> replace(l, "codePanels",
                        a -> withByte(a, Q8Arrays.codeOffset(320, 2, COLS + 5), 1)), "padding"),
                new Corruption("a non-zero code in a padding row", l -> replace(l, "codePanels",
                        a -> withByte(a, Q8Arrays.codeOffset(320, ROWS + 3, 9), 1)), "row " + (ROWS + 3)),
                new Corruption("a code changed under its row sum", l -> replace(l, "codePanels", a -> withByte(a,
                        Q8Arrays.codeOffset(320, 0, 7),
                        a.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, Q8Arrays.codeOffset(320, 0, 7)) + 1)),
                        "rowSum[0]"),
                new Corruption("a NaN row scale", l -> replace(l, "rowScale", a -> withFloat(a, 3, Float.NaN)), "rowScale[3]"),
                new Corruption("rowSum one short", l -> replace(l, "rowSum", a -> slice(a, 0, a.length() - 1)), "rowSum"),
                new Corruption("an activation mode of 2", l -> new Layout(l.format(), l.rows(), l.cols(),
                        withParam(l.params(), "int8Activations", 2), l.arrays()), "int8Activations")));
    }

    private static LayoutArray withFloat(LayoutArray array, long i, float value) {
        array.data().setAtIndex(dev.tersor.kernels.Layouts.F32, i, value);
        return array;
    }

    /** Corruptions HAM and sHAM share. */
    private static List<Corruption> huffman(List<Corruption> specific) {
        List<Corruption> all = new ArrayList<>(specific);
        all.add(new Corruption("the stream one word short", l -> replace(l, "stream", a -> slice(a, 0, a.length() - 1)), "truncated"));
        all.add(new Corruption("a row longer than the stream", l -> setIndex(l, "rowLength", 5,
                (int) l.array("rowLength").type().indexWidth().maxValue()), "past the end"));
        all.add(new Corruption("a row start inside a codeword", l -> setIndex(setIndex(l, "rowLength", 4,
                index(l, "rowLength", 4) + 1), "rowLength", 5, index(l, "rowLength", 5) - 1), "row 4's"));
        all.add(new Corruption("symbols one short", l -> replace(l, "symbols", a -> slice(a, 0, a.length() - 1)), "add up to"));
        all.add(new Corruption("rowScale one short", l -> replace(l, "rowScale", a -> slice(a, 0, a.length() - 1)), "rowScale"));
        return all;
    }

    private static Map<String, Long> withParam(Map<String, Long> params, String name, long value) {
        Map<String, Long> changed = new java.util.LinkedHashMap<>(params);
        changed.put(name, value);
        return changed;
    }

    private static LayoutArray withByte(LayoutArray array, long i, int value) {
        array.data().set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) value);
        return array;
    }

    /** Corruptions CER and CSER share. */
    private static List<Corruption> grouped(List<Corruption> specific) {
        List<Corruption> all = new ArrayList<>(specific);
        all.add(new Corruption("a column index past cols", l -> setIndex(l, "colIdx", 9, 65_000), "not below cols"));
        all.add(new Corruption("the last group pointer past colIdx",
                l -> setIndex(l, "groupPtr", lengthOf(l, "groupPtr") - 1, lastIndex(l, "groupPtr") + 3), "groupPtr"));
        all.add(new Corruption("the last row pointer past groupPtr", l -> setIndex(l, "rowPtr", ROWS, lastIndex(l, "rowPtr") + 2), "rowPtr"));
        all.add(new Corruption("a decreasing group pointer", l -> setIndex(l, "groupPtr", 6, index(l, "groupPtr", 5) - 1), "groupPtr[6]"));
        all.add(new Corruption("rowScale one short", l -> replace(l, "rowScale", a -> slice(a, 0, a.length() - 1)), "rowScale"));
        all.add(new Corruption("colIdx one short", l -> replace(l, "colIdx", a -> slice(a, 0, a.length() - 1)), "points past the end"));
        return all;
    }

    private static void check(String formatName, List<Corruption> corruptions) {
        MatrixFormat format = MatrixFormats.named(formatName);
        float[] xs = TestMatrices.inputs(COLS, 3, true);
        try (Arena arena = Arena.ofConfined(); WeightMatrix original = format.encode(source())) {
            MemorySegment x = MemorySegment.ofArray(xs);
            float[] expected = original.multiply(xs);

            // control: an intact copy loads and reaches the kernel
            Recording control = new Recording(target());
            float[] y = new float[ROWS];
            try (WeightMatrix copy = format.fromLayout(copy(original.layout(), arena), null)) {
                copy.multiply(x, MemorySegment.ofArray(y), 1, new Execution(control, Parallelism.single()));
            }
            assertThat(control.calls).isEqualTo(1);
            assertThat(y).containsExactly(expected);

            for (Corruption corruption : corruptions) {
                Layout broken = corruption.apply().apply(copy(original.layout(), arena));
                Recording recording = new Recording(target());
                float[] out = new float[ROWS];
                Throwable thrown = catchThrowable(() -> {
                    try (WeightMatrix matrix = format.fromLayout(broken, null)) {
                        matrix.multiply(x, MemorySegment.ofArray(out), 1, new Execution(recording, Parallelism.single()));
                    }
                });
                assertThat(thrown).as("%s with %s", formatName, corruption.what())
                        .isInstanceOf(InvalidLayoutException.class).hasMessageContaining(corruption.message());
                assertThat(recording.calls).as("kernel calls after %s", corruption.what()).isZero();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Layout surgery on private copies, never on the matrix's own memory.

    private static Layout copy(Layout layout, Arena arena) {
        Map<String, LayoutArray> arrays = Layout.newArrays();
        layout.arrays().forEach((name, array) -> arrays.put(name, new LayoutArray(array.type(),
                arena.allocate(Math.max(1, array.byteSize()), 64).asSlice(0, array.byteSize()).copyFrom(array.data()))));
        return new Layout(layout.format(), layout.rows(), layout.cols(), layout.params(), arrays);
    }

    private static Layout replace(Layout layout, String name, UnaryOperator<LayoutArray> change) {
        Map<String, LayoutArray> arrays = Layout.newArrays();
        arrays.putAll(layout.arrays());
        assertThat(arrays).as("array %s", name).containsKey(name);
        arrays.put(name, change.apply(arrays.get(name)));
        return new Layout(layout.format(), layout.rows(), layout.cols(), layout.params(), arrays);
    }

    private static LayoutArray slice(LayoutArray array, long from, long to) {
        int bytes = array.type().bytes();
        return new LayoutArray(array.type(), array.data().asSlice(from * bytes, (to - from) * bytes));
    }

    private static long lengthOf(Layout layout, String name) {
        return layout.array(name).length();
    }

    private static int index(Layout layout, String name, long i) {
        LayoutArray array = layout.array(name);
        return array.type().indexWidth().get(array.data(), i);
    }

    private static int lastIndex(Layout layout, String name) {
        return index(layout, name, lengthOf(layout, name) - 1);
    }

    /** Writes {@code value}, which must fit the array's width, in place of element {@code i}. */
    private static Layout setIndex(Layout layout, String name, long i, int value) {
        LayoutArray array = layout.array(name);
        assertThat((long) value).as("%s[%d] = %d must fit %s", name, i, value, array.type())
                .isLessThanOrEqualTo(array.type().indexWidth().maxValue());
        assertThat(i).isLessThan(array.length());
        array.type().indexWidth().set(array.data(), i, value);
        return layout;
    }
}
