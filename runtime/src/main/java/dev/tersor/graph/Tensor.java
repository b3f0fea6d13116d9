package dev.tersor.graph;

import dev.tersor.format.ElementType;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable n-dimensional array: element type, shape (row-major) and little-endian data. Used for
 * model inputs and outputs, and for the constants of a graph. Factories copy their arguments; a
 * tensor over a mapped file ({@link #wrap}) shares the mapping and must not outlive it.
 */
public final class Tensor {

    private final ElementType type;
    private final int[] shape;
    private final int size;
    private final MemorySegment data;

    private Tensor(ElementType type, int[] shape, MemorySegment data) {
        this.type = Objects.requireNonNull(type, "type");
        if (!type.isTensor()) {
            throw new UnsupportedModelException("tensors of element type " + type.onnxName() + " are not supported");
        }
        this.shape = shape.clone();
        this.size = Shapes.size(this.shape);
        if (data.byteSize() != (long) size * type.bytes()) {
            throw new InvalidModelException("tensor " + type.onnxName() + Arrays.toString(shape) + " needs "
                    + (long) size * type.bytes() + " bytes, got " + data.byteSize());
        }
        this.data = data.asReadOnly();
    }

    /** A tensor over {@code data} without copying; it must hold exactly the bytes the shape needs. */
    public static Tensor wrap(ElementType type, int[] shape, MemorySegment data) {
        return new Tensor(type, shape, data);
    }

    /** A copy of {@code data}. */
    public static Tensor copyOf(ElementType type, int[] shape, MemorySegment data) {
        return copied(type, shape, data, heap(type, Shapes.size(shape)));
    }

    /**
     * A copy of {@code data} on the Java heap, for the outputs of a pass, which only their caller reads.
     * A fresh native block for each pass's outputs cost page faults on every call, because the C
     * allocator gives freed blocks back to the OS (about 4 % of a 128-token MiniLM pass); the heap
     * recycles its memory. No kernel reads these tensors: a model copies its inputs into its own working
     * memory, so the kernels still see native segments only (see {@link #heap}).
     */
    public static Tensor resultOf(ElementType type, int[] shape, MemorySegment data) {
        long bytes = (long) Shapes.size(shape) * type.bytes();
        // long[] for eight-byte alignment, which every element type's layout accepts
        return copied(type, shape, data, MemorySegment.ofArray(new long[Math.toIntExact(Math.ceilDiv(bytes, 8))]).asSlice(0, bytes));
    }

    /** A tensor over {@code copy}, sized for the shape, after copying {@code data} into it if the sizes agree. */
    private static Tensor copied(ElementType type, int[] shape, MemorySegment data, MemorySegment copy) {
        if (data.byteSize() != copy.byteSize()) {
            throw new InvalidModelException("tensor " + type.onnxName() + Arrays.toString(shape) + " needs "
                    + copy.byteSize() + " bytes, got " + data.byteSize());
        }
        MemorySegment.copy(data, 0, copy, 0, copy.byteSize());
        return new Tensor(type, shape, copy);
    }

    public static Tensor of(float[] values, int... shape) {
        requireCount(values.length, shape);
        MemorySegment data = heap(ElementType.F32, values.length);
        MemorySegment.copy(values, 0, data, Layouts.F32, 0, values.length);
        return new Tensor(ElementType.F32, shape, data);
    }

    public static Tensor ofLongs(long[] values, int... shape) {
        requireCount(values.length, shape);
        MemorySegment data = heap(ElementType.I64, values.length);
        MemorySegment.copy(values, 0, data, Layouts.I64, 0, values.length);
        return new Tensor(ElementType.I64, shape, data);
    }

    public static Tensor ofInts(int[] values, int... shape) {
        requireCount(values.length, shape);
        MemorySegment data = heap(ElementType.I32, values.length);
        MemorySegment.copy(values, 0, data, Layouts.I32, 0, values.length);
        return new Tensor(ElementType.I32, shape, data);
    }

    /** UINT8, INT8 or BOOL elements from bytes. */
    public static Tensor ofBytes(ElementType type, byte[] values, int... shape) {
        if (type.bytes() != 1) {
            throw new IllegalArgumentException(type.onnxName() + " is not a byte type");
        }
        requireCount(values.length, shape);
        MemorySegment data = heap(type, values.length);
        MemorySegment.copy(values, 0, data, ValueLayout.JAVA_BYTE, 0, values.length);
        return new Tensor(type, shape, data);
    }

    /** A scalar float. */
    public static Tensor scalar(float value) {
        return of(new float[]{value});
    }

    /**
     * Zero-filled memory for {@code count} elements, off-heap and freed by the garbage collector. Tensors
     * that kernels may read (constants, inputs) never use heap segments: kernels that see one kind of
     * segment only stay fully compiled, while a mix of heap and native segments at the same Vector API
     * load makes it megamorphic and many times slower. Only {@link #resultOf} uses the heap.
     */
    static MemorySegment heap(ElementType type, long count) {
        long bytes = count * type.bytes();
        return Arena.ofAuto().allocate(Math.max(bytes, 1), 64).asSlice(0, bytes);
    }

    private static void requireCount(int count, int[] shape) {
        if (Shapes.size(shape) != count) {
            throw new IllegalArgumentException(count + " values for shape " + Arrays.toString(shape));
        }
    }

    public ElementType type() {
        return type;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    /** Number of elements. */
    public int size() {
        return size;
    }

    /** The data, read-only. */
    public MemorySegment data() {
        return data;
    }

    public float[] toFloatArray() {
        requireType(ElementType.F32);
        return copyTo(new float[size], Layouts.F32);
    }

    public long[] toLongArray() {
        requireType(ElementType.I64);
        return copyTo(new long[size], Layouts.I64);
    }

    public int[] toIntArray() {
        requireType(ElementType.I32);
        return copyTo(new int[size], Layouts.I32);
    }

    /** Copies every element into {@code array}, a Java array of {@code size} elements of {@code layout}'s type. */
    private <A> A copyTo(A array, ValueLayout layout) {
        MemorySegment.copy(data, layout, 0, array, 0, size);
        return array;
    }

    public byte[] toByteArray() {
        if (type.bytes() != 1) {
            throw new IllegalStateException("tensor of " + type.onnxName() + " is not a byte tensor");
        }
        return data.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Element {@code i} (row-major) as a double, whatever the type. */
    public double getDouble(long i) {
        return Elements.getDouble(type, data, i);
    }

    /** Element {@code i} (row-major) as a long; floats are truncated. */
    public long getLong(long i) {
        return Elements.getLong(type, data, i);
    }

    private void requireType(ElementType expected) {
        if (type != expected) {
            throw new IllegalStateException("tensor of " + type.onnxName() + ", not " + expected.onnxName());
        }
    }

    /** Same type, shape and bytes. */
    public boolean contentEquals(Tensor other) {
        return type == other.type && Arrays.equals(shape, other.shape) && data.mismatch(other.data) == -1;
    }

    @Override
    public String toString() {
        return type.onnxName() + Arrays.toString(shape);
    }
}
