package dev.tersor.format;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;

/**
 * Allocation helpers for encoders: 64-byte aligned arrays in a shared arena; and whether a segment may
 * be read from other threads, which decides if its checks run in parallel.
 */
public final class OffHeap {

    /** Alignment of every array, as in the model container. */
    public static final long ALIGNMENT = 64;

    private OffHeap() {
    }

    /**
     * Runs {@code build} with a new shared arena that the built matrix will own; if building fails,
     * the arena is closed so that a failed encode leaks no off-heap memory.
     */
    public static <T> T owned(Function<Arena, T> build) {
        Arena arena = Arena.ofShared();
        try {
            return build.apply(arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
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

    /**
     * The source's per-row scales as one f32 per row, or {@link MemorySegment#NULL} when it has none:
     * every format that keeps scales stores them this way and treats an empty segment as "unscaled".
     */
    public static MemorySegment rowScales(Arena arena, QuantizedMatrix source) {
        if (!source.hasRowScales()) {
            return MemorySegment.NULL;
        }
        MemorySegment rowScale = floats(arena, source.rows());
        for (int r = 0; r < source.rows(); r++) {
            rowScale.setAtIndex(Layouts.F32, r, source.rowScale(r));
        }
        return rowScale;
    }

    public static MemorySegment bytes(Arena arena, long count) {
        return arena.allocate(count, ALIGNMENT);
    }

    /**
     * Whether threads other than this one may read {@code segment} (a shared or automatic arena's, a
     * heap or global segment): then its contents can be checked in parallel; a confined one in order.
     */
    public static boolean readableFromAnyThread(MemorySegment segment) {
        return segment.isAccessibleBy(new Thread(() -> { }));
    }
}
