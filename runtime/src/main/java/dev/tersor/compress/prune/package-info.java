/** Magnitude pruning to an exact sparsity, per matrix or with one global threshold. */
package dev.tersor.compress.prune;
