package dev.nabla.models.llama;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.Arrays;
import java.util.function.IntConsumer;
import java.util.random.RandomGenerator;

/**
 * Autoregressive generation with a {@link Llama}: one forward pass over the prompt (the
 * prefill) fills a {@link Llama.Cache}, then each step feeds only the newest token, attending to
 * the cached keys and values. Tokens are chosen as {@link GenerationConfig} says (greedy, or
 * temperature / top-k / top-p sampling with a seeded generator, after the repetition penalty)
 * and streamed to a callback as they are made. Runs without autograd.
 *
 * <p>The result holds the new tokens only; a stop token, when reached, is the last one (as HF
 * returns its EOS). Generation also ends when the context is full
 * ({@code maxPositionEmbeddings}), so the result may be shorter than {@code maxNewTokens}.
 *
 * <pre>{@code
 * Generator g = new Generator(model);
 * int[] out = g.generate(promptIds, GenerationConfig.sampling(100, 0.8, 7).topK(40),
 *     id -> System.out.print(tokenizer.decode(new int[] {id})));
 * }</pre>
 */
public final class Generator {
  private final Llama model;

  public Generator(Llama model) {
    if (model == null) {
      throw new IllegalArgumentException("Generator: model must not be null");
    }
    this.model = model;
  }

  /** The new tokens for {@code prompt}. */
  public int[] generate(int[] prompt, GenerationConfig config) {
    return generate(prompt, config, null);
  }

  /**
   * The new tokens for {@code prompt}, each also passed to {@code onToken} (may be null) as soon
   * as it is chosen.
   *
   * @throws IllegalArgumentException for an empty prompt, ids outside the vocabulary or a
   *     prompt longer than {@code maxPositionEmbeddings}
   */
  @SuppressWarnings("try") // the guard is only closed
  public int[] generate(int[] prompt, GenerationConfig config, IntConsumer onToken) {
    LlamaConfig c = model.config();
    if (prompt == null || prompt.length == 0) {
      throw new IllegalArgumentException("Generator: the prompt must hold at least one token");
    }
    if (config == null) {
      throw new IllegalArgumentException("Generator: config must not be null");
    }
    if (prompt.length > c.maxPositionEmbeddings()) {
      throw new IllegalArgumentException("Generator: the prompt has " + prompt.length
          + " tokens, more than maxPositionEmbeddings (" + c.maxPositionEmbeddings() + ")");
    }
    if (config.maxNewTokens() == 0) {
      return new int[0];
    }
    int maxLen = (int) Math.min(c.maxPositionEmbeddings(),
        (long) prompt.length + config.maxNewTokens() - 1);
    maxLen = Math.max(maxLen, prompt.length);
    RandomGenerator rng = new Rng(config.seed());
    boolean[] stop = new boolean[c.vocabSize()];
    for (int s : config.stopTokens()) {
      if (s >= 0 && s < stop.length) {
        stop[s] = true;
      }
    }
    // tokens seen so far (prompt + output), for the repetition penalty
    boolean[] seen = config.repetitionPenalty() == 1 ? null : new boolean[c.vocabSize()];
    // at most maxLen − prompt + 1 tokens fit (the last one is never fed back)
    int[] out = new int[Math.min(config.maxNewTokens(), maxLen - prompt.length + 1)];
    int n = 0;
    try (var off = GradMode.disabled()) {
      Llama.Cache cache = model.newCache(1, maxLen);
      long[] ids = new long[prompt.length];
      for (int i = 0; i < prompt.length; i++) {
        ids[i] = prompt[i];
      }
      Tensor h = model.hiddenStates(Tensor.of(ids, 1, ids.length), cache);   // [1, T, C]
      float[] logits = model.head(h.narrow(1, ids.length - 1, 1)).toFloatArray();
      if (seen != null) {
        for (int p : prompt) {
          seen[p] = true;
        }
      }
      long[] one = new long[1];
      while (true) {
        int next = pick(logits, seen, config, rng);
        out[n++] = next;
        if (onToken != null) {
          onToken.accept(next);
        }
        if (stop[next] || n == out.length) {
          break;
        }
        if (seen != null) {
          seen[next] = true;
        }
        one[0] = next;
        logits = model.forward(Tensor.of(one, 1, 1), cache).toFloatArray();
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  // ------------------------------------------------------------------ token choice

  /**
   * Chooses the next token from {@code logits} (modified in place): repetition penalty over
   * {@code seen} (null: none), then argmax at temperature 0, else temperature, top-k, top-p and
   * a draw from {@code rng}.
   */
  static int pick(float[] logits, boolean[] seen, GenerationConfig config, RandomGenerator rng) {
    if (seen != null) {
      applyRepetitionPenalty(logits, seen, config.repetitionPenalty());
    }
    if (config.isGreedy()) {
      return argmax(logits);
    }
    return sample(logits, config.temperature(), config.topK(), config.topP(), rng);
  }

  /** HF's rule: a seen token's logit is divided by θ when positive, multiplied when not. */
  static void applyRepetitionPenalty(float[] logits, boolean[] seen, double penalty) {
    for (int i = 0; i < logits.length; i++) {
      if (seen[i]) {
        logits[i] = (float) (logits[i] > 0 ? logits[i] / penalty : logits[i] * penalty);
      }
    }
  }

  /** The index of the largest logit (the first one on ties, as torch.argmax). */
  static int argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }

  /**
   * A draw from softmax(logits / temperature) restricted to the top-k logits (ties with the k-th
   * kept, as HF) and then to the smallest most-probable set with mass ≥ topP (the token that
   * crosses topP kept; at least one token).
   */
  static int sample(float[] logits, double temperature, int topK, double topP,
      RandomGenerator rng) {
    int v = logits.length;
    double[] z = new double[v];
    for (int i = 0; i < v; i++) {
      z[i] = logits[i] / temperature;
    }
    Integer[] order = null;
    int kept = v;
    if ((topK > 0 && topK < v) || topP < 1) {
      order = new Integer[v];
      for (int i = 0; i < v; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(z[b], z[a]));   // stable: ties by index
      if (topK > 0 && topK < v) {
        double kth = z[order[topK - 1]];
        kept = topK;
        while (kept < v && z[order[kept]] == kth) {
          kept++;
        }
      }
      if (topP < 1) {
        double max = z[order[0]];
        double total = 0;
        for (int r = 0; r < kept; r++) {
          total += Math.exp(z[order[r]] - max);
        }
        double mass = 0;
        int r = 0;
        // keep token r while the mass ranked above it is below topP
        while (r < kept && mass < topP) {
          mass += Math.exp(z[order[r]] - max) / total;
          r++;
        }
        kept = Math.max(1, r);
      }
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int r = 0; r < kept; r++) {
      max = Math.max(max, z[order == null ? r : order[r]]);
    }
    double[] p = new double[kept];
    double total = 0;
    for (int r = 0; r < kept; r++) {
      p[r] = Math.exp(z[order == null ? r : order[r]] - max);
      total += p[r];
    }
    double u = rng.nextDouble() * total;
    double acc = 0;
    for (int r = 0; r < kept; r++) {
      acc += p[r];
      if (u < acc) {
        return order == null ? r : order[r];
      }
    }
    return order == null ? kept - 1 : order[kept - 1];
  }
}
