package io.sluice.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.sluice.proxy.config.TlsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;

import javax.net.ssl.SSLHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsContextsTest {
    // RSA key generation dominates these tests' run time on a small machine: make the keys once.
    private static TestPki pki;
    private static KeyPair serverKey;
    private static X509Certificate localhostCert;
    private static SslContext backendServer;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeKeys() throws Exception {
        pki = new TestPki();
        serverKey = TestPki.rsa();
        localhostCert = pki.issue(serverKey, "localhost");
        backendServer = SslContextBuilder.forServer(serverKey.getPrivate(), pki.issue(serverKey, "db1.internal")).build();
    }

    /** A test client that accepts any certificate, for the self-signed case where there is nothing to verify against. */
    private static SslContext trustingClient(String... protocols) throws Exception {
        SslContextBuilder b = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE);
        if (protocols.length > 0) {
            b.protocols(protocols);
        }
        return b.build();
    }

    private static TlsConfig serverFiles(Path cert, Path key) {
        return new TlsConfig(Optional.of(new TlsConfig.CertificateFiles(cert, key)), false, Optional.empty(), true);
    }

    private static TlsConfig backend(Optional<Path> ca, boolean verifyHostname) {
        return new TlsConfig(Optional.empty(), true, ca, verifyHostname);
    }

    // ---- client-facing side

    @Test
    void withoutConfigAFreshSelfSignedCertificateIsServedOverTls13() throws Exception {
        Instant before = Instant.now();
        try (TlsPair pair = new TlsPair(trustingClient(), "localhost", TlsContexts.forClients(null)).pump()) {
            assertThat(pair.failures).isEmpty();
            assertThat(pair.clientSsl.handshakeFuture().isSuccess()).isTrue();
            assertThat(pair.serverSsl.handshakeFuture().isSuccess()).isTrue();
            assertThat(pair.clientSsl.engine().getSession().getProtocol()).isEqualTo("TLSv1.3");

            X509Certificate served = (X509Certificate) pair.clientSsl.engine().getSession().getPeerCertificates()[0];
            assertThat(served.getSubjectX500Principal().getName()).isEqualTo("CN=Sluice auto-generated");
            assertThat(served.getIssuerX500Principal()).isEqualTo(served.getSubjectX500Principal());
            assertThat(((RSAPublicKey) served.getPublicKey()).getModulus().bitLength()).isEqualTo(2048);
            assertThat(Duration.between(before, served.getNotAfter().toInstant()))
                    .isBetween(Duration.ofDays(365).minusMinutes(1), Duration.ofDays(365).plusMinutes(1));
            assertThat(served.getNotBefore().toInstant()).isBefore(before);
            served.checkValidity();
        }
    }

    @Test
    void tls12IsStillNegotiated() throws Exception {
        try (TlsPair pair = new TlsPair(trustingClient("TLSv1.2"), "localhost", TlsContexts.forClients(null)).pump()) {
            assertThat(pair.failures).isEmpty();
            assertThat(pair.serverSsl.handshakeFuture().isSuccess()).isTrue();
            assertThat(pair.serverSsl.engine().getSession().getProtocol()).isEqualTo("TLSv1.2");
        }
    }

    @Test
    void onlyTls13And12AreEnabled() throws Exception {
        try (TlsPair pair = new TlsPair(trustingClient(), "localhost", TlsContexts.forClients(null))) {
            assertThat(pair.serverSsl.engine().getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        }
    }

    @Test
    void tls11ClientHelloIsRefusedWithAProtocolVersionAlert() throws Exception {
        // The JDK's own client will not even offer TLS 1.1 any more, so send a minimal TLS 1.1 ClientHello by hand.
        ByteBuf hello = Unpooled.buffer();
        hello.writeBytes(new byte[] {0x16, 0x03, 0x01, 0x00, 47});   // record: handshake, version 3.1, length 47
        hello.writeBytes(new byte[] {0x01, 0x00, 0x00, 43});         // ClientHello, length 43
        hello.writeBytes(new byte[] {0x03, 0x02});                   // client_version: TLS 1.1
        hello.writeZero(32);                                         // random
        hello.writeByte(0);                                          // session_id: empty
        hello.writeBytes(new byte[] {0x00, 0x04, (byte) 0xc0, 0x13, 0x00, 0x2f}); // ECDHE_RSA_AES128_CBC_SHA, RSA_AES128_CBC_SHA
        hello.writeBytes(new byte[] {0x01, 0x00});                   // compression: null only; no extensions

        try (TlsPair pair = new TlsPair(trustingClient(), "localhost", TlsContexts.forClients(null))) {
            pair.client.releaseOutbound(); // drop the real client's hello: only ours is sent
            pair.sendToServer(hello);

            assertThat(pair.serverSsl.handshakeFuture().cause()).isInstanceOf(SSLHandshakeException.class);
            ByteBuf reply = pair.server.readOutbound();
            try {
                assertThat(reply.getByte(0)).as("record type alert").isEqualTo((byte) 0x15);
                assertThat(reply.getByte(reply.readerIndex() + 6)).as("alert protocol_version").isEqualTo((byte) 70);
            } finally {
                reply.release();
            }
        }
    }

    @Test
    void configuredCertificateWithPkcs8KeyIsServedAndVerifies() throws Exception {
        X509Certificate cert = localhostCert;
        Path certFile = TestPki.writePem(dir.resolve("cert.pem"), cert, pki.caCert);
        Path keyFile = TestPki.writePkcs8Key(dir.resolve("key.pem"), serverKey);
        assertThat(Files.readString(keyFile)).startsWith("-----BEGIN PRIVATE KEY-----");

        SslContext verifyingClient = SslContextBuilder.forClient().trustManager(pki.caCert)
                .endpointIdentificationAlgorithm("HTTPS").build();
        try (TlsPair pair = new TlsPair(verifyingClient, "localhost", TlsContexts.forClients(serverFiles(certFile, keyFile)))
                .pump()) {
            assertThat(pair.failures).isEmpty();
            assertThat(pair.clientSsl.handshakeFuture().isSuccess()).isTrue();
            assertThat(pair.clientSsl.engine().getSession().getPeerCertificates()).containsExactly(cert, pki.caCert);
        }
    }

    @Test
    void pkcs1KeyAsMysqlSslRsaSetupWritesItIsAccepted() throws Exception {
        Path certFile = TestPki.writePem(dir.resolve("server-cert.pem"), localhostCert);
        Path keyFile = TestPki.writePkcs1Key(dir.resolve("server-key.pem"), serverKey);
        assertThat(Files.readString(keyFile)).startsWith("-----BEGIN RSA PRIVATE KEY-----");

        try (TlsPair pair = new TlsPair(trustingClient(), "localhost", TlsContexts.forClients(serverFiles(certFile, keyFile)))
                .pump()) {
            assertThat(pair.serverSsl.handshakeFuture().isSuccess()).isTrue();
        }
    }

    @Test
    void keyOfAnotherCertificateIsRefusedAtStart() throws Exception {
        Path certFile = TestPki.writePem(dir.resolve("cert.pem"), localhostCert);
        Path keyFile = TestPki.writePkcs8Key(dir.resolve("key.pem"), pki.caKey); // a real key, but not this certificate's

        assertThatThrownBy(() -> TlsContexts.forClients(serverFiles(certFile, keyFile)))
                .isInstanceOf(TlsSetupException.class)
                .hasMessage("tls.key " + keyFile + " is not the private key of the certificate in tls.cert " + certFile);
    }

    @Test
    void filesWithoutTheExpectedPemBlocksAreNamed() throws Exception {
        Path notPem = Files.writeString(dir.resolve("notes.txt"), "hello\n");
        Path certOnly = TestPki.writePem(dir.resolve("cert.pem"), pki.caCert);

        assertThatThrownBy(() -> TlsContexts.forClients(serverFiles(notPem, certOnly)))
                .isInstanceOf(TlsSetupException.class)
                .hasMessage("tls.cert " + notPem + ": no '-----BEGIN CERTIFICATE-----' block found");
        assertThatThrownBy(() -> TlsContexts.forClients(serverFiles(certOnly, certOnly)))
                .isInstanceOf(TlsSetupException.class)
                .hasMessage("tls.key " + certOnly + ": no '-----BEGIN ... PRIVATE KEY-----' block found");
    }

    @Test
    void encryptedKeyIsRefusedWithAHint() throws Exception {
        Path certFile = TestPki.writePem(dir.resolve("cert.pem"), localhostCert);
        // A private BouncyCastle provider instance for the encryption only; nothing is registered JVM-wide.
        Path keyFile = TestPki.writePem(dir.resolve("key.pem"), new JcaPKCS8Generator(serverKey.getPrivate(),
                new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC).setProvider(new BouncyCastleProvider())
                        .setPassword("pw".toCharArray()).build()));

        assertThatThrownBy(() -> TlsContexts.forClients(serverFiles(certFile, keyFile)))
                .isInstanceOf(TlsSetupException.class)
                .hasMessageContaining("the private key is encrypted");
    }

    @Test
    void selfSignedCertificateIsValidForAYearFromAnHourAgo() throws Exception {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        X509Certificate cert = TlsContexts.selfSigned(now).chain().get(0);

        assertThat(cert.getNotBefore().toInstant()).isEqualTo(now.minus(Duration.ofHours(1)));
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(now.plus(Duration.ofDays(365)));
        assertThat(cert.getSerialNumber().signum()).isPositive();
        assertThat(cert.getBasicConstraints()).isEqualTo(-1); // not a CA
        cert.verify(cert.getPublicKey());
    }

    // ---- backend side

    @Test
    void backendTlsOffGivesNoContext() throws Exception {
        assertThat(TlsContexts.forBackends(TlsConfig.defaults())).isEmpty();
        assertThat(TlsContexts.forBackends(null)).isEmpty();
    }

    @Test
    void backendCertificateIssuedByBackendCaIsAccepted() throws Exception {
        Path ca = TestPki.writePem(dir.resolve("ca.pem"), pki.caCert);
        SslContext client = TlsContexts.forBackends(backend(Optional.of(ca), true)).orElseThrow();

        try (TlsPair pair = new TlsPair(client, "db1.internal", backendServer).pump()) {
            assertThat(pair.failures).isEmpty();
            assertThat(pair.clientSsl.handshakeFuture().isSuccess()).isTrue();
            assertThat(pair.clientSsl.engine().getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        }
    }

    @Test
    void backendCertificateForAnotherHostIsRefusedUnlessHostnameCheckIsOff() throws Exception {
        Path ca = TestPki.writePem(dir.resolve("ca.pem"), pki.caCert);

        SslContext verifying = TlsContexts.forBackends(backend(Optional.of(ca), true)).orElseThrow();
        try (TlsPair pair = new TlsPair(verifying, "db2.internal", backendServer).pump()) {
            assertThat(pair.clientSsl.handshakeFuture().cause()).isInstanceOf(SSLHandshakeException.class)
                    .hasStackTraceContaining("db2.internal");
        }
        SslContext caOnly = TlsContexts.forBackends(backend(Optional.of(ca), false)).orElseThrow();
        try (TlsPair pair = new TlsPair(caOnly, "db2.internal", backendServer).pump()) {
            assertThat(pair.clientSsl.handshakeFuture().isSuccess()).isTrue();
        }
    }

    @Test
    void withoutBackendCaAnUnknownIssuerIsRefused() throws Exception {
        SslContext client = TlsContexts.forBackends(backend(Optional.empty(), false)).orElseThrow();

        try (TlsPair pair = new TlsPair(client, "db1.internal", backendServer).pump()) {
            assertThat(pair.clientSsl.handshakeFuture().cause()).isInstanceOf(SSLHandshakeException.class)
                    .hasStackTraceContaining("PKIX path building failed");
        }
    }
}
