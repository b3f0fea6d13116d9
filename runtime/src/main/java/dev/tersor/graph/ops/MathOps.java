package dev.tersor.graph.ops;

import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Elements;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Parallelism;
import dev.tersor.kernels.tensor.TensorKernels;
import dev.tersor.kernels.tensor.TensorKernels.Binary;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/** Products, normalizations and reductions. */
final class MathOps {

    private MathOps() {
    }

    /** The batch structure of a numpy matmul: broadcast batch dims, with 1-D operands promoted. */
    record MatMulShape(int m, int k, int n, int[] out, int batches, int[] aBatch, int[] bBatch) {

        static MatMulShape of(Node node, int[] a, int[] b) {
            if (a.length == 0 || b.length == 0) {
                throw AbstractOperator.invalid(node, "matmul of a scalar");
            }
            int[] a2 = a.length == 1 ? new int[]{1, a[0]} : a;
            int[] b2 = b.length == 1 ? new int[]{b[0], 1} : b;
            int m = a2[a2.length - 2];
            int k = a2[a2.length - 1];
            int n = b2[b2.length - 1];
            if (b2[b2.length - 2] != k) {
                throw AbstractOperator.invalid(node, "shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                        + " do not multiply");
            }
            int[] aBatch = Arrays.copyOf(a2, a2.length - 2);
            int[] bBatch = Arrays.copyOf(b2, b2.length - 2);
            int[] batch = Shapes.broadcast(aBatch, bBatch, node.describe());
            int rank = batch.length + (a.length == 1 ? 0 : 1) + (b.length == 1 ? 0 : 1);
            int[] out = Arrays.copyOf(batch, rank);
            int d = batch.length;
            if (a.length != 1) {
                out[d++] = m;
            }
            if (b.length != 1) {
                out[d] = n;
            }
            Shapes.size(out);
            Broadcast loop = new Broadcast(batch, aBatch, bBatch);
            int batches = Shapes.size(batch);
            int[] ab = new int[batches];
            int[] bb = new int[batches];
            for (int r = 0, i = 0; r < loop.runs; r++) {
                for (int j = 0; j < loop.inner; j++, i++) {
                    ab[i] = loop.offsets[0][r] + (loop.scalar[0] ? 0 : j);
                    bb[i] = loop.offsets[1][r] + (loop.scalar[1] ? 0 : j);
                }
            }
            return new MatMulShape(m, k, n, out, batches, ab, bb);
        }
    }

    /** MatMul of two activations (attention scores and context): one GEMM per batch matrix. */
    static final class MatMulOp extends AbstractOperator {
        MatMulOp() {
            super("MatMul", 2, 2, 1);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType a = inputs.get(0);
            ValueType b = inputs.get(1);
            requireType(node, a, "input A", ElementType.F32);
            requireType(node, b, "input B", ElementType.F32);
            MatMulShape s = MatMulShape.of(node, a.shape(), b.shape());
            TensorKernels kernels = context.kernels();
            long aSize = (long) s.m() * s.k();
            long bSize = (long) s.k() * s.n();
            long cSize = (long) s.m() * s.n();
            return Binding.of(ValueType.of(ElementType.F32, s.out()), (in, out, scratch) -> {
                for (int i = 0; i < s.batches(); i++) {
                    kernels.gemm(s.m(), s.k(), s.n(), in[0], s.aBatch()[i] * aSize, s.k(), in[1], s.bBatch()[i] * bSize,
                            s.n(), out[0], i * cSize, s.n(), false);
                }
            });
        }
    }

