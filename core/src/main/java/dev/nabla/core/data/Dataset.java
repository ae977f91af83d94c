package dev.nabla.core.data;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * An indexable collection of samples: {@link #size()} samples, each read by {@link #get(int)}.
 * A {@link DataLoader} asks for samples in its own order and collates them into batches.
 *
 * <pre>{@code
 * Dataset<Tensor[]> pairs = Dataset.ofTensors(images, labels);   // rows of [N, …] and [N]
 * Dataset<Tensor> squares = Dataset.of(100, i -> Tensor.scalar(i * i));
 * }</pre>
 *
 * <p>{@code get} may be called from the loader's prefetch thread (one thread, in batch order);
 * a dataset that keeps mutable state needs no locking for that, but must not share it with the
 * training thread.
 *
 * @param <T> the sample type
 */
public interface Dataset<T> {

  /** Number of samples. */
  int size();

  /** The sample at {@code index}, 0 ≤ index &lt; size(). */
  T get(int index);

  /** A view whose samples are {@code f} applied to this dataset's samples, on each access. */
  default <R> Dataset<R> map(Function<? super T, ? extends R> f) {
    Objects.requireNonNull(f, "Dataset.map: function is null");
    Dataset<T> self = this;
    return new Dataset<>() {
      @Override public int size() {
        return self.size();
      }

      @Override public R get(int index) {
        return f.apply(self.get(index));
      }
    };
  }

  /** A view of the samples at {@code indices} (in that order), e.g. a train/validation split. */
  default Dataset<T> subset(int... indices) {
    int[] idx = indices.clone();
    int n = size();
    for (int i : idx) {
      Checks.argument(i >= 0 && i < n,
          "Dataset.subset: index %s is out of range for a dataset of size %s", i, n);
    }
    Dataset<T> self = this;
    return new Dataset<>() {
      @Override public int size() {
        return idx.length;
      }

      @Override public T get(int index) {
        return self.get(idx[index]);
      }
    };
  }

  /** The samples of a list (not copied: later changes to the list show through). */
  static <T> Dataset<T> of(List<? extends T> samples) {
    Objects.requireNonNull(samples, "Dataset.of: samples is null");
    return new Dataset<>() {
      @Override public int size() {
        return samples.size();
      }

      @Override public T get(int index) {
        return samples.get(index);
      }
    };
  }

  /** {@code size} samples computed on demand by {@code sample.apply(index)}. */
  static <T> Dataset<T> of(int size, IntFunction<? extends T> sample) {
    Checks.argument(size >= 0, "Dataset.of: size must be >= 0, got %s", size);
    Objects.requireNonNull(sample, "Dataset.of: sample function is null");
    return new Dataset<>() {
      @Override public int size() {
        return size;
      }

      @Override public T get(int index) {
        return sample.apply(index);
      }
    };
  }

  /** Rows of tensors that share their first dimension; see {@link TensorDataset}. */
  static TensorDataset ofTensors(Tensor... tensors) {
    return new TensorDataset(tensors);
  }
}
