package dev.tersor.format;

import dev.tersor.kernels.IndexWidth;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Corrupted layouts are rejected before any kernel sees them, with a message naming what is wrong. */
class LayoutValidationTest {

    private final Arena arena = Arena.ofAuto();

    /** The §1.4 example in {@code format}, with every array copied so that it can be corrupted. */
    private Layout example(String format) {
        try (WeightMatrix matrix = MatrixFormats.named(format).encode(QuantizedMatrix.fromDense(WorkedExampleTest.w()))) {
            Layout layout = matrix.layout();
            Map<String, LayoutArray> copies = new LinkedHashMap<>();
            layout.arrays().forEach((name, array) -> {
                MemorySegment copy = arena.allocate(Math.max(1, array.byteSize())).asSlice(0, array.byteSize());
                copy.copyFrom(array.data());
                copies.put(name, new LayoutArray(array.type(), copy));
            });
            return new Layout(format, layout.rows(), layout.cols(), layout.params(), copies);
        }
    }

    private static void setIndex(Layout layout, String array, long index, int value) {
        LayoutArray a = layout.array(array);
        IndexWidth width = a.type().indexWidth();
        switch (width) {
            case U8 -> a.data().set(ValueLayout.JAVA_BYTE, index, (byte) value);
            case U16 -> a.data().set(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * index, (short) value);
            case U32 -> a.data().set(ValueLayout.JAVA_INT_UNALIGNED, 4 * index, value);
        }
    }

    private static Layout replace(Layout layout, String name, LayoutArray array) {
        Map<String, LayoutArray> arrays = new LinkedHashMap<>(layout.arrays());
        if (array == null) {
            arrays.remove(name);
        } else {
            arrays.put(name, array);
        }
        return new Layout(layout.format(), layout.rows(), layout.cols(), layout.params(), arrays);
    }

    private static Layout truncate(Layout layout, String name) {
        LayoutArray a = layout.array(name);
        return replace(layout, name, new LayoutArray(a.type(), a.data().asSlice(0, a.byteSize() - a.type().bytes())));
    }

    private void assertRejected(String format, Consumer<Layout> corrupt, String expectedMessage) {
        Layout layout = example(format);
        corrupt.accept(layout);
        assertRejected(layout, expectedMessage);
    }

    private static void assertRejected(Layout layout, String expectedMessage) {
        assertThatThrownBy(() -> MatrixFormats.named(layout.format()).fromLayout(layout, null))
                .isInstanceOf(InvalidLayoutException.class)
                .hasMessageContaining(layout.format())
                .hasMessageContaining(expectedMessage);
    }

    @Test
    void untouchedCopiesAreAccepted() {
        for (String format : FormatRoundTripTest.FOUNDATION_FORMATS) {
            try (WeightMatrix matrix = MatrixFormats.named(format).fromLayout(example(format), null)) {
                FormatRoundTripTest.assertSameBits(format, WorkedExampleTest.W, matrix.toDense());
            }
        }
    }

    @Test
    void pointerPastTheEnd() {
        assertRejected("csr", l -> setIndex(l, "rowPtr", 4, 40), "past the end");
        assertRejected("cer", l -> setIndex(l, "groupPtr", 3, 200), "past the end");
        assertRejected("cser", l -> setIndex(l, "rowPtr", 2, 100), "past the end");
    }

    @Test
    void decreasingPointer() {
        assertRejected("csr", l -> setIndex(l, "rowPtr", 2, 1), "must not decrease");
        assertRejected("cer", l -> setIndex(l, "groupPtr", 2, 1), "must not decrease");
        assertRejected("cser", l -> setIndex(l, "rowPtr", 3, 2), "must not decrease");
    }

