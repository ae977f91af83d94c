package dev.nabla.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nabla} command line: one sub-command per example trainer. */
@Command(
    name = "nabla",
    mixinStandardHelpOptions = true,
    version = "nabla 0.1.0-SNAPSHOT",
    description = "Nabla (∇): pure-Java deep learning. Example trainers.",
    subcommands = {TrainLlamaCommand.class, GenerateCommand.class, MlpCommand.class,
        SaCommand.class, CharLmCommand.class, SuperResCommand.class,
        CommandLine.HelpCommand.class})
public final class Nabla implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Nabla()).execute(args));
  }
}
