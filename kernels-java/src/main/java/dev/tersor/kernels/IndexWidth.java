package dev.tersor.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Width of an unsigned index array: u8, u16 or u32. Layouts always use the narrowest width that
 * holds their largest value, and record it, so that byte counts reflect what is really stored.
 *
 * <p>u32 values are limited to {@link Integer#MAX_VALUE}: Java addresses arrays with {@code int}
 * element counts, and validators reject anything larger before a kernel can see it.
 */
public enum IndexWidth {
    U8(1),
    U16(2),
    U32(4);

    private final int bytes;

    IndexWidth(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Bits per element. */
    public int bits() {
        return 8 * bytes;
    }

    /** Largest value an element can hold (u32 is capped at {@code Integer.MAX_VALUE}). */
    public long maxValue() {
        return switch (this) {
            case U8 -> 0xFFL;
            case U16 -> 0xFFFFL;
            case U32 -> Integer.MAX_VALUE;
        };
    }

    /** Bytes taken by {@code count} elements. */
    public long byteSize(long count) {
        return count * bytes;
    }

    /** The narrowest width whose elements can hold {@code maxValue} (at least 0). */
    public static IndexWidth forMaxValue(long maxValue) {
        if (maxValue < 0) {
            throw new IllegalArgumentException("index values are unsigned, got max " + maxValue);
        }
        if (maxValue <= U8.maxValue()) {
            return U8;
        }
        if (maxValue <= U16.maxValue()) {
            return U16;
        }
        if (maxValue <= U32.maxValue()) {
            return U32;
        }
        throw new IllegalArgumentException("index value " + maxValue + " exceeds the u32 limit " + U32.maxValue());
    }

    /** Width from its byte count (1, 2 or 4), as stored in layouts and passed to native code. */
    public static IndexWidth ofBytes(int bytes) {
        return switch (bytes) {
            case 1 -> U8;
            case 2 -> U16;
            case 4 -> U32;
            default -> throw new IllegalArgumentException("index width must be 1, 2 or 4 bytes, got " + bytes);
        };
    }

    /** Number of whole elements in {@code segment}. */
    public long count(MemorySegment segment) {
        return segment.byteSize() / bytes;
    }

    /** Reads element {@code index} as a non-negative int (u32 elements above int range read negative). */
    public int get(MemorySegment segment, long index) {
        return switch (this) {
            case U8 -> segment.get(ValueLayout.JAVA_BYTE, index) & 0xFF;
            case U16 -> segment.get(Layouts.U16, index << 1) & 0xFFFF;
            case U32 -> segment.get(Layouts.I32, index << 2);
        };
    }

    /** Writes {@code value}, which must fit this width. */
    public void set(MemorySegment segment, long index, int value) {
        assert value >= 0 && value <= maxValue() : value + " does not fit " + this;
        switch (this) {
            case U8 -> segment.set(ValueLayout.JAVA_BYTE, index, (byte) value);
            case U16 -> segment.set(Layouts.U16, index << 1, (short) value);
            case U32 -> segment.set(Layouts.I32, index << 2, value);
        }
    }
}
