package io.sluice.routing.classify;

/**
 * The target of {@code KILL [HARD|SOFT] [CONNECTION|QUERY] id}. The id is the one the client saw, i.e. a proxy
 * connection id, so the proxy intercepts the statement and maps it. MariaDB's {@code KILL QUERY ID qid} and
 * {@code KILL USER u} name no connection and yield no target.
 */
public record KillTarget(boolean queryOnly, long connectionId) {
}
