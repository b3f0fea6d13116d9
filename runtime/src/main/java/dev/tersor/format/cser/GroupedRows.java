package dev.tersor.format.cser;

import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.OffHeap;
import dev.tersor.format.QuantizedMatrix;
import dev.tersor.kernels.IndexArray;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.arrays.GroupedArrays;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;

/**
 * The arrays of the grouped-row formats (Wiedemann et al.): each row's columns grouped by shared
 * value, so that a product costs one multiplication per (row, value) group.
 *
 * <ul>
 *   <li>{@code omega[K]}: distinct codebook values by decreasing frequency; {@code omega[0]} is implicit;
 *   <li>{@code colIdx[nnz]}: columns of every entry whose value is not {@code omega[0]}, by row, then
 *       group, then ascending column;
 *   <li>{@code groupPtr[G+1]}: start of each group in {@code colIdx};
 *   <li>{@code rowPtr[rows+1]}: start of each row in {@code groupPtr};
 *   <li>{@code groupValue[G]} (CSER only): the omega index of each group. Without it (CER) the t-th
 *       group of a row holds {@code omega[t+1]}, so a row lacking a value stores an empty group for it;
 *   <li>{@code rowScale[rows]} (optional): per-row scales, {@code W[r][c] = omega[k]·rowScale[r]}.
 * </ul>
 *
 * CSER is the general form; CER is the same layout with implicit group values, so both share this
 * class.
 *
 * @param groupValue {@code null} for CER
 * @param rowScale   empty when the matrix has no row scales
 */
