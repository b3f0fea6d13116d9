package dev.tersor.format;

import dev.tersor.kernels.Kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Shape, ownership and the closed state shared by every format. The public entry points check the
 * arguments and that the matrix is open, then delegate: products go row-parallel through
 * {@link #multiplyRows}, split by {@link #workBefore} so that threads get equal work.
 */
public abstract class AbstractWeightMatrix implements WeightMatrix {

    private final int rows;
    private final int cols;
    private final Arena owner;
    private volatile boolean closed;

    /**
     * @param owner the arena that owns this matrix's memory, closed with it; {@code null} when the
     *              memory belongs to someone else (a mapped model file, a caller's arena)
     */
    protected AbstractWeightMatrix(int rows, int cols, Arena owner) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape " + rows + "x" + cols);
        }
        this.rows = rows;
        this.cols = cols;
        this.owner = owner;
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
        Kernels kernels = execution.kernels();
        execution.parallelism().forEachRange(rows, row -> workBefore((int) row),
                (start, end) -> multiplyRows(kernels, x, y, batch, start, end));
    }

    /** Computes output rows {@code [start, end)} with {@code kernels}; arguments are already checked. */
    protected abstract void multiplyRows(Kernels kernels, MemorySegment x, MemorySegment y, int batch,
                                         int start, int end);

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
