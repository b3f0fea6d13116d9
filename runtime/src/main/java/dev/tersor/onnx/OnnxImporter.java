package dev.tersor.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tersor.format.ElementType;
import dev.tersor.format.Execution;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.Graph;
import dev.tersor.graph.InvalidModelException;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.UnsupportedModelException;
import dev.tersor.graph.ValueInfo;
import dev.tersor.graph.compile.ConvFusion;
import dev.tersor.graph.compile.GraphCompiler;
import dev.tersor.graph.compile.MutableGraph;
import dev.tersor.graph.compile.WeightEncoder;
import dev.tersor.graph.ops.BindContext;
import dev.tersor.graph.ops.Operator;
import dev.tersor.graph.ops.Operators;
import dev.tersor.kernels.tensor.TensorKernels;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Imports an ONNX model into the graph IR: initializers and Constant nodes become constants, nodes
 * are normalized to one opset's signatures (attribute-style axes, starts, bounds become constant
 * inputs, and so on), then the graph is compiled. An operator, attribute or element type Tersor does
 * not implement fails here, naming the node; nothing is skipped.
 */
public final class OnnxImporter {

    /**
     * IR operators an ONNX file may not use: only the compiler makes them. ONNX's own {@code Attention}
     * (opset 23) takes heads-first inputs and other attributes, so Tersor's must not be mistaken for it.
     */
    private static final Set<String> INTERNAL = Set.of("Linear", "Embedding", "Attention");

    /** ONNX operators the importer rewrites into IR operators of other names. */
    private static final Set<String> REWRITTEN = Set.of("Conv", "Upsample");

    private OnnxImporter() {
    }

    public static Graph read(Path path, WeightEncoder encoder) throws IOException {
        return read(Files.readAllBytes(path), encoder);
    }

