package dev.tersor.graph.ops;

import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.tensor.TensorKernels;
import dev.tersor.kernels.tensor.TensorKernels.Binary;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/** 2-D convolution, transposed convolution and pooling over NCHW tensors, per-channel normalization, and resizing. */
final class ConvOps {

    private ConvOps() {
    }

    /** Output extent, pads and checks of one spatial axis of a window operator. */
    record Window(int in, int kernel, int stride, int dilation, int padBegin, int padEnd, int out) {
    }

    /**
     * The spatial geometry of a window operator over an {@code [N][C][spatial...]} input with one
     * spatial axis per kernel axis, from ONNX's kernel_shape, strides, dilations, pads and auto_pad
     * attributes.
     */
    static Window[] windows(Node node, int[] input, int[] kernel, boolean ceil) {
        int axes = kernel.length;
        if (input.length != 2 + axes) {
            throw AbstractOperator.invalid(node, "a " + axes + "-D kernel over an input of rank " + input.length);
        }
        long[] strides = node.attributes().getLongs("strides", ones(axes));
        long[] dilations = node.attributes().getLongs("dilations", ones(axes));
        long[] pads = node.attributes().getLongs("pads", new long[2 * axes]);
        String autoPad = node.attributes().getString("auto_pad", "NOTSET");
        if (strides.length != axes || dilations.length != axes || pads.length != 2 * axes) {
            throw AbstractOperator.invalid(node, "strides, dilations and pads must have " + axes + ", " + axes + " and "
                    + 2 * axes + " values for a " + axes + "-D kernel");
        }
        Window[] result = new Window[axes];
        for (int d = 0; d < axes; d++) {
            int size = input[2 + d];
            long s = strides[d];
            long dil = dilations[d];
            if (s < 1 || s > Shapes.MAX_ELEMENTS || dil < 1 || dil > Shapes.MAX_ELEMENTS || kernel[d] < 1) {
                throw AbstractOperator.invalid(node, "bad stride " + s + ", dilation " + dil + " or kernel " + kernel[d]);
            }
            long span = dil * (kernel[d] - 1) + 1;
            long begin;
            long end;
            long out;
            switch (autoPad) {
                case "NOTSET" -> {
                    begin = pads[d];
                    end = pads[d + axes];
                    if (begin < 0 || end < 0 || begin > Shapes.MAX_ELEMENTS || end > Shapes.MAX_ELEMENTS) {
                        throw AbstractOperator.invalid(node, "bad pads " + Arrays.toString(pads));
                    }
                    long room = size + begin + end - span;
                    out = room < 0 ? 0 : (ceil ? Math.ceilDiv(room, s) : room / s) + 1;
                    if (ceil && out > 0 && (out - 1) * s >= size + begin) {
                        out--;
                    }
                }
                case "VALID" -> {
                    begin = 0;
                    end = 0;
                    long room = size - span;
                    out = room < 0 ? 0 : (ceil ? Math.ceilDiv(room, s) : room / s) + 1;
                }
                case "SAME_UPPER", "SAME_LOWER" -> {
                    out = Math.ceilDiv(size, s);
                    long total = Math.max(0, (out - 1) * s + span - size);
                    begin = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                    end = total - begin;
                }
                default -> throw AbstractOperator.unsupported(node, "auto_pad '" + autoPad + "'");
            }
            if (out > Shapes.MAX_ELEMENTS) {
                throw AbstractOperator.invalid(node, "output too large");
            }
            result[d] = new Window(size, kernel[d], (int) s, (int) dil, (int) begin, (int) end, (int) out);
        }
        return result;
    }

    /** kernel_shape: one to three spatial axes. */
    static int[] kernelShape(Node node) {
        long[] k = node.attributes().getLongs("kernel_shape", null);
        if (k == null || k.length < 1 || k.length > 3) {
            throw AbstractOperator.unsupported(node, "only 1-D to 3-D kernels (kernel_shape " + Arrays.toString(k) + ")");
        }
        return Shapes.fromLongs(k, node.describe());
    }

    private static long[] ones(int n) {
        long[] ones = new long[n];
        Arrays.fill(ones, 1);
        return ones;
    }

    /**
     * Conv over a Tersor weight matrix {@code [outC, inC/group·kh·kw]}: with one group, an im2col of
     * each image and one batched product (the batch is the output pixels, so the result lands in NCHW
     * order); depthwise (one input channel per group) with a direct loop over decoded weights.
     */
    static final class ConvOp extends AbstractOperator {
        ConvOp() {
            super("Conv", 1, 2, 1, "weight", "kernel_shape", "strides", "pads", "dilations", "group", "auto_pad");
        }

