package dev.nabla.models.llama;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.GradClip;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A short training run on real text: byte-level ids (0–255) of chapter 1 of Moby-Dick, a tiny
 * LLaMA, AdamW with clipping. The loss must fall well below its start (ln 256 ≈ 5.55).
 */
class LlamaTrainingTest {

  @Test void lossFallsOnRealText() {
    byte[] text = Fixtures.text().getBytes(StandardCharsets.UTF_8);
    LlamaConfig config = new LlamaConfig(256, 64, 172, 2, 4, 2, 1e-5, 10_000, 64, false);
    Rng rng = new Rng(0);
    Llama model = new Llama(config, rng);
    AdamW opt = new AdamW(model.parameters(),
        AdamW.options().lr(1e-2).betas(0.9, 0.95).weightDecay(0.01));
    int batch = 8;
    int seq = 32;
    int steps = 40;
    double[] losses = new double[steps];
    Rng data = rng.split();
    for (int s = 0; s < steps; s++) {
      long[] tokens = new long[batch * (seq + 1)];
      for (int b = 0; b < batch; b++) {
        int start = data.nextInt(text.length - seq - 1);
        for (int t = 0; t <= seq; t++) {
          tokens[b * (seq + 1) + t] = text[start + t] & 0xFF;
        }
      }
      opt.zeroGrad();
      Tensor loss = model.nextTokenLoss(Tensor.of(tokens, batch, seq + 1));
      loss.backward();
      GradClip.clipGradNorm(model.parameters(), 1.0);
      opt.step();
      losses[s] = loss.item();
    }
    double first = losses[0];
    double last = 0;
    for (int s = steps - 5; s < steps; s++) {
      last += losses[s] / 5;
    }
    assertTrue(first > 5.0, "the first loss should be near ln 256 = 5.55, got " + first);
    assertTrue(last < 0.6 * first,
        String.format("loss fell only from %.3f to %.3f (mean of the last 5 steps)", first, last));
  }
}
