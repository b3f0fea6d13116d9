package dev.tersor.graph.ops;

import dev.tersor.format.ElementType;
import dev.tersor.graph.Elements;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;
import dev.tersor.kernels.Layouts;
import dev.tersor.kernels.Parallelism;
import dev.tersor.kernels.tensor.TensorKernels;
import dev.tersor.kernels.tensor.TensorKernels.Binary;
import dev.tersor.kernels.tensor.TensorKernels.Unary;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * Element-wise operators: arithmetic with broadcasting, unary functions and activations, clamps,
 * casts, comparisons and logic, selection and variadic reductions.
 */
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
                if (loop.runs == 1) {
                    // One run (same shapes, or a scalar operand): shared out in spans of elements.
                    Parallelism parallelism = context.execution().parallelism();
                    long aStart = loop.offsets[0][0];
                    long bStart = loop.offsets[1][0];
                    boolean aScalar = loop.scalar[0];
                    boolean bScalar = loop.scalar[1];
                    return Binding.of(ValueType.of(type, out), (in, o, scratch) -> ElementSpans.run(parallelism, loop.inner,
                            (from, length) -> kernels.binary(op, in[0], aScalar ? aStart : aStart + from, aScalar,
                                    in[1], bScalar ? bStart : bStart + from, bScalar, o[0], from, length)));
                }
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
            Parallelism parallelism = context.execution().parallelism();
            return Binding.of(ValueType.of(ElementType.F32, x.shape()), (in, out, scratch) -> ElementSpans.run(parallelism, n,
                    (from, length) -> kernels.unary(op, in[0], from, out[0], from, length)));
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
            ValueType x = floatInput(node, inputs);
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

    /** Activations with up to two float attributes, computed in double and rounded once. */
    enum Activation {
        LEAKY_RELU("LeakyRelu", 0.01f, 0) {
            @Override
            double apply(double x, double alpha, double gamma) {
                return x >= 0 ? x : alpha * x;
            }
        },
        ELU("Elu", 1, 0) {
            @Override
            double apply(double x, double alpha, double gamma) {
                return x >= 0 ? x : alpha * Math.expm1(x);
            }
        },
        SELU("Selu", 1.67326319217681884765625f, 1.05070102214813232421875f) {
            @Override
            double apply(double x, double alpha, double gamma) {
                return gamma * (x > 0 ? x : alpha * Math.expm1(x));
            }
        },
        CELU("Celu", 1, 0) {
            @Override
            double apply(double x, double alpha, double gamma) {
                return Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
            }
        },
        THRESHOLDED_RELU("ThresholdedRelu", 1, 0) {
            @Override
            double apply(double x, double alpha, double gamma) {
                return x > alpha ? x : 0;
            }
        },
        HARD_SWISH("HardSwish", 0, 0) {
            @Override
            double apply(double x, double alpha, double gamma) {
                return x * Math.clamp(x / 6 + 0.5, 0.0, 1.0);
            }
        },
        SOFTPLUS("Softplus", 0, 0) {
            @Override
            double apply(double x, double alpha, double gamma) {
                // log(1 + e^x) without overflow for large x.
                return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
            }
        },
        SOFTSIGN("Softsign", 0, 0) {
            @Override
            double apply(double x, double alpha, double gamma) {
                return x / (1 + Math.abs(x));
            }
        };

        final String onnxName;
        final float defaultAlpha;
        final float defaultGamma;

        Activation(String onnxName, float defaultAlpha, float defaultGamma) {
            this.onnxName = onnxName;
            this.defaultAlpha = defaultAlpha;
            this.defaultGamma = defaultGamma;
        }

        abstract double apply(double x, double alpha, double gamma);

        String[] attributes() {
            return switch (this) {
                case LEAKY_RELU, ELU, CELU, THRESHOLDED_RELU -> new String[]{"alpha"};
                case SELU -> new String[]{"alpha", "gamma"};
                default -> new String[0];
            };
        }
    }

    /** A float activation of {@link Activation}, one element at a time. */
    static final class ActivationOp extends AbstractOperator {
        private final Activation activation;

        ActivationOp(Activation activation) {
            super(activation.onnxName, 1, 1, 1, activation.attributes());
            this.activation = activation;
        }

        @Override
        void checkAttributes(Node node) {
            if (activation == Activation.CELU && node.attributes().getFloat("alpha", 1) == 0) {
                throw invalid(node, "alpha must not be 0");
            }
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = floatInput(node, inputs);
            double alpha = node.attributes().getFloat("alpha", activation.defaultAlpha);
            double gamma = node.attributes().getFloat("gamma", activation.defaultGamma);
            int n = x.size();
            return Binding.of(ValueType.of(ElementType.F32, x.shape()), (in, out, scratch) -> {
                for (int i = 0; i < n; i++) {
                    out[0].setAtIndex(Layouts.F32, i, (float) activation.apply(in[0].getAtIndex(Layouts.F32, i), alpha, gamma));
                }
            });
        }
    }

    /**
     * PRelu: {@code x < 0 ? slope·x : x} with the slope broadcast to x's shape. With {@code slope_axis}
     * (set by the importer for ONNX before opset 7, whose slope is per channel) the slope's dims line
     * up with x's from that axis instead of from the end.
     */
    static final class PReluOp extends AbstractOperator {
        PReluOp() {
            super("PRelu", 2, 2, 1, "slope_axis");
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType x = inputs.get(0);
            ValueType slope = inputs.get(1);
            requireType(node, x, "the input", ElementType.F32);
            requireType(node, slope, "the slope", ElementType.F32);
            int[] slopeShape = slope.shape();
            long slopeAxis = node.attributes().getLong("slope_axis", -1);
            if (slopeAxis >= 0 && slope.size() != 1) {
                if (slopeAxis + slope.rank() > x.rank()) {
                    throw invalid(node, "slope " + slope + " does not fit the input " + x + " from axis " + slopeAxis);
                }
                slopeShape = new int[x.rank()];
                Arrays.fill(slopeShape, 1);
                System.arraycopy(slope.shape(), 0, slopeShape, (int) slopeAxis, slope.rank());
            }
            int[] out = Shapes.broadcast(x.shape(), slopeShape, node.describe());
            if (!Arrays.equals(out, x.shape())) {
                throw invalid(node, "slope " + slope + " does not broadcast to the input " + x);
            }
            Broadcast loop = new Broadcast(out, x.shape(), slopeShape);
            return Binding.of(ValueType.of(ElementType.F32, out), (in, o, scratch) -> loop.forEach((y, at) -> {
                float v = in[0].getAtIndex(Layouts.F32, at[0]);
                o[0].setAtIndex(Layouts.F32, y, v < 0 ? v * in[1].getAtIndex(Layouts.F32, at[1]) : v);
            }));
        }
    }

    /** Equal, Less, LessOrEqual, Greater, GreaterOrEqual with broadcasting; the result is bool. */
    static final class CompareOp extends AbstractOperator {
        enum Relation { EQUAL, LESS, LESS_OR_EQUAL, GREATER, GREATER_OR_EQUAL }

        private final Relation relation;

        CompareOp(String name, Relation relation) {
            super(name, 2, 2, 1);
            this.relation = relation;
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType a = inputs.get(0);
            ValueType b = inputs.get(1);
            requireType(node, a, "input A", ElementType.F32, ElementType.I64, ElementType.I32, ElementType.BOOL);
            if (a.type() != b.type()) {
                throw invalid(node, "inputs have different element types " + a.type().onnxName() + " and " + b.type().onnxName());
            }
            int[] out = Shapes.broadcast(a.shape(), b.shape(), node.describe());
            Broadcast loop = new Broadcast(out, a.shape(), b.shape());
            ElementType type = a.type();
            return Binding.of(ValueType.of(ElementType.BOOL, out), (in, o, scratch) -> loop.forEach((y, at) -> {
                // Longs compare int64 exactly; doubles hold every float32 exactly.
                int c = type == ElementType.F32
                        ? Double.compare(Elements.getDouble(type, in[0], at[0]), Elements.getDouble(type, in[1], at[1]))
                        : Long.compare(Elements.getLong(type, in[0], at[0]), Elements.getLong(type, in[1], at[1]));
                boolean nan = type == ElementType.F32
                        && (Double.isNaN(Elements.getDouble(type, in[0], at[0])) || Double.isNaN(Elements.getDouble(type, in[1], at[1])));
                boolean result = !nan && switch (relation) {
                    case EQUAL -> c == 0;
                    case LESS -> c < 0;
                    case LESS_OR_EQUAL -> c <= 0;
                    case GREATER -> c > 0;
                    case GREATER_OR_EQUAL -> c >= 0;
                };
                o[0].set(ValueLayout.JAVA_BYTE, y, (byte) (result ? 1 : 0));
            }));
        }
    }

    /** And, Or, Xor over bools with broadcasting, and Not. */
    static final class LogicOp extends AbstractOperator {
        enum Connective { AND, OR, XOR, NOT }

        private final Connective connective;

        LogicOp(String name, Connective connective) {
            super(name, connective == Connective.NOT ? 1 : 2, connective == Connective.NOT ? 1 : 2, 1);
            this.connective = connective;
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            for (int i = 0; i < inputs.size(); i++) {
                requireType(node, inputs.get(i), "input " + i, ElementType.BOOL);
            }
            int[] a = inputs.get(0).shape();
            int[] b = connective == Connective.NOT ? a : inputs.get(1).shape();
            int[] out = Shapes.broadcast(a, b, node.describe());
            Broadcast loop = new Broadcast(out, a, b);
            int second = connective == Connective.NOT ? 0 : 1;
            return Binding.of(ValueType.of(ElementType.BOOL, out), (in, o, scratch) -> loop.forEach((y, at) -> {
                boolean p = in[0].get(ValueLayout.JAVA_BYTE, at[0]) != 0;
                boolean q = in[second].get(ValueLayout.JAVA_BYTE, at[1]) != 0;
                boolean result = switch (connective) {
                    case AND -> p && q;
                    case OR -> p || q;
                    case XOR -> p ^ q;
                    case NOT -> !p;
                };
                o[0].set(ValueLayout.JAVA_BYTE, y, (byte) (result ? 1 : 0));
            }));
        }
    }

    /** Where: {@code condition ? x : y} with three-way broadcasting, any element type. */
    static final class WhereOp extends AbstractOperator {
        WhereOp() {
            super("Where", 3, 3, 1);
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType condition = inputs.get(0);
            ValueType x = inputs.get(1);
            ValueType y = inputs.get(2);
            requireType(node, condition, "the condition", ElementType.BOOL);
            if (x.type() != y.type()) {
                throw invalid(node, "X is " + x.type().onnxName() + " but Y is " + y.type().onnxName());
            }
            int[] out = Shapes.broadcast(Shapes.broadcast(condition.shape(), x.shape(), node.describe()), y.shape(),
                    node.describe());
            Broadcast loop = new Broadcast(out, condition.shape(), x.shape(), y.shape());
            long elem = x.type().bytes();
            return Binding.of(ValueType.of(x.type(), out), (in, o, scratch) -> loop.forEach((r, at) -> {
                int pick = in[0].get(ValueLayout.JAVA_BYTE, at[0]) != 0 ? 1 : 2;
                MemorySegment.copy(in[pick], at[pick] * elem, o[0], r * elem, elem);
            }));
        }
    }

    /** Max, Min, Sum and Mean of one or more inputs with broadcasting; floats, and integers except for Mean. */
    static final class VariadicOp extends AbstractOperator {
        private final Binary op;
        private final boolean mean;

        VariadicOp(String name, Binary op, boolean mean) {
            super(name, 1, Integer.MAX_VALUE, 1);
            this.op = op;
            this.mean = mean;
        }

        @Override
        public Binding bind(Node node, List<ValueType> inputs, BindContext context) {
            ValueType first = inputs.get(0);
            if (mean) {
                requireType(node, first, "input 0", ElementType.F32);
            } else {
                requireType(node, first, "input 0", ElementType.F32, ElementType.I64, ElementType.I32);
            }
            int count = inputs.size();
            int[][] shapes = new int[count][];
            int[] out = new int[0];
            for (int k = 0; k < count; k++) {
                ValueType v = inputs.get(k);
                if (v == null) {
                    throw invalid(node, "input " + k + " is missing");
                }
                if (v.type() != first.type()) {
                    throw invalid(node, "input " + k + " is " + v.type().onnxName() + ", input 0 is " + first.type().onnxName());
                }
                shapes[k] = v.shape();
                out = Shapes.broadcast(out, shapes[k], node.describe());
            }
            Broadcast loop = new Broadcast(out, shapes);
            ElementType type = first.type();
            return Binding.of(ValueType.of(type, out), (in, o, scratch) -> loop.forEach((y, at) -> {
                if (type == ElementType.F32) {
                    float acc = in[0].getAtIndex(Layouts.F32, at[0]);
                    for (int k = 1; k < count; k++) {
                        float v = in[k].getAtIndex(Layouts.F32, at[k]);
                        acc = switch (op) {
                            case MAX -> Float.isNaN(v) ? v : Math.max(acc, v);
                            case MIN -> Float.isNaN(v) ? v : Math.min(acc, v);
                            default -> acc + v;
                        };
                    }
                    o[0].setAtIndex(Layouts.F32, y, mean ? acc / count : acc);
                } else {
                    long acc = Elements.getLong(type, in[0], at[0]);
                    for (int k = 1; k < count; k++) {
                        long v = Elements.getLong(type, in[k], at[k]);
                        acc = switch (op) {
                            case MAX -> Math.max(acc, v);
                            case MIN -> Math.min(acc, v);
                            default -> acc + v;
                        };
                    }
                    Elements.setLong(type, o[0], y, acc);
                }
            }));
        }
    }
}