        @Override
        void checkAttributes(Node node) {
            kernelShape(node);
            weightName(node);
            if (node.attributes().getLong("group", 1) < 1) {
                throw invalid(node, "group must be positive");
            }
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            if (x.rank() != 4) {
                throw unsupported(node, "only 2-D convolution on NCHW input, got " + x);
            }
            int[] k = kernelShape(node);
            String weightName = weightName(node);
            WeightMatrix w = context.weight(weightName);
            int[] shape = x.shape();
            int batch = shape[0];
            int channels = shape[1];
            long group = node.attributes().getLong("group", 1);
            int outC = w.rows();
            long taps = (long) k[0] * k[1];
            if (group < 1 || channels % group != 0 || outC % group != 0
                    || w.cols() != (channels / group) * taps) {
                throw invalid(node, "weight " + w.rows() + "x" + w.cols() + " does not fit " + channels + " channels, group "
                        + group + " and kernel " + Arrays.toString(k));
            }
            Window[] win = windows(node, shape, k, false);
            int oh = win[0].out();
            int ow = win[1].out();
            int[] out = {batch, outC, oh, ow};
            Shapes.size(out);
            MemorySegment bias = optionalBias(node, inputs, 1, outC);
            TensorKernels kernels = context.kernels();
            int pixels = oh * ow;
            long inImage = (long) channels * shape[2] * shape[3];
            long outImage = (long) outC * pixels;
            if (group == 1) {
                boolean direct = k[0] == 1 && k[1] == 1 && win[0].stride() == 1 && win[1].stride() == 1
                        && win[0].padBegin() == 0 && win[1].padBegin() == 0 && oh == shape[2] && ow == shape[3];
                long colBytes = direct ? 0 : 4L * w.cols() * pixels;
                Execution execution = context.execution();
                return Binding.of(ValueType.of(ElementType.F32, out), (in, o, scratch) -> {
                    if (pixels == 0) {
                        return;
                    }
                    for (int n = 0; n < batch; n++) {
                        MemorySegment image = in[0].asSlice(4 * n * inImage, 4 * inImage);
                        MemorySegment col = image;
                        if (!direct) {
                            col = scratch.asSlice(0, colBytes);
                            im2col(image, channels, shape[2], shape[3], win, col);
                        }
                        MemorySegment y = o[0].asSlice(4 * n * outImage, 4 * outImage);
                        w.multiply(col, y, pixels, execution);
                        addChannelBias(kernels, y, bias, outC, pixels);
                    }
                }, colBytes);
            }
            if (channels / group != 1) {
                throw unsupported(node, "grouped convolution with " + channels / group + " channels per group "
                        + "(only 1 group or depthwise)");
            }
            MemorySegment dense = context.denseWeight(weightName);
            int multiplier = (int) (outC / group);
            return Binding.of(ValueType.of(ElementType.F32, out), (in, o, scratch) -> {
                for (int n = 0; n < batch; n++) {
                    for (int c = 0; c < outC; c++) {
                        long src = n * inImage + (long) (c / multiplier) * shape[2] * shape[3];
                        long dst = n * outImage + (long) c * pixels;
                        depthwise(in[0], src, shape[2], shape[3], dense, (long) c * taps, win, o[0], dst,
                                bias == null ? 0f : bias.getAtIndex(Layouts.F32, c));
                    }
                }
            });
        }

        static void addChannelBias(TensorKernels kernels, MemorySegment y, MemorySegment bias, int channels, int pixels) {
            if (bias == null) {
                return;
            }
            for (int c = 0; c < channels; c++) {
                kernels.binary(Binary.ADD, y, (long) c * pixels, false, bias, c, true, y, (long) c * pixels, pixels);
            }
        }

        /** {@code col[(c·kh + i)·kw + j][oy·ow + ox] = x[c][oy·sh − ph + i·dh][ox·sw − pw + j·dw]}, zero outside. */
        static void im2col(MemorySegment x, int channels, int h, int w, Window[] win, MemorySegment col) {
            Window wy = win[0];
            Window wx = win[1];
            int oh = wy.out();
            int ow = wx.out();
            long row = 0;
            for (int c = 0; c < channels; c++) {
                long plane = (long) c * h * w;
                for (int i = 0; i < wy.kernel(); i++) {
                    for (int j = 0; j < wx.kernel(); j++, row++) {
                        long base = row * oh * ow;
                        for (int oy = 0; oy < oh; oy++) {
                            int iy = oy * wy.stride() - wy.padBegin() + i * wy.dilation();
                            long dst = base + (long) oy * ow;
                            if (iy < 0 || iy >= h) {
                                col.asSlice(4 * dst, 4L * ow).fill((byte) 0);
                                continue;
                            }
                            long src = plane + (long) iy * w;
                            for (int ox = 0; ox < ow; ox++) {
                                int ix = ox * wx.stride() - wx.padBegin() + j * wx.dilation();
                                float v = ix < 0 || ix >= w ? 0f : x.getAtIndex(Layouts.F32, src + ix);
                                col.setAtIndex(Layouts.F32, dst + ox, v);
                            }
                        }
                    }
                }
            }
        }

