/** Implementation details shared between core packages; not API, may change without notice. */
package dev.nabla.core.internal;