public record GroupedRows(MemorySegment omega, IndexArray colIdx, IndexArray groupValue, IndexArray groupPtr,
                          IndexArray rowPtr, MemorySegment rowScale) {

    /** Number of distinct values K, the implicit one included. */
    public int distinctValues() {
        return (int) (omega.byteSize() / 4);
    }

    public long nonZeros() {
        return colIdx.length();
    }

    public long groups() {
        return groupPtr.length() - 1;
    }

    public boolean scaled() {
        return rowScale.byteSize() != 0;
    }

    public float omega(int k) {
        return omega.getAtIndex(Layouts.F32, k);
    }

    /** These arrays as the kernels take them, for a matrix of {@code rows × cols}. */
    public GroupedArrays kernelArrays(int rows, int cols) {
        return new GroupedArrays(rows, cols, omega, colIdx, groupValue, groupPtr, rowPtr, rowScale);
    }

    /** Stored entries plus groups before {@code row}: the work of the rows above it. */
    public long workBefore(int row) {
        int g = rowPtr.get(row);
        return (long) groupPtr.get(g) + g;
    }

    /** Writes row {@code row}, decoded, to {@code dst[0 .. cols)}. */
    public void decodeRow(int row, int cols, MemorySegment dst) {
        float scale = scaled() ? rowScale.getAtIndex(Layouts.F32, row) : 1f;
        float implicit = scaled() ? omega(0) * scale : omega(0);
        for (int c = 0; c < cols; c++) {
            dst.setAtIndex(Layouts.F32, c, implicit);
        }
        int g0 = rowPtr.get(row);
        int g1 = rowPtr.get(row + 1);
        for (int g = g0; g < g1; g++) {
            int k = groupValue == null ? g - g0 + 1 : groupValue.get(g);
            float value = scaled() ? omega(k) * scale : omega(k);
            int end = groupPtr.get(g + 1);
            for (int p = groupPtr.get(g); p < end; p++) {
                dst.setAtIndex(Layouts.F32, colIdx.get(p), value);
            }
        }
    }

    /** The arrays under their layout names. */
    public Map<String, LayoutArray> arrays() {
        Map<String, LayoutArray> arrays = Layout.newArrays();
        arrays.put("omega", LayoutArray.f32(omega));
        arrays.put("colIdx", LayoutArray.of(colIdx));
        if (groupValue != null) {
            arrays.put("groupValue", LayoutArray.of(groupValue));
        }
        arrays.put("groupPtr", LayoutArray.of(groupPtr));
        arrays.put("rowPtr", LayoutArray.of(rowPtr));
        if (scaled()) {
            arrays.put("rowScale", LayoutArray.f32(rowScale));
        }
        return arrays;
    }

    // ---------------------------------------------------------------------------------------------
    // Encoding

    /**
     * Groups {@code source} row by row, following §1.7 of the methods brief: Ω ordered by decreasing
     * frequency, columns bucketed by value rank with a counting sort that keeps them ascending.
     *
     * @param explicitValues {@code true} for CSER (store {@code groupValue}, no padding groups),
     *                       {@code false} for CER
     */
    public static GroupedRows encode(QuantizedMatrix source, boolean explicitValues, Arena arena) {
        int rows = source.rows();
        int cols = source.cols();
        int[] order = source.codesByFrequency();
        int k = order.length;
        int[] rank = new int[Math.max(1, source.codebookSize())];
        Arrays.fill(rank, -1);
        for (int t = 0; t < k; t++) {
            rank[order[t]] = t;
        }

        // Pass 1: sizes, so that every array is allocated once at its exact length and width.
        int[] stamp = new int[k];
        long nnz = 0;
        long groups = 0;
        for (int r = 0; r < rows; r++) {
            int distinct = 0;
            int maxRank = 0;
            for (int c = 0; c < cols; c++) {
                int t = rank[source.code(r, c)];
                if (t > 0) {
                    nnz++;
                    if (stamp[t] != r + 1) {
                        stamp[t] = r + 1;
                        distinct++;
                        maxRank = Math.max(maxRank, t);
                    }
                }
            }
            groups += explicitValues ? distinct : maxRank;
        }
        if (nnz > Integer.MAX_VALUE || groups > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("matrix too large for 32-bit pointers: " + nnz + " entries, "
                    + groups + " groups");
        }

        float[] omegaValues = new float[k];
        for (int t = 0; t < k; t++) {
            omegaValues[t] = source.codebookSize() == 0 ? 0f : source.codebookValue(order[t]);
        }
        MemorySegment omega = OffHeap.floats(arena, omegaValues);
        IndexArray colIdx = OffHeap.indices(arena, nnz, cols - 1L);
        IndexArray groupPtr = OffHeap.indices(arena, groups + 1, nnz);
        IndexArray rowPtr = OffHeap.indices(arena, rows + 1L, groups);
        IndexArray groupValue = explicitValues ? OffHeap.indices(arena, groups, k - 1L) : null;
        MemorySegment rowScale = OffHeap.rowScales(arena, source);

        // Pass 2: per row, count entries per rank, lay the buckets out in rank order, fill columns.
        int[] count = new int[k];
        int[] next = new int[k];
        int[] touched = new int[k];
        int p = 0;
        int g = 0;
        set(groupPtr, 0, 0);
        set(rowPtr, 0, 0);
        for (int r = 0; r < rows; r++) {
            int present = 0;
            for (int c = 0; c < cols; c++) {
                int t = rank[source.code(r, c)];
                if (t > 0 && count[t]++ == 0) {
                    touched[present++] = t;
                }
            }
            Arrays.sort(touched, 0, present);
            int position = p;
            for (int i = 0; i < present; i++) {
                next[touched[i]] = position;
                position += count[touched[i]];
            }
            for (int c = 0; c < cols; c++) {
                int t = rank[source.code(r, c)];
                if (t > 0) {
                    set(colIdx, next[t]++, c);
                }
            }
            position = p;
            if (explicitValues) {
                for (int i = 0; i < present; i++) {
                    int t = touched[i];
                    position += count[t];
                    set(groupValue, g, t);
                    set(groupPtr, ++g, position);
                }
            } else if (present > 0) {
                for (int t = 1; t <= touched[present - 1]; t++) {
                    position += count[t];
                    set(groupPtr, ++g, position);
                }
            }
            for (int i = 0; i < present; i++) {
                count[touched[i]] = 0;
            }
            p = position;
            set(rowPtr, r + 1, g);
        }
        assert p == nnz && g == groups;
        return new GroupedRows(omega, colIdx, groupValue, groupPtr, rowPtr, rowScale);
    }

    private static void set(IndexArray array, long index, int value) {
        array.width().set(array.segment(), index, value);
    }

    // ---------------------------------------------------------------------------------------------
    // Validation

    /**
     * The arrays of an untrusted layout, after checking every invariant the kernels rely on: element
     * types and narrowest widths; lengths that agree; both pointer arrays starting at 0, never
     * decreasing and ending at the next array's length; columns below {@code cols}, ascending within
     * a group and never repeated within a row; group values inside Ω (CSER) or no more groups per row
     * than Ω has non-implicit values (CER); no stored empty group after a row's last value (CER) and
     * none at all (CSER).
     */
    public static GroupedRows validate(Layout layout, boolean explicitValues) {
        String name = layout.format();
        int rows = layout.rows();
        int cols = layout.cols();
        MemorySegment omega = layout.f32("omega");
        long k = omega.byteSize() / 4;
        if (k < 1) {
            throw new InvalidLayoutException(name + ": omega is empty; it must hold at least the implicit value");
        }
        long nnz = layout.array("colIdx").length();
        long groups = layout.array("groupPtr").length() - 1;
        if (groups < 0) {
            throw new InvalidLayoutException(name + ": groupPtr is empty; it needs at least its end entry");
        }
        IndexArray colIdx = layout.indices("colIdx", cols - 1L);
        IndexArray groupPtr = layout.indices("groupPtr", nnz);
        IndexArray rowPtr = layout.indices("rowPtr", groups);
        layout.requireLength("rowPtr", layout.array("rowPtr"), rows + 1L);
        IndexArray groupValue = null;
        if (explicitValues) {
            groupValue = layout.indices("groupValue", k - 1);
            layout.requireLength("groupValue", layout.array("groupValue"), groups);
        } else if (layout.has("groupValue")) {
            throw new InvalidLayoutException(name + ": CER stores no groupValue array");
        }
        MemorySegment rowScale = layout.has("rowScale") ? layout.f32("rowScale", rows) : MemorySegment.NULL;

        layout.pointers("rowPtr", rowPtr, rows, groups, groups, "groupPtr");
        layout.pointers("groupPtr", groupPtr, groups, nnz, nnz, "colIdx");

        int[] rowColumns = new int[0];
        for (int r = 0; r < rows; r++) {
            int g0 = rowPtr.get(r);
            int g1 = rowPtr.get(r + 1);
            if (!explicitValues && g1 - g0 > k - 1) {
                throw new InvalidLayoutException(name + ": row " + r + " has " + (g1 - g0) + " groups but omega has only "
                        + (k - 1) + " non-implicit values");
            }
            int rowStart = groupPtr.get(g0);
            int rowLength = groupPtr.get(g1) - rowStart;
            if (rowColumns.length < rowLength) {
                rowColumns = new int[Math.max(rowLength, 2 * rowColumns.length)];
            }
            for (int g = g0; g < g1; g++) {
                int start = groupPtr.get(g);
                int end = groupPtr.get(g + 1);
                if (explicitValues) {
                    int value = groupValue.get(g);
                    if (value < 1 || value >= k) {
                        throw new InvalidLayoutException(name + ": groupValue[" + g + "] = " + Integer.toUnsignedLong(value)
                                + " is outside omega's non-implicit values [1, " + k + ")");
                    }
                    if (start == end) {
                        throw new InvalidLayoutException(name + ": group " + g + " in row " + r + " is empty");
                    }
                } else if (g == g1 - 1 && start == end) {
                    throw new InvalidLayoutException(name + ": row " + r + " ends with an empty group " + g
                            + "; groups after a row's last value are not stored");
                }
                layout.ascendingColumns("colIdx", colIdx, start, end, r);
                for (int p = start; p < end; p++) {
                    rowColumns[p - rowStart] = colIdx.get(p);
                }
            }
            Arrays.sort(rowColumns, 0, rowLength);
            for (int i = 1; i < rowLength; i++) {
                if (rowColumns[i] == rowColumns[i - 1]) {
                    throw new InvalidLayoutException(name + ": column " + rowColumns[i] + " appears twice in row " + r);
                }
            }
        }
        return new GroupedRows(omega, colIdx, groupValue, groupPtr, rowPtr, rowScale);
    }
}