        static void depthwise(MemorySegment x, long src, int h, int w, MemorySegment weights, long wo, Window[] win,
                              MemorySegment y, long dst, float bias) {
            Window wy = win[0];
            Window wx = win[1];
            int kw = wx.kernel();
            for (int oy = 0; oy < wy.out(); oy++) {
                for (int ox = 0; ox < wx.out(); ox++) {
                    float acc = bias;
                    for (int i = 0; i < wy.kernel(); i++) {
                        int iy = oy * wy.stride() - wy.padBegin() + i * wy.dilation();
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        long rowBase = src + (long) iy * w;
                        for (int j = 0; j < kw; j++) {
                            int ix = ox * wx.stride() - wx.padBegin() + j * wx.dilation();
                            if (ix >= 0 && ix < w) {
                                acc += x.getAtIndex(Layouts.F32, rowBase + ix) * weights.getAtIndex(Layouts.F32, wo + (long) i * kw + j);
                            }
                        }
                    }
                    y.setAtIndex(Layouts.F32, dst + (long) oy * wx.out() + ox, acc);
                }
            }
        }
    }

    /**
     * One spatial axis of a transposed convolution: input pixel {@code i} and kernel tap {@code k} land
     * on output pixel {@code i·stride + k·dilation − padBegin}. {@code padBegin} is negative when
     * output_shape asks for more than the full output.
     */
    record TransposedAxis(int in, int kernel, int stride, int dilation, long padBegin, int out) {
    }

    /**
     * ConvTranspose over {@code [N][C][spatial...]} input with one to three spatial axes, constant weights
     * {@code [C][M/group][kernel...]} and an optional constant bias {@code [M]}: each input pixel adds its
     * weighted kernel to the output window it would
     * have been computed from by Conv. Weights stay plain floats, not a weight matrix: this scatter is not
     * the matrix product that the compressed formats' kernels compute.
     */
    static final class ConvTransposeOp extends AbstractOperator {
        private static final List<String> AXIS_ATTRIBUTES = List.of("kernel_shape", "strides", "dilations",
                "output_padding", "output_shape");

        ConvTransposeOp() {
            super("ConvTranspose", 2, 3, 1, "kernel_shape", "strides", "pads", "dilations", "group", "auto_pad",
                    "output_padding", "output_shape");
        }

        @Override
        void checkAttributes(Node node) {
            for (String name : AXIS_ATTRIBUTES) {
                long[] values = node.attributes().getLongs(name, null);
                if (values != null && (values.length < 1 || values.length > 3)) {
                    throw unsupported(node, "only 1-D to 3-D transposed convolution (" + name + " " + Arrays.toString(values) + ")");
                }
            }
            long[] pads = node.attributes().getLongs("pads", null);
            if (pads != null && (pads.length % 2 != 0 || pads.length < 2 || pads.length > 6)) {
                throw unsupported(node, "only 1-D to 3-D transposed convolution (pads " + Arrays.toString(pads) + ")");
            }
            String autoPad = node.attributes().getString("auto_pad", "NOTSET");
            if (!List.of("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER").contains(autoPad)) {
                throw unsupported(node, "auto_pad '" + autoPad + "'");
            }
            if (node.attributes().getLong("group", 1) < 1) {
                throw invalid(node, "group must be positive");
            }
        }

