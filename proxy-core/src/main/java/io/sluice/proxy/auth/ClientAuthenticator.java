package io.sluice.proxy.auth;

import io.netty.buffer.ByteBuf;
import io.sluice.protocol.auth.CachingSha2Password;
import io.sluice.protocol.auth.NativePassword;
import io.sluice.protocol.error.ErrorCode;
import io.sluice.protocol.message.AuthMoreData;
import io.sluice.protocol.message.AuthSwitchRequest;
import io.sluice.protocol.message.ErrPacket;

import java.net.InetAddress;
import java.util.function.Consumer;

/**
 * Authenticates one client login (or COM_CHANGE_USER) as a MySQL server would, before any backend is touched:
 * {@code mysql_native_password}, and {@code caching_sha2_password} with its fast path, full authentication over
 * TLS, and the RSA public-key exchange without TLS. Switches the client to the plugin the account needs.
 *
 * <p>The outcome carries what the backend login needs ({@link Outcome}): the clear-text password when it was
 * seen, else {@code SHA1(password)} recovered from the native answer.
 *
 * <p>Not thread-safe: one instance per login, driven by the session on its event loop.
 */
public final class ClientAuthenticator {

    /** Where the exchange goes: packets to the client, and the verdict. */
    public interface Sink {
        /** Sends an auth packet; the session numbers it. */
        void send(Consumer<ByteBuf> payload);

        void succeeded(Outcome outcome);

        void failed(ErrPacket error);
    }

    /**
     * A verified login.
     *
     * @param verifiedLocally false when Sluice could not check the password itself (a {@code caching_sha2_password}
     *                        account loaded from a MySQL server, whose hash format Sluice does not compute) and the
     *                        backend login is what verifies it
     */
    public record Outcome(Account account, String password, byte[] nativeStage1, boolean verifiedLocally) {
        @Override
        public String toString() {
            return "Outcome[" + account + "]";
        }
    }

    private enum Phase { INITIAL, SWITCHED, SHA2_FULL, SHA2_RSA, DONE }

    private final UserDirectory users;
    private final InetAddress clientAddress;
    private final boolean overTls;
    private final RsaKeys rsa;
    private final byte[] scramble;
    private final Sink sink;
    private Phase phase = Phase.INITIAL;
    private Account account;
    private String user;
    private String switchedTo;

    public ClientAuthenticator(UserDirectory users, InetAddress clientAddress, boolean overTls, RsaKeys rsa,
                               byte[] scramble, Sink sink) {
        this.users = users;
        this.clientAddress = clientAddress;
        this.overTls = overTls;
        this.rsa = rsa;
        this.scramble = scramble;
        this.sink = sink;
    }

    /** Starts with the user name, the plugin the client chose and its first answer. */
    public void start(String userName, String clientPlugin, byte[] answer) {
        this.user = userName == null ? "" : userName;
        account = users.find(user, clientAddress).orElse(null);
        if (account == null) {
            deny(answer.length > 0);
            return;
        }
        String plugin = clientPlugin == null || clientPlugin.isEmpty() ? NativePassword.PLUGIN : clientPlugin;
        boolean empty = answer.length == 0 || (answer.length == 1 && answer[0] == 0);
        if (empty && !account.passwordless() && !NativePassword.PLUGIN.equals(plugin)
                && CachingSha2Password.PLUGIN.equals(plugin)) {
            // The greeting's scramble was for mysql_native_password; a client whose default plugin is another
            // (libmariadb with --default-auth=caching_sha2_password) sends an empty answer and expects a switch.
            switchTo(plugin);
            return;
        }
        tryPlugin(plugin, answer, true);
    }

    /** The client's next auth packet (after a switch request or AuthMoreData). */
    public void onClientData(byte[] data) {
        switch (phase) {
            case SWITCHED -> tryPlugin(switchedTo, data, false);
            case SHA2_FULL -> onFullAuth(data);
            case SHA2_RSA -> onRsaPassword(data);
            default -> sink.failed(ErrPacket.of(ErrorCode.BAD_HANDSHAKE));
        }
    }

    public boolean done() {
        return phase == Phase.DONE;
    }

