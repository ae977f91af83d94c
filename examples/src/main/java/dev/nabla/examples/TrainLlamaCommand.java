package dev.nabla.examples;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.examples.Checkpoints.TrainingState;
import dev.nabla.examples.Checkpoints.ValLoss;
import dev.nabla.models.llama.GenerationConfig;
import dev.nabla.models.llama.Llama;
import dev.nabla.models.llama.LlamaConfig;
import dev.nabla.models.text.ByteLevelBpeTokenizer;
import dev.nabla.models.text.SpecialTokens;
import dev.nabla.nn.Parameter;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.GradClip;
import dev.nabla.optim.ParamGroup;
import dev.nabla.optim.schedule.CosineAnnealingLR;
import dev.nabla.optim.schedule.LrSchedule;
import dev.nabla.optim.schedule.Scheduler;
import dev.nabla.optim.schedule.Warmup;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The main job: trains a small LLaMA on public-domain text from scratch, then writes with it.
 * A byte-level BPE tokenizer is trained on the training split, the text tokenised, and the model
 * trained on random windows with AdamW (decoupled weight decay on matrices only), a linear
 * warm-up then cosine decay, and gradient-norm clipping. Every {@code --eval-every} steps it
 * measures the loss on a fixed set of held-out windows and samples a line; every
 * {@code --checkpoint-every} steps (and at the end) it writes a checkpoint that {@code --resume}
 * continues exactly and {@code nabla generate} samples from; at the end it plots the losses.
 *
 * <p>Batches are drawn from a generator seeded by (seed, step), so a resumed run sees the same
 * batches as an uninterrupted one and, with the model and optimizer state restored bit for bit,
 * produces the same losses.
 */
@Command(name = "train-llama", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Train a small LLaMA (tokenizer included) on public-domain text, with "
        + "checkpoints, validation, samples and a loss plot.",
        "Defaults: Jane Austen's Persuasion (bundled), a few minutes on 2 cores."})
final class TrainLlamaCommand implements Callable<Integer> {
  static final String BUNDLED = "/dev/nabla/examples/corpus/persuasion.txt";
  static final String BUNDLED_NAME = "bundled:persuasion.txt";
  private static final Logger LOG = LoggerFactory.getLogger(TrainLlamaCommand.class);

  @Spec CommandSpec spec;

  // ---- data and run
  @Option(names = "--corpus", paramLabel = "PATH",
      description = "UTF-8 text to train on instead of the bundled Persuasion "
          + "(scripts/fetch-corpus.sh gets Moby-Dick).")
  Path corpus;

  @Option(names = "--out", defaultValue = "runs/llama", paramLabel = "DIR",
      description = "Run directory: checkpoint/, loss.png (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--resume", description = "Continue the run in --out from its checkpoint "
      + "(model, optimizer, step, losses); its settings are kept, --steps may extend it.")
  boolean resume;

  @Option(names = "--steps", defaultValue = "500",
      description = "Optimizer steps in the whole run (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--stop-after", paramLabel = "STEP",
      description = "Stop (with a checkpoint) after this step; continue with --resume.")
  Integer stopAfter;

  @Option(names = "--val-fraction", defaultValue = "0.1",
      description = "Share of the text held out for validation (default: ${DEFAULT-VALUE}).")
  double valFraction;

  @Option(names = "--seed", defaultValue = "0",
      description = "Seed for init, batches and samples (default: ${DEFAULT-VALUE}).")
  long seed;

  // ---- tokenizer and model
  @Option(names = "--vocab-size", defaultValue = "512",
      description = "BPE vocabulary, 256 bytes + merges + 3 specials (default: ${DEFAULT-VALUE}).")
  int vocabSize;

  @Option(names = "--hidden", defaultValue = "128",
      description = "Hidden size (default: ${DEFAULT-VALUE}).")
  int hidden;

  @Option(names = "--intermediate", defaultValue = "0",
      description = "SwiGLU size; 0: 8/3 × hidden rounded up to 32 (default: ${DEFAULT-VALUE}).")
  int intermediate;

  @Option(names = "--layers", defaultValue = "4",
      description = "Decoder layers (default: ${DEFAULT-VALUE}).")
  int layers;

  @Option(names = "--heads", defaultValue = "4",
      description = "Attention heads (default: ${DEFAULT-VALUE}).")
  int heads;

  @Option(names = "--kv-heads", defaultValue = "2",
      description = "Key/value heads (GQA) (default: ${DEFAULT-VALUE}).")
  int kvHeads;