        /** The geometry of each spatial axis, after ONNX's rules for pads, output_padding, output_shape and auto_pad. */
        static TransposedAxis[] axes(Node node, int[] input, int[] kernel) {
            int n = kernel.length;
            long[] strides = node.attributes().getLongs("strides", ones(n));
            long[] dilations = node.attributes().getLongs("dilations", ones(n));
            long[] outputPadding = node.attributes().getLongs("output_padding", new long[n]);
            long[] outputShape = node.attributes().getLongs("output_shape", null);
            long[] pads = node.attributes().getLongs("pads", new long[2 * n]);
            String autoPad = node.attributes().getString("auto_pad", "NOTSET");
            if (strides.length != n || dilations.length != n || outputPadding.length != n || pads.length != 2 * n
                    || outputShape != null && outputShape.length != n) {
                throw invalid(node, "strides, dilations, output_padding, output_shape and pads do not all fit "
                        + n + " spatial axes");
            }
            TransposedAxis[] result = new TransposedAxis[n];
            for (int d = 0; d < n; d++) {
                long in = input[2 + d];
                long s = strides[d];
                long dil = dilations[d];
                long extra = outputPadding[d];
                if (s < 1 || s > Shapes.MAX_ELEMENTS || dil < 1 || dil > Shapes.MAX_ELEMENTS || extra < 0
                        || extra > Shapes.MAX_ELEMENTS) {
                    throw invalid(node, "bad stride " + s + ", dilation " + dil + " or output padding " + extra);
                }
                // Every factor is below 2^31, so the full extent fits a long.
                long full = s * Math.max(in - 1, 0) + extra + dil * (kernel[d] - 1) + 1;
                long begin;
                long out;
                if (outputShape != null || autoPad.startsWith("SAME")) {
                    out = outputShape != null ? outputShape[d] : in * s;
                    long total = full - out;
                    begin = autoPad.equals("SAME_UPPER") ? Math.floorDiv(total, 2) : total - Math.floorDiv(total, 2);
                } else if (autoPad.equals("VALID")) {
                    begin = 0;
                    out = full;
                } else {
                    begin = pads[d];
                    long end = pads[d + n];
                    if (begin < 0 || end < 0 || begin > Shapes.MAX_ELEMENTS || end > Shapes.MAX_ELEMENTS) {
                        throw invalid(node, "bad pads " + Arrays.toString(pads));
                    }
                    out = full - begin - end;
                }
                if (in == 0) {
                    out = Math.max(out, 0);
                }
                if (out < 0 || out > Shapes.MAX_ELEMENTS || Math.abs(begin) > Shapes.MAX_ELEMENTS) {
                    throw invalid(node, "output extent " + out + " with padding " + begin + " on spatial axis " + d);
                }
                result[d] = new TransposedAxis((int) in, kernel[d], (int) s, (int) dil, begin, (int) out);
            }
            return result;
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            if (x.rank() < 3 || x.rank() > 5) {
                throw unsupported(node, "only 1-D to 3-D transposed convolution on [N, C, spatial...] input, got " + x);
            }
            Tensor w = constant(node, inputs, 1, "the weight");
            int[] shape = x.shape();
            int batch = shape[0];
            int channels = shape[1];
            long group = node.attributes().getLong("group", 1);
            if (w.type() != ElementType.F32 || w.rank() != x.rank() || w.dim(0) != channels || channels % group != 0) {
                throw invalid(node, "weight " + w + " does not fit " + channels + " input channels and group " + group);
            }
            int[] kernel = Arrays.copyOfRange(w.shape(), 2, w.rank());
            long[] declared = node.attributes().getLongs("kernel_shape", null);
            if (declared != null && !Arrays.equals(declared, Arrays.stream(kernel).asLongStream().toArray())) {
                throw invalid(node, "kernel_shape " + Arrays.toString(declared) + " differs from the weight " + w);
            }
            if (Arrays.stream(kernel).anyMatch(k -> k < 1)) {
                throw invalid(node, "empty kernel in the weight " + w);
            }
            int perGroupOut = w.dim(1);
            long outChannels = perGroupOut * group;
            TransposedAxis[] axes = axes(node, shape, kernel);
            long[] outDims = new long[shape.length];
            outDims[0] = batch;
            outDims[1] = outChannels;
            for (int d = 0; d < axes.length; d++) {
                outDims[2 + d] = axes[d].out();
            }
            int[] out = boundedShape(node, outDims, ElementType.F32);
            MemorySegment bias = optionalBias(node, inputs, 2, outChannels);
            MemorySegment weights = w.data();
            int perGroupIn = (int) (channels / group);
            long kernelTaps = Shapes.product(kernel, 0, kernel.length);
            long inPlane = Shapes.product(shape, 2, shape.length);
            long outPlane = Shapes.product(out, 2, out.length);
            return Binding.of(ValueType.of(ElementType.F32, out), (in, o, scratch) -> {
                for (int n = 0; n < batch; n++) {
                    for (int m = 0; m < out[1]; m++) {
                        long dst = ((long) n * out[1] + m) * outPlane;
                        float start = bias == null ? 0f : bias.getAtIndex(Layouts.F32, m);
                        for (long i = 0; i < outPlane; i++) {
                            o[0].setAtIndex(Layouts.F32, dst + i, start);
                        }
                        int g = m / perGroupOut;
                        for (int c = g * perGroupIn; c < (g + 1) * perGroupIn; c++) {
                            long src = ((long) n * channels + c) * inPlane;
                            long taps = ((long) c * perGroupOut + m % perGroupOut) * kernelTaps;
                            scatter(in[0], src, weights, taps, axes, o[0], dst);
                        }
                    }
                }
            });
        }

        /**
         * Adds one input plane, times each tap of its kernel, to the output plane at {@code dst}: taps in
         * row-major order, and for each tap the input in row-major order, a row of the last axis at a time.
         */
        static void scatter(MemorySegment x, long src, MemorySegment weights, long taps, TransposedAxis[] axes,
                            MemorySegment y, long dst) {
            int last = axes.length - 1;
            TransposedAxis ax = axes[last];
            int[] tap = new int[axes.length];
            int[] row = new int[last];
            long tapIndex = taps;
            do {
                float weight = weights.getAtIndex(Layouts.F32, tapIndex++);
                long from = src;
                do {
                    long outRow = 0;
                    boolean inside = true;
                    for (int d = 0; d < last; d++) {
                        TransposedAxis a = axes[d];
                        long o = (long) row[d] * a.stride() + (long) tap[d] * a.dilation() - a.padBegin();
                        inside &= o >= 0 && o < a.out();
                        outRow = outRow * a.out() + o;
                    }
                    if (inside) {
                        long at = dst + outRow * ax.out();
                        for (int ix = 0; ix < ax.in(); ix++) {
                            long ox = (long) ix * ax.stride() + (long) tap[last] * ax.dilation() - ax.padBegin();
                            if (ox >= 0 && ox < ax.out()) {
                                float v = y.getAtIndex(Layouts.F32, at + ox);
                                y.setAtIndex(Layouts.F32, at + ox, v + x.getAtIndex(Layouts.F32, from + ix) * weight);
                            }
                        }
                    }
                    from += ax.in();
                } while (next(row, axes, TransposedAxis::in));
            } while (next(tap, axes, TransposedAxis::kernel));
        }

