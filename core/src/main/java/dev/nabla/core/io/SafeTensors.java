package dev.nabla.core.io;

import dev.nabla.core.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads and writes the safetensors format (https://github.com/huggingface/safetensors), the
 * checkpoint format of the Hugging Face ecosystem. A file is: an unsigned 64-bit little-endian
 * length N; N bytes of UTF-8 JSON, an object mapping each tensor name to its
 * {@code {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}} plus an optional
 * {@code "__metadata__"} object of string values, padded with spaces; then the raw tensor data,
 * row-major and little-endian, with offsets counted from the first byte after the header.
 *
 * <pre>{@code
 * SafeTensors.save(path, Map.of("w", w, "b", b), Map.of("format", "pt"));
 * SafeTensorsFile f = SafeTensors.load(path);          // everything, in header order
 * try (SafeTensorsReader r = SafeTensors.open(path)) { // lazily: one tensor at a time
 *   Tensor w2 = r.tensor("w");
 * }
 * }</pre>
 *
 * <p><b>Files are untrusted.</b> Opening validates the whole header before any tensor is read:
 * header length at most 100 MB and within the file; a JSON object; every entry an object with
 * a known dtype, a shape of at most 64 non-negative integers whose element count times the
 * dtype's size (overflow-checked) equals {@code end - begin}, and offsets with
 * {@code 0 <= begin <= end <=} the data size; no two entries' bytes overlap; metadata values
 * are strings; no duplicate names. Unlike the reference reader, unused bytes between or after
 * tensors are allowed (they are never read). Any violation is a
 * {@link SafeTensorsFormatException} naming the file, the tensor and the rule.
 *
 * <p><b>Types.</b> See {@link SafeTensorsDType}: F32, F64, I32, I64 and BOOL load as
 * themselves; F16, BF16 and the F8 formats as F32; U8, I8, I16, U16 as I32; U32 as I64. Files
 * are memory-mapped read-only and each tensor is copied into its own on-heap array, so a single
 * tensor can hold at most 2^31-1 elements.
 *
 * <p><b>Writing.</b> Tensors are written in the reference writer's order, which is deterministic
 * whatever the map's iteration order: widest dtype first (I64, F64, F32, I32, BF16, F16,
 * BOOL), then by name in UTF-8 byte order, their data contiguous in that order; the header lists
 * {@code __metadata__} first (keys sorted), then the tensors in data order. Views such as
 * transposes are written in logical row-major order. Saves are atomic: a sibling temporary file
 * is written, forced to disk and renamed over the target, so a failed save leaves an existing
 * file untouched.
 */
public final class SafeTensors {
  private SafeTensors() {}

  /**
   * Reads every tensor and the metadata of {@code path}.
   *
   * @throws SafeTensorsFormatException if the file breaks the format or a tensor exceeds 2^31-1
   *     elements
   * @throws UnsupportedOperationException if a tensor's dtype has no Nabla type (U64, C64)
   */
  public static SafeTensorsFile load(Path path) throws IOException {
    try (SafeTensorsReader r = open(path)) {
      return new SafeTensorsFile(r.tensors(), r.metadata());
    }
  }

  /**
   * Opens {@code path} for lazy reading: validates the header, then reads tensors on request.
   *
   * @throws SafeTensorsFormatException if the header breaks the format
   */
  public static SafeTensorsReader open(Path path) throws IOException {
    return SafeTensorsReader.open(path, SafeTensorsReader.DEFAULT_WINDOW_BYTES);
  }

  /** Saves {@code tensors} without metadata; see {@link #save(Path, Map, Map, SafeTensorsDType)}. */
  public static void save(Path path, Map<String, Tensor> tensors) throws IOException {
    save(path, tensors, Map.of(), null);
  }

  /** Saves {@code tensors}, each in its own dtype; see {@link #save(Path, Map, Map, SafeTensorsDType)}. */
  public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    save(path, tensors, metadata, null);
  }

  /**
   * Atomically writes {@code tensors} and {@code metadata} (omitted when null or empty) to
   * {@code path}, replacing any existing file.
   *
   * @param floatDType how to store F32 and F64 tensors: {@code F16} or {@code BF16} (rounded to
   *     nearest, ties to even, as PyTorch's {@code .half()} / {@code .bfloat16()} do), {@code F32}
   *     or {@code F64}; null keeps each tensor's own dtype. Integer and bool tensors are never
   *     converted.
   * @throws IllegalArgumentException before anything is written, for a null or non-Unicode
   *     name, the reserved name {@code "__metadata__"}, a null tensor or metadata value, or a
   *     {@code floatDType} that is not a float type
   */
  public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata,
      SafeTensorsDType floatDType) throws IOException {
    SafeTensorsWriter.save(path, tensors, metadata, floatDType);
  }
}
