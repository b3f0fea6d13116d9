package dev.tersor.format;

import dev.tersor.kernels.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * How a format stores its per-row scales: as f16 when every scale is a finite half-precision value
 * (the uniform quantizer picks its steps so, see {@code UniformQuantizer}), else as f32. Kernels
 * always read f32: stored halves are widened once, when a layout is read. For the 52,000 rows of a
 * compressed MiniLM that is 104 KB of the file saved, with the same products bit for bit.
 */
public final class StoredScales {

    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private StoredScales() {
    }

    /** Whether {@code value} is a finite float16 value, so storing it as one loses nothing. */
    public static boolean isHalf(float value) {
        return Float.isFinite(value) && Float.float16ToFloat(Float.floatToFloat16(value)) == value;
    }

    /**
     * The array that stores {@code scales} (f32, one per row): an f16 copy owned by {@code arena} when
     * every scale is a finite half, else the f32 array itself.
     */
    public static LayoutArray stored(Arena arena, MemorySegment scales) {
        long rows = scales.byteSize() / 4;
        for (long r = 0; r < rows; r++) {
            if (!isHalf(scales.getAtIndex(Layouts.F32, r))) {
                return LayoutArray.f32(scales);
            }
        }
        MemorySegment halves = arena.allocate(2 * rows, 4);
        for (long r = 0; r < rows; r++) {
            halves.setAtIndex(F16, r, Float.floatToFloat16(scales.getAtIndex(Layouts.F32, r)));
        }
        return new LayoutArray(ElementType.F16, halves);
    }

    /**
     * The f32 scales of a layout's array {@code name} holding {@code rows} values: the array itself if
     * it is f32, else its f16 values widened into memory that lives as long as it is reachable.
     *
     * @throws InvalidLayoutException for another type, another length, or a half that is not finite
     */
    public static MemorySegment read(Layout layout, String name, long rows) {
        LayoutArray array = layout.array(name);
        if (array.type() == ElementType.F32) {
            return layout.f32(name, rows);
        }
        if (array.type() != ElementType.F16) {
            throw new InvalidLayoutException(layout.format() + ": array '" + name + "' has type " + array.type()
                    + ", expected F32 or F16");
        }
        layout.requireLength(name, array, rows);
        MemorySegment halves = array.data();
        MemorySegment scales = OffHeap.floats(Arena.ofAuto(), rows);
        for (long r = 0; r < rows; r++) {
            float value = Float.float16ToFloat(halves.getAtIndex(F16, r));
            if (!Float.isFinite(value)) {
                throw new InvalidLayoutException(layout.format() + ": " + name + "[" + r + "] is " + value
                        + ", not a finite scale");
            }
            scales.setAtIndex(Layouts.F32, r, value);
        }
        return scales;
    }
}
