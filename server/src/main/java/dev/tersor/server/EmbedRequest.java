package dev.tersor.server;

import java.util.Objects;

/**
 * What one embedding request asks for, whichever API it came through.
 *
 * @param inputs         the texts or token ids
 * @param model          the model name the caller gave, echoed back; null when it gave none
 * @param encodingFormat how to write the vectors (OpenAI's API; TEI's is always float)
 * @param dimensions     leading components to keep, or 0 for all
 * @param normalize      whether to scale each vector to unit length (after keeping {@code dimensions})
 * @param truncate       whether a text longer than the model takes is cut, else refused
 * @param prefix         text put before every text input (a prompt); empty for none
 */
public record EmbedRequest(Inputs inputs, String model, EncodingFormat encodingFormat, int dimensions, boolean normalize,
                           boolean truncate, String prefix) {

    public EmbedRequest {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(encodingFormat, "encodingFormat");
        Objects.requireNonNull(prefix, "prefix");
        if (dimensions < 0) {
            throw new IllegalArgumentException("dimensions must be positive, or 0 for all: " + dimensions);
        }
    }
}
