package dev.nabla.core.data;

import dev.nabla.core.Checks;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the samples of one batch into the batch, as PyTorch's {@code collate_fn}.
 *
 * <p>{@link #stack()} (the default) stacks along a new dimension 0, recursing into structure:
 * a {@link Tensor} sample gives a tensor {@code [B, …]}; a {@code Tensor[]}, {@code List} or
 * {@code Map} sample gives one of the same kind whose entries are collated position by position
 * (key by key); a {@code record} sample gives the same record type with each component collated.
 * The batch therefore has the sample's type. Labels are best stored as scalar tensors
 * ({@code Tensor.scalar(label, DType.I64)}), which stack to {@code [B]}.
 *
 * <p>{@link #padded(double)} collates variable-length sequences {@code [Lᵢ, …]} into a
 * {@link PaddedBatch} padded to the longest. Anything else is a lambda:
 *
 * <pre>{@code
 * record Example(Tensor tokens, Tensor label) {}
 * Collate<Example, Batch> collate = samples -> new Batch(
 *     PaddedBatch.of(samples.stream().map(Example::tokens).toList(), 0),
 *     Collate.stackTensors(samples.stream().map(Example::label).toList()));
 * }</pre>
 *
 * @param <T> the sample type
 * @param <B> the batch type
 */
@FunctionalInterface
public interface Collate<T, B> {

  /** The batch made of {@code samples} (never empty; in loader order). */
  B apply(List<T> samples);

  /** Stacks samples (tensors, or arrays, lists, maps and records of them) into a batch. */
  static <T> Collate<T, T> stack() {
    return samples -> {
      Checks.argument(!samples.isEmpty(), "Collate.stack: expected at least one sample");
      @SuppressWarnings("unchecked")
      T batch = (T) Stacking.collate(samples, "sample");
      return batch;
    };
  }

  /** Pads sequences {@code [Lᵢ, …]} along dimension 0 with {@code padValue}; see {@link PaddedBatch}. */
  static Collate<Tensor, PaddedBatch> padded(double padValue) {
    return samples -> PaddedBatch.of(samples, padValue);
  }

  /** Stacks equally shaped tensors into {@code [B, …]}, naming the offending samples if not. */
  static Tensor stackTensors(List<Tensor> tensors) {
    Checks.argument(!tensors.isEmpty(), "Collate.stackTensors: expected at least one tensor");
    return Stacking.stack(tensors, "sample");
  }
}

/** The recursion behind {@link Collate#stack()}. */
final class Stacking {
  private Stacking() {}

  static Object collate(List<?> samples, String where) {
    Object first = samples.get(0);
    if (first == null) {
      throw new IllegalArgumentException("Collate.stack: " + where + " of sample 0 is null");
    }
    for (int i = 1; i < samples.size(); i++) {
      Object s = samples.get(i);
      if (s == null || !sameKind(first, s)) {
        throw new IllegalArgumentException("Collate.stack: " + where + " of sample 0 is a "
            + kind(first) + " but of sample " + i + " is a " + kind(s));
      }
    }
    if (first instanceof Tensor) {
      List<Tensor> tensors = new ArrayList<>(samples.size());
      for (Object s : samples) {
        tensors.add((Tensor) s);
      }
      return stack(tensors, where);
    }
    if (first instanceof Tensor[] a0) {
      Tensor[] out = new Tensor[a0.length];
      for (int j = 0; j < a0.length; j++) {
        List<Tensor> column = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
          Tensor[] a = (Tensor[]) samples.get(i);
          checkSize(a.length, a0.length, i, where, "Tensor[] length");
          column.add(a[j]);
        }
        out[j] = (Tensor) collate(column, where + "[" + j + "]");
      }
      return out;
    }
    if (first instanceof List<?> l0) {
      List<Object> out = new ArrayList<>(l0.size());
      for (int j = 0; j < l0.size(); j++) {
        List<Object> column = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
          List<?> l = (List<?>) samples.get(i);
          checkSize(l.size(), l0.size(), i, where, "list size");
          column.add(l.get(j));
        }
        out.add(collate(column, where + ".get(" + j + ")"));
      }
      return Collections.unmodifiableList(out);
    }
    if (first instanceof Map<?, ?> m0) {
      Map<Object, Object> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m0.entrySet()) {
        List<Object> column = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
          Map<?, ?> m = (Map<?, ?>) samples.get(i);
          if (m.size() != m0.size() || !m.containsKey(e.getKey())) {
            throw new IllegalArgumentException("Collate.stack: " + where + " of sample " + i
                + " has keys " + m.keySet() + " but sample 0 has " + m0.keySet());
          }
          column.add(m.get(e.getKey()));
        }
        out.put(e.getKey(), collate(column, where + "[\"" + e.getKey() + "\"]"));
      }
      return Collections.unmodifiableMap(out);
    }
    if (first instanceof Record) {
      return collateRecord(samples, first.getClass(), where);
    }
    throw new IllegalArgumentException("Collate.stack: cannot stack " + where + " of type "
        + first.getClass().getName() + "; samples must be Tensors, or Tensor[], Lists, Maps or"
        + " records of them (store a label as Tensor.scalar(label, DType.I64)), or pass a custom"
        + " Collate");
  }

  static Tensor stack(List<Tensor> tensors, String where) {
    Tensor t0 = tensors.get(0);
    for (int i = 1; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      if (!t.shape().equals(t0.shape())) {
        throw new ShapeMismatchException("Collate.stack: " + where + " of sample 0 has shape "
            + t0.shape() + " but of sample " + i + " has shape " + t.shape()
            + "; use Collate.padded(padValue) for variable-length sequences");
      }
      if (t.dtype() != t0.dtype()) {
        throw new IllegalArgumentException("Collate.stack: " + where + " of sample 0 is "
            + t0.dtype() + " but of sample " + i + " is " + t.dtype());
      }
    }
    return Tensor.stack(tensors, 0);
  }

  private static Object collateRecord(List<?> samples, Class<?> type, String where) {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    try {
      for (int c = 0; c < components.length; c++) {
        types[c] = components[c].getType();
        var accessor = components[c].getAccessor();
        accessor.setAccessible(true);
        List<Object> column = new ArrayList<>(samples.size());
        for (Object s : samples) {
          column.add(accessor.invoke(s));
        }
        values[c] = collate(column, where + "." + components[c].getName());
      }
      Constructor<?> ctor = type.getDeclaredConstructor(types);
      ctor.setAccessible(true);
      return ctor.newInstance(values);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException("Collate.stack: " + type.getSimpleName()
          + " rejected the stacked batch (" + e.getCause() + "); pass a custom Collate",
          e.getCause());
    } catch (ReflectiveOperationException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
          && iae.getMessage().startsWith("Collate.stack")) {
        throw iae;
      }
      throw new IllegalArgumentException("Collate.stack: cannot rebuild record "
          + type.getName() + " (" + e + "); pass a custom Collate", e);
    }
  }

  private static void checkSize(int size, int expected, int sample, String where, String what) {
    if (size != expected) {
      throw new IllegalArgumentException("Collate.stack: " + what + " of " + where + " is "
          + expected + " in sample 0 but " + size + " in sample " + sample);
    }
  }

  private static boolean sameKind(Object a, Object b) {
    if (a instanceof Tensor) {
      return b instanceof Tensor;
    }
    if (a instanceof Tensor[]) {
      return b instanceof Tensor[];
    }
    if (a instanceof List<?>) {
      return b instanceof List<?>;
    }
    if (a instanceof Map<?, ?>) {
      return b instanceof Map<?, ?>;
    }
    return a.getClass() == b.getClass();
  }

  private static String kind(Object o) {
    return o == null ? "null" : o.getClass().getSimpleName();
  }
}