    private void tryPlugin(String plugin, byte[] answer, boolean maySwitch) {
        if (NativePassword.PLUGIN.equals(plugin) && account.supportsNative()) {
            verifyNative(answer);
        } else if (CachingSha2Password.PLUGIN.equals(plugin)) {
            verifySha2Fast(answer);
        } else if (maySwitch) {
            switchTo(account.supportsNative() ? NativePassword.PLUGIN : CachingSha2Password.PLUGIN);
        } else {
            phase = Phase.DONE;
            sink.failed(ErrPacket.of(ErrorCode.AUTH_MODE_NOT_SUPPORTED));
        }
    }

    private void switchTo(String plugin) {
        phase = Phase.SWITCHED;
        switchedTo = plugin;
        sink.send(new AuthSwitchRequest(plugin, scramble)::encode);
    }

    private void verifyNative(byte[] answer) {
        if (account.passwordless()) {
            if (answer.length == 0) {
                succeed("", null, true);
            } else {
                deny(true);
            }
            return;
        }
        if (answer.length == 0) {
            deny(false);
            return;
        }
        byte[] stage1 = NativePassword.verify(answer, scramble, account.nativeStage2());
        if (stage1 == null) {
            deny(true);
        } else {
            succeed(account.password(), stage1, true);
        }
    }

    private void verifySha2Fast(byte[] answer) {
        // Clients end an empty caching_sha2 answer with a NUL byte.
        if (answer.length == 0 || (answer.length == 1 && answer[0] == 0)) {
            if (account.passwordless()) {
                succeed("", null, true);
            } else {
                deny(false);
            }
            return;
        }
        byte[] cached = users.sha2CacheEntry(account);
        if (cached == null && account.password() != null) {
            cached = CachingSha2Password.cacheEntry(account.password());
        }
        String known = users.sha2Password(account);
        if (cached != null && CachingSha2Password.verifyFast(answer, scramble, cached)) {
            sink.send(b -> new AuthMoreData(new byte[]{AuthMoreData.FAST_AUTH_SUCCESS}).encode(b));
            succeed(account.password() != null ? account.password() : known, null, true);
            return;
        }
        if (cached != null && account.password() != null) {
            deny(true); // the fast path is authoritative when Sluice holds the password itself
            return;
        }
        phase = Phase.SHA2_FULL;
        sink.send(b -> new AuthMoreData(new byte[]{AuthMoreData.PERFORM_FULL_AUTHENTICATION}).encode(b));
    }

    private void onFullAuth(byte[] data) {
        if (overTls) {
            checkClearText(CachingSha2Password.passwordFromClearText(data));
        } else if (data.length == 1 && data[0] == CachingSha2Password.REQUEST_PUBLIC_KEY && rsa != null) {
            phase = Phase.SHA2_RSA;
            byte[] pem = rsa.publicKeyPem().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            sink.send(b -> new AuthMoreData(pem).encode(b));
        } else {
            // A clear-text password over an unencrypted connection is refused, as the server refuses it.
            phase = Phase.DONE;
            sink.failed(ErrPacket.of(ErrorCode.ACCESS_DENIED, user, clientAddress.getHostAddress(), "YES"));
        }
    }

    private void onRsaPassword(byte[] data) {
        byte[] decrypted;
        try {
            decrypted = rsa.decrypt(data);
        } catch (RuntimeException e) {
            deny(true);
            return;
        }
        checkClearText(CachingSha2Password.passwordFromRsa(decrypted, scramble));
    }

    private void checkClearText(String password) {
        if (account.checkClearText(password)) {
            users.rememberSha2(account, password);
            succeed(password, null, true);
        } else if (account.password() == null && account.nativeStage2() == null && !account.passwordless()) {
            // A caching_sha2 hash from a MySQL server: the backend login verifies it.
            succeed(password, null, false);
        } else {
            deny(true);
        }
    }

    private void succeed(String password, byte[] stage1, boolean local) {
        phase = Phase.DONE;
        sink.succeeded(new Outcome(account, password, stage1, local));
    }

    private void deny(boolean usingPassword) {
        phase = Phase.DONE;
        sink.failed(ErrPacket.of(ErrorCode.ACCESS_DENIED, user, clientAddress.getHostAddress(),
                usingPassword ? "YES" : "NO"));
    }
}
