package dev.tersor.format;

import dev.tersor.kernels.IndexWidth;

/**
 * Row-major codes on the heap in the narrowest unsigned width that holds every code of a codebook
 * (one byte per entry up to 256 codes, two up to 65 536, else four). They live in a plain array of
 * that width and are read here, not through {@link IndexWidth#get}: that accessor is shared by every
 * kernel's off-heap index reads, and once encoders fed it heap segments its compiled form checked
 * two kinds of segment on every kernel read, which cost the scalar kernels 5–12 %.
 */
final class PackedCodes {

    private final IndexWidth width;
    private final byte[] bytes;
    private final short[] shorts;
    private final int[] ints;
    private final int length;

    private PackedCodes(IndexWidth width, int length) {
        this.width = width;
        this.length = length;
        this.bytes = width == IndexWidth.U8 ? new byte[length] : null;
        this.shorts = width == IndexWidth.U16 ? new short[length] : null;
        this.ints = width == IndexWidth.U32 ? new int[length] : null;
    }

    /** {@code length} codes, all 0, for a codebook of {@code codebookSize} entries. */
    static PackedCodes allocate(long length, int codebookSize) {
        if (length > QuantizedMatrix.MAX_ENTRIES) {
            throw new IllegalArgumentException(length + " entries exceed the limit of " + QuantizedMatrix.MAX_ENTRIES);
        }
        return new PackedCodes(IndexWidth.forMaxValue(Math.max(0, codebookSize - 1)), (int) length);
    }

    int length() {
        return length;
    }

    int get(int index) {
        return switch (width) {
            case U8 -> bytes[index] & 0xFF;
            case U16 -> shorts[index] & 0xFFFF;
            case U32 -> ints[index];
        };
    }

    void set(int index, int code) {
        assert code >= 0 && code <= width.maxValue() : code + " does not fit " + width;
        switch (width) {
            case U8 -> bytes[index] = (byte) code;
            case U16 -> shorts[index] = (short) code;
            case U32 -> ints[index] = code;
        }
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
