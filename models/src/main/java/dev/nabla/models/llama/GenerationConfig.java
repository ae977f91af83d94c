package dev.nabla.models.llama;

import java.util.Arrays;
import java.util.List;

/**
 * How {@link Generator} picks tokens, with the meaning of Hugging Face's {@code generate}
 * options: at most {@code maxNewTokens} new tokens; temperature 0 is greedy (argmax), otherwise
 * the logits are divided by the temperature and sampled after top-k (0 = off) and top-p (nucleus;
 * 1 = off) filtering; a repetition penalty θ ≠ 1 first rescales the logit of every token already
 * in the prompt or the output (divided by θ when positive, multiplied when negative: CTRL,
 * Keskar et al., arXiv:1909.05858); generation stops after any of {@code stopTokens}; sampling
 * draws from a generator seeded with {@code seed}, so a seed fixes the output.
 *
 * <pre>{@code
 * var greedy = GenerationConfig.greedy(64);
 * var creative = GenerationConfig.sampling(200, 0.8, 42).topK(40).topP(0.95).stopTokens(eosId);
 * }</pre>
 */
public record GenerationConfig(int maxNewTokens, double temperature, int topK, double topP,
    double repetitionPenalty, List<Integer> stopTokens, long seed) {

  public GenerationConfig {
    if (maxNewTokens < 0) {
      throw new IllegalArgumentException(
          "GenerationConfig: maxNewTokens must be >= 0, got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "GenerationConfig: temperature must be >= 0 (0 = greedy), got " + temperature);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("GenerationConfig: topK must be >= 0 (0 = off), got "
          + topK);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("GenerationConfig: topP must be in (0, 1] (1 = off), got "
          + topP);
    }
    if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
      throw new IllegalArgumentException("GenerationConfig: repetitionPenalty must be > 0 "
          + "(1 = off), got " + repetitionPenalty);
    }
    stopTokens = stopTokens == null ? List.of() : List.copyOf(stopTokens);
  }

  /** Argmax decoding of up to {@code maxNewTokens} tokens, no penalty, no stop tokens. */
  public static GenerationConfig greedy(int maxNewTokens) {
    return new GenerationConfig(maxNewTokens, 0, 0, 1, 1, List.of(), 0);
  }

  /** Sampling at {@code temperature} from a generator seeded with {@code seed}, no filtering. */
  public static GenerationConfig sampling(int maxNewTokens, double temperature, long seed) {
    return new GenerationConfig(maxNewTokens, temperature, 0, 1, 1, List.of(), seed);
  }

  /** True when tokens are chosen by argmax. */
  public boolean isGreedy() {
    return temperature == 0;
  }

  public GenerationConfig maxNewTokens(int n) {
    return new GenerationConfig(n, temperature, topK, topP, repetitionPenalty, stopTokens, seed);
  }

  public GenerationConfig temperature(double t) {
    return new GenerationConfig(maxNewTokens, t, topK, topP, repetitionPenalty, stopTokens, seed);
  }

  public GenerationConfig topK(int k) {
    return new GenerationConfig(maxNewTokens, temperature, k, topP, repetitionPenalty, stopTokens,
        seed);
  }

  public GenerationConfig topP(double p) {
    return new GenerationConfig(maxNewTokens, temperature, topK, p, repetitionPenalty, stopTokens,
        seed);
  }

  public GenerationConfig repetitionPenalty(double penalty) {
    return new GenerationConfig(maxNewTokens, temperature, topK, topP, penalty, stopTokens, seed);
  }

  public GenerationConfig stopTokens(int... ids) {
    return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty,
        Arrays.stream(ids).boxed().toList(), seed);
  }

  public GenerationConfig seed(long s) {
    return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty,
        stopTokens, s);
  }
}
