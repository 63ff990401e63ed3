package io.sluice.proxy.session;

import java.util.Arrays;

/**
 * The connections a session holds, at most one per server, in the order it took them. A session holds none or
 * one between statements and rarely more than two, and with multiplexing it takes and gives back one per
 * statement: an array searched in place costs less than the linked hash map it replaces, which allocated an entry
 * on every borrow and showed in the point-select profile.
 *
 * <p>Confined to the session's event loop, except {@link #first}.
 */
final class HeldLinks {
    private ServerLink[] links = new ServerLink[2];
    private int size;

    /** The link held to {@code server}, or null. */
    ServerLink get(String server) {
        for (int i = 0; i < size; i++) {
            ServerLink l = links[i];
            if (l.server.equals(server)) {
                return l;
            }
        }
        return null;
    }

    /** Holds {@code link}, in place of any other link to its server. */
    void put(ServerLink link) {
        remove(link.server);
        if (size == links.length) {
            links = Arrays.copyOf(links, size * 2);
        }
        links[size++] = link;
    }

    /** Stops holding the link to {@code server}, if any. */
    void remove(String server) {
        for (int i = 0; i < size; i++) {
            if (links[i].server.equals(server)) {
                System.arraycopy(links, i + 1, links, i, size - i - 1);
                links[--size] = null;
                return;
            }
        }
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The {@code i}-th link held, oldest first. */
    ServerLink get(int i) {
        return links[i];
    }

    /** A copy of the links held, oldest first: for loops that give links back or drop them as they go. */
    ServerLink[] toArray() {
        return Arrays.copyOf(links, size);
    }

    /**
     * The oldest link held, or null; for readers on other threads. A racy read that never throws: it may miss a
     * link just taken or see one just given back, as a read of the map did.
     */
    ServerLink first() {
        ServerLink[] a = links;
        return a.length > 0 ? a[0] : null;
    }
}