  @Option(names = "--context", defaultValue = "128",
      description = "Tokens per training window = the model's max positions "
          + "(default: ${DEFAULT-VALUE}).")
  int context;

  // ---- optimisation
  @Option(names = "--batch-size", defaultValue = "16",
      description = "Windows per step (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--lr", defaultValue = "0.003",
      description = "Peak AdamW learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--min-lr", defaultValue = "0.0003",
      description = "Learning rate at the end of the cosine (default: ${DEFAULT-VALUE}).")
  double minLr;

  @Option(names = "--warmup", defaultValue = "30",
      description = "Linear warm-up steps (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--weight-decay", defaultValue = "0.1",
      description = "AdamW decoupled weight decay of the matrices (default: ${DEFAULT-VALUE}).")
  double weightDecay;

  @Option(names = "--clip", defaultValue = "1.0",
      description = "Gradient-norm clipping threshold (default: ${DEFAULT-VALUE}).")
  double clip;

  // ---- reporting
  @Option(names = "--eval-every", defaultValue = "100",
      description = "Steps between validation losses and samples (default: ${DEFAULT-VALUE}).")
  int evalEvery;

  @Option(names = "--eval-batches", defaultValue = "4",
      description = "Held-out batches per validation (default: ${DEFAULT-VALUE}).")
  int evalBatches;

  @Option(names = "--checkpoint-every", defaultValue = "100",
      description = "Steps between checkpoints (default: ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(names = "--prompt", defaultValue = "Anne",
      description = "Text the samples continue (default: \"${DEFAULT-VALUE}\").")
  String prompt;

  @Option(names = "--sample-tokens", defaultValue = "48",
      description = "Tokens per periodic sample (default: ${DEFAULT-VALUE}).")
  int sampleTokens;

  @Option(names = "--final-sample-tokens", defaultValue = "200",
      description = "Tokens of the sample printed at the end (default: ${DEFAULT-VALUE}).")
  int finalSampleTokens;

  @Option(names = "--temperature", defaultValue = "0.8",
      description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
  double temperature;

  @Option(names = "--no-progress", description = "No progress bar (the log still reports).")
  boolean noProgress;

  /** Options that define the run; saved in the checkpoint and restored by --resume. */
  private Map<String, Object> runOptions() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("valFraction", valFraction);
    m.put("vocabSize", vocabSize);
    m.put("hidden", hidden);
    m.put("intermediate", intermediate);
    m.put("layers", layers);
    m.put("heads", heads);
    m.put("kvHeads", kvHeads);
    m.put("context", context);
    m.put("batchSize", batchSize);
    m.put("lr", lr);
    m.put("minLr", minLr);
    m.put("warmup", warmup);
    m.put("weightDecay", weightDecay);
    m.put("clip", clip);
    m.put("evalBatches", evalBatches);
    return m;
  }

