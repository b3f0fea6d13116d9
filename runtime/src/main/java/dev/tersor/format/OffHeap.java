package dev.tersor.format;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Allocation helpers for encoders: 64-byte aligned arrays in a shared arena. */
public final class OffHeap {

    /** Alignment of every array, as in the model container. */
    public static final long ALIGNMENT = 64;

    private OffHeap() {
    }

    public static MemorySegment floats(Arena arena, long count) {
        return arena.allocate(Math.multiplyExact(count, 4L), ALIGNMENT);
    }

    public static MemorySegment floats(Arena arena, float[] values) {
        MemorySegment segment = floats(arena, values.length);
        MemorySegment.copy(values, 0, segment, Layouts.F32, 0, values.length);
        return segment;
    }

    /** An index array of {@code count} elements, as narrow as {@code maxValue} allows. */
    public static IndexArray indices(Arena arena, long count, long maxValue) {
        IndexWidth width = IndexWidth.forMaxValue(Math.max(0, maxValue));
        return new IndexArray(arena.allocate(width.byteSize(count), ALIGNMENT), width);
    }

    public static MemorySegment bytes(Arena arena, long count) {
        return arena.allocate(count, ALIGNMENT);
    }
}
