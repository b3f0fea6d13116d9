package dev.tersor.model;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Takes a {@code .tsr} file apart into its header, its graph description and its data, and puts it
 * back together with valid padding and checksums: what a hostile writer can do, for the fuzz tests.
 * A graph description stored deflated is left as it is ({@link #graph} is null): edit the graph of a
 * file written with deflation off.
 */
final class TsrSurgery {

    final Map<String, Object> header;
    final Map<String, Object> graph;
    final byte[] data;

    private TsrSurgery(Map<String, Object> header, Map<String, Object> graph, byte[] data) {
        this.header = header;
        this.graph = graph;
        this.data = data;
    }

    static TsrSurgery open(byte[] file) {
        long n = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String headerText = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        Map<String, Object> header = Json.object(Json.parse(headerText, "header"), "header");
        Map<String, Object> metadata = Json.object(header.get("__metadata__"), "metadata");
        Object inline = metadata.get("tersor.graph");
        Map<String, Object> graph = inline == null ? null : Json.object(Json.parse((String) inline, "graph"), "graph");
        return new TsrSurgery(header, graph, Arrays.copyOfRange(file, (int) (8 + n), file.length));
    }

    /**
     * Flips {@code bits} in the first data byte of array {@code key} of {@code file}: a damaged array
     * behind an unchanged header (and so an unchanged identity).
     */
    static void flipFirstByte(byte[] file, String key, int bits) {
        TsrSurgery s = open(file);
        file[file.length - s.data.length + s.range(key)[0]] ^= (byte) bits;
    }

    /** The data bytes of header entry {@code key}. */
    int[] range(String key) {
        List<Object> offsets = Json.array(Json.object(header.get(key), key).get("data_offsets"), key);
        return new int[]{(int) (long) (Long) offsets.get(0), (int) (long) (Long) offsets.get(1)};
    }

    /** Recomputes the checksum the graph records for array {@code key}, wherever it is referenced. */
    void fixChecksum(String key) {
        int[] r = range(key);
        long crc = TsrFile.crc32c(MemorySegment.ofArray(Arrays.copyOfRange(data, r[0], r[1])));
        fix(graph, key, Long.toHexString(crc));
    }

    @SuppressWarnings("unchecked")
    private static void fix(Object node, String key, String crc) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> m = (Map<String, Object>) map;
            if (key.equals(m.get("array"))) {
                m.put("crc32c", crc);
            }
            m.values().forEach(v -> fix(v, key, crc));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> fix(v, key, crc));
        }
    }

    /** The file, with an inline graph re-serialized, its checksum updated and the header re-padded to alignment. */
    byte[] toBytes() throws IOException {
        if (graph != null) {
            String graphText = write(graph);
            Map<String, Object> metadata = Json.object(header.get("__metadata__"), "metadata");
            metadata.put("tersor.graph", graphText);
            metadata.put("tersor.graph.crc32c",
                    Long.toHexString(TsrFile.crc32c(MemorySegment.ofArray(graphText.getBytes(StandardCharsets.UTF_8)))));
        }
        byte[] h = write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (int) (SafetensorsFile.align(8 + h.length) - 8);
        byte[] out = new byte[8 + padded + data.length];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
        System.arraycopy(h, 0, out, 8, h.length);
        Arrays.fill(out, 8 + h.length, 8 + padded, (byte) ' ');
        System.arraycopy(data, 0, out, 8 + padded, data.length);
        return out;
    }

    static String write(Object value) throws IOException {
        StringWriter text = new StringWriter();
        try (JsonGenerator json = Json.factory().createGenerator(text)) {
            write(json, value);
        }
        return text.toString();
    }

    private static void write(JsonGenerator json, Object value) throws IOException {
        switch (value) {
            case null -> json.writeNull();
            case Map<?, ?> map -> {
                json.writeStartObject();
                for (var e : map.entrySet()) {
                    json.writeFieldName((String) e.getKey());
                    write(json, e.getValue());
                }
                json.writeEndObject();
            }
            case List<?> list -> {
                json.writeStartArray();
                for (Object v : list) {
                    write(json, v);
                }
                json.writeEndArray();
            }
            case String s -> json.writeString(s);
            case Long l -> json.writeNumber(l);
            case Double d -> json.writeNumber(d);
            case Boolean b -> json.writeBoolean(b);
            default -> throw new IllegalArgumentException("unexpected JSON value " + value);
        }
    }
}