    public static Graph read(byte[] bytes, WeightEncoder encoder) {
        OnnxProto.Model model;
        try {
            model = OnnxProto.parseModel(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidModelException("not a readable ONNX model: " + e.getMessage(), e);
        }
        return convert(model, encoder);
    }

    /** Imports an already decoded model. */
    public static Graph convert(OnnxProto.Model model, WeightEncoder encoder) {
        long opset = -1;
        for (var entry : model.opsets().entrySet()) {
            if (entry.getKey().isEmpty() || entry.getKey().equals("ai.onnx")) {
                opset = entry.getValue();
            }
        }
        if (opset < 0) {
            throw new UnsupportedModelException("the model imports no version of the default ONNX operator set");
        }
        MutableGraph graph = new MutableGraph();
        Set<String> initializers = new HashSet<>();
        for (OnnxProto.TensorData t : model.graph().initializers()) {
            graph.addConstant(t.name(), tensor(t, "initializer '" + t.name() + "'"));
            initializers.add(t.name());
        }
        for (OnnxProto.ValueInfo v : model.graph().inputs()) {
            if (initializers.contains(v.name())) {
                continue;
            }
            ElementType type = ElementType.tensorFromOnnx(v.elemType());
            if (type == null) {
                throw new UnsupportedModelException("input '" + v.name() + "' has element type " + ElementType.onnxName(v.elemType()));
            }
            if (!v.hasShape()) {
                throw new UnsupportedModelException("input '" + v.name() + "' has no shape (rank) in the model");
            }
            int[] dims = new int[v.dims().length];
            for (int i = 0; i < dims.length; i++) {
                long d = v.dims()[i];
                dims[i] = d < 0 || d > Shapes.MAX_ELEMENTS || !v.dimNames().get(i).isEmpty() ? -1 : (int) d;
            }
            graph.addInput(new ValueInfo(v.name(), type, dims));
        }
        for (OnnxProto.ValueInfo v : model.graph().outputs()) {
            graph.addOutput(v.name());
        }
        for (OnnxProto.Node n : model.graph().nodes()) {
            convertNode(graph, n, opset);
        }
        try {
            return GraphCompiler.compile(graph, encoder, FOLDING);
        } catch (ArithmeticException | IndexOutOfBoundsException e) {
            throw new InvalidModelException("malformed model: " + e.getMessage(), e);
        }
    }

    private static void convertNode(MutableGraph graph, OnnxProto.Node n, long opset) {
        String where = n.opType() + " node '" + (n.name().isEmpty() ? String.join(",", n.outputs()) : n.name()) + "'";
        if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
            throw new UnsupportedModelException(where + ": operator domain '" + n.domain() + "' is not supported");
        }
        if (n.opType().equals("Constant")) {
            if (n.outputs().size() != 1 || n.attributes().size() != 1) {
                throw new UnsupportedModelException(where + ": expected one output and one value attribute");
            }
            graph.addConstant(n.outputs().getFirst(), constantValue(n.attributes().getFirst(), where));
            return;
        }
        if (INTERNAL.contains(n.opType()) || (Operators.find(n.opType()) == null && !REWRITTEN.contains(n.opType()))) {
            throw new UnsupportedModelException(where + ": operator '" + n.opType() + "' is not supported");
        }
        List<String> inputs = new ArrayList<>(n.inputs());
        Attributes.Builder attributes = Attributes.builder();
        for (OnnxProto.Attribute a : n.attributes()) {
            if (n.opType().equals("ConstantOfShape") && a.name().equals("value") && a.t() != null) {
                // The IR has no tensor attributes: the fill value becomes a constant second input.
                Tensor value = tensor(a.t(), where + " value");
                String name = nodeKey(n) + "::value";
                graph.addConstant(name, value);
                inputs.add(name);
                continue;
            }
            addAttribute(attributes, a, where);
        }
        String op = n.opType();
        Attributes attrs = attributes.build();
        switch (op) {
            case "Unsqueeze", "Squeeze" -> {
                if (opset < 13 && attrs.has("axes")) {
                    inputs.add(constantInput(graph, n, "axes", attrs.getLongs("axes", null)));
                    attrs = attrs.toBuilder().remove("axes").build();
                }
            }
            case "ReduceMean", "ReduceSum", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceProd", "ReduceMax",
                 "ReduceMin" -> {
                if (inputs.size() > 1 && !inputs.get(1).isEmpty()) {
                    Tensor axes = graph.constants().get(inputs.get(1));
                    if (axes == null) {
                        throw new UnsupportedModelException(where + ": axes computed at run time");
                    }
                    long[] values = new long[axes.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = axes.getLong(i);
                    }
                    attrs = attrs.toBuilder().put("axes", values).build();
                }
                inputs = inputs.subList(0, 1);
            }
            case "Slice" -> {
                if (opset < 10) {
                    long[] starts = attrs.getLongs("starts", null);
                    long[] ends = attrs.getLongs("ends", null);
                    if (starts == null || ends == null) {
                        throw new InvalidModelException(where + ": starts and ends are required");
                    }
                    inputs.add(constantInput(graph, n, "starts", starts));
                    inputs.add(constantInput(graph, n, "ends", ends));
                    long[] axes = attrs.getLongs("axes", null);
                    if (axes != null) {
                        inputs.add(constantInput(graph, n, "axes", axes));
                    }
                    attrs = Attributes.NONE;
                }
            }
            case "Clip" -> {
                if (opset < 11) {
                    inputs.add(attrs.has("min") ? scalarInput(graph, n, "min", attrs.getFloat("min", 0)) : "");
                    inputs.add(attrs.has("max") ? scalarInput(graph, n, "max", attrs.getFloat("max", 0)) : "");
                    attrs = Attributes.NONE;
                }
            }
            case "PRelu" -> {
                if (opset < 7) {
                    attrs = attrs.toBuilder().put("slope_axis", 1L).build();
                }
            }
            case "Split" -> {
                if (opset < 13 && attrs.has("split")) {
                    inputs.add(constantInput(graph, n, "split", attrs.getLongs("split", null)));
                    attrs = attrs.toBuilder().remove("split").build();
                }
            }
            case "Pad" -> {
                if (opset < 11) {
                    long[] pads = attrs.getLongs("pads", null);
                    if (pads == null) {
                        throw new InvalidModelException(where + ": pads are required");
                    }
                    inputs.add(constantInput(graph, n, "pads", pads));
                    inputs.add(scalarInput(graph, n, "value", attrs.getFloat("value", 0)));
                    attrs = attrs.toBuilder().remove("pads").remove("value").build();
                }
            }
            case "Upsample", "Resize" -> {
                // Upsample and Resize-10 sample at x_out / scale and round down: Resize's asymmetric
                // coordinates with floor rounding, scales as the third input.
                if (op.equals("Upsample") || opset < 11) {
                    if (op.equals("Upsample") && attrs.has("scales")) {
                        float[] scales = attrs.getFloats("scales", null);
                        String name = nodeKey(n) + "::scales";
                        graph.addConstant(name, Tensor.of(scales, scales.length));
                        inputs.add(name);
                    }
                    if (inputs.size() != 2) {
                        throw new InvalidModelException(where + ": expected the input and the scales");
                    }
                    inputs.add(1, "");
                    String mode = attrs.getString("mode", "nearest");
                    attrs = Attributes.builder().put("mode", mode.equals("bilinear") ? "linear" : mode)
                            .put("coordinate_transformation_mode", "asymmetric").put("nearest_mode", "floor").build();
                    op = "Resize";
                }
            }
            case "Softmax" -> {
                if (opset < 13) {
                    attrs = attrs.toBuilder().put("axis", attrs.getLong("axis", 1)).put("coerce", 1L).build();
                }
            }
            case "Conv" -> op = ConvFusion.ONNX_CONV;
            default -> {
            }
        }
        Node node = new Node(n.name(), op, inputs, n.outputs(), attrs);
        if (op.equals(ConvFusion.ONNX_CONV)) {
            Set<String> unknown = attrs.unknown(Set.of("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad"));
            if (!unknown.isEmpty()) {
                throw new UnsupportedModelException(where + ": unsupported attributes " + unknown);
            }
        } else {
            Operator operator = Operators.of(node);
            operator.check(node);
        }
        graph.addNode(node);
    }

