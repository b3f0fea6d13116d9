package dev.tersor.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * An unsigned index array: a segment of u8, u16 or u32 elements. The segment may be larger than
 * the elements in use only by less than one element.
 */
public record IndexArray(MemorySegment segment, IndexWidth width) {

    public IndexArray {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(width, "width");
    }

    /** An empty array of the given width. */
    public static IndexArray empty(IndexWidth width) {
        return new IndexArray(MemorySegment.NULL, width);
    }

    /** Number of elements. */
    public long length() {
        return width.count(segment);
    }

    /** Element {@code index}, bounds-checked by the segment. */
    public int get(long index) {
        return width.get(segment, index);
    }

    /** Bytes the elements occupy. */
    public long byteSize() {
        return width.byteSize(length());
    }
}
