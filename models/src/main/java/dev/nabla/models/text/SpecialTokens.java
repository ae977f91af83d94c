package dev.nabla.models.text;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The special tokens of a tokenizer: optional beginning-of-sequence, end-of-sequence and padding
 * tokens, and any others. Each is a literal string ({@code "<|eos|>"}) with an id of its own, never
 * produced by BPE; {@link ByteLevelBpeTokenizer#encode(String, boolean)} matches the literals in
 * the input only when asked. Roles may share a literal (GPT-2's {@code <|endoftext|>} is both BOS
 * and EOS).
 *
 * <pre>{@code
 * SpecialTokens s = SpecialTokens.defaults().withAdditional("<|user|>", "<|assistant|>");
 * }</pre>
 *
 * @param bos beginning of sequence, or {@code null}
 * @param eos end of sequence, or {@code null}
 * @param pad padding, or {@code null}
 * @param additional other special tokens, in id order
 */
public record SpecialTokens(String bos, String eos, String pad, List<String> additional) {
  public SpecialTokens {
    additional = List.copyOf(additional);   // also rejects null elements
    check("bos", bos);
    check("eos", eos);
    check("pad", pad);
    Set<String> roles = new LinkedHashSet<>();
    for (String r : new String[] {bos, eos, pad}) {
      if (r != null) {
        roles.add(r);
      }
    }
    Set<String> seen = new LinkedHashSet<>();
    for (String s : additional) {
      check("additional", s);
      if (roles.contains(s) || !seen.add(s)) {
        throw new IllegalArgumentException("SpecialTokens: \"" + s + "\" is listed twice");
      }
    }
  }

  private static void check(String role, String literal) {
    if (literal != null && (literal.isEmpty() || literal.length() > ByteLevelBpeTokenizer.MAX_TOKEN_LENGTH)) {
      throw new IllegalArgumentException("SpecialTokens: " + role + " token must have 1 to "
          + ByteLevelBpeTokenizer.MAX_TOKEN_LENGTH + " characters, got " + literal.length());
    }
  }

  /** No special tokens. */
  public static SpecialTokens none() {
    return new SpecialTokens(null, null, null, List.of());
  }

  /** {@code <|bos|>}, {@code <|eos|>} and {@code <|pad|>}. */
  public static SpecialTokens defaults() {
    return of("<|bos|>", "<|eos|>", "<|pad|>");
  }

  /** The three roles (each may be {@code null}), no others. */
  public static SpecialTokens of(String bos, String eos, String pad) {
    return new SpecialTokens(bos, eos, pad, List.of());
  }

  /** A copy with {@code literals} appended to the additional tokens. */
  public SpecialTokens withAdditional(String... literals) {
    List<String> all = new ArrayList<>(additional);
    all.addAll(List.of(literals));
    return new SpecialTokens(bos, eos, pad, all);
  }

  /** Every distinct literal: bos, eos, pad (those present), then the additional ones. */
  public List<String> all() {
    Set<String> all = new LinkedHashSet<>();
    for (String r : new String[] {bos, eos, pad}) {
      if (r != null) {
        all.add(r);
      }
    }
    all.addAll(additional);
    return List.copyOf(all);
  }
}
