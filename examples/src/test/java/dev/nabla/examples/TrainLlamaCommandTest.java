package dev.nabla.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.Tensor;
import dev.nabla.examples.Checkpoints.TrainingState;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code nabla train-llama} and {@code nabla generate} end to end on a 40 kB piece of the bundled
 * corpus with a tiny model: the loss falls, the checkpoint loads, a resumed run repeats an
 * uninterrupted one bit for bit, a seed fixes the generated text, and bad input gets clear errors.
 */
class TrainLlamaCommandTest {
  /** A model small enough for seconds: 2 layers, hidden 32, 4 heads / 2 kv heads, 32 positions. */
  private static final List<String> TINY = List.of("--vocab-size", "300", "--hidden", "32",
      "--layers", "2", "--heads", "4", "--kv-heads", "2", "--context", "32", "--batch-size", "8",
      "--lr", "0.01", "--min-lr", "0.001", "--warmup", "4", "--eval-batches", "2",
      "--sample-tokens", "8", "--final-sample-tokens", "12", "--no-progress");

  @TempDir static Path shared;
  static Path corpus;
  static Path run;
  static Result trained;

  record Result(int code, String out, String err) {}

  static Result nabla(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Nabla());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  static Result train(Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("train-llama", "--corpus", corpus.toString(),
        "--out", out.toString()));
    args.addAll(TINY);
    args.addAll(List.of(more));
    return nabla(args.toArray(String[]::new));
  }

  @BeforeAll
  static void trainOnce() throws IOException {
    String text = TrainLlamaCommand.bundled();
    corpus = shared.resolve("snippet.txt");
    Files.writeString(corpus, text.substring(0, 40_000));
    run = shared.resolve("run");
    trained = train(run, "--steps", "80", "--eval-every", "40", "--checkpoint-every", "40");
  }

  @Test
  void lossFallsWellBelowItsStartAndTheCheckpointLoads() throws IOException {
    assertEquals(0, trained.code(), trained.err());
    Checkpoints.Loaded loaded = Checkpoints.load(run);
    TrainingState state = loaded.state();
    assertNotNull(state);
    assertEquals(80, state.step());
    List<Double> losses = state.trainLosses();
    assertEquals(80, losses.size());
    double first = losses.get(0);
    double last = losses.subList(75, 80).stream().mapToDouble(Double::doubleValue).average()
        .orElseThrow();
    assertTrue(first > 5.0, "starts near ln(300) = 5.70, got " + first);
    assertTrue(last < first - 1.5, "loss should fall well below its start: " + first + " → " + last);
    assertEquals(2, state.valLosses().size());
    assertTrue(state.valLosses().get(1).loss() < first - 1.0, state.valLosses().toString());

    Path dir = run.resolve(Checkpoints.DIR);
    for (String f : List.of("config.json", "model.safetensors", Checkpoints.TOKENIZER_FILE,
        Checkpoints.OPTIMIZER_FILE, Checkpoints.STATE_FILE)) {
      assertTrue(Files.isRegularFile(dir.resolve(f)), f);
    }
    assertTrue(Files.size(run.resolve("loss.png")) > 1000);
    assertFalse(Files.exists(run.resolve("checkpoint.tmp")));
    assertFalse(Files.exists(run.resolve("checkpoint.old")));
    assertEquals(300, loaded.model().config().vocabSize());
    assertEquals(32, loaded.model().config().maxPositionEmbeddings());
    assertTrue(trained.out().contains("sample"), trained.out());
  }

  @Test
  void resumedRunRepeatsTheUninterruptedOneBitForBit() throws IOException {
    Path whole = shared.resolve("whole");
    Path parts = shared.resolve("parts");
    String[] common = {"--steps", "12", "--eval-every", "6", "--checkpoint-every", "100"};
    assertEquals(0, train(whole, common).code());
    Result first = train(parts, concat(common, "--stop-after", "5"));
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("--resume"), first.out());
    assertEquals(5, Checkpoints.load(parts).state().step());
    // --resume takes the run's settings from the checkpoint: no model options needed
    Result second = nabla("train-llama", "--out", parts.toString(), "--resume", "--no-progress");
    assertEquals(0, second.code(), second.err());

    TrainingState a = Checkpoints.load(whole).state();
    TrainingState b = Checkpoints.load(parts).state();
    assertEquals(12, b.step());
    assertEquals(a.trainLosses(), b.trainLosses());
    assertEquals(a.valLosses(), b.valLosses());
    Map<String, Tensor> wa = Checkpoints.load(whole).model().stateDict();
    Map<String, Tensor> wb = Checkpoints.load(parts).model().stateDict();
    assertEquals(wa.keySet(), wb.keySet());
    for (String k : wa.keySet()) {
      assertArrayEquals(wa.get(k).toFloatArray(), wb.get(k).toFloatArray(), k);
    }
  }

  @Test
  void generateIsReproducibleWithASeed() {
    String[] args = {"generate", "--checkpoint", run.toString(), "--prompt", "Anne was",
        "--max-new-tokens", "40", "--seed", "7"};
    Result one = nabla(args);
    Result two = nabla(args);
    assertEquals(0, one.code(), one.err());
    assertTrue(one.out().startsWith("Anne was"), one.out());
    assertTrue(one.out().length() > "Anne was".length() + 10, one.out());
    assertEquals(one.out(), two.out());
    // past the 32-position context the window slides instead of stopping
    Result longer = nabla("generate", "--checkpoint", run.resolve(Checkpoints.DIR).toString(),
        "--max-new-tokens", "80", "--temperature", "0", "--repetition-penalty", "1.3");
    assertEquals(0, longer.code(), longer.err());
    assertTrue(longer.out().length() > 80, longer.out());
  }

  @Test
  void clearErrorsForMissingOrCorruptCheckpointsAndLongPrompts() throws IOException {
    Result missing = nabla("generate", "--checkpoint", shared.resolve("nowhere").toString());
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("no checkpoint in"), missing.err());

    Path corrupt = shared.resolve("corrupt");
    Files.createDirectories(corrupt);
    Path src = run.resolve(Checkpoints.DIR);
    for (String f : List.of("config.json", Checkpoints.TOKENIZER_FILE)) {
      Files.copy(src.resolve(f), corrupt.resolve(f));
    }
    byte[] weights = Files.readAllBytes(src.resolve("model.safetensors"));
    Files.write(corrupt.resolve("model.safetensors"),
        java.util.Arrays.copyOf(weights, weights.length / 2));
    Result broken = nabla("generate", "--checkpoint", corrupt.toString());
    assertEquals(1, broken.code());
    assertTrue(broken.err().contains("cannot be read"), broken.err());

    Result tooLong = nabla("generate", "--checkpoint", run.toString(), "--prompt",
        "It was a truth universally acknowledged. ".repeat(20));
    assertEquals(2, tooLong.code());
    assertTrue(tooLong.err().contains("more than the model's context of 32"), tooLong.err());

    Result badOption = nabla("generate", "--checkpoint", run.toString(), "--top-p", "0");
    assertEquals(2, badOption.code());
    assertTrue(badOption.err().contains("topP"), badOption.err());
  }

  @Test
  void resumeRefusesAnotherCorpus() throws IOException {
    Path other = shared.resolve("other.txt");
    Files.writeString(other, Files.readString(corpus).substring(1000));
    Result r = nabla("train-llama", "--out", run.toString(), "--resume", "--corpus",
        other.toString(), "--steps", "100", "--no-progress");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("is not the text"), r.err());
  }

  private static String[] concat(String[] a, String... b) {
    String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
