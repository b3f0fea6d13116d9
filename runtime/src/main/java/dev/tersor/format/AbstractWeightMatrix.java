package dev.tersor.format;

import dev.tersor.kernels.Kernels;
import dev.tersor.kernels.arrays.WeightArrays;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Shape, ownership and the closed state shared by every format. The public entry points check the
 * arguments and that the matrix is open, then delegate: products go row-parallel to the kernels,
 * with the format's {@link WeightArrays} record built once by the subclass's constructor, split by
 * {@link #workBefore} so that threads get equal work.
 */
public abstract class AbstractWeightMatrix implements WeightMatrix {

    private final String formatName;
    private final int rows;
    private final int cols;
    /** The matrix's arrays as the kernels take them, checked in constant time when it was built. */
    private final WeightArrays kernelArrays;
    private final Arena owner;
    private volatile boolean closed;

    /**
     * @param formatName   the name of the format row this matrix belongs to, as stored in its layouts
     * @param kernelArrays the matrix's arrays in its format's kernel record, which gives the shape
     * @param owner        the arena that owns this matrix's memory, closed with it; {@code null} when
     *                     the memory belongs to someone else (a mapped model file, a caller's arena)
     */
    protected AbstractWeightMatrix(String formatName, WeightArrays kernelArrays, Arena owner) {
        this.formatName = Objects.requireNonNull(formatName, "formatName");
        this.rows = kernelArrays.rows();
        this.cols = kernelArrays.cols();
        this.kernelArrays = kernelArrays;
        this.owner = owner;
    }

    @Override
    public final String formatName() {
        return formatName;
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public long byteSize() {
        return HEADER_BYTES + layout().storedBytes();
    }

    @Override
    public final void multiply(MemorySegment x, MemorySegment y, int batch, Execution execution) {
        Objects.requireNonNull(execution, "execution");
        ensureOpen();
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        requireBytes("x", x, 4L * cols * batch);
        requireBytes("y", y, 4L * rows * batch);
        finishChecks();
        Kernels kernels = execution.kernels();
        execution.parallelism().forEachRange(rows, row -> workBefore((int) row), Math.max(1, MIN_PART_WORK / batch),
                (start, end) -> kernels.matMul(kernelArrays, batch, x, y, start, end));
    }

    @Override
    public final void checkAll() {
        ensureOpen();
        finishChecks();
    }

    /**
     * Runs before the arrays reach a kernel: a matrix built with some checks left for later (a table
     * read for gathering) finishes them here, and throws {@link InvalidLayoutException} if they fail.
     */
    protected void finishChecks() {
    }

    /**
     * The least work, in {@link #workBefore} units times batch columns, worth a range of its own on
     * another thread: about a quarter of a million multiply-adds, a few microseconds, well above what
     * handing a range to a spinning worker costs. Smaller products (a 384 × 384 layer at batch 1) run
     * on the caller alone.
     */
    static final long MIN_PART_WORK = 1 << 18;

    /** Work of rows {@code [0, row)}, in any unit proportional to time (stored entries, usually). */
    protected abstract long workBefore(int row);

    @Override
    public final void decodeRow(int row, MemorySegment dst) {
        ensureOpen();
        Objects.checkIndex(row, rows);
        requireBytes("dst", dst, 4L * cols);
        decodeRowK(row, dst);
    }

    /** Writes row {@code row} to {@code dst[0 .. cols)}; arguments are already checked. */
    protected abstract void decodeRowK(int row, MemorySegment dst);

    @Override
    public final Layout layout() {
        ensureOpen();
        return layoutK();
    }

    protected abstract Layout layoutK();

    @Override
    public final boolean isClosed() {
        return closed;
    }

    @Override
    public final synchronized void close() {
        if (!closed) {
            closed = true;
            if (owner != null) {
                owner.close();
            }
        }
    }

    /** Throws if the matrix has been closed. */
    protected final void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(formatName() + " matrix " + rows + "x" + cols + " is closed");
        }
    }

    private static void requireBytes(String name, MemorySegment segment, long bytes) {
        if (segment.byteSize() < bytes) {
            throw new IndexOutOfBoundsException(name + " holds " + segment.byteSize() + " bytes, needs " + bytes);
        }
    }

    @Override
    public String toString() {
        return formatName() + " " + rows + "x" + cols + (closed ? " (closed)" : ", " + byteSize() + " bytes");
    }
}
