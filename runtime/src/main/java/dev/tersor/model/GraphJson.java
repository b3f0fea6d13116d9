package dev.tersor.model;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.tersor.format.ElementType;
import dev.tersor.format.InvalidLayoutException;
import dev.tersor.format.Layout;
import dev.tersor.format.LayoutArray;
import dev.tersor.format.MatrixFormat;
import dev.tersor.format.MatrixFormats;
import dev.tersor.format.WeightMatrix;
import dev.tersor.graph.Attributes;
import dev.tersor.graph.Graph;
import dev.tersor.graph.Node;
import dev.tersor.graph.Shapes;
import dev.tersor.graph.Tensor;
import dev.tersor.graph.ValueInfo;
import dev.tersor.graph.ops.GraphValidator;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The graph as JSON, writer beside reader: inputs, outputs, nodes with their attributes, and for each
 * constant and each weight's layout arrays a reference to the stored array holding it plus its
 * CRC-32C. Weights are described by their {@link Layout} (format name, shape, parameters, arrays) and
 * read back through {@link MatrixFormat#fromLayout}, which validates them, so a new format needs no
 * change here. The arrays themselves are stored elsewhere; an {@link Arrays} resolves references.
 */
final class GraphJson {

    /** A reference from the graph to a stored array: its key and its checksum. */
    record ArrayRef(String array, long crc32c) {
    }

    /**
     * Resolves references to stored arrays, after whatever checks the container makes: claiming (in
     * the graph's order) and checking the bytes against the reference's checksum (any thread).
     */
    interface Arrays {
        /** The stored array {@code ref} names, claimed for {@code where}; its bytes are not yet checked. */
        SafetensorsFile.Entry claim(ArrayRef ref, String where);

        /** Throws unless {@code entry}'s bytes match {@code ref}'s checksum; may run on several threads at once. */
        void check(ArrayRef ref, SafetensorsFile.Entry entry, String where);

        /** {@link #claim}, then {@link #check}. */
        default SafetensorsFile.Entry resolve(ArrayRef ref, String where) {
            SafetensorsFile.Entry entry = claim(ref, where);
            check(ref, entry, where);
            return entry;
        }
    }

    private GraphJson() {
    }

    // ---------------------------------------------------------------------------------------------
    // Writing

    /**
     * The JSON of {@code graph}, its constants and weight arrays referring to stored arrays as
     * {@code constants} (by constant name) and {@code weightArrays} (by weight, then layout array name) say.
     */
    static String write(Graph graph, Map<String, ArrayRef> constants, Map<String, Map<String, ArrayRef>> weightArrays)
            throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = Json.factory().createGenerator(text)) {
            json.writeStartObject();
            json.writeArrayFieldStart("inputs");
            for (ValueInfo input : graph.inputs()) {
                json.writeStartObject();
                json.writeStringField("name", input.name());
                json.writeStringField("type", input.type().safetensorsName());
                json.writeArrayFieldStart("dims");
                for (int d : input.dims()) {
                    json.writeNumber(d);
                }
                json.writeEndArray();
                json.writeEndObject();
            }
            json.writeEndArray();
            writeStrings(json, "outputs", graph.outputs());
            json.writeArrayFieldStart("nodes");
            for (Node node : graph.nodes()) {
                json.writeStartObject();
                json.writeStringField("name", node.name());
                json.writeStringField("op", node.op());
                writeStrings(json, "inputs", node.inputs());
                writeStrings(json, "outputs", node.outputs());
                json.writeObjectFieldStart("attributes");
                for (String name : node.attributes().names()) {
                    writeAttribute(json, name, node.attributes().get(name));
                }
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeObjectFieldStart("constants");
            for (var c : constants.entrySet()) {
                writeRef(json, c.getKey(), c.getValue());
            }
            json.writeEndObject();
            json.writeObjectFieldStart("weights");
            for (var w : graph.weights().entrySet()) {
                Layout layout = w.getValue().layout();
                json.writeObjectFieldStart(w.getKey());
                json.writeStringField("format", layout.format());
                json.writeNumberField("rows", layout.rows());
                json.writeNumberField("cols", layout.cols());
                json.writeObjectFieldStart("params");
                for (var p : layout.params().entrySet()) {
                    json.writeNumberField(p.getKey(), p.getValue());
                }
                json.writeEndObject();
                json.writeObjectFieldStart("arrays");
                for (var a : weightArrays.get(w.getKey()).entrySet()) {
                    writeRef(json, a.getKey(), a.getValue());
                }
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeEndObject();
            json.writeEndObject();
        }
        return text.toString();
    }

    private static void writeStrings(JsonGenerator json, String field, List<String> values) throws IOException {
        json.writeArrayFieldStart(field);
        for (String s : values) {
            json.writeString(s);
        }
        json.writeEndArray();
    }

    private static void writeRef(JsonGenerator json, String name, ArrayRef ref) throws IOException {
        json.writeObjectFieldStart(name);
        json.writeStringField("array", ref.array());
        json.writeStringField("crc32c", Long.toHexString(ref.crc32c()));
        json.writeEndObject();
    }

    /** Attributes as {@code {"i": 1}}, {@code {"f": "0.5"}} (text, so every float round-trips), {@code {"s"}}, {@code {"ints"}}, {@code {"floats"}}. */
    private static void writeAttribute(JsonGenerator json, String name, Object value) throws IOException {
        json.writeObjectFieldStart(name);
        switch (value) {
            case Long l -> json.writeNumberField("i", l);
            case Float f -> json.writeStringField("f", Float.toString(f));
            case String s -> json.writeStringField("s", s);
            case long[] a -> {
                json.writeArrayFieldStart("ints");
                for (long v : a) {
                    json.writeNumber(v);
                }
                json.writeEndArray();
            }
            case float[] a -> {
                json.writeArrayFieldStart("floats");
                for (float v : a) {
                    json.writeString(Float.toString(v));
                }
                json.writeEndArray();
            }
            default -> throw new IllegalStateException("attribute '" + name + "' has unsupported value " + value);
        }
        json.writeEndObject();
    }

    // ---------------------------------------------------------------------------------------------
    // Reading

    /**
     * The validated graph described by {@code text}, its arrays resolved through {@code arrays}, the
     * weights checked on several threads if {@code parallel} (the arrays are readable from any), its
     * constants copied into {@code constants}. On failure the weight matrices already made are closed.
     */
    static Graph read(String text, Arrays arrays, boolean parallel, Arena constants) {
        List<WeightMatrix> made = new ArrayList<>();
        try {
            Graph graph = read(Json.object(Json.parse(text, "the graph"), "the graph"), arrays, parallel, constants, made);
            GraphValidator.validate(graph);
            return graph;
        } catch (RuntimeException e) {
            made.forEach(WeightMatrix::close);
            throw e;
        }
    }

    private static Graph read(Map<String, Object> g, Arrays arrays, boolean parallel, Arena constantArena,
                              List<WeightMatrix> made) {
        List<ValueInfo> inputs = new ArrayList<>();
        for (Object o : Json.array(Json.field(g, "inputs", "graph"), "graph.inputs")) {
            Map<String, Object> in = Json.object(o, "graph input");
            String name = Json.string(Json.field(in, "name", "graph input"), "input name");
            ElementType type = tensorType(Json.string(Json.field(in, "type", "input " + name), "input type"));
            List<Object> dimList = Json.array(Json.field(in, "dims", "input " + name), "input dims");
            if (dimList.size() > Shapes.MAX_RANK) {
                throw new TsrFormatException("input " + name + " has rank " + dimList.size());
            }
            int[] dims = new int[dimList.size()];
            for (int i = 0; i < dims.length; i++) {
                long d = Json.integer(dimList.get(i), "input dim");
                if (d < -1 || d > Shapes.MAX_ELEMENTS) {
                    throw new TsrFormatException("input " + name + " has bad dimension " + d);
                }
                dims[i] = (int) d;
            }
            inputs.add(new ValueInfo(name, type, dims));
        }
        List<String> outputs = strings(Json.field(g, "outputs", "graph"), "graph.outputs", "graph output");
        List<Node> nodes = new ArrayList<>();
        for (Object o : Json.array(Json.field(g, "nodes", "graph"), "graph.nodes")) {
            nodes.add(node(Json.object(o, "node")));
        }
        Map<String, Tensor> constants = new LinkedHashMap<>();
        for (var c : Json.object(Json.field(g, "constants", "graph"), "graph.constants").entrySet()) {
            String where = "constant " + c.getKey();
            SafetensorsFile.Entry s = arrays.resolve(ref(Json.object(c.getValue(), where), where), where);
            if (!s.dtype().isTensor()) {
                throw new TsrFormatException("unsupported tensor dtype '" + s.dtype() + "'");
            }
            if (s.shape().length > Shapes.MAX_RANK) {
                throw new TsrFormatException(where + " has rank " + s.shape().length);
            }
            // Copied out of the mapping (into memory that lives as long as it): kernels load constants beside
            // native activations, and a vector load site that sees both mapped and native segments loses
            // C2's intrinsic (layer norm ran 30× slower).
            MemorySegment copy = constantArena.allocate(Math.max(s.data().byteSize(), 1), 64).asSlice(0, s.data().byteSize());
            MemorySegment.copy(s.data(), 0, copy, 0, copy.byteSize());
            constants.put(c.getKey(), Tensor.wrap(s.dtype(), Shapes.fromLongs(s.shape(), where), copy));
        }
        Set<String> gatheredOnly = Graph.gatheredOnly(nodes);
        // The description is read in order; checksums and layout checks, which read every byte, run
        // in parallel, weight by weight, and the first failure in graph order is the one reported.
        List<PendingWeight> pending = new ArrayList<>();
        for (var w : Json.object(Json.field(g, "weights", "graph"), "graph.weights").entrySet()) {
            String where = "weight " + w.getKey();
            Map<String, Object> desc = Json.object(w.getValue(), where);
            String formatName = Json.string(Json.field(desc, "format", where), where + " format");
            MatrixFormat format = MatrixFormats.all().stream().filter(f -> f.name().equals(formatName)).findFirst()
                    .orElseThrow(() -> new TsrFormatException(where + " uses format '" + formatName
                            + "', which this build does not have (known: " + MatrixFormats.names() + ")"));
            long rows = Json.integer(Json.field(desc, "rows", where), where + " rows");
            long cols = Json.integer(Json.field(desc, "cols", where), where + " cols");
            if (rows < 0 || cols < 0 || rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
                throw new TsrFormatException(where + " has shape " + rows + "x" + cols);
            }
            Map<String, Long> params = new LinkedHashMap<>();
            for (var p : Json.object(Json.field(desc, "params", where), where + " params").entrySet()) {
                params.put(p.getKey(), Json.integer(p.getValue(), where + " param " + p.getKey()));
            }
            Map<String, LayoutArray> layoutArrays = new LinkedHashMap<>();
            Map<String, ArrayRef> refs = new LinkedHashMap<>();
            Map<String, SafetensorsFile.Entry> entries = new LinkedHashMap<>();
            for (var a : Json.object(Json.field(desc, "arrays", where), where + " arrays").entrySet()) {
                String arrayWhere = where + " array " + a.getKey();
                ArrayRef ref = ref(Json.object(a.getValue(), arrayWhere), arrayWhere);
                SafetensorsFile.Entry s = arrays.claim(ref, arrayWhere);
                if (!s.dtype().isLayout()) {
                    throw new TsrFormatException(arrayWhere + " has dtype '" + s.dtype() + "', which no layout array uses");
                }
                layoutArrays.put(a.getKey(), new LayoutArray(s.dtype(), s.data()));
                refs.put(a.getKey(), ref);
                entries.put(a.getKey(), s);
            }
            pending.add(new PendingWeight(w.getKey(), format, new Layout(formatName, (int) rows, (int) cols, params,
                    layoutArrays), refs, entries, gatheredOnly.contains(w.getKey())));
        }
        WeightMatrix[] read = new WeightMatrix[pending.size()];
        try {
            EachInParallel.run(read.length, parallel, i -> read[i] = pending.get(i).read(arrays));
        } finally {
            for (WeightMatrix matrix : read) {
                if (matrix != null) {
                    made.add(matrix);
                }
            }
        }
        Map<String, WeightMatrix> weights = new LinkedHashMap<>();
        for (int i = 0; i < read.length; i++) {
            weights.put(pending.get(i).name(), read[i]);
        }
        return new Graph(inputs, outputs, nodes, constants, weights);
    }

    /** A weight whose description is read and arrays claimed, its bytes not yet checked. */
    private record PendingWeight(String name, MatrixFormat format, Layout layout, Map<String, ArrayRef> refs,
                                 Map<String, SafetensorsFile.Entry> entries, boolean gatheredOnly) {

        /** Checks every array's checksum, then the layout's invariants (the format's reader). */
        WeightMatrix read(Arrays arrays) {
            String where = "weight " + name;
            refs.forEach((array, ref) -> arrays.check(ref, entries.get(array), where + " array " + array));
            try {
                return gatheredOnly ? format.fromLayoutForGathering(layout, null) : format.fromLayout(layout, null);
            } catch (InvalidLayoutException e) {
                throw new TsrFormatException(where + ": " + e.getMessage(), e);
            }
        }
    }

    private static ArrayRef ref(Map<String, Object> ref, String where) {
        String key = Json.string(Json.field(ref, "array", where), where + " array");
        return new ArrayRef(key, parseHex(Json.string(Json.field(ref, "crc32c", where), where + " crc32c")));
    }

    private static List<String> strings(Object array, String path, String what) {
        List<String> strings = new ArrayList<>();
        for (Object o : Json.array(array, path)) {
            strings.add(Json.string(o, what));
        }
        return strings;
    }

    private static Node node(Map<String, Object> n) {
        String name = Json.string(Json.field(n, "name", "node"), "node name");
        String op = Json.string(Json.field(n, "op", "node " + name), "node op");
        List<String> inputs = strings(Json.field(n, "inputs", "node " + name), "node inputs", "node input");
        List<String> outputs = strings(Json.field(n, "outputs", "node " + name), "node outputs", "node output");
        Attributes.Builder attributes = Attributes.builder();
        for (var a : Json.object(Json.field(n, "attributes", "node " + name), "node attributes").entrySet()) {
            String where = "attribute " + a.getKey() + " of node " + name;
            Map<String, Object> value = Json.object(a.getValue(), where);
            if (value.size() != 1) {
                throw new TsrFormatException(where + " must have exactly one typed value");
            }
            var v = value.entrySet().iterator().next();
            switch (v.getKey()) {
                case "i" -> attributes.put(a.getKey(), Json.integer(v.getValue(), where));
                case "f" -> attributes.put(a.getKey(), parseFloat(Json.string(v.getValue(), where), where));
                case "s" -> attributes.put(a.getKey(), Json.string(v.getValue(), where));
                case "ints" -> {
                    List<Object> list = Json.array(v.getValue(), where);
                    long[] values = new long[list.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = Json.integer(list.get(i), where);
                    }
                    attributes.put(a.getKey(), values);
                }
                case "floats" -> {
                    List<Object> list = Json.array(v.getValue(), where);
                    float[] values = new float[list.size()];
                    for (int i = 0; i < values.length; i++) {
                        values[i] = parseFloat(Json.string(list.get(i), where), where);
                    }
                    attributes.put(a.getKey(), values);
                }
                default -> throw new TsrFormatException(where + " has unknown kind '" + v.getKey() + "'");
            }
        }
        return new Node(name, op, inputs, outputs, attributes.build());
    }

    private static float parseFloat(String text, String where) {
        try {
            return Float.parseFloat(text);
        } catch (NumberFormatException e) {
            throw new TsrFormatException(where + ": '" + text + "' is not a float");
        }
    }

    /** A CRC-32C written as hexadecimal. */
    static long parseHex(String text) {
        try {
            long value = Long.parseUnsignedLong(text, 16);
            if (value > 0xFFFFFFFFL) {
                throw new TsrFormatException("checksum " + text + " is not 32 bits");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new TsrFormatException("checksum '" + text + "' is not hexadecimal");
        }
    }

    private static ElementType tensorType(String name) {
        ElementType type = ElementType.fromSafetensors(name);
        if (type == null || !type.isTensor()) {
            throw new TsrFormatException("unsupported tensor dtype '" + name + "'");
        }
        return type;
    }
}