    /** A name for constants the importer derives from node {@code n}'s attributes. */
    private static String nodeKey(OnnxProto.Node n) {
        return n.name().isEmpty() ? n.outputs().getFirst() : n.name();
    }

    private static String constantInput(MutableGraph graph, OnnxProto.Node n, String what, long[] values) {
        String name = nodeKey(n) + "::" + what;
        graph.addConstant(name, Tensor.ofLongs(values, values.length));
        return name;
    }

    private static String scalarInput(MutableGraph graph, OnnxProto.Node n, String what, float value) {
        String name = nodeKey(n) + "::" + what;
        graph.addConstant(name, Tensor.of(new float[]{value}));
        return name;
    }

    private static void addAttribute(Attributes.Builder attributes, OnnxProto.Attribute a, String where) {
        int type = a.type();
        if (type == 0) {
            type = a.ints().length > 0 ? OnnxProto.Attribute.INTS : a.floats().length > 0 ? OnnxProto.Attribute.FLOATS
                    : OnnxProto.Attribute.INT;
        }
        switch (type) {
            case OnnxProto.Attribute.INT -> attributes.put(a.name(), a.i());
            case OnnxProto.Attribute.FLOAT -> attributes.put(a.name(), a.f());
            case OnnxProto.Attribute.STRING -> attributes.put(a.name(), a.s().toStringUtf8());
            case OnnxProto.Attribute.INTS -> attributes.put(a.name(), a.ints());
            case OnnxProto.Attribute.FLOATS -> attributes.put(a.name(), a.floats());
            default -> throw new UnsupportedModelException(where + ": attribute '" + a.name() + "' of type "
                    + attributeTypeName(type) + " is not supported");
        }
    }

