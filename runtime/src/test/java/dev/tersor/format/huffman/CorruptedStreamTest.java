package dev.tersor.format.huffman;

import dev.tersor.format.Execution;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.format.TestMatrices;
import dev.tersor.format.WeightMatrix;
import dev.tersor.format.ham.HamMatrix;
import dev.tersor.format.sham.ShamMatrix;
import dev.tersor.kernels.IndexWidth;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Function;

import static dev.tersor.format.LayoutEdits.copy;
import static dev.tersor.format.LayoutEdits.indices;
import static dev.tersor.format.LayoutEdits.truncated;
import static dev.tersor.format.LayoutEdits.values;
import static dev.tersor.format.LayoutEdits.withArray;
import static dev.tersor.format.LayoutEdits.withShape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HAM and sHAM layouts that break an invariant are stopped by the validator, with a message saying which. */
class CorruptedStreamTest {

    private static QuantizedMatrix source() {
        return new TestMatrices.Case(40, 70, 0.4, 6, dev.tersor.synthetic.ValueDistribution.PEAKED, false, true, 8).matrix();
    }

    private static void forBoth(java.util.function.BiConsumer<Layout, Function<Layout, WeightMatrix>> check) {
        try (HamMatrix ham = HamMatrix.encode(source()); ShamMatrix sham = ShamMatrix.encode(source())) {
            check.accept(ham.layout(), l -> HamMatrix.fromLayout(l, null));
            check.accept(sham.layout(), l -> ShamMatrix.fromLayout(l, null));
        }
    }

    @Test
    void acceptsWhatTheEncoderWrites() {
        forBoth((layout, read) -> assertThat(read.apply(layout).rows()).isEqualTo(40));
    }

