package dev.tersor.format;

import dev.tersor.kernels.IndexArray;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** One typed array of a layout. */
public record LayoutArray(ElementType type, MemorySegment data) {

    public LayoutArray {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    public static LayoutArray of(IndexArray indices) {
        return new LayoutArray(ElementType.of(indices.width()), indices.segment());
    }

    public static LayoutArray f32(MemorySegment data) {
        return new LayoutArray(ElementType.F32, data);
    }

    /** Whole elements in {@link #data()}. */
    public long length() {
        return data.byteSize() / type.bytes();
    }

    public long byteSize() {
        return data.byteSize();
    }
}
