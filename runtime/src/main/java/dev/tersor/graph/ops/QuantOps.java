package dev.tersor.graph.ops;

import dev.tersor.format.ElementType;
import dev.tersor.graph.Elements;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.kernels.Layouts;

import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * ONNX's integer-quantization operators, for graphs the importer could not turn into float layers
 * over codebook weights (that rewrite is what real int8 models get; see the importer).
 */
final class QuantOps {

    private QuantOps() {
    }

    /** DynamicQuantizeLinear: uint8 with a per-tensor scale and zero point from the data's range. */
    static final class DynamicQuantizeLinearOp extends AbstractOperator {
        DynamicQuantizeLinearOp() {
            super("DynamicQuantizeLinear", 1, 1, 3);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            int n = x.size();
            Kernel kernel = (in, out, scratch) -> {
                float min = 0;
                float max = 0;
                for (int i = 0; i < n; i++) {
                    float v = in[0].getAtIndex(Layouts.F32, i);
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                float scale = (max - min) / 255f;
                float zeroPoint = scale == 0 ? 0 : (float) Math.clamp(Math.rint(-min / scale), 0, 255);
                for (int i = 0; i < n; i++) {
                    float q = scale == 0 ? 0 : (float) Math.rint(in[0].getAtIndex(Layouts.F32, i) / scale) + zeroPoint;
                    out[0].set(ValueLayout.JAVA_BYTE, i, (byte) (int) Math.clamp(q, 0f, 255f));
                }
                out[1].setAtIndex(Layouts.F32, 0, scale);
                out[2].set(ValueLayout.JAVA_BYTE, 0, (byte) (int) zeroPoint);
            };
            return new Binding(List.of(ValueType.of(ElementType.U8, x.shape()), ValueType.of(ElementType.F32),
                    ValueType.of(ElementType.U8)), kernel, 0, false);
        }
    }

    /** DequantizeLinear: {@code (x − zeroPoint)·scale}, per tensor or per slice along {@code axis}. */
    static final class DequantizeLinearOp extends AbstractOperator {
        DequantizeLinearOp() {
            super("DequantizeLinear", 2, 3, 1, "axis");
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            ValueType scale = inputs.get(1);
            ValueType zp = input(inputs, 2);
            requireType(node, x, "the input", ElementType.U8, ElementType.I8, ElementType.I32);
            requireType(node, scale, "the scale", ElementType.F32);
            if (zp != null && zp.type() != x.type()) {
                throw invalid(node, "zero point type " + zp.type().onnxName() + " differs from the input's " + x.type().onnxName());
            }
            int rank = x.rank();
            int channels = scale.size();
            int inner;
            if (scale.rank() == 0 || channels == 1 && scale.rank() <= 1) {
                inner = x.size();
                channels = 1;
            } else {
                if (scale.rank() != 1) {
                    throw unsupported(node, "blocked quantization (scale of rank " + scale.rank() + ")");
                }
                int axis = Shapes.axis(node.attributes().getLong("axis", 1), rank, node.describe());
                if (x.dim(axis) != channels) {
                    throw invalid(node, channels + " scales for axis " + axis + " of size " + x.dim(axis));
                }
                inner = Shapes.product(x.shape(), axis + 1, rank);
            }
            if (zp != null && zp.size() != channels) {
                throw invalid(node, zp.size() + " zero points for " + channels + " scales");
            }
            int n = x.size();
            int c = channels;
            int block = inner;
            ElementType type = x.type();
            return Binding.of(ValueType.of(ElementType.F32, x.shape()), (in, out, scratch) -> {
                for (int i = 0; i < n; i++) {
                    int ch = block == 0 ? 0 : (i / block) % c;
                    long z = in[2] == null ? 0 : Elements.getLong(type, in[2], ch);
                    float s = in[1].getAtIndex(Layouts.F32, ch);
                    out[0].setAtIndex(Layouts.F32, i, (float) (Elements.getLong(type, in[0], i) - z) * s);
                }
            });
        }
    }

    /** MatMulInteger: int32 products of (u)int8 matrices minus their zero points. */
    static final class MatMulIntegerOp extends AbstractOperator {
        MatMulIntegerOp() {
            super("MatMulInteger", 2, 4, 1);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType a = inputs.get(0);
            ValueType b = inputs.get(1);
            requireType(node, a, "input A", ElementType.U8, ElementType.I8);
            requireType(node, b, "input B", ElementType.U8, ElementType.I8);
            MathOps.MatMulShape s = MathOps.MatMulShape.of(node, a.shape(), b.shape());
            ValueType az = input(inputs, 2);
            ValueType bz = input(inputs, 3);
            int aZeros = zeroPoints(node, az, a.type(), s.m(), "A");
            int bZeros = zeroPoints(node, bz, b.type(), s.n(), "B");
            if (a.rank() > 2 && aZeros > 1 || b.rank() > 2 && bZeros > 1) {
                throw unsupported(node, "per-row zero points on batched inputs");
            }
            ElementType at = a.type();
            ElementType bt = b.type();
            int m = s.m(), k = s.k(), n = s.n();
            return Binding.of(ValueType.of(ElementType.I32, s.out()), (in, out, scratch) -> {
                for (int t = 0; t < s.batches(); t++) {
                    long ao = (long) s.aBatch()[t] * m * k;
                    long bo = (long) s.bBatch()[t] * k * n;
                    long co = (long) t * m * n;
                    for (int i = 0; i < m; i++) {
                        long za = in.length > 2 && in[2] != null ? Elements.getLong(at, in[2], aZeros > 1 ? i : 0) : 0;
                        for (int j = 0; j < n; j++) {
                            long zb = in.length > 3 && in[3] != null ? Elements.getLong(bt, in[3], bZeros > 1 ? j : 0) : 0;
                            int acc = 0;
                            for (int p = 0; p < k; p++) {
                                acc += (int) ((Elements.getLong(at, in[0], ao + (long) i * k + p) - za)
                                        * (Elements.getLong(bt, in[1], bo + (long) p * n + j) - zb));
                            }
                            out[0].setAtIndex(Layouts.I32, co + (long) i * n + j, acc);
                        }
                    }
                }
            });
        }

        private static int zeroPoints(Node node, ValueType z, ElementType type, int extent, String side) {
            if (z == null) {
                return 0;
            }
            if (z.type() != type) {
                throw invalid(node, side + "'s zero point is " + z.type().onnxName() + ", " + side + " is " + type.onnxName());
            }
            if (z.size() != 1 && z.size() != extent) {
                throw invalid(node, side + " has " + z.size() + " zero points, expected 1 or " + extent);
            }
            return z.size();
        }
    }
}
