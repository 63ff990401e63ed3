/**
 * SQL statement classification for the router: {@link io.sluice.routing.classify.Lexer} turns text into tokens
 * and a digest in one pass, {@link io.sluice.routing.classify.StatementClassifier} turns tokens into an immutable
 * {@link io.sluice.routing.classify.Classification}, and {@link io.sluice.routing.classify.ClassifierCache} keeps
 * classifications by digest. Pure code: no I/O, no threads, no clock.
 */
package io.sluice.routing.classify;
