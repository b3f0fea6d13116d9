package dev.tersor.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads untrusted JSON into plain values ({@code Map}, {@code List}, {@code String}, {@code Long},
 * {@code Double}, {@code Boolean}, {@code null}) with bounded nesting, and typed accessors that
 * throw {@link TsrFormatException} naming the path of anything unexpected. Public so that readers of
 * other untrusted JSON files (a Hugging Face model folder's configs) share these limits.
 */
public final class Json {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxNumberLength(64).build())
            .build();

    private Json() {
    }

    public static JsonFactory factory() {
        return FACTORY;
    }

    public static Object parse(String text, String what) {
        try (JsonParser parser = FACTORY.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new TsrFormatException(what + " is empty");
            }
            Object value = value(parser, first, what);
            if (parser.nextToken() != null) {
                throw new TsrFormatException(what + " has data after its JSON value");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof TsrFormatException t) {
                throw t;
            }
            throw new TsrFormatException(what + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static Object value(JsonParser parser, JsonToken token, String what) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                JsonToken t;
                while ((t = parser.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    Object v = value(parser, parser.nextToken(), what);
                    if (map.containsKey(name)) {
                        throw new TsrFormatException(what + ": key '" + name + "' appears twice");
                    }
                    map.put(name, v);
                }
                if (t != JsonToken.END_OBJECT) {
                    throw new TsrFormatException(what + ": malformed object");
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                JsonToken t;
                while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) {
                        throw new TsrFormatException(what + ": unterminated array");
                    }
                    list.add(value(parser, t, what));
                }
                yield list;
            }
            case VALUE_STRING -> parser.getText();
            case VALUE_NUMBER_INT -> {
                if (parser.getNumberType() != JsonParser.NumberType.INT && parser.getNumberType() != JsonParser.NumberType.LONG) {
                    throw new TsrFormatException(what + ": integer " + parser.getText() + " is out of range");
                }
                yield parser.getLongValue();
            }
            case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new TsrFormatException(what + ": unexpected " + token);
        };
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object value, String path) {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new TsrFormatException(path + " must be a JSON object");
    }

    @SuppressWarnings("unchecked")
    public static List<Object> array(Object value, String path) {
        if (value instanceof List<?> list) {
            return (List<Object>) list;
        }
        throw new TsrFormatException(path + " must be a JSON array");
    }

    public static String string(Object value, String path) {
        if (value instanceof String s) {
            return s;
        }
        throw new TsrFormatException(path + " must be a string");
    }

    public static long integer(Object value, String path) {
        if (value instanceof Long l) {
            return l;
        }
        throw new TsrFormatException(path + " must be an integer");
    }

    public static boolean bool(Object value, String path) {
        if (value instanceof Boolean b) {
            return b;
        }
        throw new TsrFormatException(path + " must be true or false");
    }

    public static Object field(Map<String, Object> object, String name, String path) {
        if (!object.containsKey(name)) {
            throw new TsrFormatException(path + " has no '" + name + "'");
        }
        return object.get(name);
    }
}
