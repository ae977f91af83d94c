/**
 * Text tokenizers: {@link dev.nabla.models.text.ByteLevelBpeTokenizer}, a byte-level BPE (Sennrich
 * et al., arXiv:1508.07909; GPT-2's byte-level variant, Radford et al. 2019) that trains on a
 * corpus, round-trips any text, saves as JSON and loads GPT-2's own vocabulary with its exact ids.
 *
 * @see dev.nabla.models.text.ByteLevelBpeTokenizer
 */
package dev.nabla.models.text;
