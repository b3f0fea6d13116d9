package dev.tersor.graph.ops;

import dev.tersor.graph.Node;
import dev.tersor.graph.UnsupportedModelException;
import dev.tersor.kernels.tensor.TensorKernels.Binary;
import dev.tersor.kernels.tensor.TensorKernels.Unary;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every operator of the graph IR, by name. Most carry ONNX's name and semantics (normalized to one
 * opset by the importer); {@code Linear}, {@code Conv} (with a weight-matrix attribute),
 * {@code LayerNormalization}, {@code Gelu} and {@code Attention} are what the compiler fuses patterns into.
 */
public final class Operators {

    private static final Map<String, Operator> ALL = register();

    private Operators() {
    }

    private static Map<String, Operator> register() {
        Map<String, Operator> ops = new LinkedHashMap<>();
        for (Operator op : new Operator[]{
                new ElementwiseOps.BinaryOp("Add", Binary.ADD),
                new ElementwiseOps.BinaryOp("Sub", Binary.SUB),
                new ElementwiseOps.BinaryOp("Mul", Binary.MUL),
                new ElementwiseOps.BinaryOp("Div", Binary.DIV),
                new ElementwiseOps.BinaryOp("Pow", Binary.POW),
                new ElementwiseOps.UnaryOp("Sqrt", Unary.SQRT),
                new ElementwiseOps.UnaryOp("Erf", Unary.ERF),
                new ElementwiseOps.UnaryOp("Relu", Unary.RELU),
                new ElementwiseOps.UnaryOp("Exp", Unary.EXP),
                new ElementwiseOps.UnaryOp("Log", Unary.LOG),
                new ElementwiseOps.UnaryOp("Neg", Unary.NEG),
                new ElementwiseOps.UnaryOp("Abs", Unary.ABS),
                new ElementwiseOps.UnaryOp("Sigmoid", Unary.SIGMOID),
                new ElementwiseOps.UnaryOp("Tanh", Unary.TANH),
                new ElementwiseOps.UnaryOp("Reciprocal", Unary.RECIPROCAL),
                new ElementwiseOps.UnaryOp("Floor", Unary.FLOOR),
                new ElementwiseOps.UnaryOp("Ceil", Unary.CEIL),
                new ElementwiseOps.UnaryOp("Gelu", Unary.GELU, "approximate"),
                new ElementwiseOps.ClampOp("HardSigmoid", true),
                new ElementwiseOps.ClampOp("Clip", false),
                new ElementwiseOps.CastOp(),
                new ElementwiseOps.PReluOp(),
                new ElementwiseOps.CompareOp("Equal", ElementwiseOps.CompareOp.Relation.EQUAL),
                new ElementwiseOps.CompareOp("Less", ElementwiseOps.CompareOp.Relation.LESS),
                new ElementwiseOps.CompareOp("LessOrEqual", ElementwiseOps.CompareOp.Relation.LESS_OR_EQUAL),
                new ElementwiseOps.CompareOp("Greater", ElementwiseOps.CompareOp.Relation.GREATER),
                new ElementwiseOps.CompareOp("GreaterOrEqual", ElementwiseOps.CompareOp.Relation.GREATER_OR_EQUAL),
                new ElementwiseOps.LogicOp("And", ElementwiseOps.LogicOp.Connective.AND),
                new ElementwiseOps.LogicOp("Or", ElementwiseOps.LogicOp.Connective.OR),
                new ElementwiseOps.LogicOp("Xor", ElementwiseOps.LogicOp.Connective.XOR),
                new ElementwiseOps.LogicOp("Not", ElementwiseOps.LogicOp.Connective.NOT),
                new ElementwiseOps.WhereOp(),
                new ElementwiseOps.VariadicOp("Max", Binary.MAX, false),
                new ElementwiseOps.VariadicOp("Min", Binary.MIN, false),
                new ElementwiseOps.VariadicOp("Sum", Binary.ADD, false),
                new ElementwiseOps.VariadicOp("Mean", Binary.ADD, true),
                new ShapeOps.ShapeOp(),
                new ShapeOps.ViewOp("Reshape", ShapeOps.ViewOp.Kind.RESHAPE, 2, 2, "allowzero"),
                new ShapeOps.ViewOp("Unsqueeze", ShapeOps.ViewOp.Kind.UNSQUEEZE, 2, 2),
                new ShapeOps.ViewOp("Squeeze", ShapeOps.ViewOp.Kind.SQUEEZE, 1, 2),
                new ShapeOps.ViewOp("Flatten", ShapeOps.ViewOp.Kind.FLATTEN, 1, 1, "axis"),
                new ShapeOps.ViewOp("Identity", ShapeOps.ViewOp.Kind.IDENTITY, 1, 1),
                new ShapeOps.ConcatOp(),
                new ShapeOps.SliceOp(),
                new ShapeOps.TransposeOp(),
                new ShapeOps.GatherOp(),
                new ShapeOps.SplitOp(),
                new ShapeOps.ExpandOp(),
                new ShapeOps.TileOp(),
                new ShapeOps.PadOp(),
                new ShapeOps.RangeOp(),
                new ShapeOps.ConstantOfShapeOp(),
                new MathOps.MatMulOp(),
                new MathOps.SoftmaxOp(),
                new MathOps.ReduceOp(MathOps.Reduction.L1),
                new MathOps.ReduceOp(MathOps.Reduction.L2),
                new MathOps.ArgExtremumOp("ArgMax", true),
                new MathOps.ArgExtremumOp("ArgMin", false),
                new MathOps.LayerNormOp(),
                new MathOps.LinearOp(),
                new AttentionOp(),
                new MathOps.EmbeddingOp(),
                new QuantOps.DynamicQuantizeLinearOp(),
                new QuantOps.DequantizeLinearOp(),
                new QuantOps.MatMulIntegerOp(),
                new ConvOps.ConvOp(),
                new ConvOps.ConvTransposeOp(),
                new ConvOps.BatchNormOp(),
                ConvOps.GlobalPoolOp.average(),
                ConvOps.PoolOp.max(),
                ConvOps.PoolOp.average(),
                ConvOps.GlobalPoolOp.max(),
                new ConvOps.InstanceNormOp(),
                new ConvOps.ResizeOp(),
        }) {
            ops.put(op.name(), op);
        }
        for (ElementwiseOps.Activation activation : ElementwiseOps.Activation.values()) {
            ops.put(activation.onnxName, new ElementwiseOps.ActivationOp(activation));
        }
        for (MathOps.Reduction reduction : MathOps.Reduction.values()) {
            ops.put(reduction.onnxName, new MathOps.ReduceOp(reduction));
        }
        return Collections.unmodifiableMap(ops);
    }

    /** The operator called {@code name}, or {@code null}. */
    public static Operator find(String name) {
        return ALL.get(name);
    }

    /** The operator of {@code node}, or an exception naming the node and the operator. */
    public static Operator of(Node node) {
        Operator op = ALL.get(node.op());
        if (op == null) {
            throw new UnsupportedModelException(node.describe() + ": operator '" + node.op() + "' is not supported");
        }
        return op;
    }

    public static Set<String> names() {
        return ALL.keySet();
    }

    /** BatchNormalization's per-channel {@code {a, b}} with {@code y = x·a + b}, for folding it into a convolution. */
    public static float[][] batchNormCoefficients(Node node, dev.tersor.graph.Tensor scale, dev.tersor.graph.Tensor bias,
                                                  dev.tersor.graph.Tensor mean, dev.tersor.graph.Tensor var, int channels) {
        return ConvOps.BatchNormOp.coefficients(node, scale, bias, mean, var, channels);
    }
}
