package dev.nabla.core;

/** Thrown when tensor shapes are incompatible for an op; the message names the op and shapes. */
public class ShapeMismatchException extends IllegalArgumentException {
  public ShapeMismatchException(String message) {
    super(message);
  }
}
