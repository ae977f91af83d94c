package dev.nabla.examples;

import dev.nabla.models.llama.GenerationConfig;
import dev.nabla.models.llama.Llama;
import dev.nabla.models.text.ByteLevelBpeTokenizer;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Samples text from a checkpoint written by {@code nabla train-llama} (or any directory with a
 * Hugging Face {@code config.json} + {@code model.safetensors} and a {@code tokenizer.json}):
 * the prompt, then each new piece of text printed as soon as it is decoded. Past the model's
 * context, generation slides: the newest half of the context is fed again and sampling goes on.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Write text with a model trained by train-llama, streaming it to stdout.")
final class GenerateCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--checkpoint", defaultValue = "runs/llama", paramLabel = "DIR",
      description = "A train-llama run directory or a checkpoint directory "
          + "(default: ${DEFAULT-VALUE}).")
  Path checkpoint;

  @Option(names = "--prompt", defaultValue = "",
      description = "Text to continue; empty: start from the BOS token.")
  String prompt;

  @Option(names = "--max-new-tokens", defaultValue = "200",
      description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0.8",
      description = "Softmax temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
  double temperature;

  @Option(names = "--top-k", defaultValue = "40",
      description = "Sample among the k most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).")
  int topK;

  @Option(names = "--top-p", defaultValue = "0.95",
      description = "Nucleus: the smallest set with this probability; 1 = off "
          + "(default: ${DEFAULT-VALUE}).")
  double topP;

  @Option(names = "--repetition-penalty", defaultValue = "1.1",
      description = "Divide the logits of tokens already seen by this; 1 = off "
          + "(default: ${DEFAULT-VALUE}).")
  double repetitionPenalty;

  @Option(names = "--seed", defaultValue = "0",
      description = "Sampling seed: same seed, same text (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GenerationConfig config;
    try {
      config = new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty,
          List.of(), seed);
    } catch (IllegalArgumentException e) {
      err.println("generate: " + e.getMessage());
      return 2;
    }
    Checkpoints.Loaded loaded;
    try {
      loaded = Checkpoints.load(checkpoint);
    } catch (FileNotFoundException e) {
      err.println("generate: " + e.getMessage());
      return 1;
    } catch (IOException | RuntimeException e) {
      err.println("generate: the checkpoint in " + checkpoint + " cannot be read (corrupt or "
          + "incomplete?): " + e.getMessage());
      return 1;
    }
    Llama model = loaded.model();
    ByteLevelBpeTokenizer tokenizer = loaded.tokenizer();
    int[] ids;
    try {
      ids = TextSampler.encodePrompt(tokenizer, model, prompt);
    } catch (IllegalArgumentException e) {
      err.println("generate: " + e.getMessage());
      return 2;
    }
    if (tokenizer.specialTokens().eos() != null) {
      config = config.stopTokens(tokenizer.eosId());
    }
    model.eval();
    // the prompt is echoed once the prefill has run, so nothing logged on the way splits the text
    boolean[] echoed = {false};
    TextSampler.continueText(model, tokenizer, ids, config, s -> {
      if (!echoed[0]) {
        out.print(prompt);
        echoed[0] = true;
      }
      out.print(s);
      out.flush();
    });
    out.println(echoed[0] ? "" : prompt);
    out.flush();
    return 0;
  }
}
