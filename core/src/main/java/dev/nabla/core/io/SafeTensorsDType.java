package dev.nabla.core.io;

import dev.nabla.core.DType;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Element types as named in a safetensors header ({@code "dtype": "BF16"}), with the Nabla
 * {@link DType} each loads as. Narrow floats (F16, BF16, F8_*) load as F32; narrow integers
 * (U8, I8, I16, U16) as I32 and U32 as I64; U64 and C64 have no lossless Nabla type and cannot
 * be loaded (their entries are still validated and listed).
 *
 * <p>Constants are declared in the reference implementation's alignment order; writers lay
 * tensors out from the last constant to the first (see {@link SafeTensors#save}).
 */
public enum SafeTensorsDType {
  BOOL(1, DType.BOOL),
  U8(1, DType.I32),
  I8(1, DType.I32),
  F8_E5M2(1, DType.F32),
  F8_E4M3(1, DType.F32),
  F8_E8M0(1, DType.F32),
  I16(2, DType.I32),
  U16(2, DType.I32),
  F16(2, DType.F32),
  BF16(2, DType.F32),
  I32(4, DType.I32),
  U32(4, DType.I64),
  F32(4, DType.F32),
  C64(8, null),
  F64(8, DType.F64),
  I64(8, DType.I64),
  U64(8, null);

  private static final Map<String, SafeTensorsDType> BY_NAME = new HashMap<>();

  static {
    for (SafeTensorsDType t : values()) {
      BY_NAME.put(t.name(), t);
    }
  }

  private final int byteSize;
  private final DType loadsAs;

  SafeTensorsDType(int byteSize, DType loadsAs) {
    this.byteSize = byteSize;
    this.loadsAs = loadsAs;
  }

  /** Bytes per element in the file. */
  public int byteSize() {
    return byteSize;
  }

  /** True unless there is no lossless Nabla type for it (U64, C64). */
  public boolean isLoadable() {
    return loadsAs != null;
  }

  /**
   * The Nabla type a tensor of this file type becomes.
   *
   * @throws UnsupportedOperationException for U64 and C64
   */
  public DType loadsAs() {
    if (loadsAs == null) {
      throw new UnsupportedOperationException(
          "safetensors: dtype " + name() + " has no lossless Nabla dtype and cannot be loaded");
    }
    return loadsAs;
  }

  /** The constant spelled exactly {@code name} (case-sensitive, as in headers), if any. */
  public static Optional<SafeTensorsDType> byName(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }

  /** The file type that stores a Nabla type without conversion. */
  public static SafeTensorsDType of(DType dtype) {
    return switch (dtype) {
      case F32 -> F32;
      case F64 -> F64;
      case I32 -> I32;
      case I64 -> I64;
      case BOOL -> BOOL;
    };
  }
}