    @Test
    void rejectsATruncatedStream() {
        forBoth((layout, read) -> {
            LayoutArray stream = layout.array("stream");
            Layout bad = withArray(layout, "stream", truncated(stream, stream.byteSize() - 4));
            assertThatThrownBy(() -> read.apply(bad)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("past the end of the").hasMessageContaining("truncated");
        });
    }

    @Test
    void rejectsRowLengthsPastTheEnd() {
        forBoth((layout, read) -> {
            LayoutArray rowLength = layout.array("rowLength");
            long[] lengths = values(rowLength);
            lengths[10] = rowLength.type().indexWidth().maxValue();
            Layout bad = withArray(layout, "rowLength", indices(rowLength.type().indexWidth(), lengths));
            assertThatThrownBy(() -> read.apply(bad)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("lengths add up to").hasMessageContaining("past the end");
        });
    }

    @Test
    void rejectsLengthsThatDisagreeWithTheCodewords() {
        forBoth((layout, read) -> {
            // one bit moved from row 6 to row 5: the total still fits the stream, row 5's codewords do not
            Layout bad = movedBit(layout, 5);
            assertThatThrownBy(() -> read.apply(bad)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("row 5's").hasMessageContaining("codewords end at bit");
        });
    }

    @Test
    void rejectsRowLengthsWiderThanTheyNeed() {
        forBoth((layout, read) -> {
            LayoutArray rowLength = layout.array("rowLength");
            assertThat(rowLength.type().indexWidth()).isNotEqualTo(IndexWidth.U32);
            Layout bad = withArray(layout, "rowLength", indices(IndexWidth.U32, values(rowLength)));
            assertThatThrownBy(() -> read.apply(bad)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("rowLength is U32").hasMessageContaining("narrowest width");
        });
    }

    @Test
    void filesWithAbsoluteRowOffsetsStillReadAndAreChecked() {
        forBoth((layout, read) -> {
            Layout old = withRowOffsets(layout);
            WeightMatrix fromOld = read.apply(old);
            assertThat(fromOld.toDense()).isEqualTo(read.apply(layout).toDense());
            assertThat(fromOld.layout().arrays()).containsKey("rowBit").doesNotContainKey("rowLength");

            LayoutArray rowBit = old.array("rowBit");
            long[] offsets = values(rowBit);
            offsets[10] = 8 * old.array("stream").byteSize() + 1;
            Layout past = withArray(old, "rowBit", indices(rowBit.type().indexWidth(), offsets));
            assertThatThrownBy(() -> read.apply(past)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("rowBit[10]").hasMessageContaining("past the end");
            long[] inside = values(rowBit);
            inside[5] += 1;
            Layout shifted = withArray(old, "rowBit", indices(rowBit.type().indexWidth(), inside));
            assertThatThrownBy(() -> read.apply(shifted)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("codewords end at bit");
        });
    }

    @Test
    void aLongStreamCheckedInParallelReportsItsFirstBadRow() {
        QuantizedMatrix large = new TestMatrices.Case(3000, 1000, 0.9, 16, dev.tersor.synthetic.ValueDistribution.PEAKED,
                false, true, 8).matrix();
        try (HamMatrix ham = HamMatrix.encode(large)) {
            Layout layout = ham.layout();
            assertThat(8 * layout.array("stream").byteSize()).as("several ranges of rows").isGreaterThan(4L << 21);
            assertThat(layout.array("stream").data().isAccessibleBy(new Thread(() -> { }))).as("checked in parallel").isTrue();
            Layout bad = movedBit(movedBit(layout, 2499), 699);
            for (int run = 0; run < 5; run++) {
                assertThatThrownBy(() -> HamMatrix.fromLayout(bad, null)).isInstanceOf(InvalidLayoutException.class)
                        .hasMessageContaining("row 699's");
            }
            assertThat(HamMatrix.fromLayout(layout, null).rows()).isEqualTo(3000);
        }
    }

    /** Row {@code r} one bit longer and row r + 1 one shorter: the next row starts one bit late. */
    private static Layout movedBit(Layout layout, int r) {
        LayoutArray rowLength = layout.array("rowLength");
        long[] lengths = values(rowLength);
        lengths[r] += 1;
        lengths[r + 1] -= 1;
        return withArray(layout, "rowLength", indices(rowLength.type().indexWidth(), lengths));
    }

    /** The layout as files written before row lengths kept it: absolute offsets, the stream's length last. */
    private static Layout withRowOffsets(Layout layout) {
        long[] lengths = values(layout.array("rowLength"));
        long[] offsets = new long[lengths.length + 1];
        for (int r = 0; r < lengths.length; r++) {
            offsets[r + 1] = offsets[r] + lengths[r];
        }
        java.util.Map<String, LayoutArray> arrays = Layout.newArrays();
        layout.arrays().forEach((name, array) -> {
            if (!name.equals("rowLength")) {
                arrays.put(name, array);
            }
        });
        arrays.put("rowBit", indices(IndexWidth.forMaxValue(offsets[lengths.length]), offsets));
        return new Layout(layout.format(), layout.rows(), layout.cols(), layout.params(), arrays);
    }

    @Test
    void rejectsACodeTableThatIsNotPrefixFree() {
        forBoth((layout, read) -> {
            LayoutArray counts = layout.array("lengthCounts");
            long[] lengths = values(counts);
            // move a codeword from the longest length to the shortest used one: the Kraft sum passes 1
            int longest = lengths.length - 1;
            int shortest = 1;
            while (lengths[shortest] == 0) {
                shortest++;
            }
            lengths[longest]--;
            lengths[shortest]++;
            if (lengths[longest] == 0) {
                lengths[longest - 1]--;
                lengths[longest]++;
            }
            Layout bad = withArray(layout, "lengthCounts", indices(counts.type().indexWidth(), lengths));
            assertThatThrownBy(() -> read.apply(bad)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("not prefix-free");
        });
    }

    @Test
    void rejectsCountsThatDoNotMatchTheSymbols() {
        forBoth((layout, read) -> {
            LayoutArray counts = layout.array("lengthCounts");
            long[] lengths = values(counts);
            lengths[lengths.length - 1]++;
            Layout bad = withArray(layout, "lengthCounts", indices(counts.type().indexWidth(), lengths));
            assertThatThrownBy(() -> read.apply(bad)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("add up to");
        });
    }

    /**
     * A table read for gathering leaves its rows' codewords for later: it loads, each row is checked
     * as it is decoded, and a product checks every row before its kernels run. Intact, it decodes and
     * multiplies as the fully checked matrix does.
     */
    @Test
    void aTableReadForGatheringChecksEachRowItDecodes() {
        try (HamMatrix ham = HamMatrix.encode(source()); Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate(4L * ham.cols());
            for (int c = 0; c < ham.cols(); c++) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT, c, (c % 7) - 3f);
            }
            MemorySegment expected = arena.allocate(4L * ham.rows());
            MemorySegment actual = arena.allocate(4L * ham.rows());
            ham.multiply(x, expected, 1, Execution.defaults());
            try (HamMatrix intact = HamMatrix.forGathering(ham.layout(), null)) {
                intact.multiply(x, actual, 1, Execution.defaults());
                assertThat(actual.toArray(ValueLayout.JAVA_FLOAT)).containsExactly(expected.toArray(ValueLayout.JAVA_FLOAT));
                assertThat(row(intact, 5, arena)).containsExactly(row(ham, 5, arena));
            }
            try (HamMatrix broken = HamMatrix.forGathering(movedBit(ham.layout(), 5), null)) {
                assertThat(row(broken, 3, arena)).containsExactly(row(ham, 3, arena));
                assertThatThrownBy(() -> row(broken, 5, arena)).isInstanceOf(InvalidLayoutException.class)
                        .hasMessageContaining("row 5's").hasMessageContaining("codewords end at bit");
                assertThat(row(broken, 9, arena)).containsExactly(row(ham, 9, arena));
                assertThatThrownBy(() -> broken.multiply(x, actual, 1, Execution.defaults()))
                        .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("row 5's");
            }
        }
    }

    private static float[] row(WeightMatrix matrix, int r, Arena arena) {
        MemorySegment row = arena.allocate(4L * matrix.cols());
        matrix.decodeRow(r, row);
        return row.toArray(ValueLayout.JAVA_FLOAT);
    }

    @Test
    void rejectsAnInvalidCodewordInAnIncompleteCode() {
        // Two symbols coded 0 and 10 (an incomplete code: 11 is no codeword), then a stream of ones.
        QuantizedMatrix q = QuantizedMatrix.fromDense(dev.tersor.format.DenseMatrixView.of(2, 3,
                new float[]{0, 1, 0, 0, 0, 1}));
        try (HamMatrix ham = HamMatrix.encode(q)) {
            Layout layout = ham.layout();
            assertThat(layout.array("symbols").length()).isEqualTo(2);
            LayoutArray stream = copy(layout.array("stream"));
            stream.data().set(ValueLayout.JAVA_INT_UNALIGNED, 0, -1);
            Layout bad = withArray(withArray(layout, "stream", stream), "lengthCounts", indices(IndexWidth.U8, 0, 1, 1));
            assertThatThrownBy(() -> HamMatrix.fromLayout(bad, null)).isInstanceOf(InvalidLayoutException.class)
                    .hasMessageContaining("invalid codeword");
            try (HamMatrix table = HamMatrix.forGathering(bad, null); Arena arena = Arena.ofConfined()) {
                assertThatThrownBy(() -> row(table, 0, arena)).isInstanceOf(InvalidLayoutException.class)
                        .hasMessageContaining("row 0 holds an invalid codeword");
            }
        }
    }

    @Test
    void rejectsShamColumnsBeyondTheShape() {
        try (ShamMatrix sham = ShamMatrix.encode(source())) {
            assertThatThrownBy(() -> ShamMatrix.fromLayout(withShape(sham.layout(), 40, 20), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("not below cols");
            LayoutArray rowPtr = sham.layout().array("rowPtr");
            long[] pointers = values(rowPtr);
            pointers[3] = pointers[2] - 1;
            assertThatThrownBy(() -> ShamMatrix.fromLayout(withArray(sham.layout(), "rowPtr",
                    indices(rowPtr.type().indexWidth(), pointers)), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("must not decrease");
        }
    }

    @Test
    void rejectsHamWithAShapeItsStreamDoesNotHold() {
        try (HamMatrix ham = HamMatrix.encode(source())) {
            assertThatThrownBy(() -> HamMatrix.fromLayout(withShape(ham.layout(), 40, 700), null))
                    .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("truncated");
        }
    }
}
