package dev.tersor.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Reads the JSON body of an embedding request, OpenAI's or text-embeddings-inference's, into an
 * {@link EmbedRequest}. The body is untrusted: nesting and number lengths are bounded, a repeated
 * key is an error, and no list is read past its limit (inputs per request, ids per sequence), so
 * the work done is bounded by those limits whatever the body holds. Fields a caller may send but the
 * server has no use for ({@code user}, unknown extensions) are skipped.
 */
final class RequestParser {

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).maxNumberLength(32).build())
            .build();

    private static final String INPUT_SHAPE = "a string, an array of strings, an array of token ids or an array of arrays of token ids";

    private final int maxInputs;
    private final int maxTokens;
    private final Map<String, String> prompts;
    private final boolean autoTruncate;

    /**
     * @param maxInputs    most inputs per request
     * @param maxTokens    most token ids per token-id input (what the model takes)
     * @param prompts      prompt name to prefix
     * @param autoTruncate whether long texts are cut when the request does not say
     */
    RequestParser(int maxInputs, int maxTokens, Map<String, String> prompts, boolean autoTruncate) {
        this.maxInputs = maxInputs;
        this.maxTokens = maxTokens;
        this.prompts = Map.copyOf(prompts);
        this.autoTruncate = autoTruncate;
    }

    /**
     * OpenAI's {@code POST /v1/embeddings}: {@code input}, {@code model}, {@code encoding_format},
     * {@code dimensions}, and NVIDIA NIM's {@code input_type} ({@code query} or {@code passage}, which
     * picks the prompt of that name when the server has one). Vectors are normalized; long texts are
     * truncated only when the server auto-truncates.
     */
    EmbedRequest openAi(byte[] body) {
        return parse(body, p -> {
            Inputs inputs = null;
            String model = null;
            EncodingFormat format = EncodingFormat.FLOAT;
            int dimensions = 0;
            String prefix = "";
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_NULL) {
                    continue;
                }
                switch (field) {
                    case "input" -> inputs = inputs(p, "input");
                    case "model" -> model = string(p, "model");
                    case "encoding_format" -> format = switch (string(p, "encoding_format")) {
                        case "float" -> EncodingFormat.FLOAT;
                        case "base64" -> EncodingFormat.BASE64;
                        default -> throw invalid("encoding_format", "encoding_format is float or base64, not '" + p.getText() + "'");
                    };
                    case "dimensions" -> dimensions = dimensions(p);
                    case "input_type" -> prefix = switch (string(p, "input_type")) {
                        case "query", "passage" -> prompts.getOrDefault(p.getText(), "");
                        default -> throw invalid("input_type", "input_type is query or passage, not '" + p.getText() + "'");
                    };
                    default -> p.skipChildren();
                }
            }
            return new EmbedRequest(required(inputs, "input"), model, format, dimensions, true, autoTruncate, prefix);
        });
    }

    /**
     * text-embeddings-inference's {@code POST /embed}: {@code inputs}, {@code normalize} (default
     * true), {@code truncate} (default: the server's auto-truncation), {@code truncation_direction}
     * (right only), {@code prompt_name} and {@code dimensions}.
     */
    EmbedRequest tei(byte[] body) {
        return parse(body, p -> {
            Inputs inputs = null;
            boolean normalize = true;
            boolean truncate = autoTruncate;
            int dimensions = 0;
            String prefix = "";
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_NULL) {
                    continue;
                }
                switch (field) {
                    case "inputs" -> inputs = inputs(p, "inputs");
                    case "normalize" -> normalize = bool(p, "normalize");
                    case "truncate" -> truncate = bool(p, "truncate");
                    case "truncation_direction" -> {
                        if (!string(p, "truncation_direction").toLowerCase(Locale.ROOT).equals("right")) {
                            throw invalid("truncation_direction", "truncation_direction '" + p.getText()
                                    + "' is not supported; texts are cut on the right");
                        }
                    }
                    case "prompt_name" -> prefix = prompt(string(p, "prompt_name"));
                    case "dimensions" -> dimensions = dimensions(p);
                    default -> p.skipChildren();
                }
            }
            return new EmbedRequest(required(inputs, "inputs"), null, EncodingFormat.FLOAT, dimensions, normalize, truncate, prefix);
        });
    }

    /** Reads the fields of a body's one object; {@code fields} is called on the parser at the object's start. */
    private static EmbedRequest parse(byte[] body, Fields fields) {
        Objects.requireNonNull(body, "body");
        try (JsonParser p = JSON.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw invalid(null, "the body is empty; send a JSON object");
            }
            if (first != JsonToken.START_OBJECT) {
                throw invalid(null, "the body is not a JSON object");
            }
            EmbedRequest request = fields.read(p);
            if (p.nextToken() != null) {
                throw invalid(null, "the body has data after its JSON object");
            }
            return request;
        } catch (JsonProcessingException e) {
            throw invalid(null, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid(null, "the body cannot be read: " + e.getMessage());
        }
    }

    private Inputs inputs(JsonParser p, String param) throws IOException {
        JsonToken token = p.currentToken();
        if (token == JsonToken.VALUE_STRING) {
            return new Inputs.Texts(List.of(text(p, param)));
        }
        if (token != JsonToken.START_ARRAY) {
            throw invalid(param, param + " must be " + INPUT_SHAPE);
        }
        JsonToken first = p.nextToken();
        return switch (first) {
            case END_ARRAY -> throw new ApiException(ErrorKind.EMPTY, param, param + " is empty");
            case VALUE_STRING -> texts(p, param);
            case VALUE_NUMBER_INT -> new Inputs.TokenIds(List.of(ids(p, param)));
            case START_ARRAY -> sequences(p, param);
            default -> throw invalid(param, param + " must be " + INPUT_SHAPE);
        };
    }

    private Inputs texts(JsonParser p, String param) throws IOException {
        List<String> texts = new ArrayList<>();
        for (JsonToken t = p.currentToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_STRING) {
                throw invalid(param, param + "[" + texts.size() + "] is not a string; " + param + " must be " + INPUT_SHAPE);
            }
            countOneMore(texts.size(), param);
            texts.add(text(p, param + "[" + texts.size() + "]"));
        }
        return new Inputs.Texts(texts);
    }

    private Inputs sequences(JsonParser p, String param) throws IOException {
        List<long[]> sequences = new ArrayList<>();
        for (JsonToken t = p.currentToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            String item = param + "[" + sequences.size() + "]";
            if (t != JsonToken.START_ARRAY) {
                throw invalid(param, item + " is not an array of token ids; " + param + " must be " + INPUT_SHAPE);
            }
            countOneMore(sequences.size(), param);
            if (p.nextToken() == JsonToken.END_ARRAY) {
                throw new ApiException(ErrorKind.EMPTY, param, item + " is empty");
            }
            sequences.add(ids(p, item));
        }
        return new Inputs.TokenIds(sequences);
    }

    /** The token ids of one array, from its first element (the current token) to its end. */
    private long[] ids(JsonParser p, String where) throws IOException {
        long[] ids = new long[16];
        int n = 0;
        for (JsonToken t = p.currentToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw invalid(where, where + " holds " + p.getText() + ", which is not a token id (an integer)");
            }
            if (n == maxTokens) {
                throw new ApiException(ErrorKind.TOO_LARGE, where, where + " has more than the " + maxTokens
                        + " tokens this model takes");
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new ApiException(ErrorKind.TOKENIZER, where, where + " holds " + p.getText()
                        + ", which is outside the vocabulary");
            }
            if (n == ids.length) {
                ids = Arrays.copyOf(ids, Math.min(maxTokens, 2 * n));
            }
            ids[n++] = p.getLongValue();
        }
        return Arrays.copyOf(ids, n);
    }

    private void countOneMore(int count, String param) {
        if (count == maxInputs) {
            throw new ApiException(ErrorKind.TOO_LARGE, param, param + " has more than " + maxInputs
                    + " items; this server takes at most " + maxInputs + " per request");
        }
    }

    private static String text(JsonParser p, String where) throws IOException {
        String text = p.getText();
        if (text.isEmpty()) {
            throw new ApiException(ErrorKind.EMPTY, where, where + " is an empty string");
        }
        return text;
    }

    private String prompt(String name) {
        String prefix = prompts.get(name);
        if (prefix == null) {
            throw invalid("prompt_name", "prompt_name '" + name + "' is not a prompt of this server; it has "
                    + (prompts.isEmpty() ? "none" : new TreeSet<>(prompts.keySet()).toString()));
        }
        return prefix;
    }

    private static int dimensions(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                || p.getIntValue() < 1) {
            throw invalid("dimensions", "dimensions must be a positive integer, not " + p.getText());
        }
        return p.getIntValue();
    }

    private static String string(JsonParser p, String param) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw invalid(param, param + " must be a string, not " + p.getText());
        }
        return p.getText();
    }

    private static boolean bool(JsonParser p, String param) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            default -> throw invalid(param, param + " must be true or false, not " + p.getText());
        };
    }

    private static Inputs required(Inputs inputs, String param) {
        if (inputs == null) {
            throw new ApiException(ErrorKind.EMPTY, param, "the request has no " + param);
        }
        return inputs;
    }

    private static ApiException invalid(String param, String message) {
        return new ApiException(ErrorKind.INVALID_REQUEST, param, message);
    }

    @FunctionalInterface
    private interface Fields {
        EmbedRequest read(JsonParser parser) throws IOException;
    }
}