    private static String attributeTypeName(int type) {
        return switch (type) {
            case OnnxProto.Attribute.TENSOR -> "TENSOR";
            case OnnxProto.Attribute.GRAPH -> "GRAPH";
            case OnnxProto.Attribute.STRINGS -> "STRINGS";
            case OnnxProto.Attribute.TENSORS -> "TENSORS";
            default -> String.valueOf(type);
        };
    }

    private static Tensor constantValue(OnnxProto.Attribute a, String where) {
        return switch (a.name()) {
            case "value" -> {
                if (a.t() == null) {
                    throw new InvalidModelException(where + ": 'value' holds no tensor");
                }
                yield tensor(a.t(), where);
            }
            case "value_float" -> Tensor.of(new float[]{a.f()});
            case "value_floats" -> Tensor.of(a.floats(), a.floats().length);
            case "value_int" -> Tensor.ofLongs(new long[]{a.i()});
            case "value_ints" -> Tensor.ofLongs(a.ints(), a.ints().length);
            default -> throw new UnsupportedModelException(where + ": attribute '" + a.name() + "' is not supported");
        };
    }

    /** A TensorProto as a Tersor tensor, checking that the payload matches the declared type and dims. */
    public static Tensor tensor(OnnxProto.TensorData t, String what) {
        if (t.external()) {
            throw new UnsupportedModelException(what + ": external tensor data is not supported");
        }
        ElementType type = ElementType.tensorFromOnnx(t.dataType());
        if (type == null) {
            throw new UnsupportedModelException(what + " has element type " + ElementType.onnxName(t.dataType()));
        }
        int[] shape = Shapes.fromLongs(t.dims(), what);
        int size = Shapes.size(shape);
        ByteString raw = t.raw();
        if (raw != null) {
            long bytes = (long) size * type.bytes();
            if (raw.size() != bytes) {
                throw new InvalidModelException(what + ": raw_data has " + raw.size() + " bytes, " + type
                        + java.util.Arrays.toString(shape) + " needs " + bytes);
            }
            return Tensor.copyOf(type, shape, MemorySegment.ofBuffer(raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)));
        }
        int count = switch (type) {
            case F32 -> t.floatData().length;
            case I64 -> t.int64Data().length;
            default -> t.int32Data().length;
        };
        if (count != size) {
            throw new InvalidModelException(what + ": " + count + " values for shape " + java.util.Arrays.toString(shape));
        }
        return switch (type) {
            case F32 -> Tensor.of(t.floatData(), shape);
            case I64 -> Tensor.ofLongs(t.int64Data(), shape);
            case I32 -> {
                int[] v = new int[size];
                for (int i = 0; i < size; i++) {
                    v[i] = (int) t.int32Data()[i];
                }
                yield Tensor.ofInts(v, shape);
            }
            case U8, I8, BOOL -> {
                byte[] v = new byte[size];
                for (int i = 0; i < size; i++) {
                    v[i] = (byte) t.int32Data()[i];
                }
                yield Tensor.ofBytes(type, v, shape);
            }
            default -> throw new UnsupportedModelException(what + " has element type " + type.onnxName());
        };
    }

    /** Folding at import runs before any weight matrix exists. */
    private static final BindContext FOLDING = new BindContext() {
        @Override
        public WeightMatrix weight(String name) {
            throw new InvalidModelException("no weight '" + name + "' while folding constants");
        }

        @Override
        public MemorySegment denseWeight(String name) {
            throw new InvalidModelException("no weight '" + name + "' while folding constants");
        }

        @Override
        public Execution execution() {
            return Execution.defaults();
        }

        @Override
        public TensorKernels kernels() {
            return TensorKernels.preferred();
        }
    };
}
