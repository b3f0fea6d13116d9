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

/**
 * Operators that move, reinterpret or generate data: shapes, views, concatenation, splits, slicing,
 * transposes, gathers, expansion, tiling, padding, ranges and filled tensors.
 */
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

    /** Split along one axis into parts given by a constant {@code split}, or equal parts (the last one smaller). */
    static final class SplitOp extends AbstractOperator {
        SplitOp() {
            super("Split", 1, 2, 1, Integer.MAX_VALUE, "axis", "num_outputs");
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            if (x.rank() == 0) {
                throw invalid(node, "cannot split a scalar");
            }
            int axis = Shapes.axis(node.attributes().getLong("axis", 0), x.rank(), node.describe());
            int parts = node.outputs().size();
            int extent = x.dim(axis);
            int[] sizes = new int[parts];
            if (input(inputs, 1) != null) {
                long[] split = longs(constant(node, inputs, 1, "split"));
                if (split.length != parts) {
                    throw invalid(node, split.length + " split sizes for " + parts + " outputs");
                }
                long total = 0;
                for (int i = 0; i < parts; i++) {
                    if (split[i] < 0 || split[i] > extent) {
                        throw invalid(node, "bad split size " + split[i]);
                    }
                    sizes[i] = (int) split[i];
                    total += split[i];
                }
                if (total != extent) {
                    throw invalid(node, "split sizes " + Arrays.toString(split) + " do not add up to " + extent);
                }
            } else {
                long declared = node.attributes().getLong("num_outputs", parts);
                if (declared != parts) {
                    throw invalid(node, "num_outputs " + declared + " but " + parts + " outputs");
                }
                int part = Math.ceilDiv(extent, parts);
                for (int i = 0, left = extent; i < parts; i++) {
                    sizes[i] = Math.min(part, left);
                    left -= sizes[i];
                }
            }
            int[] shape = x.shape();
            int outer = Shapes.product(shape, 0, axis);
            long innerBytes = (long) Shapes.product(shape, axis + 1, shape.length) * x.type().bytes();
            List<ValueType> outputs = new ArrayList<>();
            for (int size : sizes) {
                int[] out = shape.clone();
                out[axis] = size;
                outputs.add(ValueType.of(x.type(), out));
            }
            long inRow = extent * innerBytes;
            Kernel kernel = (in, o, scratch) -> {
                long offset = 0;
                for (int k = 0; k < parts; k++) {
                    long chunk = sizes[k] * innerBytes;
                    for (int r = 0; r < outer; r++) {
                        MemorySegment.copy(in[0], r * inRow + offset, o[k], r * chunk, chunk);
                    }
                    offset += chunk;
                }
            };
            return new Binding(outputs, kernel, 0, false);
        }
    }

    /** Expand: broadcast the input to a constant shape (numpy's rule in both directions). */
    static final class ExpandOp extends AbstractOperator {
        ExpandOp() {
            super("Expand", 2, 2, 1);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            long[] target = longs(constant(node, inputs, 1, "the shape"));
            int[] requested = boundedShape(node, target, x.type());
            int[] out = Shapes.broadcast(x.shape(), requested, node.describe());
            boundedShape(node, Arrays.stream(out).asLongStream().toArray(), x.type());
            Broadcast loop = new Broadcast(out, x.shape());
            long elem = x.type().bytes();
            return Binding.of(ValueType.of(x.type(), out), (in, o, scratch) -> loop.forEach(
                    (y, at) -> MemorySegment.copy(in[0], at[0] * elem, o[0], y * elem, elem)));
        }
    }

    /** Calls {@code visitor} with each output element's index of an output of {@code shape}, in row-major order. */
    private static void forEachIndex(int[] shape, java.util.function.ObjIntConsumer<int[]> visitor) {
        int size = Shapes.size(shape);
        int[] index = new int[shape.length];
        for (int i = 0; i < size; i++) {
            visitor.accept(index, i);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
    }

    /** Tile: the input repeated a constant number of times along each axis. */
    static final class TileOp extends AbstractOperator {
        TileOp() {
            super("Tile", 2, 2, 1);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            long[] repeats = longs(constant(node, inputs, 1, "repeats"));
            int rank = x.rank();
            if (repeats.length != rank) {
                throw invalid(node, repeats.length + " repeats for an input of rank " + rank);
            }
            int[] shape = x.shape();
            long[] dims = new long[rank];
            for (int d = 0; d < rank; d++) {
                if (repeats[d] < 0 || repeats[d] > Shapes.MAX_ELEMENTS) {
                    throw invalid(node, "bad repeat count " + repeats[d]);
                }
                dims[d] = shape[d] * repeats[d];
            }
            int[] out = boundedShape(node, dims, x.type());
            int[] strides = Shapes.strides(shape);
            long elem = x.type().bytes();
            return Binding.of(ValueType.of(x.type(), out), (in, o, scratch) -> forEachIndex(out, (index, y) -> {
                long src = 0;
                for (int d = 0; d < rank; d++) {
                    src += (long) (index[d] % shape[d]) * strides[d];
                }
                MemorySegment.copy(in[0], src * elem, o[0], y * elem, elem);
            }));
        }
    }

    /**
     * Pad with constant pads (negative ones crop) in constant, edge, reflect or wrap mode, over all
     * axes or the constant {@code axes} given.
     */
    static final class PadOp extends AbstractOperator {
        PadOp() {
            super("Pad", 2, 4, 1, "mode");
        }

        @Override
        void checkAttributes(Node node) {
            String mode = node.attributes().getString("mode", "constant");
            if (!List.of("constant", "edge", "reflect", "wrap").contains(mode)) {
                throw unsupported(node, "mode '" + mode + "'");
            }
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            int rank = x.rank();
            int[] shape = x.shape();
            long[] pads = longs(constant(node, inputs, 1, "pads"));
            long[] axes = input(inputs, 3) == null ? null : longs(constant(node, inputs, 3, "axes"));
            int padded = axes == null ? rank : axes.length;
            if (pads.length != 2L * padded) {
                throw invalid(node, pads.length + " pads for " + padded + " axes");
            }
            long[] begin = new long[rank];
            long[] dims = new long[rank];
            for (int d = 0; d < rank; d++) {
                dims[d] = shape[d];
            }
            for (int i = 0; i < padded; i++) {
                int a = axes == null ? i : Shapes.axis(axes[i], rank, node.describe());
                long before = pads[i];
                long after = pads[i + padded];
                if (Math.abs(before) > Shapes.MAX_ELEMENTS || Math.abs(after) > Shapes.MAX_ELEMENTS) {
                    throw invalid(node, "bad pads " + Arrays.toString(pads));
                }
                begin[a] = before;
                dims[a] = shape[a] + before + after;
            }
            int[] out = boundedShape(node, dims, x.type());
            String mode = node.attributes().getString("mode", "constant");
            for (int d = 0; d < rank; d++) {
                boolean grows = begin[d] > 0 || out[d] - begin[d] > shape[d];
                if (!mode.equals("constant") && grows && shape[d] == 0) {
                    throw invalid(node, "mode '" + mode + "' cannot pad the empty axis " + d);
                }
            }
            double fill = 0;
            if (input(inputs, 2) != null) {
                Tensor value = constant(node, inputs, 2, "the constant value");
                if (value.size() != 1 || value.type() != x.type()) {
                    throw invalid(node, "the constant value must be one " + x.type().onnxName() + ", got " + value);
                }
                fill = value.getDouble(0);
            }
            ElementType type = x.type();
            long elem = type.bytes();
            int[] strides = Shapes.strides(shape);
            double constantValue = fill;
            return Binding.of(ValueType.of(type, out), (in, o, scratch) -> forEachIndex(out, (index, y) -> {
                long src = 0;
                for (int d = 0; d < rank; d++) {
                    long i = index[d] - begin[d];
                    int n = shape[d];
                    if (i < 0 || i >= n) {
                        i = switch (mode) {
                            case "edge" -> Math.clamp(i, 0, n - 1);
                            case "wrap" -> Math.floorMod(i, n);
                            case "reflect" -> reflect(i, n);
                            default -> -1;
                        };
                        if (i < 0) {
                            Elements.setDouble(type, o[0], y, constantValue);
                            return;
                        }
                    }
                    src += i * strides[d];
                }
                MemorySegment.copy(in[0], src * elem, o[0], y * elem, elem);
            }));
        }

        /** Index {@code i} mirrored into {@code [0, n)} without repeating the edge, as numpy's reflect mode. */
        private static long reflect(long i, int n) {
            if (n == 1) {
                return 0;
            }
            long period = 2L * (n - 1);
            long m = Math.floorMod(i, period);
            return m < n ? m : period - m;
        }
    }

    /** Range: {@code start + i·delta} while short of {@code limit}, from constant scalars (float, int32, int64). */
    static final class RangeOp extends AbstractOperator {
        RangeOp() {
            super("Range", 3, 3, 1);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            Tensor start = constant(node, inputs, 0, "start");
            Tensor limit = constant(node, inputs, 1, "limit");
            Tensor delta = constant(node, inputs, 2, "delta");
            ElementType type = start.type();
            requireType(node, inputs.get(0), "start", ElementType.F32, ElementType.I64, ElementType.I32);
            for (Tensor t : new Tensor[]{start, limit, delta}) {
                if (t.type() != type || t.size() != 1) {
                    throw invalid(node, "start, limit and delta must be scalars of one type, got " + start + ", " + limit
                            + ", " + delta);
                }
            }
            long count;
            if (type == ElementType.F32) {
                double s = start.getDouble(0);
                double l = limit.getDouble(0);
                double d = delta.getDouble(0);
                if (d == 0 || !Double.isFinite(s) || !Double.isFinite(l) || !Double.isFinite(d)) {
                    throw invalid(node, "start, limit and delta must be finite and delta non-zero");
                }
                count = (long) Math.max(0, Math.min(Math.ceil((l - s) / d), Long.MAX_VALUE / 2));
            } else {
                long s = start.getLong(0);
                long l = limit.getLong(0);
                long d = delta.getLong(0);
                if (d == 0) {
                    throw invalid(node, "delta must be non-zero");
                }
                double exact = Math.ceil(((double) l - s) / d);
                count = (long) Math.max(0, Math.min(exact, Long.MAX_VALUE / 2));
            }
            int[] out = boundedShape(node, new long[]{count}, type);
            double s = start.getDouble(0);
            double d = delta.getDouble(0);
            long sl = start.getLong(0);
            long dl = delta.getLong(0);
            return Binding.of(ValueType.of(type, out), (in, o, scratch) -> {
                for (int i = 0; i < out[0]; i++) {
                    if (type == ElementType.F32) {
                        Elements.setDouble(type, o[0], i, (float) (s + i * d));
                    } else {
                        Elements.setLong(type, o[0], i, sl + i * dl);
                    }
                }
            });
        }
    }

    /**
     * ConstantOfShape: a tensor of a constant shape filled with one value. The importer turns ONNX's
     * {@code value} tensor attribute into the optional second input (a one-element constant).
     */
    static final class ConstantOfShapeOp extends AbstractOperator {
        ConstantOfShapeOp() {
            super("ConstantOfShape", 1, 2, 1);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            Tensor shape = constant(node, inputs, 0, "the shape");
            if (shape.type() != ElementType.I64 || shape.rank() != 1) {
                throw invalid(node, "the shape must be a 1-D int64 tensor, got " + shape);
            }
            Tensor value = input(inputs, 1) == null ? Tensor.of(new float[]{0f}) : constant(node, inputs, 1, "the value");
            if (value.size() != 1) {
                throw invalid(node, "the value must have one element, got " + value);
            }
            ElementType type = value.type();
            int[] out = boundedShape(node, longs(shape), type);
            int n = Shapes.size(out);
            long elem = type.bytes();
            MemorySegment v = value.data();
            return Binding.of(ValueType.of(type, out), (in, o, scratch) -> {
                for (long i = 0; i < n; i++) {
                    MemorySegment.copy(v, 0, o[0], i * elem, elem);
                }
            });
        }
    }
}
