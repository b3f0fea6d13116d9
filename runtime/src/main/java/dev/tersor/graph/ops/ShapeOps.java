package dev.tersor.graph.ops;

import dev.tersor.format.ElementType;
import dev.tersor.graph.Elements;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;
import dev.tersor.kernels.tensor.TensorKernels;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Operators that move or reinterpret data: shapes, views, concatenation, slicing, transposes, gathers. */
final class ShapeOps {

    private ShapeOps() {
    }

    /** Shape: always a constant once input shapes are bound. */
    static final class ShapeOp extends AbstractOperator {
        ShapeOp() {
            super("Shape", 1, 1, 1, "start", "end");
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            int[] shape = inputs.get(0).shape();
            int rank = shape.length;
            long start = node.attributes().getLong("start", 0);
            long end = node.attributes().getLong("end", rank);
            int s = Math.clamp(start < 0 ? start + rank : start, 0, rank);
            int e = Math.clamp(end < 0 ? end + rank : end, 0, rank);
            long[] dims = new long[Math.max(0, e - s)];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape[s + i];
            }
            return Binding.constants(List.of(ValueType.of(Tensor.ofLongs(dims, dims.length))));
        }
    }

    /** Views that only change the shape: Reshape, Unsqueeze, Squeeze, Flatten, Identity. */
    static final class ViewOp extends AbstractOperator {
        enum Kind { RESHAPE, UNSQUEEZE, SQUEEZE, FLATTEN, IDENTITY }

        private final Kind kind;

        ViewOp(String name, Kind kind, int minInputs, int maxInputs, String... attributes) {
            super(name, minInputs, maxInputs, 1, attributes);
            this.kind = kind;
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            int[] shape = x.shape();
            int[] out = switch (kind) {
                case IDENTITY -> shape;
                case RESHAPE -> reshape(node, shape, longs(constant(node, inputs, 1, "the target shape")),
                        node.attributes().getLong("allowzero", 0) != 0);
                case UNSQUEEZE -> unsqueeze(node, shape, longs(constant(node, inputs, 1, "axes")));
                case SQUEEZE -> squeeze(node, shape, input(inputs, 1) == null ? null
                        : longs(constant(node, inputs, 1, "axes")));
                case FLATTEN -> {
                    int axis = (int) node.attributes().getLong("axis", 1);
                    int a = axis < 0 ? axis + shape.length : axis;
                    if (a < 0 || a > shape.length) {
                        throw invalid(node, "axis " + axis + " out of range for rank " + shape.length);
                    }
                    yield new int[]{Shapes.product(shape, 0, a), Shapes.product(shape, a, shape.length)};
                }
            };
            return Binding.alias(new ValueType(x.type(), out, x.constant() == null ? null
                    : Tensor.wrap(x.type(), out, x.constant().data())));
        }

        static int[] reshape(Node node, int[] in, long[] target, boolean allowZero) {
            int[] out = new int[target.length];
            int inferred = -1;
            long known = 1;
            for (int i = 0; i < target.length; i++) {
                long d = target[i];
                if (d == -1) {
                    if (inferred >= 0) {
                        throw invalid(node, "more than one -1 in the target shape " + Arrays.toString(target));
                    }
                    inferred = i;
                    continue;
                }
                if (d == 0 && !allowZero) {
                    if (i >= in.length) {
                        throw invalid(node, "0 at axis " + i + " copies a dimension the input does not have");
                    }
                    d = in[i];
                }
                if (d < 0 || d > Shapes.MAX_ELEMENTS) {
                    throw invalid(node, "bad dimension " + target[i] + " in the target shape");
                }
                out[i] = (int) d;
                known *= d;
                if (known > Shapes.MAX_ELEMENTS) {
                    throw invalid(node, "target shape " + Arrays.toString(target) + " is too large");
                }
            }
            int size = Shapes.size(in);
            if (inferred >= 0) {
                if (known == 0 || size % known != 0) {
                    throw invalid(node, "cannot infer -1 reshaping " + Arrays.toString(in) + " to " + Arrays.toString(target));
                }
                out[inferred] = (int) (size / known);
            } else if (known != size) {
                throw invalid(node, "cannot reshape " + Arrays.toString(in) + " (" + size + " elements) to "
                        + Arrays.toString(out));
            }
            return out;
        }

        static int[] unsqueeze(Node node, int[] in, long[] axes) {
            int rank = in.length + axes.length;
            boolean[] inserted = new boolean[rank];
            for (long axis : axes) {
                int a = Shapes.axis(axis, rank, node.describe());
                if (inserted[a]) {
                    throw invalid(node, "axis " + axis + " given twice");
                }
                inserted[a] = true;
            }
            int[] out = new int[rank];
            for (int i = 0, j = 0; i < rank; i++) {
                out[i] = inserted[i] ? 1 : in[j++];
            }
            return out;
        }

        static int[] squeeze(Node node, int[] in, long[] axes) {
            boolean[] removed = new boolean[in.length];
            if (axes == null) {
                for (int i = 0; i < in.length; i++) {
                    removed[i] = in[i] == 1;
                }
            } else {
                for (long axis : axes) {
                    int a = Shapes.axis(axis, in.length, node.describe());
                    if (in[a] != 1) {
                        throw invalid(node, "cannot squeeze axis " + axis + " of size " + in[a]);
                    }
                    removed[a] = true;
                }
            }
            int[] out = new int[in.length];
            int n = 0;
            for (int i = 0; i < in.length; i++) {
                if (!removed[i]) {
                    out[n++] = in[i];
                }
            }
            return Arrays.copyOf(out, n);
        }
    }

    /** Concat along one axis, any element type. */
    static final class ConcatOp extends AbstractOperator {
        ConcatOp() {
            super("Concat", 1, Integer.MAX_VALUE, 1, "axis");
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType first = inputs.get(0);
            int rank = first.rank();
            int axis = Shapes.axis(node.attributes().getLong("axis", 0), Math.max(rank, 1), node.describe());
            if (rank == 0) {
                throw invalid(node, "cannot concatenate scalars");
            }
            int[] out = first.shape();
            long total = 0;
            int[] extents = new int[inputs.size()];
            for (int k = 0; k < inputs.size(); k++) {
                ValueType v = inputs.get(k);
                if (v == null) {
                    throw invalid(node, "input " + k + " is missing");
                }
                if (v.type() != first.type() || v.rank() != rank) {
                    throw invalid(node, "input " + k + " is " + v + ", input 0 is " + first);
                }
                for (int d = 0; d < rank; d++) {
                    if (d != axis && v.dim(d) != out[d]) {
                        throw invalid(node, "input " + k + " has shape " + Arrays.toString(v.shape()) + ", input 0 "
                                + Arrays.toString(out));
                    }
                }
                extents[k] = v.dim(axis);
                total += extents[k];
            }
            if (total > Shapes.MAX_ELEMENTS) {
                throw invalid(node, "result too large");
            }
            out[axis] = (int) total;
            Shapes.size(out);
            int outer = Shapes.product(out, 0, axis);
            long innerBytes = (long) Shapes.product(out, axis + 1, rank) * first.type().bytes();
            long outRow = total * innerBytes;
            return Binding.of(ValueType.of(first.type(), out), (in, o, scratch) -> {
                long offset = 0;
                for (int k = 0; k < in.length; k++) {
                    long chunk = extents[k] * innerBytes;
                    for (int r = 0; r < outer; r++) {
                        MemorySegment.copy(in[k], r * chunk, o[0], r * outRow + offset, chunk);
                    }
                    offset += chunk;
                }
            });
        }
    }

    /** Slice with constant starts, ends, axes and steps (negative steps included). */
    static final class SliceOp extends AbstractOperator {
        SliceOp() {
            super("Slice", 3, 5, 1);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            int rank = x.rank();
            long[] starts = longs(constant(node, inputs, 1, "starts"));
            long[] ends = longs(constant(node, inputs, 2, "ends"));
            long[] axes = input(inputs, 3) == null ? null : longs(constant(node, inputs, 3, "axes"));
            long[] steps = input(inputs, 4) == null ? null : longs(constant(node, inputs, 4, "steps"));
            if (ends.length != starts.length || (axes != null && axes.length != starts.length)
                    || (steps != null && steps.length != starts.length)) {
                throw invalid(node, "starts, ends, axes and steps differ in length");
            }
            int[] shape = x.shape();
            int[] begin = new int[rank];
            int[] step = new int[rank];
            int[] out = shape.clone();
            Arrays.fill(step, 1);
            boolean[] seen = new boolean[rank];
            for (int i = 0; i < starts.length; i++) {
                int a = Shapes.axis(axes == null ? i : axes[i], rank, node.describe());
                if (seen[a]) {
                    throw invalid(node, "axis " + a + " sliced twice");
                }
                seen[a] = true;
                long s = steps == null ? 1 : steps[i];
                if (s == 0 || s < Integer.MIN_VALUE + 1 || s > Integer.MAX_VALUE) {
                    throw invalid(node, "bad step " + s);
                }
                long dim = shape[a];
                long st = starts[i] < 0 ? starts[i] + dim : starts[i];
                long en = ends[i] < 0 ? ends[i] + dim : ends[i];
                long count;
                if (s > 0) {
                    st = Math.clamp(st, 0, dim);
                    en = Math.clamp(en, 0, dim);
                    count = en > st ? (en - st + s - 1) / s : 0;
                } else {
                    st = Math.clamp(st, -1, dim - 1);
                    en = Math.clamp(en, -1, dim - 1);
                    count = st > en ? (st - en - s - 1) / -s : 0;
                }
                begin[a] = (int) Math.max(st, 0);
                step[a] = (int) s;
                out[a] = (int) count;
            }
            int elem = x.type().bytes();
            int[] inStrides = Shapes.strides(shape);
            int size = Shapes.size(out);
            return Binding.of(ValueType.of(x.type(), out), (in, o, scratch) -> {
                if (size == 0) {
                    return;
                }
                int[] index = new int[rank];
                long base = 0;
                for (int d = 0; d < rank; d++) {
                    base += (long) begin[d] * inStrides[d];
                }
                long src = base;
                for (int i = 0; i < size; i++) {
                    MemorySegment.copy(in[0], src * elem, o[0], (long) i * elem, elem);
                    for (int d = rank - 1; d >= 0; d--) {
                        index[d]++;
                        src += (long) step[d] * inStrides[d];
                        if (index[d] < out[d]) {
                            break;
                        }
                        src -= (long) step[d] * inStrides[d] * out[d];
                        index[d] = 0;
                    }
                }
            });
        }
    }

    /**
     * Transpose. Dims of size one are dropped and runs of axes that stay adjacent merged first; what
     * remains is a copy, a batch of 2-D transposes, a copy of contiguous rows, or a general walk.
     */
    static final class TransposeOp extends AbstractOperator {
        TransposeOp() {
            super("Transpose", 1, 1, 1, "perm");
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            int rank = x.rank();
            int[] shape = x.shape();
            long[] permAttr = node.attributes().getLongs("perm", null);
            int[] perm = new int[rank];
            boolean[] used = new boolean[rank];
            for (int i = 0; i < rank; i++) {
                long p = permAttr == null ? rank - 1 - i : permAttr[i];
                if (permAttr != null && permAttr.length != rank || p < 0 || p >= rank || used[(int) p]) {
                    throw invalid(node, "perm " + Arrays.toString(permAttr) + " is not a permutation of rank " + rank);
                }
                used[(int) p] = true;
                perm[i] = (int) p;
            }
            int[] out = new int[rank];
            for (int i = 0; i < rank; i++) {
                out[i] = shape[perm[i]];
            }
            // Reduce: drop unit dims, merge input axes that stay consecutive in the output.
            List<int[]> groups = new ArrayList<>();
            for (int i = 0; i < rank; i++) {
                int a = perm[i];
                if (shape[a] == 1) {
                    continue;
                }
                int[] last = groups.isEmpty() ? null : groups.getLast();
                if (last != null && nextNonUnit(shape, last[1]) == a) {
                    last[1] = a;
                } else {
                    groups.add(new int[]{a, a});
                }
            }
            int m = groups.size();
            // Order the groups by input position to get the reduced input shape and permutation.
            Integer[] byInput = new Integer[m];
            for (int i = 0; i < m; i++) {
                byInput[i] = i;
            }
            Arrays.sort(byInput, (p, q) -> Integer.compare(groups.get(p)[0], groups.get(q)[0]));
            int[] rShape = new int[m];
            int[] rPerm = new int[m];
            int[] rank0 = new int[m];
            for (int j = 0; j < m; j++) {
                int[] g = groups.get(byInput[j]);
                rShape[j] = Shapes.product(shape, g[0], g[1] + 1);
                rank0[byInput[j]] = j;
            }
            for (int i = 0; i < m; i++) {
                rPerm[i] = rank0[i];
            }
            int elem = x.type().bytes();
            int size = x.size();
            ValueType result = ValueType.of(x.type(), out);
            TensorKernels kernels = context.kernels();
            boolean identity = true;
            for (int i = 0; i < m; i++) {
                identity &= rPerm[i] == i;
            }
            if (identity) {
                long bytes = (long) size * elem;
                return Binding.of(result, (in, o, scratch) -> MemorySegment.copy(in[0], 0, o[0], 0, bytes));
            }
            boolean swapLastTwo = m >= 2 && rPerm[m - 1] == m - 2 && rPerm[m - 2] == m - 1;
            for (int i = 0; i < m - 2 && swapLastTwo; i++) {
                swapLastTwo = rPerm[i] == i;
            }
            if (swapLastTwo && x.type() == ElementType.F32) {
                int rows = rShape[m - 2];
                int cols = rShape[m - 1];
                int batches = Shapes.product(rShape, 0, m - 2);
                long block = (long) rows * cols;
                return Binding.of(result, (in, o, scratch) -> {
                    for (int b = 0; b < batches; b++) {
                        kernels.transpose(in[0], b * block, o[0], b * block, rows, cols);
                    }
                });
            }
            int[] rStrides = Shapes.strides(rShape);
            int[] outDims = new int[m];
            int[] srcStride = new int[m];
            for (int i = 0; i < m; i++) {
                outDims[i] = rShape[rPerm[i]];
                srcStride[i] = rStrides[rPerm[i]];
            }
            boolean innerContiguous = rPerm[m - 1] == m - 1;
            int run = innerContiguous ? outDims[m - 1] : 1;
            int loops = innerContiguous ? m - 1 : m;
            long runBytes = (long) run * elem;
            return Binding.of(result, (in, o, scratch) -> {
                int[] index = new int[loops];
                long src = 0;
                for (long dst = 0; dst < size; dst += run) {
                    MemorySegment.copy(in[0], src * elem, o[0], dst * elem, runBytes);
                    for (int d = loops - 1; d >= 0; d--) {
                        index[d]++;
                        src += srcStride[d];
                        if (index[d] < outDims[d]) {
                            break;
                        }
                        src -= (long) srcStride[d] * outDims[d];
                        index[d] = 0;
                    }
                }
            });
        }

        private static int nextNonUnit(int[] shape, int axis) {
            for (int a = axis + 1; a < shape.length; a++) {
                if (shape[a] != 1) {
                    return a;
                }
            }
            return -1;
        }
    }

    /** Gather along an axis with int32 or int64 indices (negative ones count from the end). */
    static final class GatherOp extends AbstractOperator {
        GatherOp() {
            super("Gather", 2, 2, 1, "axis");
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType data = inputs.get(0);
            ValueType indices = inputs.get(1);
            requireType(node, indices, "the indices", ElementType.I64, ElementType.I32);
            int rank = data.rank();
            if (rank == 0) {
                throw invalid(node, "cannot gather from a scalar");
            }
            int axis = Shapes.axis(node.attributes().getLong("axis", 0), rank, node.describe());
            int[] ds = data.shape();
            int[] is = indices.shape();
            int[] out = new int[rank - 1 + is.length];
            System.arraycopy(ds, 0, out, 0, axis);
            System.arraycopy(is, 0, out, axis, is.length);
            System.arraycopy(ds, axis + 1, out, axis + is.length, rank - axis - 1);
            Shapes.size(out);
            int outer = Shapes.product(ds, 0, axis);
            int extent = ds[axis];
            long chunk = (long) Shapes.product(ds, axis + 1, rank) * data.type().bytes();
            int count = indices.size();
            ElementType indexType = indices.type();
            return Binding.of(ValueType.of(data.type(), out), (in, o, scratch) -> {
                for (int k = 0; k < count; k++) {
                    long index = Elements.getLong(indexType, in[1], k);
                    if (index < -extent || index >= extent) {
                        throw new InvalidModelException(node.describe() + ": index " + index + " is out of range [" + -extent
                                + ", " + extent + ")");
                    }
                    long i = index < 0 ? index + extent : index;
                    for (int r = 0; r < outer; r++) {
                        MemorySegment.copy(in[0], (r * (long) extent + i) * chunk, o[0], ((long) r * count + k) * chunk, chunk);
                    }
                }
            });
        }
    }
}
