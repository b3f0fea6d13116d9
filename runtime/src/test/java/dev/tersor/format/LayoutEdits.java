package dev.tersor.format;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/** Copies of a layout with one thing changed, for the corrupted-layout tests. */
public final class LayoutEdits {

    private LayoutEdits() {
    }

    public static Layout withArray(Layout layout, String name, LayoutArray array) {
        Map<String, LayoutArray> arrays = new LinkedHashMap<>(layout.arrays());
        arrays.put(name, array);
        return new Layout(layout.format(), layout.rows(), layout.cols(), layout.params(), arrays);
    }

    public static Layout withParam(Layout layout, String name, long value) {
        Map<String, Long> params = new LinkedHashMap<>(layout.params());
        params.put(name, value);
        return new Layout(layout.format(), layout.rows(), layout.cols(), params, layout.arrays());
    }

    public static Layout withShape(Layout layout, int rows, int cols) {
        return new Layout(layout.format(), rows, cols, layout.params(), layout.arrays());
    }

    /** The first {@code bytes} bytes of an array, same type. */
    public static LayoutArray truncated(LayoutArray array, long bytes) {
        return new LayoutArray(array.type(), array.data().asSlice(0, bytes));
    }

    /** A copy of an array, for editing. */
    public static LayoutArray copy(LayoutArray array) {
        MemorySegment copy = MemorySegment.ofArray(new byte[(int) array.byteSize()]);
        copy.copyFrom(array.data());
        return new LayoutArray(array.type(), copy);
    }

    /** An index array of exactly this width holding {@code values}. */
    public static LayoutArray indices(IndexWidth width, long... values) {
        MemorySegment segment = MemorySegment.ofArray(new byte[(int) width.byteSize(values.length)]);
        for (int i = 0; i < values.length; i++) {
            switch (width) {
                case U8 -> segment.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) values[i]);
                case U16 -> segment.setAtIndex(Layouts.U16, i, (short) values[i]);
                case U32 -> segment.setAtIndex(Layouts.I32, i, (int) values[i]);
            }
        }
        return LayoutArray.of(new IndexArray(segment, width));
    }

    /** The values of an index array. */
    public static long[] values(LayoutArray array) {
        IndexArray indices = new IndexArray(array.data(), array.type().indexWidth());
        long[] values = new long[(int) indices.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = Integer.toUnsignedLong(indices.get(i));
        }
        return values;
    }
}