        /** Advances a row-major position over {@code extent} of the first {@code position.length} axes; false past the end. */
        private static boolean next(int[] position, TransposedAxis[] axes, java.util.function.ToIntFunction<TransposedAxis> extent) {
            for (int d = position.length - 1; d >= 0; d--) {
                if (++position[d] < extent.applyAsInt(axes[d])) {
                    return true;
                }
                position[d] = 0;
            }
            return false;
        }
    }

    /** BatchNormalization in inference mode with constant statistics: {@code x·a[c] + b[c]}. */
    static final class BatchNormOp extends AbstractOperator {
        BatchNormOp() {
            super("BatchNormalization", 5, 5, 1, "epsilon", "momentum", "training_mode", "spatial", "is_test");
        }

        @Override
        void checkAttributes(Node node) {
            if (node.attributes().getLong("training_mode", 0) != 0) {
                throw unsupported(node, "training_mode=1");
            }
            if (node.attributes().getLong("spatial", 1) != 1) {
                throw unsupported(node, "spatial=0");
            }
        }

        /** Per-channel {a, b} with {@code y = x·a + b}, in float as ONNX Runtime folds it. */
        static float[][] coefficients(Node node, Tensor scale, Tensor bias, Tensor mean, Tensor var, int channels) {
            float eps = node.attributes().getFloat("epsilon", 1e-5f);
            for (Tensor t : new Tensor[]{scale, bias, mean, var}) {
                if (t.type() != ElementType.F32 || t.size() != channels) {
                    throw invalid(node, "statistics " + t + " do not have " + channels + " floats");
                }
            }
            float[] a = new float[channels];
            float[] b = new float[channels];
            for (int c = 0; c < channels; c++) {
                a[c] = (float) (scale.getDouble(c) / Math.sqrt((float) var.getDouble(c) + eps));
                b[c] = (float) (bias.getDouble(c) - mean.getDouble(c) * a[c]);
            }
            return new float[][]{a, b};
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            if (x.rank() < 2) {
                throw invalid(node, "input of rank " + x.rank());
            }
            int channels = x.dim(1);
            float[][] ab = coefficients(node, constant(node, inputs, 1, "scale"), constant(node, inputs, 2, "bias"),
                    constant(node, inputs, 3, "mean"), constant(node, inputs, 4, "variance"), channels);
            int batch = x.dim(0);
            int inner = Shapes.product(x.shape(), 2, x.rank());
            TensorKernels kernels = context.kernels();
            return Binding.of(ValueType.of(ElementType.F32, x.shape()), (in, o, scratch) -> {
                for (int n = 0; n < batch; n++) {
                    for (int c = 0; c < channels; c++) {
                        long off = ((long) n * channels + c) * inner;
                        kernels.clampAffine(in[0], off, o[0], off, inner, ab[0][c], ab[1][c],
                                Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
                    }
                }
            });
        }
    }

    /** GlobalAveragePool and GlobalMaxPool: the mean or the maximum of each channel's spatial plane. */
    static final class GlobalPoolOp extends AbstractOperator {
        private final boolean max;

        private GlobalPoolOp(String name, boolean max) {
            super(name, 1, 1, 1);
            this.max = max;
        }

        static GlobalPoolOp average() {
            return new GlobalPoolOp("GlobalAveragePool", false);
        }

        static GlobalPoolOp max() {
            return new GlobalPoolOp("GlobalMaxPool", true);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            if (x.rank() < 3) {
                throw invalid(node, "input of rank " + x.rank());
            }
            int[] out = x.shape();
            Arrays.fill(out, 2, out.length, 1);
            int planes = x.dim(0) * x.dim(1);
            int inner = Shapes.product(x.shape(), 2, x.rank());
            TensorKernels kernels = context.kernels();
            return Binding.of(ValueType.of(ElementType.F32, out), (in, o, scratch) -> {
                for (int p = 0; p < planes; p++) {
                    o[0].setAtIndex(Layouts.F32, p, max ? planeMax(in[0], (long) p * inner, inner)
                            : kernels.sum(in[0], (long) p * inner, inner) / inner);
                }
            });
        }

