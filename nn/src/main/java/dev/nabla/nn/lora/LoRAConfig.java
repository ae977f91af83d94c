package dev.nabla.nn.lora;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which layers {@link LoRA#apply} adapts and how: rank {@code r}, scaling numerator
 * {@code alpha} (the update is (α/r)·B·A), dropout on the adapter's input, and the targets —
 * either layer names ({@code targetModules}: a layer matches when its dotted name is the target or
 * ends with "." + target, e.g. {@code q_proj} matches {@code layers.0.self_attn.q_proj}) or one
 * regular expression that must match a whole dotted name ({@code targetRegex}), as PEFT's
 * {@code target_modules} list or string.
 *
 * <pre>{@code
 * var config = LoRAConfig.of(8, 16, "q_proj", "v_proj").withDropout(0.05);
 * var config2 = LoRAConfig.regex(8, 16, "layers\\.[0-3]\\.self_attn\\.(q|v)_proj");
 * }</pre>
 *
 * @param r rank, > 0 (and at most min(in, out) of each target, checked by {@link LoRA#apply})
 * @param alpha scaling numerator, finite and > 0
 * @param dropout probability in [0, 1) of zeroing an adapter input (Linear targets only)
 * @param targetModules layer names (suffixes of dotted names); empty when {@code targetRegex} is
 *     used
 * @param targetRegex a regular expression over whole dotted names, or null
 */
public record LoRAConfig(int r, double alpha, double dropout, List<String> targetModules,
    String targetRegex) {

  public LoRAConfig {
    if (r <= 0) {
      throw new IllegalArgumentException("LoRAConfig: r must be > 0, got " + r);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("LoRAConfig: alpha must be finite and > 0, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("LoRAConfig: dropout must be in [0, 1), got " + dropout);
    }
    targetModules = targetModules == null ? List.of() : List.copyOf(targetModules);
    for (String t : targetModules) {
      if (t.isEmpty() || t.startsWith(".") || t.endsWith(".")) {
        throw new IllegalArgumentException(
            "LoRAConfig: target module names must be non-empty dotted names, got '" + t + "'");
      }
    }
    if (targetModules.isEmpty() == (targetRegex == null)) {
      throw new IllegalArgumentException("LoRAConfig: give either target module names or a"
          + " target regex (exactly one), got " + targetModules + " and " + targetRegex);
    }
    if (targetRegex != null) {
      try {
        Pattern.compile(targetRegex);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "LoRAConfig: invalid target regex '" + targetRegex + "': " + e.getDescription(), e);
      }
    }
  }

  /** Targets by layer name (suffix of the dotted name), no dropout. */
  public static LoRAConfig of(int r, double alpha, String... targetModules) {
    return new LoRAConfig(r, alpha, 0, List.of(targetModules), null);
  }

  /** Targets by a regular expression matching whole dotted names, no dropout. */
  public static LoRAConfig regex(int r, double alpha, String targetRegex) {
    return new LoRAConfig(r, alpha, 0, List.of(), targetRegex);
  }

  /** This configuration with another adapter-input dropout. */
  public LoRAConfig withDropout(double p) {
    return new LoRAConfig(r, alpha, p, targetModules, targetRegex);
  }

  /** α/r. */
  public double scaling() {
    return alpha / r;
  }

  /** True when the layer at {@code dottedName} is a target. */
  public boolean matches(String dottedName) {
    if (targetRegex != null) {
      return Pattern.matches(targetRegex, dottedName);
    }
    return targetModules.stream().anyMatch(t -> matchesModule(t, dottedName));
  }

  static boolean matchesModule(String target, String dottedName) {
    return dottedName.equals(target) || dottedName.endsWith("." + target);
  }
}
