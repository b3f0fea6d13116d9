package dev.tersor.format;

import dev.tersor.kernels.IndexWidth;

import java.lang.foreign.MemorySegment;

/**
 * Row-major codes on the heap in the narrowest unsigned width that holds every code of a codebook
 * (one byte per entry up to 256 codes, two up to 65 536, else four), read and written through the
 * same {@link IndexWidth} that kernels use for off-heap index arrays.
 */
final class PackedCodes {

    private final MemorySegment codes;
    private final IndexWidth width;
    private final int length;

    private PackedCodes(MemorySegment codes, IndexWidth width, int length) {
        this.codes = codes;
        this.width = width;
        this.length = length;
    }

    /** {@code length} codes, all 0, for a codebook of {@code codebookSize} entries. */
    static PackedCodes allocate(long length, int codebookSize) {
        if (length > QuantizedMatrix.MAX_ENTRIES) {
            throw new IllegalArgumentException(length + " entries exceed the limit of " + QuantizedMatrix.MAX_ENTRIES);
        }
        int n = (int) length;
        IndexWidth width = IndexWidth.forMaxValue(Math.max(0, codebookSize - 1));
        // Arrays of the element width, so that a code array may hold up to MAX_ENTRIES entries of any width.
        MemorySegment codes = switch (width) {
            case U8 -> MemorySegment.ofArray(new byte[n]);
            case U16 -> MemorySegment.ofArray(new short[n]);
            case U32 -> MemorySegment.ofArray(new int[n]);
        };
        return new PackedCodes(codes, width, n);
    }

    int length() {
        return length;
    }

    int get(int index) {
        return width.get(codes, index);
    }

    void set(int index, int code) {
        width.set(codes, index, code);
    }

    /** Adds the occurrences of each code to {@code counts}. */
    void count(long[] counts) {
        for (int i = 0; i < length; i++) {
            counts[get(i)]++;
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PackedCodes other) || other.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (get(i) != other.get(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = 0; i < length; i++) {
            h = 31 * h + get(i);
        }
        return h;
    }
}