    /**
     * Softmax along one axis. With {@code coerce} (ONNX before opset 13) the input is flattened to
     * 2-D at the axis and normalized over everything after it.
     */
    static final class SoftmaxOp extends AbstractOperator {
        SoftmaxOp() {
            super("Softmax", 1, 1, 1, "axis", "coerce");
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            int rank = x.rank();
            int[] shape = x.shape();
            boolean coerce = node.attributes().getLong("coerce", 0) != 0;
            if (rank == 0) {
                throw invalid(node, "softmax of a scalar");
            }
            int axis = Shapes.axis(node.attributes().getLong("axis", -1), rank, node.describe());
            int rows = Shapes.product(shape, 0, axis);
            int n = coerce ? Shapes.product(shape, axis, rank) : shape[axis];
            int inner = coerce ? 1 : Shapes.product(shape, axis + 1, rank);
            TensorKernels kernels = context.kernels();
            ValueType out = ValueType.of(ElementType.F32, shape);
            if (inner == 1) {
                return Binding.of(out, (in, o, scratch) -> kernels.softmax(in[0], 0, o[0], 0, rows, n));
            }
            return Binding.of(out, (in, o, scratch) -> {
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < inner; j++) {
                        long base = (long) r * n * inner + j;
                        float max = Float.NEGATIVE_INFINITY;
                        for (int i = 0; i < n; i++) {
                            max = Math.max(max, in[0].getAtIndex(Layouts.F32, base + (long) i * inner));
                        }
                        float sum = 0;
                        for (int i = 0; i < n; i++) {
                            float e = (float) Math.exp(in[0].getAtIndex(Layouts.F32, base + (long) i * inner) - max);
                            o[0].setAtIndex(Layouts.F32, base + (long) i * inner, e);
                            sum += e;
                        }
                        for (int i = 0; i < n; i++) {
                            long p = base + (long) i * inner;
                            o[0].setAtIndex(Layouts.F32, p, o[0].getAtIndex(Layouts.F32, p) / sum);
                        }
                    }
                }
            });
        }
    }

    /** How a reduction starts, takes in each element, and finishes. */
    enum Reduction {
        MEAN("ReduceMean", 0), SUM("ReduceSum", 0), SUM_SQUARE("ReduceSumSquare", 0), L1("ReduceL1", 0),
        L2("ReduceL2", 0), PROD("ReduceProd", 1), MAX("ReduceMax", Float.NEGATIVE_INFINITY),
        MIN("ReduceMin", Float.POSITIVE_INFINITY);

        final String onnxName;
        final float identity;

        Reduction(String onnxName, float identity) {
            this.onnxName = onnxName;
            this.identity = identity;
        }

        float accumulate(float acc, float v) {
            return switch (this) {
                case MEAN, SUM -> acc + v;
                case SUM_SQUARE, L2 -> acc + v * v;
                case L1 -> acc + Math.abs(v);
                case PROD -> acc * v;
                case MAX -> Float.isNaN(v) ? v : Math.max(acc, v);
                case MIN -> Float.isNaN(v) ? v : Math.min(acc, v);
            };
        }

        float finish(float acc, int count) {
            return switch (this) {
                case MEAN -> acc / count;
                case L2 -> (float) Math.sqrt(acc);
                default -> acc;
            };
        }
    }

    /**
     * ReduceMean, ReduceSum, ReduceMax and their relatives over constant axes (all axes when none are
     * given, unless {@code noop_with_empty_axes}), keeping reduced dims or not. Means and sums over the
     * last axis only go through the tensor kernels' sum.
     */
    static final class ReduceOp extends AbstractOperator {
        private final Reduction reduction;

        ReduceOp(Reduction reduction) {
            super(reduction.onnxName, 1, 1, 1, "axes", "keepdims", "noop_with_empty_axes");
            this.reduction = reduction;
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            int rank = x.rank();
            int[] shape = x.shape();
            long[] axes = node.attributes().getLongs("axes", new long[0]);
            boolean keep = node.attributes().getLong("keepdims", 1) != 0;
            boolean[] reduced = new boolean[rank];
            if (axes.length == 0) {
                if (node.attributes().getLong("noop_with_empty_axes", 0) != 0) {
                    long bytes = x.byteSize();
                    return Binding.of(ValueType.of(ElementType.F32, shape),
                            (in, o, scratch) -> MemorySegment.copy(in[0], 0, o[0], 0, bytes));
                }
                Arrays.fill(reduced, true);
            }
            for (long a : axes) {
                reduced[Shapes.axis(a, rank, node.describe())] = true;
            }
            int[] keptShape = shape.clone();
            int count = 1;
            int outRank = 0;
            for (int d = 0; d < rank; d++) {
                if (reduced[d]) {
                    count *= shape[d];
                    keptShape[d] = 1;
                } else {
                    outRank++;
                }
            }
            int[] out = keep ? keptShape : new int[outRank];
            if (!keep) {
                for (int d = 0, j = 0; d < rank; d++) {
                    if (!reduced[d]) {
                        out[j++] = shape[d];
                    }
                }
            }
            int outSize = Shapes.size(keptShape);
            int n = count;
            TensorKernels kernels = context.kernels();
            boolean lastOnly = rank > 0 && reduced[rank - 1];
            for (int d = 0; d < rank - 1 && lastOnly; d++) {
                lastOnly = !reduced[d];
            }
            if (lastOnly && (reduction == Reduction.MEAN || reduction == Reduction.SUM)) {
                int last = shape[rank - 1];
                return Binding.of(ValueType.of(ElementType.F32, out), (in, o, scratch) -> {
                    for (int r = 0; r < outSize; r++) {
                        o[0].setAtIndex(Layouts.F32, r, reduction.finish(kernels.sum(in[0], (long) r * last, last), n));
                    }
                });
            }
            Broadcast loop = new Broadcast(shape, shape, keptShape);
            return Binding.of(ValueType.of(ElementType.F32, out), (in, o, scratch) -> {
                for (int i = 0; i < outSize; i++) {
                    o[0].setAtIndex(Layouts.F32, i, reduction.identity);
                }
                for (int r = 0; r < loop.runs; r++) {
                    long xo = (long) r * loop.inner;
                    long yo = loop.offsets[1][r];
                    for (int i = 0; i < loop.inner; i++) {
                        long y = loop.scalar[1] ? yo : yo + i;
                        o[0].setAtIndex(Layouts.F32, y, reduction.accumulate(o[0].getAtIndex(Layouts.F32, y),
                                in[0].getAtIndex(Layouts.F32, xo + i)));
                    }
                }
                for (int i = 0; i < outSize; i++) {
                    o[0].setAtIndex(Layouts.F32, i, reduction.finish(o[0].getAtIndex(Layouts.F32, i), n));
                }
            });
        }
    }

    /** ArgMax and ArgMin along one axis (first or last index of ties), giving int64 indices. */
    static final class ArgExtremumOp extends AbstractOperator {
        private final boolean max;

        ArgExtremumOp(String name, boolean max) {
            super(name, 1, 1, 1, "axis", "keepdims", "select_last_index");
            this.max = max;
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            requireType(node, x, "the input", ElementType.F32, ElementType.I64, ElementType.I32);
            int rank = x.rank();
            if (rank == 0) {
                throw invalid(node, "no axis in a scalar");
            }
            int[] shape = x.shape();
            int axis = Shapes.axis(node.attributes().getLong("axis", 0), rank, node.describe());
            boolean keep = node.attributes().getLong("keepdims", 1) != 0;
            boolean last = node.attributes().getLong("select_last_index", 0) != 0;
            int extent = shape[axis];
            if (extent == 0) {
                throw invalid(node, "axis " + axis + " is empty");
            }
            int outer = Shapes.product(shape, 0, axis);
            int inner = Shapes.product(shape, axis + 1, rank);
            int[] out = keep ? shape.clone() : new int[rank - 1];
            if (keep) {
                out[axis] = 1;
            } else {
                System.arraycopy(shape, 0, out, 0, axis);
                System.arraycopy(shape, axis + 1, out, axis, rank - axis - 1);
            }
            ElementType type = x.type();
            return Binding.of(ValueType.of(ElementType.I64, out), (in, o, scratch) -> {
                for (int r = 0; r < outer; r++) {
                    for (int j = 0; j < inner; j++) {
                        long base = (long) r * extent * inner + j;
                        int best = 0;
                        double bestValue = Elements.getDouble(type, in[0], base);
                        for (int i = 1; i < extent; i++) {
                            double v = Elements.getDouble(type, in[0], base + (long) i * inner);
                            boolean better = max ? v > bestValue : v < bestValue;
                            if (better || (last && v == bestValue)) {
                                best = i;
                                bestValue = v;
                            }
                        }
                        o[0].setAtIndex(Layouts.I64, (long) r * inner + j, best);
                    }
                }
            });
        }
    }

    /**
     * LayerNormalization over the dims from {@code axis} on, with scale and optional bias; the optional
     * outputs Mean and InvStdDev have the input's shape with the normalized dims set to one.
     */
    static final class LayerNormOp extends AbstractOperator {
        LayerNormOp() {
            super("LayerNormalization", 2, 3, 1, 3, "axis", "epsilon", "stash_type");
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            int rank = x.rank();
            int axis = Shapes.axis(node.attributes().getLong("axis", -1), rank, node.describe());
            int rows = Shapes.product(x.shape(), 0, axis);
            int n = Shapes.product(x.shape(), axis, rank);
            float eps = node.attributes().getFloat("epsilon", 1e-5f);
            MemorySegment gamma = vector(node, inputs, 1, n, "scale");
            MemorySegment beta = input(inputs, 2) == null ? null : vector(node, inputs, 2, n, "bias");
            TensorKernels kernels = context.kernels();
            int[] statShape = x.shape();
            Arrays.fill(statShape, axis, rank, 1);
            int outputs = node.outputs().size();
            List<ValueType> types = new java.util.ArrayList<>(List.of(ValueType.of(ElementType.F32, x.shape())));
            for (int i = 1; i < outputs; i++) {
                types.add(ValueType.of(ElementType.F32, statShape));
            }
            Parallelism parallelism = context.execution().parallelism();
            Kernel kernel = (in, o, scratch) -> {
                // Rows are independent: threads take ranges of them once a call is worth a hand-off.
                parallelism.forEachRange(rows, r -> r * n, ElementSpans.MIN_SPAN, (start, end) ->
                        kernels.layerNorm(in[0], (long) start * n, o[0], (long) start * n, end - start, n, gamma, beta, eps));
                if (outputs > 1) {
                    for (int r = 0; r < rows; r++) {
                        float mean = kernels.sum(in[0], (long) r * n, n) / n;
                        float sq = 0;
                        for (int i = 0; i < n; i++) {
                            float d = in[0].getAtIndex(Layouts.F32, (long) r * n + i) - mean;
                            sq += d * d;
                        }
                        o[1].setAtIndex(Layouts.F32, r, mean);
                        if (outputs > 2) {
                            o[2].setAtIndex(Layouts.F32, r, (float) (1.0 / Math.sqrt(sq / n + eps)));
                        }
                    }
                }
            };
            return new Binding(types, kernel, 0, false);
        }

        private static MemorySegment vector(Node node, List<ValueType> inputs, int i, int n, String what) {
            Tensor t = constant(node, inputs, i, "the " + what);
            if (t.type() != ElementType.F32 || t.size() != n) {
                throw unsupported(node, "the " + what + " must be " + n + " floats, got " + t);
            }
            return t.data();
        }
    }

    /**
     * A dense layer {@code y = x·Wᵀ + b} over a Tersor weight matrix {@code W[out, in]}, for x of any
     * rank with {@code in} features last. Rows of x (tokens × batch) form the batch of the product,
     * {@code Y = W·X} with X feature-major ({@code [in][n]}, methods.md Decision 2), in blocks of at
     * most {@link FeatureMajor#BLOCK} tokens: each block of x is transposed to {@code [in][n]}, multiplied,
     * and transposed back, unless the graph marked this layer's input or output as already kept
     * feature-major ({@code input_transposed}, {@code output_transposed}; see {@link FeatureMajor}).
     */
    static final class LinearOp extends AbstractOperator {
        LinearOp() {
            super("Linear", 1, 2, 1, "weight", "input_transposed", "output_transposed");
        }

        @Override
        void checkAttributes(Node node) {
            weightName(node);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            WeightMatrix w = context.weight(weightName(node));
            int in = w.cols();
            int outF = w.rows();
            if (x.rank() == 0 || x.dim(x.rank() - 1) != in) {
                throw invalid(node, "input " + Arrays.toString(x.shape()) + " does not end in the weight's " + in + " inputs");
            }
            int batch = x.size() / Math.max(in, 1);
            int[] outShape = x.shape();
            outShape[outShape.length - 1] = outF;
            MemorySegment bias = optionalBias(node, inputs, 1, outF);
            boolean inT = batch > 1 && node.attributes().getLong("input_transposed", 0) != 0;
            boolean outT = batch > 1 && node.attributes().getLong("output_transposed", 0) != 0;
            int block = Math.min(batch, FeatureMajor.BLOCK);
            long xBytes = batch > 1 && !inT ? 4L * in * block : 0;
            long yBytes = batch > 1 && !outT ? 4L * outF * block : 0;
            Execution execution = context.execution();
            TensorKernels kernels = context.kernels();
            Parallelism parallelism = execution.parallelism();
            int blocks = Math.ceilDiv(batch, block);
            // With at least two blocks a thread, threads take whole blocks (each with its own scratch)
            // instead of splitting every block's rows: a block's per-call work (transposes, and the int8
            // activation quantization a q8 product repeats for each row range) is then done once.
            int parts = parallelism.threads() > 1 && blocks >= 2 * parallelism.threads() ? parallelism.threads() : 1;
            BlockProduct product = parts > 1
                    ? new BlockProduct(w, bias, kernels, Parallelism.single(), execution.withThreads(1), block, batch, in, outF, inT, outT, xBytes)
                    : new BlockProduct(w, bias, kernels, parallelism, execution, block, batch, in, outF, inT, outT, xBytes);
            long partScratch = xBytes + yBytes;
            // parts ranges of blocks, balanced by tokens; range u uses scratch slot u
            int[] bounds = parts > 1 ? Parallelism.balance(blocks, parts, b -> b * block) : null;
            Kernel kernel = (inputs1, outputs, scratch) -> {
                MemorySegment xs = inputs1[0];
                MemorySegment ys = outputs[0];
                if (batch == 1) {
                    w.multiply(xs, ys, 1, execution);
                    if (bias != null) {
                        kernels.binary(Binary.ADD, ys, 0, false, bias, 0, false, ys, 0, outF);
                    }
                    return;
                }
                if (parts == 1) {
                    product.run(xs, ys, scratch, 0, blocks);
                    return;
                }
                parallelism.forEachRange(bounds.length - 1, u -> bounds[(int) u], (start, end) -> {
                    for (int u = start; u < end; u++) {
                        product.run(xs, ys, scratch.asSlice(u * partScratch, partScratch), bounds[u], bounds[u + 1]);
                    }
                });
            };
            return Binding.of(ValueType.of(ElementType.F32, outShape), kernel, parts * partScratch);
        }

        /**
         * The product of a bound layer over blocks of {@code block} tokens, on {@code parallelism} and
         * {@code execution}'s threads: each block's x transposed to feature-major in the scratch (unless
         * the graph keeps it so), multiplied, transposed back and the bias added.
         */
        private record BlockProduct(WeightMatrix w, MemorySegment bias, TensorKernels kernels, Parallelism parallelism,
                                    Execution execution, int block, int batch, int in, int outF, boolean inT, boolean outT,
                                    long xBytes) {

            /** Blocks {@code [firstBlock, endBlock)} of x into y, with {@code scratch} for the transposes. */
            void run(MemorySegment xs, MemorySegment ys, MemorySegment scratch, int firstBlock, int endBlock) {
                for (int b = firstBlock; b < endBlock; b++) {
                    int first = b * block;
                    int n = Math.min(block, batch - first);
                    // A block of tokens is rows [first, first + n) of x and y, or the n-column feature-major block at the same offset.
                    MemorySegment xBlock = xs.asSlice(4L * first * in, 4L * n * in);
                    MemorySegment yBlock = ys.asSlice(4L * first * outF, 4L * n * outF);
                    MemorySegment xt = xBlock;
                    if (!inT) {
                        xt = scratch.asSlice(0, 4L * in * n);
                        transpose(kernels, parallelism, xBlock, xt, n, in);
                    }
                    MemorySegment yt = outT ? yBlock : scratch.asSlice(xBytes, 4L * outF * n);
                    w.multiply(xt, yt, n, execution);
                    if (!outT) {
                        transpose(kernels, parallelism, yt, yBlock, outF, n);
                    }
                    if (bias == null) {
                        continue;
                    }
                    if (outT) {
                        kernels.addToRows(yBlock, 0, outF, n, bias, 0);
                    } else {
                        for (int r = 0; r < n; r++) {
                            kernels.binary(Binary.ADD, yBlock, (long) r * outF, false, bias, 0, false, yBlock, (long) r * outF, outF);
                        }
                    }
                }
            }
        }

        /** Source rows per unit of a parallel transpose: whole tiles of both transpose kernels. */
        private static final int TRANSPOSE_ROWS = 32;

        /** The {@code rows × cols} transpose of {@code x} into {@code y}, on the pass's threads in ranges of source rows. */
        private static void transpose(TensorKernels kernels, Parallelism parallelism, MemorySegment x, MemorySegment y,
                                      int rows, int cols) {
            int units = Math.ceilDiv(rows, TRANSPOSE_ROWS);
            parallelism.forEachRange(units, u -> u * TRANSPOSE_ROWS * cols, ElementSpans.MIN_SPAN, (start, end) ->
                    kernels.transpose(x, 0, y, 0, rows, cols, start * TRANSPOSE_ROWS, Math.min(end * TRANSPOSE_ROWS, rows)));
        }
    }

    /** Embedding: rows of a weight matrix picked by int32 or int64 ids, decoded straight into the output. */
    static final class EmbeddingOp extends AbstractOperator {
        EmbeddingOp() {
            super("Embedding", 1, 1, 1, "weight");
        }

        @Override
        void checkAttributes(Node node) {
            weightName(node);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType ids = inputs.get(0);
            requireType(node, ids, "the ids", ElementType.I64, ElementType.I32);
            String weight = weightName(node);
            WeightMatrix table = context.weight(weight);
            int rows = table.rows();
            int dim = table.cols();
            int[] out = Arrays.copyOf(ids.shape(), ids.rank() + 1);
            out[ids.rank()] = dim;
            Shapes.size(out);
            int count = ids.size();
            ElementType type = ids.type();
            long rowBytes = 4L * dim;
            return Binding.of(ValueType.of(ElementType.F32, out), (in, o, scratch) -> {
                for (int k = 0; k < count; k++) {
                    long id = dev.tersor.graph.Elements.getLong(type, in[0], k);
                    // ONNX's Gather semantics: -rows..-1 count from the end.
                    if (id < -rows || id >= rows) {
                        throw new dev.tersor.graph.InvalidModelException("id " + id + " is out of range [" + -rows + ", "
                                + rows + ") of embedding table '" + weight + "' (" + node.describe() + ")");
                    }
                    try {
                        table.decodeRow((int) (id < 0 ? id + rows : id), o[0].asSlice(k * rowBytes, rowBytes));
                    } catch (dev.tersor.format.InvalidLayoutException e) {
                        // a table read for gathering checks each row as it is decoded
                        throw new dev.tersor.graph.InvalidModelException("embedding table '" + weight + "': "
                                + e.getMessage());
                    }
                }
            });
        }
    }
}
