package dev.tersor.format;

import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.IndexWidth;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a format stores: its name, the matrix shape, integer parameters and named typed arrays. It is
 * the unit of serialization, and the untrusted input that {@link MatrixFormat#fromLayout} validates.
 */
public record Layout(String format, int rows, int cols, Map<String, Long> params, Map<String, LayoutArray> arrays) {

    public Layout {
        Objects.requireNonNull(format, "format");
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        arrays = Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
    }

    /** Throws unless this layout belongs to {@code expected}. */
    public void requireFormat(String expected) {
        if (!format.equals(expected)) {
            throw new InvalidLayoutException("layout of format '" + format + "' given to the " + expected + " reader");
        }
        if (rows < 0 || cols < 0) {
            throw new InvalidLayoutException(format + ": negative shape " + rows + "x" + cols);
        }
    }

    /** Sum of the array bytes. */
    public long arrayBytes() {
        long total = 0;
        for (LayoutArray array : arrays.values()) {
            total += array.byteSize();
        }
        return total;
    }

    /** Bytes of one integer parameter when stored. */
    public static final int PARAM_BYTES = 8;

    /**
     * Bytes a layout takes besides the fixed descriptor: its arrays, plus {@value #PARAM_BYTES}
     * bytes per integer parameter (a seed, a code width: values no descriptor field holds).
     */
    public long storedBytes() {
        return arrayBytes() + (long) PARAM_BYTES * params.size();
    }

    /** The array {@code name}, or an {@link InvalidLayoutException} if it is missing. */
    public LayoutArray array(String name) {
        LayoutArray array = arrays.get(name);
        if (array == null) {
            throw new InvalidLayoutException(format + ": missing array '" + name + "'");
        }
        return array;
    }

    /** Whether the optional array {@code name} is present. */
    public boolean has(String name) {
        return arrays.containsKey(name);
    }

    /** A float32 array with exactly {@code length} elements. */
    public MemorySegment f32(String name, long length) {
        LayoutArray array = array(name);
        requireType(name, array, ElementType.F32);
        requireLength(name, array, length);
        return array.data();
    }

    /** A float32 array of any length. */
    public MemorySegment f32(String name) {
        LayoutArray array = array(name);
        requireType(name, array, ElementType.F32);
        if (array.byteSize() % 4 != 0) {
            throw new InvalidLayoutException(format + ": array '" + name + "' has " + array.byteSize()
                    + " bytes, not a whole number of f32 elements");
        }
        return array.data();
    }

    /**
     * An index array whose width must be exactly the narrowest that holds {@code maxValue}, the
     * largest value the format allows in it.
     */
    public IndexArray indices(String name, long maxValue) {
        LayoutArray array = array(name);
        if (!array.type().isIndex()) {
            throw new InvalidLayoutException(format + ": array '" + name + "' has type " + array.type()
                    + ", expected an unsigned index type");
        }
        if (maxValue > IndexWidth.U32.maxValue()) {
            throw new InvalidLayoutException(format + ": array '" + name + "' would need indices up to " + maxValue
                    + ", beyond the u32 limit " + IndexWidth.U32.maxValue());
        }
        IndexWidth expected = IndexWidth.forMaxValue(Math.max(0, maxValue));
        if (array.type().indexWidth() != expected) {
            throw new InvalidLayoutException(format + ": array '" + name + "' is " + array.type() + " but values up to "
                    + maxValue + " need exactly " + ElementType.of(expected) + " (the narrowest width)");
        }
        if (array.byteSize() % expected.bytes() != 0) {
            throw new InvalidLayoutException(format + ": array '" + name + "' has " + array.byteSize()
                    + " bytes, not a whole number of " + array.type() + " elements");
        }
        return new IndexArray(array.data(), expected);
    }

    /** The parameter {@code name}, or an exception if missing. */
    public long param(String name) {
        Long value = params.get(name);
        if (value == null) {
            throw new InvalidLayoutException(format + ": missing parameter '" + name + "'");
        }
        return value;
    }

    private void requireType(String name, LayoutArray array, ElementType type) {
        if (array.type() != type) {
            throw new InvalidLayoutException(format + ": array '" + name + "' has type " + array.type() + ", expected " + type);
        }
    }

    public void requireLength(String name, LayoutArray array, long length) {
        if (array.length() != length || array.byteSize() != length * array.type().bytes()) {
            throw new InvalidLayoutException(format + ": array '" + name + "' has " + array.length()
                    + " elements, expected " + length);
        }
    }

    /**
     * Checks the offsets array {@code array} of {@code count + 1} entries, which splits
     * {@code [0, end)} of {@code target} into consecutive runs: it starts at 0, never decreases, stays
     * within {@code capacity} (the room {@code target} has) and ends at exactly {@code end}. Every
     * pointer, offset and bit-position array of the formats has this shape, so the kernels may trust
     * any run it describes.
     *
     * @return the longest run, which lets a format size its scratch space once
     */
    public long pointers(String array, IndexArray pointers, long count, long end, long capacity, String target) {
        long first = Integer.toUnsignedLong(pointers.get(0));
        if (first != 0) {
            throw new InvalidLayoutException(format + ": " + array + "[0] = " + first + ", must be 0");
        }
        long previous = 0;
        long longest = 0;
        for (long i = 1; i <= count; i++) {
            long value = Integer.toUnsignedLong(pointers.get(i));
            if (value < previous) {
                throw new InvalidLayoutException(format + ": " + array + "[" + i + "] = " + value + " < " + array + "["
                        + (i - 1) + "] = " + previous + " (pointers must not decrease)");
            }
            if (value > capacity) {
                // The last entry past the end means the data was cut short, not that a pointer is wrong.
                throw new InvalidLayoutException(format + ": " + array + "[" + i + "] = " + value
                        + " points past the end of " + target + " (" + capacity + ")"
                        + (i == count ? "; " + target + " is truncated" : ""));
            }
            longest = Math.max(longest, value - previous);
            previous = value;
        }
        if (previous != end) {
            throw new InvalidLayoutException(format + ": " + array + "[" + count + "] = " + previous + ", expected " + end
                    + " (counts do not add up)");
        }
        return longest;
    }

    /**
     * Checks that {@code columns[start, end)}, the stored columns of one run in row {@code row} (the
     * whole row in CSR, one value's group in CER and CSER), are below {@link #cols()} and strictly
     * ascending: the kernels gather from {@code x} by these indices without bounds checks, and
     * decoding relies on no column repeating.
     */
    public void ascendingColumns(String array, IndexArray columns, long start, long end, int row) {
        long lastCol = -1;
        for (long p = start; p < end; p++) {
            long c = Integer.toUnsignedLong(columns.get(p));
            if (c >= cols) {
                throw new InvalidLayoutException(format + ": " + array + "[" + p + "] = " + c + " in row " + row
                        + " is not below cols = " + cols);
            }
            if (c <= lastCol) {
                throw new InvalidLayoutException(format + ": " + array + "[" + p + "] = " + c + " in row " + row
                        + " does not ascend (previous in its run " + lastCol + ")");
            }
            lastCol = c;
        }
    }

    /** Builder-style helper for formats assembling their own layout. */
    public static Map<String, LayoutArray> newArrays() {
        return new LinkedHashMap<>();
    }
}
