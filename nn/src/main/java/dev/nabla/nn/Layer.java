package dev.nabla.nn;

import dev.nabla.core.DType;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.core.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Base class of every layer: it owns parameters, buffers (non-trainable state such as running
 * statistics) and child layers, each registered under a name in order. Names compose with dots
 * into the keys of {@link #stateDict()}, matching PyTorch's for the same layer, so weights move
 * both ways through safetensors.
 *
 * <pre>{@code
 * final class TwoLayer extends Layer {
 *   private final Linear fc1, fc2;
 *   TwoLayer(Rng rng) {
 *     fc1 = register("fc1", new Linear(784, 128, rng));
 *     fc2 = register("fc2", new Linear(128, 10, rng));
 *   }
 *   @Override public Tensor forward(Tensor x) {
 *     return fc2.forward(fc1.forward(x).relu());
 *   }
 * }
 * }</pre>
 */
public abstract class Layer {
  private static final Pattern NAME = Pattern.compile("[^.]+");

  private final Map<String, Layer> children = new LinkedHashMap<>();
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private final Map<String, Boolean> persistent = new LinkedHashMap<>();
  private boolean training = true;

  /** The layer's computation on one input. Layers with other signatures define their own. */
  public Tensor forward(Tensor x) {
    throw new UnsupportedOperationException(
        name() + " does not take a single tensor: call its own forward(...) method");
  }

  /** The class name shown in messages and {@link #toString()}. */
  public String name() {
    return getClass().getSimpleName();
  }

  /** The hyper-parameters shown inside the parentheses of {@link #toString()}. */
  protected String extraRepr() {
    return "";
  }

  // ------------------------------------------------------------------ registration

  private void checkName(String kind, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          name() + ": " + kind + " name must be non-empty and contain no '.', got '" + name + "'");
    }
    if (children.containsKey(name) || parameters.containsKey(name) || buffers.containsKey(name)) {
      throw new IllegalArgumentException(name() + ": the name '" + name + "' is already registered");
    }
  }

  /** Registers a child layer; returns it. */
  protected final <L extends Layer> L register(String name, L child) {
    checkName("child", name);
    if (child == null) {
      throw new IllegalArgumentException(name() + ": child '" + name + "' is null");
    }
    children.put(name, child);
    return child;
  }

  /**
   * Puts {@code child} in place of the child registered under {@code name}, keeping its position,
   * and returns the old child (PyTorch's {@code setattr(parent, name, new)}). Only the registry
   * changes: names, {@link #stateDict()}, {@link #parameters()}, {@link #train(boolean)} and
   * printing see the new child, but a parent whose {@code forward} calls the old child through a
   * field still calls the old one, so the old child must route to the new one. LoRA
   * ({@code dev.nabla.nn.lora}) does so: the wrapped {@link Linear} or {@link Embedding} adds its
   * adapter's output through {@link Linear#setAdapter}.
   *
   * @throws IllegalArgumentException if no child is registered under {@code name}, or
   *     {@code child} is null
   */
  public final Layer replaceChild(String name, Layer child) {
    if (!children.containsKey(name)) {
      throw new IllegalArgumentException(name() + ": no child named '" + name + "' to replace;"
          + " children are " + children.keySet());
    }
    if (child == null) {
      throw new IllegalArgumentException(name() + ": replacement for child '" + name + "' is null");
    }
    return children.put(name, child);
  }

  /** Registers a parameter; returns it. */
  protected final Parameter register(String name, Parameter parameter) {
    checkName("parameter", name);
    if (parameter == null) {
      throw new IllegalArgumentException(name() + ": parameter '" + name + "' is null");
    }
    parameters.put(name, parameter);
    return parameter;
  }

  /** Wraps {@code data} in a {@link Parameter} and registers it; returns the parameter. */
  protected final Parameter registerParameter(String name, Tensor data) {
    return register(name, new Parameter(data));
  }

  /**
   * Registers a persistent buffer (saved in the state dict, not trained); returns it. Read it
   * back with {@link #buffer(String)} rather than keeping it in a field: {@link #to(DType)}
   * replaces buffer tensors.
   */
  protected final Tensor registerBuffer(String name, Tensor buffer) {
    return registerBuffer(name, buffer, true);
  }

  /** Registers a buffer; non-persistent buffers are left out of the state dict. */
  protected final Tensor registerBuffer(String name, Tensor buffer, boolean persistentBuffer) {
    checkName("buffer", name);
    buffers.put(name, buffer);
    persistent.put(name, persistentBuffer);
    return buffer;
  }

  /** Replaces a registered buffer's tensor (e.g. BatchNorm's running statistics). */
  protected final void setBuffer(String name, Tensor buffer) {
    if (!buffers.containsKey(name)) {
      throw new IllegalArgumentException(name() + ": no buffer named '" + name + "'");
    }
    buffers.put(name, buffer);
  }

  /** The buffer registered under {@code name}. */
  protected final Tensor buffer(String name) {
    Tensor b = buffers.get(name);
    if (b == null) {
      throw new IllegalArgumentException(name() + ": no buffer named '" + name + "'");
    }
    return b;
  }

  // ------------------------------------------------------------------ traversal

  /** Direct children in registration order. */
  public final Map<String, Layer> namedChildren() {
    return Collections.unmodifiableMap(children);
  }

  /** Direct children in registration order. */
  public final List<Layer> children() {
    return List.copyOf(children.values());
  }

  /** This layer and every descendant with dotted names ("" for this one), depth first. */
  public final Map<String, Layer> namedLayers() {
    Map<String, Layer> out = new LinkedHashMap<>();
    collectLayers("", out);
    return out;
  }

  private void collectLayers(String prefix, Map<String, Layer> out) {
    out.put(prefix, this);
    for (var e : children.entrySet()) {
      e.getValue().collectLayers(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out);
    }
  }

  /** Every parameter with its dotted name, in registration order (shared ones once). */
  public final Map<String, Parameter> namedParameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    List<Parameter> seen = new ArrayList<>();
    for (var layer : namedLayers().entrySet()) {
      for (var p : layer.getValue().parameters.entrySet()) {
        if (seen.stream().noneMatch(q -> q == p.getValue())) {
          seen.add(p.getValue());
          out.put(join(layer.getKey(), p.getKey()), p.getValue());
        }
      }
    }
    return out;
  }

  /** Every parameter, in registration order (shared ones once). */
  public final List<Parameter> parameters() {
    return List.copyOf(namedParameters().values());
  }

  /** Parameters that currently require grad (what an optimizer should update). */
  public final List<Parameter> trainableParameters() {
    return parameters().stream().filter(Tensor::isRequiresGrad).toList();
  }

  /** Every buffer with its dotted name. */
  public final Map<String, Tensor> namedBuffers() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var layer : namedLayers().entrySet()) {
      for (var b : layer.getValue().buffers.entrySet()) {
        out.put(join(layer.getKey(), b.getKey()), b.getValue());
      }
    }
    return out;
  }

  private static String join(String prefix, String name) {
    return prefix.isEmpty() ? name : prefix + "." + name;
  }

  /** Applies {@code fn} to every descendant and then to this layer (as PyTorch's apply). */
  public final Layer apply(Consumer<Layer> fn) {
    for (Layer child : children.values()) {
      child.apply(fn);
    }
    fn.accept(this);
    return this;
  }

  /** Number of parameter elements (only those requiring grad when {@code trainableOnly}). */
  public final long numParameters(boolean trainableOnly) {
    long n = 0;
    for (Parameter p : parameters()) {
      if (!trainableOnly || p.isRequiresGrad()) {
        n += p.numel();
      }
    }
    return n;
  }

  // ------------------------------------------------------------------ modes

  /** Training mode (dropout active, batch statistics used) for this layer and its children. */
  public final Layer train() {
    return train(true);
  }

  /** Sets training mode recursively; returns this. */
  public Layer train(boolean on) {
    training = on;
    for (Layer child : children.values()) {
      child.train(on);
    }
    return this;
  }

  /** Evaluation mode, recursively; returns this. */
  public final Layer eval() {
    return train(false);
  }

  public final boolean isTraining() {
    return training;
  }

  /** Stops gradients for every parameter (they stay in the state dict); returns this. */
  public final Layer freeze() {
    for (Parameter p : parameters()) {
      p.requiresGrad(false);
      p.zeroGrad();
    }
    return this;
  }

  /** Makes every parameter trainable again; returns this. */
  public final Layer unfreeze() {
    for (Parameter p : parameters()) {
      p.requiresGrad(true);
    }
    return this;
  }

  /** Clears every parameter's gradient. */
  public final void zeroGrad() {
    for (Parameter p : parameters()) {
      p.zeroGrad();
    }
  }

  /** Converts every parameter and floating-point buffer to {@code dtype} in place; returns this. */
  public final Layer to(DType dtype) {
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException(name() + ".to: expected a floating-point dtype, got " + dtype);
    }
    for (Layer layer : namedLayers().values()) {
      for (Parameter p : layer.parameters.values()) {
        p.convert(dtype);
      }
      for (var b : layer.buffers.entrySet()) {
        if (b.getValue().dtype().isFloatingPoint()) {
          b.setValue(b.getValue().to(dtype));
        }
      }
    }
    return this;
  }

  // ------------------------------------------------------------------ state dicts

  /** Parameters and persistent buffers by dotted name, in registration order (shared storage). */
  public final Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var layer : namedLayers().entrySet()) {
      Layer l = layer.getValue();
      for (var p : l.parameters.entrySet()) {
        out.put(join(layer.getKey(), p.getKey()), p.getValue());
      }
      for (var b : l.buffers.entrySet()) {
        if (l.persistent.get(b.getKey())) {
          out.put(join(layer.getKey(), b.getKey()), b.getValue());
        }
      }
    }
    return out;
  }

  /** What a non-strict load skipped. */
  public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {}

  /**
   * Copies tensors into the parameters and buffers with the same names. Everything is checked
   * before anything is copied: with {@code strict}, missing and unexpected keys fail; shape
   * mismatches always fail; the error lists every problem and nothing is half-loaded.
   * Floating-point values are converted to each target's dtype.
   */
  public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
    Map<String, Tensor> own = stateDict();
    List<String> missing = new ArrayList<>();
    List<String> unexpected = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    for (var e : own.entrySet()) {
      Tensor src = state.get(e.getKey());
      if (src == null) {
        missing.add(e.getKey());
      } else if (!src.shape().equals(e.getValue().shape())) {
        mismatched.add(e.getKey() + ": checkpoint " + src.shape() + " vs model "
            + e.getValue().shape());
      } else if (src.dtype().isFloatingPoint() != e.getValue().dtype().isFloatingPoint()) {
        mismatched.add(e.getKey() + ": checkpoint dtype " + src.dtype() + " vs model "
            + e.getValue().dtype());
      }
    }
    for (String k : state.keySet()) {
      if (!own.containsKey(k)) {
        unexpected.add(k);
      }
    }
    if (!mismatched.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
      StringBuilder sb = new StringBuilder("Error(s) in loading state dict for " + name() + ":");
      if (strict && !missing.isEmpty()) {
        sb.append("\n  Missing key(s): ").append(String.join(", ", missing));
      }
      if (strict && !unexpected.isEmpty()) {
        sb.append("\n  Unexpected key(s): ").append(String.join(", ", unexpected));
      }
      for (String m : mismatched) {
        sb.append("\n  Size mismatch for ").append(m);
      }
      throw new ShapeMismatchException(sb.toString());
    }
    try (var off = GradMode.disabled()) {
      for (var e : own.entrySet()) {
        Tensor src = state.get(e.getKey());
        if (src != null) {
          e.getValue().copyFrom(src);
        }
      }
    }
    return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
  }

  /** Writes {@link #stateDict()} to a safetensors file, atomically (the old file survives a failure). */
  public final void save(Path path) throws IOException {
    SafeTensors.save(path, stateDict(), Map.of("format", "pt"));
  }

  /** Loads a safetensors file written by {@link #save} or by PyTorch/Hugging Face (strict). */
  public final LoadResult load(Path path) throws IOException {
    return load(path, true);
  }

  /** Loads a safetensors file; see {@link #loadStateDict(Map, boolean)} for {@code strict}. */
  public final LoadResult load(Path path, boolean strict) throws IOException {
    return loadStateDict(SafeTensors.load(path).tensors(), strict);
  }

  // ------------------------------------------------------------------ printing

  /** A tree like PyTorch's module print. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name()).append('(').append(extraRepr());
    if (!children.isEmpty()) {
      sb.append('\n');
      for (var e : children.entrySet()) {
        String child = e.getValue().toString().replace("\n", "\n  ");
        sb.append("  (").append(e.getKey()).append("): ").append(child).append('\n');
      }
    }
    return sb.append(')').toString();
  }
}