        private static float planeMax(MemorySegment x, long from, int n) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, x.getAtIndex(Layouts.F32, from + i));
            }
            return max;
        }
    }

    /**
     * MaxPool and AveragePool over one to three spatial axes, with pads, strides, dilations and ceil
     * mode. Padding never wins a maximum. An average leaves padding out of its divisor unless
     * {@code count_include_pad}, which counts the padded cells but never cells past the end padding.
     */
    static final class PoolOp extends AbstractOperator {
        private final boolean max;

        private PoolOp(String name, boolean max, String... attributes) {
            super(name, 1, 1, 1, attributes);
            this.max = max;
        }

        static PoolOp max() {
            return new PoolOp("MaxPool", true, "kernel_shape", "strides", "pads", "dilations", "ceil_mode", "auto_pad",
                    "storage_order");
        }

        static PoolOp average() {
            return new PoolOp("AveragePool", false, "kernel_shape", "strides", "pads", "ceil_mode", "auto_pad",
                    "count_include_pad");
        }

        @Override
        void checkAttributes(Node node) {
            kernelShape(node);
            if (node.attributes().getLong("storage_order", 0) != 0) {
                throw unsupported(node, "storage_order=1");
            }
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            int[] shape = x.shape();
            Window[] win = windows(node, shape, kernelShape(node), node.attributes().getLong("ceil_mode", 0) != 0);
            boolean includePad = node.attributes().getLong("count_include_pad", 0) != 0;
            int[] out = shape.clone();
            for (int d = 0; d < win.length; d++) {
                out[2 + d] = win[d].out();
            }
            Shapes.size(out);
            int outputsPerPlane = Shapes.product(out, 2, out.length);
            int planes = shape[0] * shape[1];
            int plane = Shapes.product(shape, 2, shape.length);
            return Binding.of(ValueType.of(ElementType.F32, out), (in, o, scratch) -> {
                int[] position = new int[win.length];
                int[] tap = new int[win.length];
                for (int p = 0; p < planes; p++) {
                    for (int i = 0; i < outputsPerPlane; i++) {
                        unravel(i, win, position);
                        o[0].setAtIndex(Layouts.F32, (long) p * outputsPerPlane + i,
                                pool(in[0], (long) p * plane, win, position, tap, includePad));
                    }
                }
            });
        }

        /** The pooled value at output {@code position}: taps in row-major order, as the ONNX reference loops. */
        private float pool(MemorySegment x, long plane, Window[] win, int[] position, int[] tap, boolean includePad) {
            Arrays.fill(tap, 0);
            float acc = max ? Float.NEGATIVE_INFINITY : 0f;
            long inside = 0;
            do {
                long offset = 0;
                boolean inRange = true;
                for (int d = 0; d < win.length; d++) {
                    Window w = win[d];
                    int at = position[d] * w.stride() - w.padBegin() + tap[d] * w.dilation();
                    inRange &= at >= 0 && at < w.in();
                    offset = offset * w.in() + at;
                }
                if (inRange) {
                    float v = x.getAtIndex(Layouts.F32, plane + offset);
                    acc = max ? Math.max(acc, v) : acc + v;
                    inside++;
                }
            } while (nextTap(win, tap));
            if (max) {
                return acc;
            }
            long count = includePad ? paddedCells(win, position) : inside;
            return count == 0 ? 0f : acc / count;
        }

        /** Cells of the window at {@code position} inside the padded input (the divisor under count_include_pad). */
        private static long paddedCells(Window[] win, int[] position) {
            long cells = 1;
            for (int d = 0; d < win.length; d++) {
                Window w = win[d];
                long first = (long) position[d] * w.stride() - w.padBegin();
                long end = Math.min(first + (long) (w.kernel() - 1) * w.dilation() + 1, (long) w.in() + w.padEnd());
                cells *= Math.max(0, Math.ceilDiv(end - first, w.dilation()));
            }
            return cells;
        }

        private static boolean nextTap(Window[] win, int[] tap) {
            for (int d = win.length - 1; d >= 0; d--) {
                if (++tap[d] < win[d].kernel()) {
                    return true;
                }
                tap[d] = 0;
            }
            return false;
        }

        private static void unravel(int index, Window[] win, int[] position) {
            for (int d = win.length - 1; d >= 0; d--) {
                position[d] = index % win[d].out();
                index /= win[d].out();
            }
        }
    }


    /** InstanceNormalization: each channel of each image normalized over its spatial extent, then scaled and shifted. */
    static final class InstanceNormOp extends AbstractOperator {
        InstanceNormOp() {
            super("InstanceNormalization", 3, 3, 1, "epsilon");
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            if (x.rank() < 3) {
                throw invalid(node, "input of rank " + x.rank() + ", InstanceNormalization needs [N, C, spatial...]");
            }
            int channels = x.dim(1);
            for (int i = 1; i <= 2; i++) {
                ValueType v = inputs.get(i);
                requireType(node, v, i == 1 ? "the scale" : "the bias", ElementType.F32);
                if (v.rank() != 1 || v.dim(0) != channels) {
                    throw invalid(node, (i == 1 ? "scale " : "bias ") + v + " does not have " + channels + " floats");
                }
            }
            double eps = node.attributes().getFloat("epsilon", 1e-5f);
            int planes = x.dim(0) * channels;
            int inner = Shapes.product(x.shape(), 2, x.rank());
            return Binding.of(ValueType.of(ElementType.F32, x.shape()), (in, o, scratch) -> {
                for (int p = 0; p < planes; p++) {
                    long base = (long) p * inner;
                    double sum = 0;
                    for (int i = 0; i < inner; i++) {
                        sum += in[0].getAtIndex(Layouts.F32, base + i);
                    }
                    double mean = sum / inner;
                    double squares = 0;
                    for (int i = 0; i < inner; i++) {
                        double d = in[0].getAtIndex(Layouts.F32, base + i) - mean;
                        squares += d * d;
                    }
                    int c = p % channels;
                    double scale = in[1].getAtIndex(Layouts.F32, c) / Math.sqrt(squares / inner + eps);
                    double shift = in[2].getAtIndex(Layouts.F32, c);
                    for (int i = 0; i < inner; i++) {
                        o[0].setAtIndex(Layouts.F32, base + i, (float) ((in[0].getAtIndex(Layouts.F32, base + i) - mean) * scale + shift));
                    }
                }
            });
        }
    }

    /**
     * Resize (and Upsample, which the importer rewrites to it) of any rank by constant scales or sizes,
     * in nearest, n-linear or cubic mode, with the coordinate transformations other than
     * tf_crop_and_resize. Each output coordinate of an axis reads 1, 2 or 4 taps of the input axis with
     * fixed weights; the output sums the products of the taps of every axis. Antialiasing and per-axis
     * subsets fail at import.
     */
    static final class ResizeOp extends AbstractOperator {
        private static final List<String> COORDINATES = List.of("half_pixel", "pytorch_half_pixel", "align_corners",
                "asymmetric", "tf_half_pixel_for_nn");
        private static final List<String> ROUNDINGS = List.of("round_prefer_floor", "round_prefer_ceil", "floor", "ceil");

        ResizeOp() {
            super("Resize", 1, 4, 1, "mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a",
                    "exclude_outside", "extrapolation_value", "antialias");
        }

        @Override
        void checkAttributes(Node node) {
            String mode = node.attributes().getString("mode", "nearest");
            if (!List.of("nearest", "linear", "cubic").contains(mode)) {
                throw unsupported(node, "mode '" + mode + "'");
            }
            String coordinates = node.attributes().getString("coordinate_transformation_mode", "half_pixel");
            if (!COORDINATES.contains(coordinates)) {
                throw unsupported(node, "coordinate_transformation_mode '" + coordinates + "'");
            }
            String rounding = node.attributes().getString("nearest_mode", "round_prefer_floor");
            if (!ROUNDINGS.contains(rounding)) {
                throw unsupported(node, "nearest_mode '" + rounding + "'");
            }
            if (node.attributes().getLong("antialias", 0) != 0) {
                throw unsupported(node, "antialias=1");
            }
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            int rank = x.rank();
            int[] shape = x.shape();
            Tensor scales = input(inputs, 2) == null ? null : constant(node, inputs, 2, "scales");
            Tensor sizes = input(inputs, 3) == null ? null : constant(node, inputs, 3, "sizes");
            if (scales != null && scales.size() == 0) {
                scales = null;
            }
            if ((scales == null) == (sizes == null)) {
                throw invalid(node, "exactly one of scales and sizes must be given");
            }
            Tensor given = scales != null ? scales : sizes;
            if (given.size() != rank) {
                throw invalid(node, given + " does not give one value per axis of " + x);
            }
            double[] scale = new double[rank];
            long[] dims = new long[rank];
            for (int d = 0; d < rank; d++) {
                if (scales != null) {
                    scale[d] = scales.getDouble(d);
                    if (!(scale[d] > 0) || !Double.isFinite(scale[d])) {
                        throw invalid(node, "scale " + scale[d] + " is not positive");
                    }
                    dims[d] = (long) Math.min(Math.floor(shape[d] * scale[d]), Shapes.MAX_ELEMENTS + 1.0);
                } else {
                    dims[d] = sizes.getLong(d);
                    scale[d] = shape[d] == 0 ? 1 : (double) dims[d] / shape[d];
                }
            }
            int[] out = boundedShape(node, dims, ElementType.F32);
            String mode = node.attributes().getString("mode", "nearest");
            String coordinates = node.attributes().getString("coordinate_transformation_mode", "half_pixel");
            String rounding = node.attributes().getString("nearest_mode", "round_prefer_floor");
            double cubicA = node.attributes().getFloat("cubic_coeff_a", -0.75f);
            boolean excludeOutside = node.attributes().getLong("exclude_outside", 0) != 0;
            int taps = switch (mode) {
                case "linear" -> 2;
                case "cubic" -> 4;
                default -> 1;
            };
            int[][][] index = new int[rank][][];
            double[][][] weight = new double[rank][][];
            for (int d = 0; d < rank; d++) {
                if (out[d] > 0 && shape[d] == 0) {
                    throw invalid(node, "cannot resize the empty axis " + d + " to " + out[d]);
                }
                index[d] = new int[out[d]][taps];
                weight[d] = new double[out[d]][taps];
                for (int o = 0; o < out[d]; o++) {
                    // ONNX measures the resized axis as in·scale, before rounding to whole elements.
                    double source = source(coordinates, o, scale[d], shape[d], shape[d] * scale[d]);
                    switch (mode) {
                        case "linear" -> linearTaps(source, shape[d], index[d][o], weight[d][o]);
                        case "cubic" -> cubicTaps(source, shape[d], cubicA, excludeOutside, index[d][o], weight[d][o]);
                        default -> {
                            index[d][o][0] = (int) Math.clamp(round(rounding, source), 0, shape[d] - 1);
                            weight[d][o][0] = 1;
                        }
                    }
                }
            }
            int[] strides = Shapes.strides(shape);
            // Axes where every output copies one input element need no tap loop: their first tap with
            // weight 1 is the element.
            int[] active = IntStream.range(0, rank).filter(d -> Arrays.stream(weight[d]).anyMatch(w -> !copies(w))).toArray();
            int[] passive = IntStream.range(0, rank).filter(d -> Arrays.binarySearch(active, d) < 0).toArray();
            // The element each output coordinate of a passive axis copies, found once here, not per output.
            int[][] copied = new int[rank][];
            for (int d : passive) {
                copied[d] = new int[out[d]];
                for (int o = 0; o < out[d]; o++) {
                    copied[d][o] = index[d][o][firstWhole(weight[d][o])];
                }
            }
            int combinations = (int) Math.pow(taps, active.length);
            int size = Shapes.size(out);
            return Binding.of(ValueType.of(ElementType.F32, out), (in, o, scratch) -> {
                int[] at = new int[rank];
                for (int i = 0; i < size; i++) {
                    long base = 0;
                    for (int d : passive) {
                        base += (long) copied[d][at[d]] * strides[d];
                    }
                    double value = 0;
                    // The first active axis's tap varies fastest.
                    for (int combination = 0; combination < combinations; combination++) {
                        long element = base;
                        double w = 1;
                        for (int k = 0, rest = combination; k < active.length; k++, rest /= taps) {
                            int d = active[k];
                            int t = rest % taps;
                            element += (long) index[d][at[d]][t] * strides[d];
                            w *= weight[d][at[d]][t];
                        }
                        if (w != 0) {
                            value += w * in[0].getAtIndex(Layouts.F32, element);
                        }
                    }
                    o[0].setAtIndex(Layouts.F32, i, (float) value);
                    for (int d = rank - 1; d >= 0; d--) {
                        if (++at[d] < out[d]) {
                            break;
                        }
                        at[d] = 0;
                    }
                }
            });
        }

        /** Whether an output coordinate's taps only copy one element: one weight 1, the others 0. */
        private static boolean copies(double[] weights) {
            int whole = firstWhole(weights);
            if (whole < 0) {
                return false;
            }
            for (int t = 0; t < weights.length; t++) {
                if (t != whole && weights[t] != 0) {
                    return false;
                }
            }
            return true;
        }

        private static int firstWhole(double[] weights) {
            for (int t = 0; t < weights.length; t++) {
                if (weights[t] == 1) {
                    return t;
                }
            }
            return -1;
        }

        /** The two neighbours of the clamped source coordinate, weighted by distance in float as ONNX Runtime does. */
        private static void linearTaps(double source, int in, int[] index, double[] weight) {
            double clamped = Math.clamp(source, 0, in - 1);
            int floor = (int) Math.floor(clamped);
            float fraction = (float) (clamped - floor);
            index[0] = floor;
            index[1] = Math.min(floor + 1, in - 1);
            weight[0] = 1 - fraction;
            weight[1] = fraction;
        }

        /**
         * ONNX's cubic convolution: the four elements nearest the source coordinate (the lower one on a
         * tie), edges repeated beyond the axis, weighted by Keys' kernel with parameter {@code a}; with
         * {@code excludeOutside}, taps beyond the axis weigh 0 and the others are renormalized.
         */
        private static void cubicTaps(double source, int in, double a, boolean excludeOutside, int[] index,
                                      double[] weight) {
            double floor = Math.floor(source);
            // The distance to the left neighbour in (0, 1]: an integer coordinate is its right neighbour.
            double r = source == floor ? 1 : source - floor;
            long first = (long) Math.ceil(source) - 2;
            weight[0] = ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a;
            weight[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
            weight[2] = ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1;
            weight[3] = ((a * (2 - r) - 5 * a) * (2 - r) + 8 * a) * (2 - r) - 4 * a;
            double sum = 0;
            for (int t = 0; t < 4; t++) {
                long at = first + t;
                if (excludeOutside && (at < 0 || at >= in)) {
                    weight[t] = 0;
                }
                sum += weight[t];
                index[t] = Math.clamp(at, 0, in - 1);
            }
            if (excludeOutside) {
                for (int t = 0; t < 4; t++) {
                    weight[t] /= sum;
                }
            }
        }

        /** The input coordinate that output coordinate {@code o} samples. */
        private static double source(String coordinates, int o, double scale, int in, double resized) {
            return switch (coordinates) {
                case "asymmetric" -> o / scale;
                case "align_corners" -> resized == 1 ? 0 : o * (in - 1.0) / (resized - 1.0);
                case "pytorch_half_pixel" -> resized > 1 ? (o + 0.5) / scale - 0.5 : 0;
                case "tf_half_pixel_for_nn" -> (o + 0.5) / scale;
                default -> (o + 0.5) / scale - 0.5;
            };
        }

        private static double round(String rounding, double v) {
            return switch (rounding) {
                case "floor" -> Math.floor(v);
                case "ceil" -> Math.ceil(v);
                case "round_prefer_ceil" -> Math.floor(v + 0.5);
                default -> Math.ceil(v - 0.5);
            };
        }
    }
}
