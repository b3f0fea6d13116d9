package dev.tersor.embed;

/** How token vectors {@code [seq, dim]} become one sentence vector. */
public enum Pooling {
    /** Mean over the real tokens (attention mask 1): sentence-transformers' MiniLM and LangChain4j. */
    MEAN,
    /** The first token's vector ({@code [CLS]}): bge-small-en and other CLS-trained models. */
    CLS
}
