package dev.tersor.server;

import java.util.List;
import java.util.Objects;

/** The inputs of one request: texts, or sequences of token ids the model reads as they are. */
public sealed interface Inputs {

    /** How many inputs there are. */
    int size();

    /** Texts to tokenize. */
    record Texts(List<String> texts) implements Inputs {
        public Texts {
            texts = List.copyOf(Objects.requireNonNull(texts, "texts"));
        }

        @Override
        public int size() {
            return texts.size();
        }
    }

    /** Token id sequences, special tokens included, as the model reads them. */
    record TokenIds(List<long[]> sequences) implements Inputs {
        public TokenIds {
            sequences = Objects.requireNonNull(sequences, "sequences").stream().map(long[]::clone).toList();
        }

        @Override
        public List<long[]> sequences() {
            return sequences.stream().map(long[]::clone).toList();
        }

        @Override
        public int size() {
            return sequences.size();
        }
    }
}
