package dev.nabla.examples;

import dev.nabla.models.llama.GenerationConfig;
import dev.nabla.models.llama.Generator;
import dev.nabla.models.llama.Llama;
import dev.nabla.models.text.ByteLevelBpeTokenizer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Text in, text out around {@link Generator}: encodes the prompt, streams the continuation as
 * characters complete, and keeps going past the model's context by re-feeding the newest half of
 * the context (a sliding window) when it fills.
 */
final class TextSampler {
  private TextSampler() {}

  /**
   * Prompt token ids: the encoded prompt, or just BOS for an empty prompt.
   *
   * @throws IllegalArgumentException if the prompt has more tokens than the model's context
   */
  static int[] encodePrompt(ByteLevelBpeTokenizer tokenizer, Llama model, String prompt) {
    int[] ids = prompt.isEmpty() ? new int[] {tokenizer.bosId()} : tokenizer.encode(prompt);
    int max = model.config().maxPositionEmbeddings();
    if (ids.length > max) {
      throw new IllegalArgumentException("the prompt is " + ids.length + " tokens long, more than "
          + "the model's context of " + max + " positions (maxPositionEmbeddings); shorten it");
    }
    return ids;
  }

  /**
   * Up to {@code config.maxNewTokens()} new tokens after {@code prompt}, each decoded and passed to
   * {@code onText} as soon as its characters are complete; stops after a stop token. Returns the
   * generated text. Each window after the first samples with seed {@code seed + window}.
   */
  static String continueText(Llama model, ByteLevelBpeTokenizer tokenizer, int[] prompt,
      GenerationConfig config, Consumer<String> onText) {
    ByteLevelBpeTokenizer.StreamDecoder decoder = tokenizer.streamDecoder();
    StringBuilder text = new StringBuilder();
    Consumer<String> emit = s -> {
      if (!s.isEmpty()) {
        text.append(s);
        if (onText != null) {
          onText.accept(s);
        }
      }
    };
    Generator generator = new Generator(model);
    int max = model.config().maxPositionEmbeddings();
    int[] context = prompt;
    int remaining = config.maxNewTokens();
    boolean stopped = false;
    for (int window = 0; remaining > 0 && !stopped; window++) {
      if (context.length >= max) {
        context = Arrays.copyOfRange(context, context.length - Math.max(1, max / 2), context.length);
      }
      // the last token generated in a window is never fed back, so a window makes room + 1 tokens
      int chunk = Math.min(remaining, max - context.length + 1);
      int[] out = generator.generate(context,
          config.maxNewTokens(chunk).seed(config.seed() + window),
          id -> {
            if (!tokenizer.isSpecial(id)) {
              emit.accept(decoder.next(id));
            }
          });
      remaining -= out.length;
      for (int id : out) {
        if (config.stopTokens().contains(id)) {
          stopped = true;
        }
      }
      if (out.length == 0) {
        break;
      }
      int[] grown = Arrays.copyOf(context, context.length + out.length);
      System.arraycopy(out, 0, grown, context.length, out.length);
      context = grown;
    }
    emit.accept(decoder.flush());
    return text.toString();
  }
}
