package dev.nabla.models.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.optim.AdamW;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The examples of docs/llama.md ("Model", "Generation"), kept compiling and running. */
class LlamaExamplesTest {

  @Test void modelSection(@TempDir Path dir) throws IOException {
    Rng rng = new Rng(0);
    int vocab = 300;                                        // tokenizer.vocabSize() in the docs
    LlamaConfig config = LlamaConfig.tiny().withVocabSize(vocab).withNumHiddenLayers(1);
    Llama model = new Llama(config, new Rng(0));            // HF init: N(0, 0.02²), norms 1
    Tensor ids = Tensor.randint(rng, 0, vocab, 2, 16);      // [B, T] token ids (I64)
    Tensor logits = model.forward(ids);                     // [B, T, vocab]
    assertEquals(List.of(2, 16, vocab), List.of(logits.size(0), logits.size(1), logits.size(2)));

    Tensor tokens = Tensor.randint(rng, 0, vocab, 2, 17);   // [B, T+1]
    var opt = new AdamW(model.parameters(),
        AdamW.options().lr(3e-4).betas(0.9, 0.95).weightDecay(0.1));
    opt.zeroGrad();
    Tensor loss = model.nextTokenLoss(tokens);              // mean next-token cross-entropy
    loss.backward();
    opt.step();
    assertTrue(Math.abs(loss.item() - Math.log(vocab)) < 0.1, "loss " + loss.item());

    model.savePretrained(dir);                              // config.json + model.safetensors
    Llama back = Llama.fromPretrained(dir);                 // also reads HF model directories
    assertEquals(config, back.config());

    Llama.Cache cache = model.newCache(1, 64);              // one sequence, up to 64 positions
    try (var off = GradMode.disabled()) {
      Tensor first = model.forward(ids.narrow(0, 0, 1).contiguous(), cache); // positions 0..15
      Tensor next = model.forward(Tensor.of(new long[] {7}, 1, 1), cache);   // position 16
      assertEquals(16, first.size(1));
      assertEquals(1, next.size(1));
      assertEquals(17, cache.length());
    }
  }

  @Test void generationSection() {
    Llama model = new Llama(LlamaConfig.tiny().withNumHiddenLayers(1), new Rng(0));
    int[] prompt = {1, 72, 101, 108, 108, 111};
    int eosId = 2;
    Generator gen = new Generator(model);
    int[] greedy = gen.generate(prompt, GenerationConfig.greedy(20));
    List<Integer> streamed = new ArrayList<>();
    int[] sampled = gen.generate(prompt, GenerationConfig.sampling(20, 0.8, 42)
        .topK(40).topP(0.95).repetitionPenalty(1.1).stopTokens(eosId), streamed::add);
    assertEquals(20, greedy.length);
    assertEquals(sampled.length, streamed.size());
    assertTrue(sampled.length == 20 || sampled[sampled.length - 1] == eosId);
  }
}
