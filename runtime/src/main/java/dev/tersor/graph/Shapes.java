package dev.tersor.graph;

import java.util.Arrays;

/** Shape arithmetic with overflow checks: every tensor has at most {@link #MAX_ELEMENTS} elements. */
public final class Shapes {

    /** Largest element count of one tensor; keeps every index an int and every allocation checked. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /** Largest rank the runtime accepts. */
    public static final int MAX_RANK = 16;

    private Shapes() {
    }

    /** Product of the dims, or an {@link InvalidModelException} if a dim is negative or the product too large. */
    public static int size(int[] shape) {
        if (shape.length > MAX_RANK) {
            throw new InvalidModelException("rank " + shape.length + " exceeds the limit " + MAX_RANK);
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new InvalidModelException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
            if (n > MAX_ELEMENTS) {
                throw new InvalidModelException("shape " + Arrays.toString(shape) + " has more than " + MAX_ELEMENTS
                        + " elements");
            }
        }
        return (int) n;
    }

    /** Row-major strides, in elements. */
    public static int[] strides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /** Normalizes a possibly negative axis of a rank-{@code rank} tensor. */
    public static int axis(long axis, int rank, String what) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new InvalidModelException(what + ": axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    /** Product of dims {@code [from, to)}. */
    public static int product(int[] shape, int from, int to) {
        long n = 1;
        for (int i = from; i < to; i++) {
            n *= shape[i];
        }
        return (int) n;
    }

    /** Numpy-style broadcast of two shapes. */
    public static int[] broadcast(int[] a, int[] b, String what) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da == db || db == 1) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else {
                throw new InvalidModelException(what + ": shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not broadcast");
            }
        }
        size(out);
        return out;
    }

    public static String toString(int[] shape) {
        return Arrays.toString(shape);
    }

    /** Converts int64 dims to ints, rejecting values that do not fit. */
    public static int[] fromLongs(long[] dims, String what) {
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > MAX_ELEMENTS) {
                throw new InvalidModelException(what + ": dimension " + dims[i] + " is out of range");
            }
            shape[i] = (int) dims[i];
        }
        return shape;
    }
}
