package dev.nabla.examples;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.nn.Embedding;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Linear;
import dev.nabla.nn.loss.CrossEntropyLoss;
import dev.nabla.nn.rnn.LSTM;
import dev.nabla.nn.rnn.LSTMOutput;
import dev.nabla.nn.rnn.LSTMState;
import dev.nabla.optim.Adam;
import dev.nabla.optim.GradClip;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A character-level LSTM language model (Karpathy's char-rnn, in miniature): characters are
 * embedded, run through an LSTM and a linear head predicts the next character; trained with Adam
 * and gradient clipping on the bundled Pride and Prejudice excerpt (or your own text), then
 * sampled with a temperature from a seeded generator.
 */
@Command(name = "charlm", mixinStandardHelpOptions = true,
    description = "Train a character-level LSTM language model on bundled Jane Austen and sample"
        + " from it.")
final class CharLmCommand implements Callable<Integer> {
  private static final String TEXT = "/dev/nabla/examples/text/pride-and-prejudice.txt";

  @Option(names = "--steps", defaultValue = "400",
      description = "Training steps (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--seq-len", defaultValue = "64",
      description = "Characters per training sequence (BPTT length) (default: ${DEFAULT-VALUE}).")
  int seqLen;

  @Option(names = "--batch-size", defaultValue = "32",
      description = "Sequences per step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--hidden", defaultValue = "256",
      description = "LSTM hidden size (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--layers", defaultValue = "1",
      description = "Stacked LSTM layers (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--embed", defaultValue = "32",
      description = "Character embedding size (default: ${DEFAULT-VALUE}).")
  int embed;

  @Option(names = "--lr", defaultValue = "0.003",
      description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--clip", defaultValue = "1.0",
      description = "Gradient-norm clipping threshold (default: ${DEFAULT-VALUE}).")
  double clip;

  @Option(names = "--temperature", defaultValue = "0.8",
      description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
  double temperature;

  @Option(names = "--sample-length", defaultValue = "400",
      description = "Characters to generate (default: ${DEFAULT-VALUE}).")
  int sampleLength;

  @Option(names = "--prompt", defaultValue = "It is a truth",
      description = "Text the sample continues (default: \"${DEFAULT-VALUE}\").")
  String prompt;

  @Option(names = "--log-every", defaultValue = "25",
      description = "Steps between loss lines (default: ${DEFAULT-VALUE}).")
  int logEvery;

  @Option(names = "--text", description = "Train on this UTF-8 file instead of the bundled text.")
  Path textFile;

  @Option(names = "--seed", defaultValue = "0",
      description = "Seed for init, batches, dropout and sampling (default: ${DEFAULT-VALUE}).")
  long seed;

  /** Embedding → LSTM → linear head over the vocabulary. */
  static final class CharModel extends Layer {
    final Embedding embed;
    final LSTM lstm;
    final Linear head;

    CharModel(int vocab, int embedDim, int hidden, int layers, Rng rng) {
      embed = register("embed", new Embedding(vocab, embedDim, rng));
      lstm = register("lstm", new LSTM(LSTM.options(embedDim, hidden).numLayers(layers)
          .batchFirst(true), rng));
      head = register("head", new Linear(hidden, vocab, rng));
    }

    /** ids [B, T] → logits [B, T, vocab] and the final state. */
    Step run(Tensor ids, LSTMState state) {
      LSTMOutput out = lstm.forward(embed.forward(ids), state);
      return new Step(head.forward(out.output()), out.state());
    }

    record Step(Tensor logits, LSTMState state) {}
  }

  @Override
  public Integer call() throws IOException {
    if (steps < 1 || seqLen < 1 || batchSize < 1 || hidden < 1 || layers < 1 || embed < 1
        || !(lr > 0) || !(temperature > 0) || sampleLength < 0 || logEvery < 1) {
      System.err.println("charlm: steps, seq-len, batch-size, hidden, layers, embed, log-every"
          + " must be ≥ 1; lr and temperature > 0");
      return 2;
    }
    String text = textFile != null ? Files.readString(textFile, StandardCharsets.UTF_8) : bundled();
    // vocabulary: the distinct code points, sorted
    TreeSet<Integer> chars = new TreeSet<>();
    text.codePoints().forEach(chars::add);
    prompt.codePoints().forEach(chars::add);
    int[] alphabet = chars.stream().mapToInt(Integer::intValue).toArray();
    int vocab = alphabet.length;
    int[] ids = encode(text, alphabet);
    int split = (int) (ids.length * 0.9);
    if (split < seqLen + 2 || ids.length - split < seqLen + 2) {
      System.err.println("charlm: the text is too short for --seq-len " + seqLen);
      return 2;
    }
    System.out.printf(Locale.ROOT, "text: %,d characters (%s), vocabulary %d; train %,d / held out"
            + " %,d%n", ids.length, textFile != null ? textFile : "Pride and Prejudice, bundled",
        vocab, split, ids.length - split);

    Rng rng = new Rng(seed);
    CharModel model = new CharModel(vocab, embed, hidden, layers, rng);
    Adam adam = new Adam(model.parameters(), Adam.options().lr(lr));
    CrossEntropyLoss crossEntropy = new CrossEntropyLoss();
    Rng batches = rng.split();
    System.out.printf(Locale.ROOT, "model: embedding %d → LSTM(%d, layers %d) → linear %d; %,d"
            + " parameters; batch %d × %d characters; Adam lr %s, clip %s%n", embed, hidden, layers,
        vocab, model.numParameters(false), batchSize, seqLen, lr, clip);
    System.out.printf(Locale.ROOT, "step %4d  uniform guess: loss %.3f nats%n", 0, Math.log(vocab));

    long start = System.nanoTime();
    double running = 0;
    int seen = 0;
    for (int step = 1; step <= steps; step++) {
      Tensor[] xy = batch(ids, 0, split, batches);
      adam.zeroGrad();
      Tensor logits = model.run(xy[0], null).logits();
      Tensor loss = crossEntropy.forward(logits.reshape(-1, vocab), xy[1].reshape(-1));
      loss.backward();
      GradClip.clipGradNorm(model.parameters(), clip);
      adam.step();
      running += loss.item();
      seen++;
      if (step % logEvery == 0 || step == steps) {
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "step %4d  loss %.3f  (%.1f s, %.0f chars/s)%n", step,
            running / seen, secs, (double) step * batchSize * seqLen / secs);
        running = 0;
        seen = 0;
      }
    }
    double heldOut = evaluate(model, crossEntropy, ids, split, vocab, new Rng(seed + 1));
    System.out.printf(Locale.ROOT, "held-out loss %.3f nats/char (%.2f bits/char) after %.1f s%n",
        heldOut, heldOut / Math.log(2), (System.nanoTime() - start) / 1e9);
    if (sampleLength > 0) {
      System.out.println("sample (temperature " + temperature + "):");
      System.out.println(sample(model, alphabet, rng.split()));
    }
    return 0;
  }

  /** B random windows of seqLen + 1 characters from ids[from, to): inputs and next characters. */
  private Tensor[] batch(int[] ids, int from, int to, Rng rng) {
    long[] x = new long[batchSize * seqLen];
    long[] y = new long[batchSize * seqLen];
    for (int b = 0; b < batchSize; b++) {
      int at = from + rng.nextInt(to - from - seqLen - 1);
      for (int t = 0; t < seqLen; t++) {
        x[b * seqLen + t] = ids[at + t];
        y[b * seqLen + t] = ids[at + t + 1];
      }
    }
    return new Tensor[] {Tensor.of(x, batchSize, seqLen), Tensor.of(y, batchSize, seqLen)};
  }

  /** Mean loss over a few random held-out batches, in eval mode without autograd. */
  private double evaluate(CharModel model, CrossEntropyLoss loss, int[] ids, int split, int vocab,
      Rng rng) {
    model.eval();
    double total = 0;
    int batches = 8;
    try (var off = GradMode.disabled()) {
      for (int i = 0; i < batches; i++) {
        Tensor[] xy = batch(ids, split, ids.length, rng);
        Tensor logits = model.run(xy[0], null).logits();
        total += loss.forward(logits.reshape(-1, vocab), xy[1].reshape(-1)).item();
      }
    }
    model.train();
    return total / batches;
  }

  /** Feeds the prompt, then draws one character at a time from softmax(logits / temperature). */
  private String sample(CharModel model, int[] alphabet, Rng rng) {
    model.eval();
    StringBuilder out = new StringBuilder(prompt);
    try (var off = GradMode.disabled()) {
      int[] promptIds = encode(prompt, alphabet);
      long[] p = new long[promptIds.length];
      for (int i = 0; i < p.length; i++) {
        p[i] = promptIds[i];
      }
      CharModel.Step s = model.run(Tensor.of(p, 1, p.length), null);
      Tensor last = s.logits().select(1, p.length - 1).reshape(-1);
      LSTMState state = s.state();
      for (int i = 0; i < sampleLength; i++) {
        double[] probs = last.div(temperature).softmax(-1).toDoubleArray();
        int next = draw(probs, rng.nextDouble());
        out.appendCodePoint(alphabet[next]);
        s = model.run(Tensor.of(new long[] {next}, 1, 1), state);
        last = s.logits().reshape(-1);
        state = s.state();
      }
    }
    model.train();
    return out.toString();
  }

  private static int draw(double[] probs, double u) {
    double c = 0;
    for (int i = 0; i < probs.length; i++) {
      c += probs[i];
      if (u < c) {
        return i;
      }
    }
    return probs.length - 1;
  }

  private static int[] encode(String s, int[] alphabet) {
    return s.codePoints().map(cp -> java.util.Arrays.binarySearch(alphabet, cp)).toArray();
  }

  private static String bundled() throws IOException {
    try (InputStream in = CharLmCommand.class.getResourceAsStream(TEXT)) {
      if (in == null) {
        throw new IOException("bundled text " + TEXT + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
