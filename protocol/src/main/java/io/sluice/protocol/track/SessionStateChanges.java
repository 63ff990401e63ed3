package io.sluice.protocol.track;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The session state block of an OK packet, decoded: the entries in the order the server sent them, and accessors for
 * the ones Sluice acts on. Immutable; holds no buffer.
 *
 * <p>Where the block sits, per the manual's OK_Packet: after {@code int<1> header}, {@code int<lenenc> affected rows},
 * {@code int<lenenc> last insert id}, {@code int<2> status flags}, {@code int<2> warnings}, and (with
 * {@code CLIENT_SESSION_TRACK}) {@code string<lenenc> info}, comes, only if the status has
 * {@code SERVER_SESSION_STATE_CHANGED} (0x4000), {@code string<lenenc> session state info}. {@link #decode} takes
 * the bytes of that string, after its length; the OK packet decoder finds them.
 *
 * <p>Each entry is {@code int<1> type, string<lenenc> data}; see {@link SessionStateChange} for the layout of each
 * type. An unknown type is skipped by its length and kept as {@link SessionStateChange.Unknown}. Bytes left over
 * inside a known entry's data after the fields we read are ignored, so that a server adding a field does not break
 * every OK packet; bytes that run past an entry or past the block are an error.
 *
 * @see <a href="https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_ok_packet.html">MySQL: OK_Packet</a>
 * @see <a href="https://mariadb.com/kb/en/ok_packet/">MariaDB: OK_Packet</a>
 */
public final class SessionStateChanges {
    private static final SessionStateChanges EMPTY = new SessionStateChanges(List.of());

    private final List<SessionStateChange> entries;

    private SessionStateChanges(List<SessionStateChange> entries) {
        this.entries = entries;
    }

    public static SessionStateChanges empty() {
        return EMPTY;
    }

    public static SessionStateChanges of(SessionStateChange... entries) {
        return of(List.of(entries));
    }

    public static SessionStateChanges of(List<? extends SessionStateChange> entries) {
        return entries.isEmpty() ? EMPTY : new SessionStateChanges(List.copyOf(entries));
    }

    /**
     * Decodes every readable byte of {@code stateInfo} (exactly the session state bytes, without the block's own
     * length prefix) and advances its reader index to the end. On failure the reader index is left where it was.
     * Never retains or releases the buffer.
     *
     * @throws MalformedSessionTrackException if the bytes do not follow the layout
     */
    public static SessionStateChanges decode(ByteBuf stateInfo) {
        int start = stateInfo.readerIndex();
        try {
            if (!stateInfo.isReadable()) {
                return EMPTY;
            }
            SessionStateChange[] found = new SessionStateChange[4];
            int count = 0;
            while (stateInfo.isReadable()) {
                int entryStart = stateInfo.readerIndex() - start;
                int type = stateInfo.readUnsignedByte();
                String what = "session state entry of type " + type + " at offset " + entryStart;
                int length = LengthEncoded.readLength(stateInfo, what + ", data length");
                ByteBuf data = stateInfo.readSlice(length); // bounds every read below to this entry
                if (count == found.length) {
                    found = Arrays.copyOf(found, count * 2);
                }
                found[count++] = decodeEntry(type, data, what);
            }
            return new SessionStateChanges(List.of(Arrays.copyOf(found, count)));
        } catch (MalformedSessionTrackException e) {
            stateInfo.readerIndex(start);
            throw e;
        }
    }

    private static SessionStateChange decodeEntry(int type, ByteBuf data, String what) {
        switch (type) {
            case SessionStateChange.SESSION_TRACK_SYSTEM_VARIABLES: {
                String name = LengthEncoded.readString(data, what + ", variable name");
                String value = LengthEncoded.readString(data, what + ", value of " + name);
                return new SessionStateChange.SystemVariable(name, value);
            }
            case SessionStateChange.SESSION_TRACK_SCHEMA:
                return new SessionStateChange.Schema(LengthEncoded.readString(data, what + ", schema"));
            case SessionStateChange.SESSION_TRACK_STATE_CHANGE:
                LengthEncoded.need(data, 1, what + ", flag");
                return new SessionStateChange.StateChange(data.readByte() == '1');
            case SessionStateChange.SESSION_TRACK_GTIDS: {
                LengthEncoded.need(data, 1, what + ", encoding specification");
                int encoding = data.getUnsignedByte(data.readerIndex());
                if (encoding != SessionStateChange.Gtids.ENCODING_TEXT) {
                    return new SessionStateChange.Unknown(type, ByteBufUtil.getBytes(data));
                }
                data.skipBytes(1);
                return new SessionStateChange.Gtids(LengthEncoded.readString(data, what + ", GTIDs"));
            }
            case SessionStateChange.SESSION_TRACK_TRANSACTION_CHARACTERISTICS:
                return new SessionStateChange.TransactionCharacteristics(
                        LengthEncoded.readString(data, what + ", characteristics"));
            case SessionStateChange.SESSION_TRACK_TRANSACTION_STATE:
                return new SessionStateChange.TransactionState(LengthEncoded.readString(data, what + ", state"));
            default:
                return new SessionStateChange.Unknown(type, ByteBufUtil.getBytes(data));
        }
    }

    /** The entries in wire order. */
    public List<SessionStateChange> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** MySQL's GTIDs entry (type 3), e.g. {@code 3e11fa47-…:23} under {@code session_track_gtids=OWN_GTID}. */
    public Optional<String> gtids() {
        String found = null;
        for (SessionStateChange e : entries) {
            if (e instanceof SessionStateChange.Gtids g) {
                found = g.gtids();
            }
        }
        return Optional.ofNullable(found);
    }

    /**
     * The value a tracked system variable was assigned, by name, case-insensitively (system variable names are);
     * the last one if the server reported it twice. MariaDB's GTID of a write: {@code systemVariable("last_gtid")}.
     */
    public Optional<String> systemVariable(String name) {
        Objects.requireNonNull(name, "name");
        String found = null;
        for (SessionStateChange e : entries) {
            if (e instanceof SessionStateChange.SystemVariable v && v.name().equalsIgnoreCase(name)) {
                found = v.value();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The new default schema (type 1). */
    public Optional<String> schema() {
        String found = null;
        for (SessionStateChange e : entries) {
            if (e instanceof SessionStateChange.Schema s) {
                found = s.name();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The transaction state flags (type 5), e.g. {@code T_______}. */
    public Optional<String> transactionState() {
        String found = null;
        for (SessionStateChange e : entries) {
            if (e instanceof SessionStateChange.TransactionState t) {
                found = t.state();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The statements recreating the transaction's characteristics (type 4). */
    public Optional<String> transactionCharacteristics() {
        String found = null;
        for (SessionStateChange e : entries) {
            if (e instanceof SessionStateChange.TransactionCharacteristics t) {
                found = t.statements();
            }
        }
        return Optional.ofNullable(found);
    }

    /** Whether the server flagged state it cannot describe (type 2 with {@code '1'}): the session can't be moved. */
    public boolean stateChanged() {
        boolean changed = false;
        for (SessionStateChange e : entries) {
            if (e instanceof SessionStateChange.StateChange s) {
                changed = s.changed();
            }
        }
        return changed;
    }

    /** The number of bytes {@link #encode} writes. */
    public int encodedLength() {
        int total = 0;
        for (SessionStateChange e : entries) {
            int data = dataLength(e);
            total += 1 + LengthEncoded.sizeOfInt(data) + data;
        }
        return total;
    }

    /** Writes the entries, as {@link #decode} reads them: without the block's own length prefix. */
    public void encode(ByteBuf out) {
        for (SessionStateChange e : entries) {
            out.writeByte(e.type());
            LengthEncoded.writeInt(out, dataLength(e));
            encodeData(e, out);
        }
    }

    /** Writes the whole {@code string<lenenc> session state info} field of an OK packet: length, then entries. */
    public void encodeWithLength(ByteBuf out) {
        LengthEncoded.writeInt(out, encodedLength());
        encode(out);
    }

    private static int dataLength(SessionStateChange e) {
        if (e instanceof SessionStateChange.SystemVariable v) {
            return LengthEncoded.sizeOfString(v.name()) + LengthEncoded.sizeOfString(v.value());
        }
        if (e instanceof SessionStateChange.Schema s) {
            return LengthEncoded.sizeOfString(s.name());
        }
        if (e instanceof SessionStateChange.StateChange) {
            return 1;
        }
        if (e instanceof SessionStateChange.Gtids g) {
            return 1 + LengthEncoded.sizeOfString(g.gtids());
        }
        if (e instanceof SessionStateChange.TransactionCharacteristics t) {
            return LengthEncoded.sizeOfString(t.statements());
        }
        if (e instanceof SessionStateChange.TransactionState t) {
            return LengthEncoded.sizeOfString(t.state());
        }
        return ((SessionStateChange.Unknown) e).data().length;
    }

    private static void encodeData(SessionStateChange e, ByteBuf out) {
        if (e instanceof SessionStateChange.SystemVariable v) {
            LengthEncoded.writeString(out, v.name());
            LengthEncoded.writeString(out, v.value());
        } else if (e instanceof SessionStateChange.Schema s) {
            LengthEncoded.writeString(out, s.name());
        } else if (e instanceof SessionStateChange.StateChange s) {
            out.writeByte(s.changed() ? '1' : '0');
        } else if (e instanceof SessionStateChange.Gtids g) {
            out.writeByte(SessionStateChange.Gtids.ENCODING_TEXT);
            LengthEncoded.writeString(out, g.gtids());
        } else if (e instanceof SessionStateChange.TransactionCharacteristics t) {
            LengthEncoded.writeString(out, t.statements());
        } else if (e instanceof SessionStateChange.TransactionState t) {
            LengthEncoded.writeString(out, t.state());
        } else {
            out.writeBytes(((SessionStateChange.Unknown) e).data());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SessionStateChanges other && entries.equals(other.entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return "SessionStateChanges" + entries;
    }
}