  /** Options saved with the run and restored by --resume unless given again on the command line. */
  private Map<String, Object> reportingOptions() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("evalEvery", evalEvery);
    m.put("checkpointEvery", checkpointEvery);
    return m;
  }

  private void restoreRunOptions(Map<String, Object> m) {
    valFraction = num(m, "valFraction").doubleValue();
    vocabSize = num(m, "vocabSize").intValue();
    hidden = num(m, "hidden").intValue();
    intermediate = num(m, "intermediate").intValue();
    layers = num(m, "layers").intValue();
    heads = num(m, "heads").intValue();
    kvHeads = num(m, "kvHeads").intValue();
    context = num(m, "context").intValue();
    batchSize = num(m, "batchSize").intValue();
    lr = num(m, "lr").doubleValue();
    minLr = num(m, "minLr").doubleValue();
    warmup = num(m, "warmup").intValue();
    weightDecay = num(m, "weightDecay").doubleValue();
    clip = num(m, "clip").doubleValue();
    evalBatches = num(m, "evalBatches").intValue();
    if (!given("--eval-every") && m.get("evalEvery") instanceof Number n) {
      evalEvery = n.intValue();
    }
    if (!given("--checkpoint-every") && m.get("checkpointEvery") instanceof Number n) {
      checkpointEvery = n.intValue();
    }
  }

  private boolean given(String option) {
    return spec.commandLine().getParseResult().hasMatchedOption(option);
  }

  private static Number num(Map<String, Object> m, String key) {
    if (!(m.get(key) instanceof Number n)) {
      throw new IllegalArgumentException("the checkpoint's training state lacks option " + key);
    }
    return n;
  }

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();

    // ---------------------------------------------------------------- resume or start
    Checkpoints.Loaded resumed = null;
    if (resume) {
      if (Checkpoints.exists(out)) {
        try {
          resumed = Checkpoints.load(out);
        } catch (IOException | RuntimeException e) {
          stderr.println("train-llama: cannot resume from " + out + ": " + e.getMessage());
          return 1;
        }
        if (resumed.state() == null) {
          stderr.println("train-llama: " + resumed.dir() + " has no " + Checkpoints.STATE_FILE
              + "; it is a model, not a training run");
          return 1;
        }
        TrainingState s = resumed.state();
        for (String key : runOptions().keySet()) {
          String name = "--" + key.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
          if (given(name)) {
            LOG.warn("--resume keeps the run's own {} = {}; {} on the command line is ignored",
                name, s.options().get(key), name);
          }
        }
        restoreRunOptions(s.options());
        if (given("--seed") && seed != s.seed()) {
          LOG.warn("--resume keeps the run's own --seed = {}; --seed {} is ignored", s.seed(), seed);
        }
        seed = s.seed();
        if (!given("--steps")) {
          steps = s.totalSteps();
        }
        if (corpus == null && !BUNDLED_NAME.equals(s.corpus())) {
          corpus = Path.of(s.corpus());
        }
      } else {
        LOG.info("no checkpoint in {}: starting a new run", out);
      }
    } else if (Checkpoints.exists(out)) {
      LOG.warn("{} holds a checkpoint; this new run replaces it (use --resume to continue it)",
          out);
    }
    String problem = validate();
    if (problem != null) {
      stderr.println("train-llama: " + problem);
      return 2;
    }
    int startStep = resumed == null ? 0 : resumed.state().step();
    if (resumed != null && startStep >= steps) {
      stderr.println("train-llama: the run in " + out + " has already done " + startStep + " of "
          + steps + " steps; pass a larger --steps to extend it");
      return 2;
    }

    // ---------------------------------------------------------------- text and tokenizer
    String text;
    try {
      text = corpus == null ? bundled() : Files.readString(corpus, StandardCharsets.UTF_8);
    } catch (IOException e) {
      stderr.println("train-llama: cannot read --corpus " + corpus + ": " + e.getMessage());
      return 1;
    }
    String corpusName = corpus == null ? BUNDLED_NAME : corpus.toAbsolutePath().toString();
    String sha = sha256(text);
    if (resumed != null && !sha.equals(resumed.state().corpusSha256())) {
      stderr.println("train-llama: the corpus " + corpusName + " is not the text the run in "
          + out + " was trained on (" + resumed.state().corpus() + ", SHA-256 "
          + resumed.state().corpusSha256() + ")");
      return 2;
    }
    int cut = splitPoint(text, valFraction);
    String trainText = text.substring(0, cut);
    String valText = text.substring(cut);
    long t0 = System.nanoTime();
    ByteLevelBpeTokenizer tokenizer = resumed != null ? resumed.tokenizer()
        : ByteLevelBpeTokenizer.train(trainText, vocabSize, SpecialTokens.defaults());
    double trainSecs = (System.nanoTime() - t0) / 1e9;
    t0 = System.nanoTime();
    int[] trainIds = withBos(tokenizer, tokenizer.encode(trainText));
    int[] valIds = tokenizer.encode(valText);
    double encodeSecs = (System.nanoTime() - t0) / 1e9;
    LOG.info(String.format(Locale.ROOT, "corpus %s: %,d characters; tokenizer %s (%d tokens%s); "
            + "%,d train + %,d validation tokens (%.2f characters/token, encoded at %.1f MB/s)",
        corpusName, text.length(), resumed != null ? "from the checkpoint" : "trained in "
            + String.format(Locale.ROOT, "%.1f s", trainSecs), tokenizer.vocabSize(),
        resumed != null ? "" : ", " + tokenizer.numMerges() + " merges", trainIds.length,
        valIds.length, (double) text.length() / (trainIds.length + valIds.length),
        text.length() / 1e6 / Math.max(encodeSecs, 1e-9)));
    if (trainIds.length < context + 2 || valIds.length < context + 2) {
      stderr.println("train-llama: the text is too short for --context " + context + " ("
          + trainIds.length + " train, " + valIds.length + " validation tokens)");
      return 2;
    }

    // ---------------------------------------------------------------- model and optimizer
    Llama model;
    if (resumed != null) {
      model = resumed.model();
    } else {
      int ffn = intermediate > 0 ? intermediate : roundUp(hidden * 8 / 3, 32);
      LlamaConfig config = new LlamaConfig(tokenizer.vocabSize(), hidden, ffn, layers, heads,
          kvHeads, 1e-5, 10_000, context, false);
      model = new Llama(config, new Rng(seed));
    }
    LlamaConfig config = model.config();
    List<Parameter> decay = new ArrayList<>();
    List<Parameter> noDecay = new ArrayList<>();
    for (Parameter p : model.parameters()) {
      (p.dim() >= 2 ? decay : noDecay).add(p);
    }
    AdamW optimizer = new AdamW(List.of(ParamGroup.of(decay).weightDecay(weightDecay),
        ParamGroup.of(noDecay).weightDecay(0)),
        AdamW.options().lr(lr).betas(0.9, 0.95).eps(1e-8));
    Scheduler scheduler = new Scheduler(optimizer, schedule());
    List<Double> trainLosses = new ArrayList<>();
    List<ValLoss> valLosses = new ArrayList<>();
    long tokensSeen = 0;
    double elapsedBefore = 0;
    if (resumed != null) {
      try {
        Checkpoints.loadOptimizer(resumed.dir(), optimizer);
      } catch (IOException | RuntimeException e) {
        stderr.println("train-llama: cannot load the optimizer state of " + resumed.dir() + ": "
            + e.getMessage());
        return 1;
      }
      scheduler.setStep(startStep);
      trainLosses.addAll(resumed.state().trainLosses());
      valLosses.addAll(resumed.state().valLosses());
      tokensSeen = resumed.state().tokensSeen();
      elapsedBefore = resumed.state().elapsedSeconds();
      LOG.info("resumed {} at step {} of {}", resumed.dir(), startStep, steps);
    }
    LOG.info(String.format(Locale.ROOT, "model: LLaMA, %d layers, hidden %d, SwiGLU %d, %d heads "
            + "/ %d kv heads, context %d, vocab %d: %,d parameters", config.numHiddenLayers(),
        config.hiddenSize(), config.intermediateSize(), config.numAttentionHeads(),
        config.numKeyValueHeads(), config.maxPositionEmbeddings(), config.vocabSize(),
        model.numParameters(false)));
    LOG.info(String.format(Locale.ROOT, "training: %d steps × %d windows × %d tokens; AdamW lr %s "
            + "(warm-up %d, cosine to %s), weight decay %s, clip %s; uniform guess %.3f nats",
        steps, batchSize, context, lr, warmup, minLr, weightDecay, clip,
        Math.log(config.vocabSize())));

    // ---------------------------------------------------------------- the loop
    int lastStep = stopAfter == null ? steps : Math.min(steps, stopAfter);
    Tensor[] valBatches = validationBatches(valIds);
    GenerationConfig sampling = GenerationConfig.sampling(sampleTokens, temperature, seed)
        .topK(40).stopTokens(tokenizer.eosId());
    long runStart = System.nanoTime();
    double ema = Double.NaN;
    long tokensPerStep = (long) batchSize * context;
    try (ProgressBar bar = progressBar(startStep, lastStep)) {
      for (int step = startStep + 1; step <= lastStep; step++) {
        Tensor batch = trainingBatch(trainIds, step);
        optimizer.zeroGrad();
        Tensor loss = model.nextTokenLoss(batch);
        loss.backward();
        GradClip.clipGradNorm(model.parameters(), clip);
        optimizer.step();
        scheduler.step();
        double value = loss.item();
        if (!Double.isFinite(value)) {
          stderr.println("train-llama: the loss is " + value + " at step " + step
              + "; lower --lr or --clip");
          return 1;
        }
        trainLosses.add(value);
        tokensSeen += tokensPerStep;
        ema = Double.isNaN(ema) ? value : 0.9 * ema + 0.1 * value;
        double secs = (System.nanoTime() - runStart) / 1e9;
        double tokensPerSec = (step - startStep) * tokensPerStep / secs;
        if (bar != null) {
          bar.stepTo(step);
          bar.setExtraMessage(String.format(Locale.ROOT, "loss %.3f  %,.0f tok/s", ema,
              tokensPerSec));
        }
        boolean last = step == lastStep;
        if (step % evalEvery == 0 || step == steps) {
          double val = evaluate(model, valBatches);
          valLosses.add(new ValLoss(step, val));
          String sample = sample(model, tokenizer, prompt, sampling.seed(seed + step));
          clearBar(bar);
          LOG.info(String.format(Locale.ROOT, "step %d/%d: train loss %.3f, validation loss %.3f "
                  + "(%.2f bits/token), lr %.2e, %,.0f tokens/s; sample: %s", step, steps, ema,
              val, val / Math.log(2), optimizer.paramGroups().get(0).lr(), tokensPerSec,
              oneLine(prompt + sample)));
        }
        if (step % checkpointEvery == 0 || last) {
          double elapsed = elapsedBefore + (System.nanoTime() - runStart) / 1e9;
          Map<String, Object> options = runOptions();
          options.putAll(reportingOptions());
          Checkpoints.save(out, model, tokenizer, optimizer, new TrainingState(step, steps, seed,
              options, corpusName, sha, tokensSeen, elapsed, trainLosses, valLosses));
          if (!last) {
            clearBar(bar);
            LOG.info("step {}: checkpoint written to {}", step, out.resolve(Checkpoints.DIR));
          }
        }
      }
    }
    double wall = (System.nanoTime() - runStart) / 1e9;
    double total = elapsedBefore + wall;
    Path png = out.resolve("loss.png");
    LossPlot.write(png, String.format(Locale.ROOT, "LLaMA %,d parameters on %s",
        model.numParameters(false), corpusName.replace("bundled:", "")), trainLosses, valLosses,
        0.9);
    String lastVal = valLosses.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%.3f",
        valLosses.get(valLosses.size() - 1).loss());
    LOG.info(String.format(Locale.ROOT, "trained steps %d–%d in %.1f s (%.1f s in all, %,.0f "
            + "tokens/s); last validation loss %s; checkpoint %s, loss curve %s", startStep + 1,
        lastStep, wall, total, (lastStep - startStep) * tokensPerStep / wall, lastVal,
        out.resolve(Checkpoints.DIR), png));
    if (lastStep < steps) {
      stdout.printf(Locale.ROOT, "stopped after step %d of %d; continue with: nabla train-llama "
          + "--out %s --resume%n", lastStep, steps, out);
      stdout.flush();
      return 0;
    }
    if (finalSampleTokens > 0) {
      stdout.println("sample (temperature " + temperature + ", top-k 40):");
      stdout.print(prompt);
      stdout.flush();
      TextSampler.continueText(model, tokenizer, TextSampler.encodePrompt(tokenizer, model, prompt),
          sampling.maxNewTokens(finalSampleTokens).seed(seed), s -> {
            stdout.print(s);
            stdout.flush();
          });
      stdout.println();
      stdout.printf("more: ./nabla generate --checkpoint %s --prompt \"%s\"%n", out, prompt);
      stdout.flush();
    }
    return 0;
  }

  private String validate() {
    if (steps < 1 || layers < 1 || heads < 1 || kvHeads < 1 || hidden < 1 || context < 2
        || batchSize < 1 || evalEvery < 1 || evalBatches < 1 || checkpointEvery < 1
        || warmup < 0 || sampleTokens < 0 || finalSampleTokens < 0 || intermediate < 0) {
      return "steps, layers, heads, kv-heads, hidden, batch-size, eval-every, eval-batches and "
          + "checkpoint-every must be >= 1, context >= 2, the others >= 0";
    }
    if (stopAfter != null && stopAfter < 1) {
      return "--stop-after must be >= 1";
    }
    if (!(lr > 0) || !(minLr >= 0) || minLr > lr || !(weightDecay >= 0) || !(clip > 0)
        || !(temperature > 0)) {
      return "need lr > 0, 0 <= min-lr <= lr, weight-decay >= 0, clip > 0, temperature > 0";
    }
    if (!(valFraction > 0 && valFraction < 0.5)) {
      return "--val-fraction must be in (0, 0.5), got " + valFraction;
    }
    if (vocabSize < 259) {
      return "--vocab-size must be >= 259 (256 bytes + 3 special tokens), got " + vocabSize;
    }
    if (warmup >= steps) {
      return "--warmup (" + warmup + ") must be less than --steps (" + steps + ")";
    }
    if (hidden % heads != 0 || heads % kvHeads != 0 || (hidden / heads) % 2 != 0) {
      return "--hidden must be a multiple of --heads with an even quotient (the head size), and "
          + "--kv-heads must divide --heads; got hidden " + hidden + ", heads " + heads
          + ", kv-heads " + kvHeads;
    }
    return null;
  }

  /** Linear warm-up from lr/warmup to lr, then cosine down to minLr at the last step. */
  private LrSchedule schedule() {
    CosineAnnealingLR cosine = new CosineAnnealingLR(steps - warmup, minLr);
    return warmup == 0 ? cosine : Warmup.linear(warmup, 1.0 / warmup).then(cosine);
  }

  /**
   * {@code batchSize} windows of {@code context + 1} tokens at random offsets drawn from a
   * generator seeded by (seed, step): the same step always sees the same batch.
   */
  private Tensor trainingBatch(int[] ids, int step) {
    Rng rng = new Rng(mix(seed, step));
    int span = context + 1;
    long[] data = new long[batchSize * span];
    for (int b = 0; b < batchSize; b++) {
      int at = rng.nextInt(ids.length - span + 1);
      for (int t = 0; t < span; t++) {
        data[b * span + t] = ids[at + t];
      }
    }
    return Tensor.of(data, batchSize, span);
  }

  /** A fixed set of validation batches: windows spread evenly over the held-out tokens. */
  private Tensor[] validationBatches(int[] ids) {
    int span = context + 1;
    int windows = evalBatches * batchSize;
    long room = ids.length - span;
    Tensor[] batches = new Tensor[evalBatches];
    for (int k = 0; k < evalBatches; k++) {
      long[] data = new long[batchSize * span];
      for (int b = 0; b < batchSize; b++) {
        int w = k * batchSize + b;
        int at = (int) (windows == 1 ? 0 : room * w / (windows - 1));
        for (int t = 0; t < span; t++) {
          data[b * span + t] = ids[at + t];
        }
      }
      batches[k] = Tensor.of(data, batchSize, span);
    }
    return batches;
  }

  private static double evaluate(Llama model, Tensor[] batches) {
    model.eval();
    double total = 0;
    try (var off = GradMode.disabled()) {
      for (Tensor b : batches) {
        total += model.nextTokenLoss(b).item();
      }
    } finally {
      model.train();
    }
    return total / batches.length;
  }

  private static String sample(Llama model, ByteLevelBpeTokenizer tokenizer, String prompt,
      GenerationConfig config) {
    model.eval();
    try {
      return TextSampler.continueText(model, tokenizer,
          TextSampler.encodePrompt(tokenizer, model, prompt), config, null);
    } finally {
      model.train();
    }
  }

  /** A bar on stderr: step / steps, elapsed, ETA, smoothed loss and tokens/s; null with --no-progress. */
  private ProgressBar progressBar(int from, int to) {
    if (noProgress) {
      return null;
    }
    return new ProgressBarBuilder().setTaskName("train-llama").setInitialMax(to)
        .setStyle(System.console() != null ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK
            : ProgressBarStyle.ASCII).setUpdateIntervalMillis(500)
        // one line redrawn in place ("\r"), so a log line can take its place and the bar follows
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .setUnit(" steps", 1).startsFrom(from, Duration.ZERO).build();
  }

  /** Wipes the bar's line on a terminal so a log line does not start in the middle of it. */
  private static void clearBar(ProgressBar bar) {
    if (bar != null && System.console() != null) {
      System.err.print("\r\033[2K");
      System.err.flush();
    }
  }

  /** Cuts the text at a line break near (1 − valFraction) of its length. */
  static int splitPoint(String text, double valFraction) {
    int cut = (int) (text.length() * (1 - valFraction));
    int nl = text.indexOf('\n', cut);
    return nl < 0 ? cut : nl + 1;
  }

  private static int[] withBos(ByteLevelBpeTokenizer tokenizer, int[] ids) {
    int[] out = new int[ids.length + 1];
    out[0] = tokenizer.bosId();
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }

  private static int roundUp(int n, int multiple) {
    return (n + multiple - 1) / multiple * multiple;
  }

  /** SplitMix64's finaliser over (seed, step): unrelated seeds for neighbouring steps. */
  static long mix(long seed, long step) {
    long z = seed * 0x9E3779B97F4A7C15L + step;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  static String oneLine(String s) {
    return s.replaceAll("\\s+", " ").strip();
  }

  static String bundled() throws IOException {
    try (InputStream in = TrainLlamaCommand.class.getResourceAsStream(BUNDLED)) {
      if (in == null) {
        throw new IOException("bundled corpus " + BUNDLED + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
