package dev.tersor.fuzz;

import java.nio.charset.StandardCharsets;

/**
 * Small but complete tokenizer.json files of the three model families, as seeds: the fuzzer mutates
 * their normalizers, templates and vocabularies without paying for a 30,000-entry one per input.
 */
final class TokenizerSeeds {

    private TokenizerSeeds() {
    }

    private static final String BERT_PARTS = """
            "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                           "strip_accents": null, "lowercase": true},
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "post_processor": {"type": "TemplateProcessing",
              "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
              "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
              "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                 "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
            """;

    static byte[] wordPiece() {
        return ("""
                {"version": "1.0", "truncation": {"direction": "Right", "max_length": 12, "strategy": "LongestFirst", "stride": 0},
                 "padding": null,
                 "added_tokens": [{"id": 0, "content": "[PAD]", "single_word": false, "lstrip": false, "rstrip": false,
                                   "normalized": false, "special": true},
                                  {"id": 1, "content": "[UNK]", "single_word": false, "lstrip": false, "rstrip": false,
                                   "normalized": false, "special": true}],
                """ + BERT_PARTS + """
                 "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": 100,
                           "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4, "world": 5, "a": 6,
                                     "##a": 7, "the": 8, "##s": 9, ".": 10, "h": 11, "##ello": 12}}}
                """).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bpe() {
        return """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                 "normalizer": null, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
                                                       "use_regex": true},
                 "post_processor": null, "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true,
                                                     "use_regex": true},
                 "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
                           "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                           "vocab": {"<unk>": 0, "h": 1, "e": 2, "l": 3, "o": 4, "he": 5, "ll": 6, "hell": 7, "hello": 8},
                           "merges": ["h e", "l l", "he ll", "hell o"]}}
                """.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] unigram() {
        return """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
                 "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "Metaspace", "replacement": "▁",
                                                                      "prepend_scheme": "always", "split": true},
                 "post_processor": null, "decoder": null,
                 "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": false,
                           "vocab": [["<unk>", 0.0], ["▁", -2.0], ["▁hello", -3.0], ["▁world", -3.5], ["h", -5.0],
                                     ["e", -5.0], ["l", -5.0], ["o", -5.0], ["w", -5.0], ["r", -5.0], ["d", -5.0]]}}
                """.getBytes(StandardCharsets.UTF_8);
    }
}
