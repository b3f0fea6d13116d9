package dev.tersor.server;

import dev.tersor.embed.TextTooLongException;
import dev.tersor.embed.TokenBatch;
import dev.tersor.embed.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a request's inputs into the token id sequences the model reads, on the request's own thread,
 * so that every input is checked (length, vocabulary, Unicode) before the request is queued.
 */
final class InputTokenizer {

    private final Tokenizer tokenizer;

    InputTokenizer(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * The sequences of {@code request}'s inputs, in order.
     *
     * @throws ApiException 413 for a text too long with truncation off, 422 for input the tokenizer
     *                      cannot take, 400 for a prompt with token-id input
     */
    List<long[]> tokenize(EmbedRequest request) {
        return switch (request.inputs()) {
            case Inputs.Texts texts -> texts(texts.texts(), request.prefix(), request.truncate());
            case Inputs.TokenIds tokenIds -> {
                if (!request.prefix().isEmpty()) {
                    throw new ApiException(ErrorKind.INVALID_REQUEST, "input", "a prompt applies to text input, not to token ids");
                }
                yield checked(tokenIds.sequences());
            }
        };
    }

    private List<long[]> texts(List<String> texts, String prefix, boolean truncate) {
        List<String> inputs = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String text = prefix + texts.get(i);
            int surrogate = unpairedSurrogate(text);
            if (surrogate >= 0) {
                // The native tokenizer reads Java strings as UTF-8; half a surrogate pair is not Unicode.
                throw new ApiException(ErrorKind.TOKENIZER, "input", "input " + i + " holds an unpaired surrogate (\\u"
                        + Integer.toHexString(text.charAt(surrogate)) + ") at character " + surrogate + ", which is not Unicode text");
            }
            inputs.add(text);
        }
        TokenBatch batch;
        try {
            batch = tokenizer.encode(inputs, truncate);
        } catch (TextTooLongException e) {
            throw new ApiException(ErrorKind.TOO_LARGE, "input", "input " + e.index() + " is longer than the " + e.maxTokens()
                    + " tokens this model takes; shorten it or ask for truncation", e);
        } catch (RuntimeException e) {
            throw new ApiException(ErrorKind.TOKENIZER, "input", "the tokenizer failed: " + e.getMessage(), e);
        }
        List<long[]> sequences = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (batch.tokens(i) == 0) {
                throw new ApiException(ErrorKind.TOKENIZER, "input", "input " + i + " has no tokens under this model's tokenizer");
            }
            sequences.add(batch.ids(i));
        }
        return sequences;
    }

    /** {@code sequences}, once every id is known to be a row of the vocabulary. */
    private List<long[]> checked(List<long[]> sequences) {
        for (int i = 0; i < sequences.size(); i++) {
            for (long id : sequences.get(i)) {
                if (id < 0 || id > tokenizer.maxTokenId()) {
                    throw new ApiException(ErrorKind.TOKENIZER, "input", "input " + i + " holds token id " + id
                            + ", outside this model's vocabulary [0, " + tokenizer.maxTokenId() + "]");
                }
            }
        }
        return sequences;
    }

    /** Index of the first char of {@code text} that is half of a surrogate pair with no other half, or -1. */
    static int unpairedSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
