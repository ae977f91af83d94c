/**
 * Layers and their state dicts: the building blocks users compose and extend (arrives with the nn issue).
 */
package dev.nabla.nn;
