package io.sluice.proxy.session;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One client session as the admin interface shows it ({@code SHOW SESSIONS}), taken on the session's event loop.
 *
 * @param id            the connection id Sluice gave the client
 * @param user          the user it logged in as (null before login)
 * @param clientAddress the client's address (the PROXY protocol's source when a load balancer sent a header), or null
 *                      when unknown
 * @param backends      the backend connections it holds now, {@code server#thread_id}
 * @param inTransaction whether a transaction is open
 * @param phase         where the session stands
 * @param idleMillis    since its last command ended (0 while a command runs or before login)
 * @param consistency   its read consistency level ({@code eventual}, {@code session}, {@code global})
 * @param written       the GTIDs of the writes it committed, as text ("" for none)
 * @param token         what its consistent reads must see, its {@code sluice_last_gtid()} ("" for nothing)
 */
public record SessionView(long id, String user, InetSocketAddress clientAddress, List<String> backends, boolean inTransaction,
                          FrontendSession.Phase phase, long idleMillis, String consistency, String written,
                          String token) {
    public SessionView {
        backends = List.copyOf(backends);
    }

    /** A command is running (the shutdown drain waits for these). */
    public boolean busy() {
        return phase == FrontendSession.Phase.IN_FLIGHT;
    }
}