    @Test
    void pointersThatDoNotStartAtZeroOrDoNotAddUp() {
        assertRejected("csr", l -> setIndex(l, "rowPtr", 0, 1), "rowPtr[0]");
        assertRejected("cser", l -> setIndex(l, "groupPtr", 0, 1), "groupPtr[0]");
        assertRejected("cer", l -> setIndex(l, "rowPtr", 4, 7), "counts do not add up");
    }

    @Test
    void columnIndexNotBelowCols() {
        for (String format : new String[]{"csr", "cer", "cser"}) {
            assertRejected(format, l -> setIndex(l, "colIdx", 0, 6), "not below cols = 6");
        }
    }

    @Test
    void columnsOutOfOrderOrRepeated() {
        assertRejected("csr", l -> setIndex(l, "colIdx", 1, 0), "does not ascend");
        // row 0 of CSER: group {1, 4} then group {5}; make the second group repeat column 4
        assertRejected("cser", l -> setIndex(l, "colIdx", 2, 4), "appears twice in row 0");
    }

    @Test
    void truncatedArrays() {
        assertRejected(truncate(example("csr"), "colIdx"), "colIdx");
        assertRejected(truncate(example("csr"), "values"), "expected 10");
        assertRejected(truncate(example("cer"), "rowPtr"), "rowPtr");
        assertRejected(truncate(example("cser"), "groupValue"), "groupValue");
        assertRejected(truncate(example("dense"), "values"), "values");
    }

    @Test
    void groupValueOutsideTheCodebook() {
        assertRejected("cser", l -> setIndex(l, "groupValue", 0, 4), "outside omega");
        assertRejected("cser", l -> setIndex(l, "groupValue", 0, 0), "outside omega");
    }

    @Test
    void cerRowWithMoreGroupsThanValues() {
        Layout layout = example("cer");
        MemorySegment omega = layout.array("omega").data().asSlice(0, 8);
        assertRejected(replace(layout, "omega", LayoutArray.f32(omega)), "non-implicit values");
    }

    @Test
    void emptyOmegaAndEmptyGroups() {
        Layout cer = example("cer");
        assertRejected(replace(cer, "omega", LayoutArray.f32(MemorySegment.NULL)), "omega is empty");
        // CSER stores no empty group: make group 0 of row 0 empty
        assertRejected("cser", l -> setIndex(l, "groupPtr", 1, 0), "is empty");
    }

    @Test
    void indexWidthMustBeTheNarrowest() {
        Layout layout = example("csr");
        LayoutArray colIdx = layout.array("colIdx");
        MemorySegment wide = arena.allocate(4 * colIdx.length());
        for (int i = 0; i < colIdx.length(); i++) {
            wide.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, colIdx.data().get(ValueLayout.JAVA_BYTE, i));
        }
        assertRejected(replace(layout, "colIdx", new LayoutArray(ElementType.U32, wide)), "narrowest");
    }

    @Test
    void missingArraysWrongTypesAndWrongFormat() {
        assertRejected(replace(example("cser"), "groupValue", null), "missing array 'groupValue'");
        Layout csr = example("csr");
        assertRejected(replace(csr, "values", new LayoutArray(ElementType.U32, csr.array("values").data())), "expected F32");
        Layout cer = example("cer");
        assertThatThrownBy(() -> MatrixFormats.named("cser").fromLayout(cer, null))
                .isInstanceOf(InvalidLayoutException.class).hasMessageContaining("cser reader");
        Layout cerWithValues = replace(cer, "groupValue", example("cser").array("groupValue"));
        assertRejected(cerWithValues, "CER stores no groupValue");
    }

    @Test
    void unknownFormatNameIsAClearError() {
        assertThatThrownBy(() -> MatrixFormats.named("nope"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("known formats");
    }

    @Test
    void layoutsRecordTheWidthsTheyUse() {
        Layout layout = example("cser");
        assertThat(layout.array("colIdx").type()).isEqualTo(ElementType.U8);
        assertThat(layout.array("groupValue").type()).isEqualTo(ElementType.U8);
    }
}
