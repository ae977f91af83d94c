/**
 * Reading and writing tensors in the safetensors format: {@link dev.nabla.core.io.SafeTensors}
 * (load, lazy open, atomic save), with validation of untrusted files and the F16/BF16
 * conversions of {@link dev.nabla.core.io.HalfFloats}.
 *
 * @see <a href="https://github.com/huggingface/safetensors">safetensors format</a>
 */
package dev.nabla.core.io;
