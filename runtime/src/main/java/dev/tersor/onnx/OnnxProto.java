package dev.tersor.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of ONNX's protobuf messages Tersor reads, decoded field by field with protobuf-java's
 * wire-level reader. Field numbers are those of {@code onnx.proto} (IR version 3 to 10); fields not
 * listed are skipped, which is how protobuf readers stay compatible with newer writers. Tensor payloads
 * alias the input buffer instead of being copied.
 */
public final class OnnxProto {

    /** Nesting depth allowed for graphs inside attributes (subgraphs); Tersor supports none. */
    private static final int RECURSION_LIMIT = 64;

    private OnnxProto() {
    }

    public record Model(long irVersion, Map<String, Long> opsets, Graph graph, String producer) {
    }

    public record Graph(String name, List<Node> nodes, List<TensorData> initializers, List<ValueInfo> inputs,
                        List<ValueInfo> outputs) {
    }

    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       List<Attribute> attributes) {
    }

    /** An attribute; {@code type} is ONNX's AttributeType (1 FLOAT, 2 INT, 3 STRING, 4 TENSOR, 5 GRAPH, 6 FLOATS, 7 INTS, 8 STRINGS, 9 TENSORS, …). */
    public record Attribute(String name, int type, float f, long i, ByteString s, TensorData t, boolean hasGraph,
                            float[] floats, long[] ints, List<ByteString> strings, List<TensorData> tensors) {

        public static final int FLOAT = 1;
        public static final int INT = 2;
        public static final int STRING = 3;
        public static final int TENSOR = 4;
        public static final int GRAPH = 5;
        public static final int FLOATS = 6;
        public static final int INTS = 7;
        public static final int STRINGS = 8;
        public static final int TENSORS = 9;
    }

    /**
     * A TensorProto: element type (ONNX's TensorProto.DataType), dims, and the payload in whichever
     * field carried it. Typed fields are kept as decoded; {@code raw} aliases the input.
     */
    public record TensorData(String name, int dataType, long[] dims, ByteString raw, float[] floatData,
                             long[] int32Data, long[] int64Data, double[] doubleData, long[] uint64Data,
                             boolean external) {
    }

    /** A graph input or output: element type and dims (a negative dim is symbolic or unknown). */
    public record ValueInfo(String name, int elemType, long[] dims, List<String> dimNames, boolean hasShape) {
    }

    public static Model parseModel(byte[] bytes) throws InvalidProtocolBufferException {
        CodedInputStream in = stream(bytes);
        try {
            return model(in);
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
    }

    /** A lone TensorProto, as in the {@code input_N.pb} files of ONNX test cases. */
    public static TensorData parseTensor(byte[] bytes) throws InvalidProtocolBufferException {
        CodedInputStream in = stream(bytes);
        try {
            return tensor(in);
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
    }

    private static CodedInputStream stream(byte[] bytes) {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        in.setRecursionLimit(RECURSION_LIMIT);
        return in;
    }

    private static Model model(CodedInputStream in) throws IOException {
        long irVersion = 0;
        Map<String, Long> opsets = new LinkedHashMap<>();
        Graph graph = null;
        String producer = "";
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> irVersion = in.readInt64();
                case 2 -> producer = in.readString();
                case 7 -> graph = message(in, OnnxProto::graph);
                case 8 -> {
                    String[] domain = {""};
                    long[] version = {0};
                    message(in, s -> {
                        int t;
                        while ((t = s.readTag()) != 0) {
                            switch (WireFormat.getTagFieldNumber(t)) {
                                case 1 -> domain[0] = s.readString();
                                case 2 -> version[0] = s.readInt64();
                                default -> s.skipField(t);
                            }
                        }
                        return null;
                    });
                    opsets.put(domain[0], version[0]);
                }
                default -> in.skipField(tag);
            }
        }
        if (graph == null) {
            throw new InvalidProtocolBufferException("the model has no graph (field 7)");
        }
        return new Model(irVersion, opsets, graph, producer);
    }

    private static Graph graph(CodedInputStream in) throws IOException {
        String name = "";
        List<Node> nodes = new ArrayList<>();
        List<TensorData> initializers = new ArrayList<>();
        List<ValueInfo> inputs = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> nodes.add(message(in, OnnxProto::node));
                case 2 -> name = in.readString();
                case 5 -> initializers.add(message(in, OnnxProto::tensor));
                case 11 -> inputs.add(message(in, OnnxProto::valueInfo));
                case 12 -> outputs.add(message(in, OnnxProto::valueInfo));
                case 15 -> throw new InvalidProtocolBufferException("sparse initializers are not supported");
                default -> in.skipField(tag);
            }
        }
        return new Graph(name, nodes, initializers, inputs, outputs);
    }

    private static Node node(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        List<Attribute> attributes = new ArrayList<>();
        String name = "";
        String opType = "";
        String domain = "";
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(in.readString());
                case 2 -> outputs.add(in.readString());
                case 3 -> name = in.readString();
                case 4 -> opType = in.readString();
                case 5 -> attributes.add(message(in, OnnxProto::attribute));
                case 7 -> domain = in.readString();
                default -> in.skipField(tag);
            }
        }
        return new Node(name, opType, domain, inputs, outputs, attributes);
    }

    private static Attribute attribute(CodedInputStream in) throws IOException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        ByteString s = ByteString.EMPTY;
        TensorData t = null;
        boolean hasGraph = false;
        FloatList floats = new FloatList();
        LongList ints = new LongList();
        List<ByteString> strings = new ArrayList<>();
        List<TensorData> tensors = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            switch (field) {
                case 1 -> name = in.readString();
                case 2 -> f = in.readFloat();
                case 3 -> i = in.readInt64();
                case 4 -> s = in.readBytes();
                case 5 -> t = message(in, OnnxProto::tensor);
                case 6 -> {
                    hasGraph = true;
                    in.skipField(tag);
                }
                case 7 -> readFloats(in, wire, floats);
                case 8 -> readVarints(in, wire, ints, false);
                case 9 -> strings.add(in.readBytes());
                case 10 -> tensors.add(message(in, OnnxProto::tensor));
                case 11 -> {
                    hasGraph = true;
                    in.skipField(tag);
                }
                case 20 -> type = in.readInt32();
                default -> in.skipField(tag);
            }
        }
        return new Attribute(name, type, f, i, s, t, hasGraph, floats.toArray(), ints.toArray(), strings, tensors);
    }

    private static TensorData tensor(CodedInputStream in) throws IOException {
        LongList dims = new LongList();
        int dataType = 0;
        String name = "";
        ByteString raw = null;
        FloatList floats = new FloatList();
        LongList int32 = new LongList();
        LongList int64 = new LongList();
        DoubleList doubles = new DoubleList();
        LongList uint64 = new LongList();
        boolean external = false;
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            switch (field) {
                case 1 -> readVarints(in, wire, dims, false);
                case 2 -> dataType = in.readInt32();
                case 4 -> readFloats(in, wire, floats);
                case 5 -> readVarints(in, wire, int32, true);
                case 7 -> readVarints(in, wire, int64, false);
                case 8 -> name = in.readString();
                case 9 -> raw = in.readBytes();
                case 10 -> readDoubles(in, wire, doubles);
                case 11 -> readVarints(in, wire, uint64, false);
                case 13 -> {
                    external = true;
                    in.skipField(tag);
                }
                case 14 -> external |= in.readInt32() == 1;
                default -> in.skipField(tag);
            }
        }
        return new TensorData(name, dataType, dims.toArray(), raw, floats.toArray(), int32.toArray(),
                int64.toArray(), doubles.toArray(), uint64.toArray(), external);
    }

    private static ValueInfo valueInfo(CodedInputStream in) throws IOException {
        String name = "";
        int[] elemType = {0};
        LongList dims = new LongList();
        List<String> dimNames = new ArrayList<>();
        boolean[] hasShape = {false};
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = in.readString();
                case 2 -> message(in, type -> {
                    int t;
                    while ((t = type.readTag()) != 0) {
                        if (WireFormat.getTagFieldNumber(t) == 1) {
                            message(type, tensorType -> {
                                int u;
                                while ((u = tensorType.readTag()) != 0) {
                                    switch (WireFormat.getTagFieldNumber(u)) {
                                        case 1 -> elemType[0] = tensorType.readInt32();
                                        case 2 -> {
                                            hasShape[0] = true;
                                            message(tensorType, shape -> {
                                                readShape(shape, dims, dimNames);
                                                return null;
                                            });
                                        }
                                        default -> tensorType.skipField(u);
                                    }
                                }
                                return null;
                            });
                        } else {
                            type.skipField(t);
                        }
                    }
                    return null;
                });
                default -> in.skipField(tag);
            }
        }
        return new ValueInfo(name, elemType[0], dims.toArray(), dimNames, hasShape[0]);
    }

    private static void readShape(CodedInputStream shape, LongList dims, List<String> dimNames) throws IOException {
        int tag;
        while ((tag = shape.readTag()) != 0) {
            if (WireFormat.getTagFieldNumber(tag) != 1) {
                shape.skipField(tag);
                continue;
            }
            long[] value = {-1};
            String[] param = {""};
            message(shape, dim -> {
                int t;
                while ((t = dim.readTag()) != 0) {
                    switch (WireFormat.getTagFieldNumber(t)) {
                        case 1 -> value[0] = dim.readInt64();
                        case 2 -> param[0] = dim.readString();
                        default -> dim.skipField(t);
                    }
                }
                return null;
            });
            dims.add(value[0]);
            dimNames.add(param[0]);
        }
    }

    @FunctionalInterface
    private interface Reader<T> {
        T read(CodedInputStream in) throws IOException;
    }

    /** Reads a length-delimited sub-message with {@code reader}, restoring the outer limit afterwards. */
    private static <T> T message(CodedInputStream in, Reader<T> reader) throws IOException {
        int length = in.readRawVarint32();
        if (length < 0) {
            throw new InvalidProtocolBufferException("negative message length");
        }
        int oldLimit = in.pushLimit(length);
        T result = reader.read(in);
        in.checkLastTagWas(0);
        if (!in.isAtEnd()) {
            throw new InvalidProtocolBufferException("message did not end at its declared length");
        }
        in.popLimit(oldLimit);
        return result;
    }

    private static void readFloats(CodedInputStream in, int wire, FloatList out) throws IOException {
        if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int length = in.readRawVarint32();
            int limit = in.pushLimit(length);
            while (in.getBytesUntilLimit() > 0) {
                out.add(in.readFloat());
            }
            in.popLimit(limit);
        } else {
            out.add(in.readFloat());
        }
    }

    private static void readDoubles(CodedInputStream in, int wire, DoubleList out) throws IOException {
        if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int length = in.readRawVarint32();
            int limit = in.pushLimit(length);
            while (in.getBytesUntilLimit() > 0) {
                out.add(in.readDouble());
            }
            in.popLimit(limit);
        } else {
            out.add(in.readDouble());
        }
    }

    /** Varint fields, packed or not; {@code int32} sign-extends them as ONNX's int32 fields require. */
    private static void readVarints(CodedInputStream in, int wire, LongList out, boolean int32) throws IOException {
        if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            int length = in.readRawVarint32();
            int limit = in.pushLimit(length);
            while (in.getBytesUntilLimit() > 0) {
                out.add(int32 ? in.readInt32() : in.readInt64());
            }
            in.popLimit(limit);
        } else {
            out.add(int32 ? in.readInt32() : in.readInt64());
        }
    }

    private static final class LongList {
        private long[] data = new long[8];
        private int size;

        void add(long v) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }

    private static final class FloatList {
        private float[] data = new float[8];
        private int size;

        void add(float v) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }

    private static final class DoubleList {
        private double[] data = new double[8];
        private int size;

        void add(double v) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        double[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }
}
