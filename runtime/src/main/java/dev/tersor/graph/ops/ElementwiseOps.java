package dev.tersor.graph.ops;

import dev.tersor.format.ElementType;
import dev.tersor.graph.Elements;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;
import dev.tersor.kernels.tensor.TensorKernels;
import dev.tersor.kernels.tensor.TensorKernels.Binary;
import dev.tersor.kernels.tensor.TensorKernels.Unary;

import java.util.List;

/** Element-wise operators: arithmetic with broadcasting, unary functions, clamps and casts. */
final class ElementwiseOps {

    private ElementwiseOps() {
    }

    /** Add, Sub, Mul, Div, Pow with numpy broadcasting; floats through the tensor kernels, integers exactly. */
    static final class BinaryOp extends AbstractOperator {
        private final Binary op;

        BinaryOp(String name, Binary op) {
            super(name, 2, 2, 1);
            this.op = op;
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType a = inputs.get(0);
            ValueType b = inputs.get(1);
            if (op == Binary.POW) {
                requireType(node, a, "the base", ElementType.F32);
                requireType(node, b, "the exponent", ElementType.F32, ElementType.I64, ElementType.I32);
            } else {
                requireType(node, a, "input A", ElementType.F32, ElementType.I64, ElementType.I32);
                if (a.type() != b.type()) {
                    throw invalid(node, "inputs have different element types " + a.type().onnxName() + " and " + b.type().onnxName());
                }
            }
            int[] out = Shapes.broadcast(a.shape(), b.shape(), node.describe());
            Broadcast loop = new Broadcast(out, a.shape(), b.shape());
            ElementType type = a.type();
            TensorKernels kernels = context.kernels();
            if (type == ElementType.F32 && b.type() == ElementType.F32) {
                return Binding.of(ValueType.of(type, out), (in, o, scratch) -> {
                    for (int r = 0; r < loop.runs; r++) {
                        kernels.binary(op, in[0], loop.offsets[0][r], loop.scalar[0], in[1], loop.offsets[1][r],
                                loop.scalar[1], o[0], (long) r * loop.inner, loop.inner);
                    }
                });
            }
            ElementType bType = b.type();
            return Binding.of(ValueType.of(type, out), (in, o, scratch) -> {
                for (int r = 0; r < loop.runs; r++) {
                    long ao = loop.offsets[0][r];
                    long bo = loop.offsets[1][r];
                    long yo = (long) r * loop.inner;
                    for (int i = 0; i < loop.inner; i++) {
                        long ai = loop.scalar[0] ? ao : ao + i;
                        long bi = loop.scalar[1] ? bo : bo + i;
                        if (type == ElementType.F32) {
                            double v = Math.pow(Elements.getDouble(type, in[0], ai), Elements.getDouble(bType, in[1], bi));
                            Elements.setDouble(type, o[0], yo + i, v);
                        } else {
                            Elements.setLong(type, o[0], yo + i, integer(node, Elements.getLong(type, in[0], ai),
                                    Elements.getLong(type, in[1], bi)));
                        }
                    }
                }
            });
        }

        private long integer(Node node, long a, long b) {
            return switch (op) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> {
                    if (b == 0) {
                        throw new InvalidModelException(node.describe() + ": integer division by zero");
                    }
                    yield a / b;
                }
                case MAX -> Math.max(a, b);
                case MIN -> Math.min(a, b);
                case POW -> (long) Math.pow(a, b);
            };
        }
    }

    /** One-argument float functions; Neg and Abs also take integers. */
    static final class UnaryOp extends AbstractOperator {
        private final Unary op;

        UnaryOp(String name, Unary op, String... attributes) {
            super(name, 1, 1, 1, attributes);
            this.op = op;
        }

        @Override
        void checkAttributes(Node node) {
            if (op == Unary.GELU && !node.attributes().getString("approximate", "none").equals("none")) {
                throw unsupported(node, "approximate='" + node.attributes().getString("approximate", "") + "'");
            }
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            int n = x.size();
            if ((op == Unary.NEG || op == Unary.ABS) && (x.type() == ElementType.I64 || x.type() == ElementType.I32)) {
                ElementType type = x.type();
                return Binding.of(ValueType.of(type, x.shape()), (in, out, scratch) -> {
                    for (int i = 0; i < n; i++) {
                        long v = Elements.getLong(type, in[0], i);
                        Elements.setLong(type, out[0], i, op == Unary.NEG ? -v : Math.abs(v));
                    }
                });
            }
            requireType(node, x, "the input", ElementType.F32);
            TensorKernels kernels = context.kernels();
            return Binding.of(ValueType.of(ElementType.F32, x.shape()),
                    (in, out, scratch) -> kernels.unary(op, in[0], 0, out[0], 0, n));
        }
    }

    /** {@code min(max(alpha·x + beta, lo), hi)}: HardSigmoid and Clip. */
    static final class ClampOp extends AbstractOperator {
        private final boolean hardSigmoid;

        ClampOp(String name, boolean hardSigmoid) {
            super(name, 1, hardSigmoid ? 1 : 3, 1, hardSigmoid ? new String[]{"alpha", "beta"} : new String[0]);
            this.hardSigmoid = hardSigmoid;
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            requireType(node, x, "the input", ElementType.F32);
            float alpha = 1;
            float beta = 0;
            float lo = Float.NEGATIVE_INFINITY;
            float hi = Float.POSITIVE_INFINITY;
            if (hardSigmoid) {
                alpha = node.attributes().getFloat("alpha", 0.2f);
                beta = node.attributes().getFloat("beta", 0.5f);
                lo = 0;
                hi = 1;
            } else {
                if (input(inputs, 1) != null) {
                    lo = scalarFloat(node, constant(node, inputs, 1, "Clip's min"));
                }
                if (input(inputs, 2) != null) {
                    hi = scalarFloat(node, constant(node, inputs, 2, "Clip's max"));
                }
            }
            int n = x.size();
            float a = alpha, b = beta, l = lo, h = hi;
            TensorKernels kernels = context.kernels();
            return Binding.of(ValueType.of(ElementType.F32, x.shape()),
                    (in, out, scratch) -> kernels.clampAffine(in[0], 0, out[0], 0, n, a, b, l, h));
        }

        private static float scalarFloat(Node node, Tensor t) {
            if (t.size() != 1 || t.type() != ElementType.F32) {
                throw invalid(node, "a bound must be one float, got " + t);
            }
            return (float) t.getDouble(0);
        }
    }

    /** Cast between any two supported element types. */
    static final class CastOp extends AbstractOperator {
        CastOp() {
            super("Cast", 1, 1, 1, "to");
        }

        @Override
        void checkAttributes(Node node) {
            target(node);
        }

        private static ElementType target(Node node) {
            long to = node.attributes().getLong("to", -1);
            ElementType type = ElementType.tensorFromOnnx((int) to);
            if (type == null) {
                throw unsupported(node, "cast to " + ElementType.onnxName((int) to));
            }
            return type;
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            ElementType from = x.type();
            ElementType to = target(node);
            int n = x.size();
            if (from == to) {
                return Binding.alias(ValueType.of(to, x.shape()));
            }
            return Binding.of(ValueType.of(to, x.shape()), (in, out, scratch) -> {
                if (from == ElementType.F32) {
                    for (int i = 0; i < n; i++) {
                        Elements.setDouble(to, out[0], i, Elements.getDouble(from, in[0], i));
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        Elements.setLong(to, out[0], i, Elements.getLong(from, in[0], i));
                    }
                }
            });
        }
    }
}
