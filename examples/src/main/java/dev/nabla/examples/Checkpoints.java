package dev.nabla.examples;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.nabla.models.llama.Llama;
import dev.nabla.models.llama.LlamaConfig;
import dev.nabla.models.text.ByteLevelBpeTokenizer;
import dev.nabla.optim.Optimizer;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A training run's checkpoint: one directory holding the model as Hugging Face lays it out
 * ({@code config.json}, {@code model.safetensors}), the tokenizer ({@code tokenizer.json}), the
 * optimizer's state ({@code optimizer.safetensors}) and the training state
 * ({@code trainer_state.json}: step, seed, options, losses).
 *
 * <p>Saving never leaves a half checkpoint: everything is written into {@code checkpoint.tmp/}
 * and flushed to disk, then the old {@code checkpoint/} is renamed to {@code checkpoint.old/},
 * the new one renamed into place, and the old one deleted. A crash between the two renames
 * leaves {@code checkpoint.old/}, which {@link #resolve} falls back to.
 */
final class Checkpoints {
  static final String DIR = "checkpoint";
  static final String TOKENIZER_FILE = "tokenizer.json";
  static final String OPTIMIZER_FILE = "optimizer.safetensors";
  static final String STATE_FILE = "trainer_state.json";

  private static final String TMP = DIR + ".tmp";
  private static final String OLD = DIR + ".old";
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Checkpoints() {}

  /**
   * What a run has done so far: {@code step} optimizer steps of {@code totalSteps}, the
   * command-line options that shape the run, the corpus and its SHA-256, each step's training
   * loss and each evaluation's validation loss.
   */
  record TrainingState(int step, int totalSteps, long seed, Map<String, Object> options,
      String corpus, String corpusSha256, long tokensSeen, double elapsedSeconds,
      List<Double> trainLosses, List<ValLoss> valLosses) {
    TrainingState {
      options = Map.copyOf(options);
      trainLosses = List.copyOf(trainLosses);
      valLosses = List.copyOf(valLosses);
    }
  }

  /** The validation loss measured after {@code step} steps. */
  record ValLoss(int step, double loss) {}

  /** A checkpoint read back. */
  record Loaded(Path dir, Llama model, ByteLevelBpeTokenizer tokenizer, TrainingState state) {}

  /**
   * The checkpoint directory for {@code path}: {@code path} itself when it holds a model, else
   * its {@code checkpoint/} (or, after a crash mid-save, {@code checkpoint.old/}).
   *
   * @throws FileNotFoundException if there is none
   */
  static Path resolve(Path path) throws FileNotFoundException {
    for (Path p : List.of(path, path.resolve(DIR), path.resolve(OLD))) {
      if (Files.isRegularFile(p.resolve(LlamaConfig.FILE_NAME))
          || Files.isRegularFile(p.resolve(STATE_FILE))) {
        return p;
      }
    }
    throw new FileNotFoundException("no checkpoint in " + path + " (expected " + path + "/" + DIR
        + "/ with " + LlamaConfig.FILE_NAME + ", " + Llama.WEIGHTS_FILE + ", " + TOKENIZER_FILE
        + "); train one with: nabla train-llama --out " + path);
  }

  /** Whether {@code runDir} holds a checkpoint. */
  static boolean exists(Path runDir) {
    try {
      resolve(runDir);
      return true;
    } catch (FileNotFoundException e) {
      return false;
    }
  }

  /** Writes a checkpoint into {@code runDir/checkpoint/}, replacing the previous one atomically. */
  static void save(Path runDir, Llama model, ByteLevelBpeTokenizer tokenizer, Optimizer optimizer,
      TrainingState state) throws IOException {
    Files.createDirectories(runDir);
    Path tmp = runDir.resolve(TMP);
    deleteTree(tmp);
    Files.createDirectories(tmp);
    model.savePretrained(tmp);
    tokenizer.save(tmp.resolve(TOKENIZER_FILE));
    optimizer.save(tmp.resolve(OPTIMIZER_FILE));
    Files.writeString(tmp.resolve(STATE_FILE), JSON.writeValueAsString(state));
    try (Stream<Path> files = Files.list(tmp)) {
      for (Path f : files.toList()) {
        force(f, false);
      }
    }
    force(tmp, true);
    Path current = runDir.resolve(DIR);
    Path old = runDir.resolve(OLD);
    if (Files.exists(current)) {
      deleteTree(old);
      move(current, old);
    }
    move(tmp, current);
    force(runDir, true);
    deleteTree(old);
  }

  /** Reads the model, the tokenizer and the training state (if any) of a checkpoint. */
  static Loaded load(Path path) throws IOException {
    Path dir = resolve(path);
    Path tokenizerFile = dir.resolve(TOKENIZER_FILE);
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new FileNotFoundException(dir + " has no " + TOKENIZER_FILE);
    }
    Llama model = Llama.fromPretrained(dir);
    ByteLevelBpeTokenizer tokenizer = ByteLevelBpeTokenizer.load(tokenizerFile);
    if (tokenizer.vocabSize() != model.config().vocabSize()) {
      throw new IllegalArgumentException(dir + ": the tokenizer has " + tokenizer.vocabSize()
          + " tokens but the model's vocabulary is " + model.config().vocabSize());
    }
    Path stateFile = dir.resolve(STATE_FILE);
    TrainingState state = Files.isRegularFile(stateFile)
        ? JSON.readValue(stateFile.toFile(), TrainingState.class) : null;
    return new Loaded(dir, model, tokenizer, state);
  }

  /** Loads the optimizer state saved next to a checkpoint's model. */
  static void loadOptimizer(Path checkpointDir, Optimizer optimizer) throws IOException {
    optimizer.load(checkpointDir.resolve(OPTIMIZER_FILE));
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  /** Flushes a file (or a directory's entries, where the OS allows) to the disk. */
  private static void force(Path p, boolean directory) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      if (!directory) {
        throw e;
      }
      // some systems cannot open a directory for syncing; the renames are still atomic
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
