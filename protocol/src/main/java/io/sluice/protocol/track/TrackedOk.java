package io.sluice.protocol.track;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.protocol.ServerStatus;
import io.sluice.protocol.Wire;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the GTID of a write from a backend's OK packet, and gives the client the OK packet it asked for.
 *
 * <p>Sluice's backend connections always negotiate {@code CLIENT_SESSION_TRACK} and turn on the tracking that reports
 * the GTID of each commit ({@code last_gtid} among MariaDB's {@code session_track_system_variables}, MySQL's
 * {@code session_track_gtids=OWN_GTID}), so that no extra round trip is needed to learn it. The client did not
 * necessarily ask for any of that:
 * <ul>
 *   <li>A client without {@code CLIENT_SESSION_TRACK} expects no state block: such OK packets lose it, and
 *       {@code SERVER_SESSION_STATE_CHANGED} is cleared. The info string keeps its length prefix: the protocol
 *       documents it as running to the end of the packet, but MariaDB and MySQL servers write it length-encoded
 *       whatever the client negotiated, and clients read it so; an empty one is left out, as servers do.</li>
 *   <li>A client with it gets every entry it asked for unchanged; the entries only Sluice asked for (the
 *       {@code last_gtid} variable, the GTIDs entry) are removed, and when nothing is left the flag is cleared.</li>
 * </ul>
 * An OK packet with nothing after its warning count, by far the most common (a read's terminator), is recognised
 * without allocating and relayed untouched.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_ok_packet.html">OK_Packet</a>
 * @see <a href="https://mariadb.com/kb/en/ok_packet/">MariaDB OK packet</a>
 */
public final class TrackedOk {
    /** MariaDB's system variable holding the GTID of the session's last commit. */
    public static final String LAST_GTID = "last_gtid";

    private TrackedOk() {
    }

    /**
     * What the client negotiated and asked to be told.
     *
     * @param sessionTrack whether it negotiated {@code CLIENT_SESSION_TRACK}
     * @param lastGtid     whether its own {@code session_track_system_variables} includes {@code last_gtid} (or
     *                     {@code *})
     * @param gtids        whether it set {@code session_track_gtids} itself (to anything but {@code OFF})
     */
    public record ClientTracking(boolean sessionTrack, boolean lastGtid, boolean gtids) {
        /** A client that negotiated session tracking and asked for no GTIDs. */
        public static final ClientTracking DEFAULT = new ClientTracking(true, false, false);
        /** A client without {@code CLIENT_SESSION_TRACK}. */
        public static final ClientTracking NONE = new ClientTracking(false, false, false);
    }

    /**
     * The result of looking at one OK packet.
     *
     * @param gtid          the GTID text the server reported for a commit ({@code 0-1-42}, or a MySQL set), or null
     * @param clientPayload the payload to send the client instead of the server's (header byte first, no frame
     *                      header), owned by the caller; null when the server's packet is relayed unchanged
     */
    public record Outcome(String gtid, ByteBuf clientPayload) {
        static final Outcome UNCHANGED = new Outcome(null, null);
    }

    /**
     * Looks at an OK payload (header {@code 0x00}, or {@code 0xFE} for an OK that ends a result set) from a backend
     * connection that negotiated {@code CLIENT_SESSION_TRACK} and protocol 4.1. {@code payload} is not modified.
     *
     * @throws io.sluice.protocol.error.MalformedPacketException if the packet is truncated or its state block is
     *                                                           malformed
     */
    public static Outcome inspect(ByteBuf payload, ByteBufAllocator alloc, ClientTracking client) {
        ByteBuf p = payload.duplicate();
        int header = Wire.readInt1(p, "OK header");
        long affected = Wire.readLenencInt(p, "affected rows");
        long insertId = Wire.readLenencInt(p, "last insert id");
        int status = Wire.readInt2(p, "status flags");
        int warnings = Wire.readInt2(p, "warnings");
        if (!p.isReadable()) {
            return Outcome.UNCHANGED;
        }
        byte[] info = Wire.readLenencBytes(p, "info");
        boolean changed = ServerStatus.has(status, ServerStatus.SESSION_STATE_CHANGED) && p.isReadable();
        SessionStateChanges state = SessionStateChanges.empty();
        if (changed) {
            int length = (int) Wire.readLenencInt(p, "session state info length");
            if (length > p.readableBytes()) {
                throw new io.sluice.protocol.error.MalformedPacketException("session state info of " + length
                        + " bytes in a packet with " + p.readableBytes() + " left");
            }
            state = SessionStateChanges.decode(p.readSlice(length));
        }
        String gtid = state.systemVariable(LAST_GTID).orElse(null);
        if (gtid == null) {
            gtid = state.gtids().orElse(null);
        }
        if (gtid != null && gtid.isEmpty()) {
            gtid = null;   // last_gtid is reported empty when tracking starts before any commit
        }

        if (!client.sessionTrack()) {
            if (!changed) {
                return gtid == null ? Outcome.UNCHANGED : new Outcome(gtid, null);   // only an info string
            }
            ByteBuf out = alloc.buffer(16 + info.length);
            writeFixed(out, header, affected, insertId, status & ~ServerStatus.SESSION_STATE_CHANGED, warnings);
            if (info.length > 0) {
                Wire.writeLenencBytes(out, info);
            }
            return new Outcome(gtid, out);
        }
        if (!changed) {
            return gtid == null ? Outcome.UNCHANGED : new Outcome(gtid, null);
        }
        List<SessionStateChange> kept = new ArrayList<>(state.entries().size());
        for (SessionStateChange e : state.entries()) {
            boolean ours = (e instanceof SessionStateChange.SystemVariable v && v.name().equalsIgnoreCase(LAST_GTID)
                    && !client.lastGtid())
                    || (e instanceof SessionStateChange.Gtids && !client.gtids());
            if (!ours) {
                kept.add(e);
            }
        }
        if (kept.size() == state.entries().size()) {
            return new Outcome(gtid, null);
        }
        ByteBuf out = alloc.buffer(32 + info.length);
        boolean anyLeft = !kept.isEmpty();
        writeFixed(out, header, affected, insertId,
                anyLeft ? status : status & ~ServerStatus.SESSION_STATE_CHANGED, warnings);
        if (info.length > 0 || anyLeft) {
            Wire.writeLenencBytes(out, info);
        }
        if (anyLeft) {
            SessionStateChanges.of(kept).encodeWithLength(out);
        }
        return new Outcome(gtid, out);
    }

    /** Whether a tracked-variables list (the value of {@code session_track_system_variables}) names {@code last_gtid}. */
    public static boolean tracksLastGtid(String variables) {
        if (variables == null) {
            return false;
        }
        for (String v : variables.replace("'", "").replace("\"", "").split(",")) {
            String name = v.trim();
            if (name.equals("*") || name.equalsIgnoreCase(LAST_GTID)) {
                return true;
            }
        }
        return false;
    }

    private static void writeFixed(ByteBuf out, int header, long affected, long insertId, int status, int warnings) {
        out.writeByte(header);
        Wire.writeLenencInt(out, affected);
        Wire.writeLenencInt(out, insertId);
        out.writeShortLE(status);
        out.writeShortLE(warnings);
    }
}
