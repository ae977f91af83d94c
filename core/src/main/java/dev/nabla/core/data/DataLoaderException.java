package dev.nabla.core.data;

/**
 * Loading a batch failed: {@link #getCause()} is the exception the dataset or collate function
 * threw (on the prefetch thread or the caller's), and the message names the batch, the epoch
 * and the sample indices.
 */
public class DataLoaderException extends RuntimeException {
  public DataLoaderException(String message, Throwable cause) {
    super(message, cause);
  }
}
